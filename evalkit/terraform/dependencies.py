"""What depends on what in a submission: the graph of its declarations.

The nodes are the declarations of every module instance that exists or may exist: resources
and data sources (by address), locals, variables, module outputs, module calls and whole
modules. Each has direct edges to what the references written in it name. Every question
of the form "what does this expression or block depend on" is answered here:

- `DependencyGraph.resources_named`: the resources an expression names itself;
- `DependencyGraph.resources_reached`: the resources an expression is written from,
  following locals, variables and local module outputs to their source;
- `DependencyGraph.created_before`: whether Terraform creates one resource before another
  (a path of references and `depends_on` leads there);
- `DependencyGraph.referrers` and `module_calls_referencing`: who names a resource;
- `depends_on_entry`: how one resource names another in its `depends_on`.

Node ids are strings: a resource's address (``module.net.aws_subnet.a``), else
``local:<module>.<name>``, ``var:<module>.<name>``, ``output:<module>.<name>``,
``module:<module>`` (everything a module declares, what ``depends_on = [module.x]`` waits
for) and ``call:<module>`` (the `depends_on` of the call that created a module instance).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from evalkit.terraform.references import SCOPE_ROOTS, Reference, iter_references

if TYPE_CHECKING:
    from evalkit.terraform.model import ModuleCall, ModuleContext, Resource, TerraformModel

__all__ = ["SCOPE_ROOTS", "DependencyGraph", "Follow", "depends_on_entry", "resource_address"]


class Follow(Enum):
    """Which edges a question follows.

    `VALUES`: what a value is written from. A module output stands for its `value`; a bare
    ``module.x`` (an object of outputs) stands for nothing in particular; a resource is
    where the walk stops. `CREATION_ORDER`: what Terraform creates first. Every argument
    counts (`depends_on` too), a bare ``module.x`` waits for everything the module
    declares, and resources are followed to what they depend on in turn.
    """

    VALUES = "values"
    CREATION_ORDER = "creation order"


def resource_address(reference: Reference, context: ModuleContext) -> str | None:
    """The address of the resource or data source a reference names, else None."""
    root, names = reference.root, reference.names
    if root == "data":
        local = f"data.{names[0]}.{names[1]}" if len(names) >= 2 else None
    elif root in SCOPE_ROOTS or root in ("var", "local", "module") or not names:
        local = None
    else:
        local = f"{root}.{names[0]}"
    return context.qualified(local) if local is not None else None


class DependencyGraph:
    """The declarations of a model and the references between them (see the module doc)."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self._edges: dict[tuple[str, Follow], set[str]] = {}
        self._closures: dict[str, set[str]] = {}

    # --- direct references --------------------------------------------------------------

    def resources_named(self, expr: Any, context: ModuleContext) -> list[str]:
        """Resource and data source addresses that an expression names directly, in the
        order they are written."""
        found: list[str] = []
        for reference in iter_references(expr):
            address = resource_address(reference, context)
            if address is not None and address not in found:
                found.append(address)
        return found

    def nodes_named(
        self, expr: Any, context: ModuleContext, follow: Follow = Follow.VALUES
    ) -> set[str]:
        """The declarations an expression names directly (node ids)."""
        found: set[str] = set()
        for reference in iter_references(expr):
            node = self._node_named(reference, context, follow)
            if node is not None:
                found.add(node)
        return found

    def _node_named(
        self, reference: Reference, context: ModuleContext, follow: Follow
    ) -> str | None:
        root, names = reference.root, reference.names
        if root in SCOPE_ROOTS or not names:
            return None
        if root == "local":
            return f"local:{context.address}.{names[0]}"
        if root == "var":
            return f"var:{context.address}.{names[0]}"
        if root == "module":
            if len(names) == 1:
                whole = context.qualified(f"module.{names[0]}")
                return f"module:{whole}" if follow is Follow.CREATION_ORDER else None
            child = _instance_read(context, names[0])
            return f"output:{child.address}.{names[1]}" if child is not None else None
        return resource_address(reference, context)

    # --- transitive questions -----------------------------------------------------------

    def resources_reached(
        self, exprs: Iterable[Any], context: ModuleContext, follow: Follow = Follow.VALUES
    ) -> set[str]:
        """Addresses of the resources that expressions of `context` are written from,
        following locals, variables and local module outputs to their source."""
        start: set[str] = set()
        for expr in exprs:
            start |= self.nodes_named(expr, context, follow)
        return {node for node in self._closure(start, follow) if _is_resource(node)}

    def created_before(self, later: Resource, earlier: Resource) -> bool:
        """`earlier` is created before `later`: a path of references and `depends_on`
        leads from `later` to it."""
        reached = self._closures.get(later.address)
        if reached is None:
            reached = self._closure(
                self._edges_of(later.address, Follow.CREATION_ORDER), Follow.CREATION_ORDER
            )
            self._closures[later.address] = reached
        return earlier.address in reached

    def _closure(self, start: Iterable[str], follow: Follow) -> set[str]:
        seen: set[str] = set()
        stack = list(start)
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if follow is Follow.VALUES and _is_resource(node):
                continue  # a value read from a resource comes from that resource
            stack.extend(self._edges_of(node, follow))
        return seen

    def _edges_of(self, node: str, follow: Follow) -> set[str]:
        key = (node, follow)
        if key not in self._edges:
            self._edges[key] = self._compute_edges(node, follow)
        return self._edges[key]

    def _compute_edges(self, node: str, follow: Follow) -> set[str]:
        kind, _, rest = node.partition(":") if not _is_resource(node) else ("", "", node)
        if kind == "":
            return self._resource_edges(rest, follow)
        if kind == "module":
            return self._module_edges(rest)
        if kind == "call":
            return self._call_edges(rest, follow)
        prefix, name = _split_node(rest)
        module = self._modules.get(prefix)
        if module is None:
            return set()
        if kind == "local":
            local = module.locals.get(name)
            return self.nodes_named(local.expr, module, follow) if local is not None else set()
        if kind == "var":
            definition = module.definition(f"var.{name}")
            if definition is None:
                return set()
            attribute, where = definition
            return self.nodes_named(attribute.expr, where, follow)
        output = module.outputs.get(name)
        if output is None:
            return set()
        if follow is Follow.VALUES:
            value = output.attributes.get("value")
            return self.nodes_named(value.expr, module, follow) if value is not None else set()
        found: set[str] = set()
        for attribute in output.attributes.values():
            found |= self.nodes_named(attribute.expr, module, follow)
        return found

    def _resource_edges(self, address: str, follow: Follow) -> set[str]:
        resource = self._resources.get(address)
        if resource is None:
            return set()
        module = resource.context
        found: set[str] = set()
        for block in resource.block.walk():
            for attribute in block.attributes.values():
                found |= self.nodes_named(attribute.expr, module, follow)
        if module.call is not None:
            found.add(f"call:{module.address}")
        return found

    def _module_edges(self, prefix: str) -> set[str]:
        module = self._modules.get(prefix)
        if module is None:
            return set()
        found = set(module.resources)
        found.update(
            f"module:{child.address}" for child in self.model.modules if child.parent is module
        )
        return found

    def _call_edges(self, prefix: str, follow: Follow) -> set[str]:
        module = self._modules.get(prefix)
        if module is None or module.call is None or module.parent is None:
            return set()
        parent = module.parent
        depends_on = module.call.block.attributes.get("depends_on")
        found = self.nodes_named(depends_on.expr, parent, follow) if depends_on else set()
        if parent.call is not None:
            found.add(f"call:{parent.address}")
        return found

    @cached_property
    def _modules(self) -> dict[str, ModuleContext]:
        return {module.address: module for module in self.model.modules}

    @cached_property
    def _resources(self) -> dict[str, Resource]:
        return {
            address: resource
            for module in self.model.modules
            for address, resource in module.resources.items()
        }

    # --- who names a resource -----------------------------------------------------------

    def referrers(self, address: str) -> list[tuple[Resource, str]]:
        """Resources (and their attribute names) whose expressions name `address`."""
        return self._referrer_index.get(address, [])

    @cached_property
    def _referrer_index(self) -> dict[str, list[tuple[Resource, str]]]:
        index: dict[str, list[tuple[Resource, str]]] = {}
        for module in self.model.modules:
            for resource in module.resources.values():
                for block in resource.block.walk():
                    for name, attribute in block.attributes.items():
                        for address in self.resources_named(attribute.expr, module):
                            entries = index.setdefault(address, [])
                            if (resource, name) not in entries:
                                entries.append((resource, name))
        return index

    def module_calls_referencing(self, address: str) -> list[ModuleCall]:
        """Module calls whose arguments name `address`."""
        return self._module_call_index.get(address, [])

    @cached_property
    def _module_call_index(self) -> dict[str, list[ModuleCall]]:
        """Each resource address with the module calls whose arguments name it, in the order
        of the modules and their calls (read in one pass: it is asked once per resource)."""
        index: dict[str, list[ModuleCall]] = {}
        for module in self.model.modules:
            for call in module.module_calls.values():
                named: set[str] = set()
                for attribute in call.block.attributes.values():
                    named.update(self.resources_named(attribute.expr, module))
                for address in named:
                    index.setdefault(address, []).append(call)
        return index


def depends_on_entry(subject: Resource, other: Resource) -> str:
    """How `subject`'s module names `other` in `depends_on`: its address, or the call of the
    child module that declares it (resources inside a module cannot be named from outside)."""
    prefix = f"{subject.context.address}." if subject.context.address else ""
    local = other.address.removeprefix(prefix)
    if local.startswith("module."):
        return ".".join(local.split(".")[:2])
    return local


def _instance_read(context: ModuleContext, call_name: str) -> ModuleContext | None:
    """The module instance whose outputs ``module.<call_name>.<output>`` reads: the call's
    first loaded instance (a call that creates none, or a registry module, has no outputs
    evalkit can read)."""
    call = context.module_calls.get(call_name)
    return call.child if call is not None else None


def _is_resource(node: str) -> bool:
    return not node.startswith(("local:", "var:", "output:", "module:", "call:"))


def _split_node(rest: str) -> tuple[str, str]:
    """``module.app.name`` as (``module.app``, ``name``); ``.name`` (a root's) as ("", name)."""
    prefix, _, name = rest.rpartition(".")
    return prefix, name
