"""The Terraform model of a submission: what the code declares and what its values mean.

`build_model` parses a submission's files, groups them into modules by directory (local
module sources that the submission contains are loaded as child modules, one per module
instance of a `count`/`for_each` call), and exposes resources with their evaluated
attributes, `count`/`for_each` instances, nested and `dynamic` blocks, provider alias and
region. Values that need `terraform apply` stay `Unknown` and remember what they refer to, so
checks can follow references.

Every resource and module instance has an `Existence`: known to exist, may exist (its count
or for_each is unknown, or it is gated on the workspace), or known not to exist (``count =
0``, an empty for_each, a false flag with the default inputs). What is known not to exist is
declared (references to it resolve) but invisible: `TerraformModel.resources`, `modules`,
`ModuleContext.resources` and `module_calls`, `find_resource` and `referrers` never return
it, so no check judges it or counts it as evidence.

A root configuration has one or more `deployments`: each ``-var-file`` it ships, else its
auto-loaded inputs; checks judge each deployment on its own model.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from evalkit.terraform import providers
from evalkit.terraform.dependencies import DependencyGraph
from evalkit.terraform.evaluator import Evaluator, NamesNothing, Step, apply_steps, as_collection
from evalkit.terraform.parse import Attribute, Block, ParsedFile, ParseFailure
from evalkit.terraform.parse_memo import parse_file_once
from evalkit.terraform.references import clear_cache
from evalkit.terraform.sources import LOCAL, REMOTE, source_kind
from evalkit.terraform.syntax import end_line
from evalkit.terraform.types import TypeSpec, conform, type_spec
from evalkit.terraform.values import Unknown

TERRAFORM_SUFFIXES = (".tf", ".tf.json")
TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")


def is_terraform_file(name: str) -> bool:
    return name.endswith(TERRAFORM_SUFFIXES)


def is_tfvars_file(name: str) -> bool:
    return name.endswith(TFVARS_SUFFIXES)


def is_auto_tfvars(name: str) -> bool:
    base = posixpath.basename(name)
    return base in ("terraform.tfvars", "terraform.tfvars.json") or base.endswith(
        (".auto.tfvars", ".auto.tfvars.json")
    )


# --- existence ---------------------------------------------------------------------------------

# At most this many instances of one resource or module call are modelled.
MAX_RESOURCE_INSTANCES = 256
MAX_MODULE_INSTANCES = 64


class Existence(Enum):
    EXISTS = "exists"
    MAY_EXIST = "may exist"
    ABSENT = "known not to exist"

    @property
    def visible(self) -> bool:
        """Whether checks see it: what may exist is judged like what exists."""
        return self is not Existence.ABSENT

    def within(self, outer: Existence) -> Existence:
        """The existence of something declared inside `outer` (a module instance)."""
        if Existence.ABSENT in (self, outer):
            return Existence.ABSENT
        if Existence.MAY_EXIST in (self, outer):
            return Existence.MAY_EXIST
        return Existence.EXISTS


# More instances than any deployable configuration declares with one `count`; past it the
# instances are not listed one by one.
MAX_COUNT = 10_000


def expansion(block: Block, context: ModuleContext) -> list[tuple[Any, dict[str, Any]]] | None:
    """The instances a block's `count`/`for_each` creates, as (key, scope) pairs: one keyless
    instance without either, none when known to be empty, None when unknown."""
    attributes = block.attributes
    if "count" in attributes:
        count = context.evaluate(attributes["count"].expr, {})
        if isinstance(count, bool):
            count = int(count)
        if isinstance(count, int | float) and count < 1:
            return []  # -inf included, which int() cannot take
        if isinstance(count, int | float) and count <= MAX_COUNT:
            return [(index, {"count": {"index": index}}) for index in range(int(count))]
        # An unknown count, or one too large to list (`count = 6e16` would never plan), is
        # judged through one representative instance, like any unknown expansion.
        return None
    if "for_each" in attributes:
        items = _for_each_items(context.evaluate(attributes["for_each"].expr, {}))
        if items is None:
            return None
        return [(key, {"each": {"key": key, "value": value}}) for key, value in items]
    return [(None, {})]


def unknown_expansion_scope(block: Block) -> dict[str, Any]:
    """`count.index`/`each` of the one instance standing for an unknown expansion."""
    if "count" in block.attributes:
        return {"count": {"index": Unknown(reason="count unknown")}}
    unknown = Unknown(reason="for_each unknown")
    return {"each": {"key": unknown, "value": unknown}}


# --- bodies, resources, instances --------------------------------------------------------------


class Body:
    """A block's attributes and nested blocks, evaluated lazily in a scope."""

    def __init__(
        self, block: Block, context: ModuleContext, scope: dict[str, Any], address: str
    ) -> None:
        self.block = block
        self.context = context
        self.scope = scope
        self.address = address
        self._values: dict[str, Any] = {}
        self._nested: dict[str, list[Body]] = {}

    @property
    def file(self) -> str:
        return self.block.file

    @property
    def line(self) -> int:
        return self.block.line

    def has(self, name: str) -> bool:
        return name in self.block.attributes

    def attribute(self, name: str) -> Attribute | None:
        return self.block.attributes.get(name)

    def get(self, name: str, default: Any = None) -> Any:
        """The evaluated value of attribute `name`, or `default` when it is not set."""
        if name not in self.block.attributes:
            return default
        if name not in self._values:
            key = (self.address, name)
            if key in self.context.root.evaluating:
                return Unknown(reason="reference cycle")
            self.context.root.evaluating.add(key)
            try:
                value = self.context.evaluate(self.block.attributes[name].expr, self.scope)
            finally:
                self.context.root.evaluating.discard(key)
            self._values[name] = value
        return self._values[name]

    def line_of(self, name: str) -> int:
        attribute = self.block.attributes.get(name)
        return attribute.line if attribute else self.block.line

    def line_of_text(self, name: str, text: str) -> int:
        """The first source line of attribute `name` that contains `text`.

        Points a finding at the offending line of a multi-line value (a heredoc script, a
        map); falls back to the attribute's own line when the text was not written there
        (it came from a variable, say).
        """
        attribute = self.block.attributes.get(name)
        if attribute is None:
            return self.block.line
        return self.context.root.line_containing(attribute, text)

    def blocks(self, block_type: str) -> list[Body]:
        """Nested blocks of a type, `dynamic` ones expanded where `for_each` is known.

        The same Body objects are returned on every call, so values evaluated for one check
        are there for the next."""
        if block_type in self._nested:
            return list(self._nested[block_type])
        found = [
            Body(b, self.context, self.scope, self.address)
            for b in self.block.blocks
            if b.type == block_type
        ]
        for dynamic in self.block.blocks:
            if dynamic.type == "dynamic" and dynamic.labels == [block_type]:
                found.extend(self._expand_dynamic(dynamic, block_type))
        self._nested[block_type] = found
        return list(found)

    def _expand_dynamic(self, dynamic: Block, block_type: str) -> list[Body]:
        content = dynamic.blocks_of("content")
        if not content:
            return []
        holder = Body(dynamic, self.context, self.scope, self.address)
        iterator = holder.get("iterator")
        name = iterator if isinstance(iterator, str) else block_type
        if "iterator" in dynamic.attributes:
            name = _raw_identifier(dynamic.attributes["iterator"]) or name
        items = _dynamic_items(holder.get("for_each"))
        if items is None:
            unknown = Unknown(reason="dynamic for_each unknown")
            items = [(unknown, unknown)]
        return [
            Body(
                content[0],
                self.context,
                {**self.scope, name: {"key": key, "value": value}},
                self.address,
            )
            for key, value in items
        ]


class ResourceInstance(Body):
    """One instance of a resource (`count`/`for_each` expanded)."""

    def __init__(self, resource: Resource, key: Any, scope: dict[str, Any]) -> None:
        address = resource.address if key is None else f"{resource.address}[{_key_text(key)}]"
        super().__init__(resource.block, resource.context, scope, address)
        self.resource = resource
        self.key = key

    def step(self, step: Step) -> Any:
        if step.kind != "attr":
            return Unknown((f"{self.address}[{step.key}]",))
        name = str(step.key)
        if self.has(name):
            value = self.get(name)
            if value is None and self._generated_when_null(name):
                return Unknown((f"{self.address}.{name}",))
            return value
        computed = self.resource.computed_attribute(self, name)
        if computed is not None:
            return computed
        nested = [b for b in self.block.blocks if b.type == name]
        if nested:
            return [NestedValue(Body(b, self.context, self.scope, self.address)) for b in nested]
        return Unknown((f"{self.address}.{name}",))

    def _generated_when_null(self, name: str) -> bool:
        """A null `name` (or a null attribute beside its `<name>_prefix`) is not null once
        applied: the provider generates it (``name = null, name_prefix = "app-"``, the
        pattern of modules that offer both)."""
        return name == "name" or self.get(f"{name}_prefix") is not None


class NestedValue:
    """A nested block read through a reference (`aws_lb.x.access_logs[0].bucket`)."""

    def __init__(self, body: Body) -> None:
        self.body = body

    def step(self, step: Step) -> Any:
        if step.kind == "attr" and self.body.has(str(step.key)):
            return self.body.get(str(step.key))
        return Unknown((f"{self.body.address}.{step.key}",))


class Resource:
    """A `resource` or `data` block in a module."""

    def __init__(self, mode: str, block: Block, context: ModuleContext) -> None:
        self.mode = mode
        self.block = block
        self.context = context
        self.type = block.labels[0] if block.labels else ""
        self.name = block.labels[1] if len(block.labels) > 1 else ""

    @property
    def address(self) -> str:
        local = (
            f"{self.type}.{self.name}"
            if self.mode == "managed"
            else (f"data.{self.type}.{self.name}")
        )
        return f"{self.context.address}.{local}" if self.context.address else local

    @property
    def file(self) -> str:
        return self.block.file

    @property
    def line(self) -> int:
        return self.block.line

    @cached_property
    def config(self) -> Body:
        """The resource body with `count.index`/`each` unknown: for resource-wide questions."""
        unknown = Unknown(reason="instance key")
        scope: dict[str, Any] = {}
        if "count" in self.block.attributes:
            scope["count"] = {"index": unknown}
        if "for_each" in self.block.attributes:
            scope["each"] = {"key": unknown, "value": unknown}
        return Body(self.block, self.context, scope, self.address)

    @cached_property
    def instances(self) -> list[ResourceInstance]:
        """The instances `count`/`for_each` creates: none when known to be empty, one keyless
        instance (with `count.index`/`each` unknown) when the expansion is unknown."""
        pairs = expansion(self.block, self.context)
        if pairs is None:
            return [ResourceInstance(self, None, unknown_expansion_scope(self.block))]
        return [ResourceInstance(self, key, scope) for key, scope in pairs[:MAX_RESOURCE_INSTANCES]]

    @cached_property
    def existence(self) -> Existence:
        """Whether the resource exists: its own expansion within its module instance's."""
        if self.context.existence is Existence.ABSENT:
            return Existence.ABSENT
        if not self.is_expanded:
            own = Existence.EXISTS
        elif not self.instances:
            own = Existence.ABSENT
        elif any(instance.key is None for instance in self.instances):
            own = Existence.MAY_EXIST
        else:
            own = Existence.EXISTS
        return own.within(self.context.existence)

    @property
    def is_expanded(self) -> bool:
        return "count" in self.block.attributes or "for_each" in self.block.attributes

    @cached_property
    def provider_key(self) -> str:
        """``aws`` or ``aws.<alias>``: the provider configuration this resource uses."""
        attribute = self.block.attributes.get("provider")
        if attribute is not None:
            raw = _raw_reference(attribute)
            if raw:
                return raw
        return self.type.split("_", 1)[0] if "_" in self.type else self.type

    @property
    def provider_alias(self) -> str:
        return self.provider_key.split(".", 1)[1] if "." in self.provider_key else ""

    @cached_property
    def region(self) -> str:
        """The region this resource is created in, or "" when it cannot be known (the
        registered provider rules decide, see `evalkit.terraform.providers`)."""
        return providers.rules().region_of(self)

    @property
    def location(self) -> str:
        """How findings say where a resource is: its region if known, else what the provider
        rules give instead (the provider alias)."""
        return providers.rules().location_of(self)

    def computed_attribute(self, instance: ResourceInstance, name: str) -> Any:
        """Attributes the provider computes that evalkit can still know (policy JSON,
        region), or None."""
        return providers.rules().computed_attribute(instance, name)

    def __repr__(self) -> str:
        return f"<Resource {self.address}>"


# --- modules -----------------------------------------------------------------------------------


@dataclass
class ModuleCall:
    """A `module` block. Its `instances` are the loaded module instances (none for a registry
    module or a missing source, none when `count`/`for_each` is known to be empty)."""

    name: str
    block: Block
    source: str
    instances: list[ModuleContext] = field(default_factory=list)
    existence: Existence = Existence.EXISTS
    # The module's code as loaded for this call, also when no instance exists: what
    # declaration checks (undeclared names, unknown arguments) read.
    template: ModuleContext | None = None

    @property
    def child(self) -> ModuleContext | None:
        """The first loaded instance: the module's code as the submission contains it."""
        return self.instances[0] if self.instances else None

    @property
    def is_expanded(self) -> bool:
        return "count" in self.block.attributes or "for_each" in self.block.attributes


class ModuleOutputs:
    """``module.<name>`` in an expression: instances are picked by an index when the call has
    `count`/`for_each`, outputs are read directly otherwise."""

    def __init__(self, call: ModuleCall) -> None:
        self.call = call

    def step(self, step: Step) -> Any:
        call = self.call
        if not call.is_expanded:
            if call.child is None:
                return Unknown((f"module.{call.name}.{step.key}",))
            return InstanceOutputs(call.child, f"module.{call.name}").step(step)
        if step.kind != "index":
            return Unknown((f"module.{call.name}.{step.key}",))
        label = f"module.{call.name}[{_key_text(step.key)}]"
        for instance in call.instances:
            if instance.key is None or _key_text(instance.key) == _key_text(step.key):
                return InstanceOutputs(instance, label)
        return Unknown((label,))

    def splat(self) -> list[Any]:
        return [InstanceOutputs(i, f"module.{self.call.name}") for i in self.call.instances]

    def collection(self) -> Any:
        call = self.call
        if not call.is_expanded or any(i.key is None for i in call.instances) or not call.child:
            return Unknown((f"module.{call.name}",))
        outputs = [
            InstanceOutputs(i, f"module.{call.name}[{_key_text(i.key)}]") for i in call.instances
        ]
        if "count" in call.block.attributes:
            return outputs
        return {str(i.key): o for i, o in zip(call.instances, outputs, strict=True)}


class InstanceOutputs:
    """The outputs of one module instance."""

    def __init__(self, child: ModuleContext, label: str) -> None:
        self.child = child
        self.label = label

    def step(self, step: Step) -> Any:
        child = self.child
        name = str(step.key)
        if step.kind != "attr" or name not in child.outputs:
            return Unknown((f"{self.label}.{name}",))
        output = child.outputs[name]
        if "value" not in output.attributes:
            return None
        return child.evaluate(output.attributes["value"].expr, {})


class ModuleContext:
    """One instantiated module: its declarations and the resolver for its expressions."""

    def __init__(
        self,
        directory: str,
        address: str,
        root: TerraformModel,
        parent: ModuleContext | None = None,
        call: ModuleCall | None = None,
        key: Any = None,
        scope: dict[str, Any] | None = None,
        existence: Existence = Existence.EXISTS,
    ) -> None:
        self.directory = directory
        self.directories = [directory]  # a root may span several (see _root_groups)
        self.address = address
        self.root = root
        self.parent = parent
        self.call = call
        # Which instance of a `count`/`for_each` call this is, and the `count.index`/`each`
        # its call arguments are evaluated with.
        self.key = key
        self.scope = scope or {}
        self.existence = existence
        self.blocks: list[Block] = []
        self.tfvars: dict[str, Attribute] = {}
        self.evaluator = Evaluator(self)
        self._local_cache: dict[str, Any] = {}
        self._var_cache: dict[str, Any] = {}
        self._type_cache: dict[str, TypeSpec | None] = {}

    # declarations, indexed once
    def _of_type(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]

    @cached_property
    def variables(self) -> dict[str, Block]:
        return {b.labels[0]: b for b in self._of_type("variable") if b.labels}

    @cached_property
    def locals(self) -> dict[str, Attribute]:
        found: dict[str, Attribute] = {}
        for block in self._of_type("locals"):
            found.update(block.attributes)
        return found

    @cached_property
    def outputs(self) -> dict[str, Block]:
        return {b.labels[0]: b for b in self._of_type("output") if b.labels}

    @cached_property
    def providers(self) -> dict[str, Block]:
        found: dict[str, Block] = {}
        for block in self._of_type("provider"):
            if not block.labels:
                continue
            alias = Body(block, self, {}, "provider").get("alias")
            key = f"{block.labels[0]}.{alias}" if isinstance(alias, str) else block.labels[0]
            found.setdefault(key, block)
        return found

    @cached_property
    def declared_resources(self) -> dict[str, Resource]:
        """Every resource and data block, whether it exists or not: what names resolve to."""
        found: dict[str, Resource] = {}
        for mode, block_type in (("managed", "resource"), ("data", "data")):
            for block in self._of_type(block_type):
                if len(block.labels) == 2:
                    resource = Resource(mode, block, self)
                    found.setdefault(resource.address, resource)
        return found

    @cached_property
    def resources(self) -> dict[str, Resource]:
        """The resources and data sources that exist or may exist."""
        return {a: r for a, r in self.declared_resources.items() if r.existence.visible}

    @property
    def module_calls(self) -> dict[str, ModuleCall]:
        """The module calls that exist or may exist (registry ones included)."""
        return {n: c for n, c in self.declared_module_calls.items() if c.existence.visible}

    @cached_property
    def declared_module_calls(self) -> dict[str, ModuleCall]:
        """Every `module` block, whether it creates instances or not."""
        calls: dict[str, ModuleCall] = {}
        for block in self._of_type("module"):
            if not block.labels:
                continue
            source = Body(block, self, {}, "module").get("source")
            calls.setdefault(
                block.labels[0],
                ModuleCall(block.labels[0], block, source if isinstance(source, str) else ""),
            )
        return calls

    def missing_local_source(self, call: ModuleCall) -> str | None:
        """The directory a call's local `source` names when the submission lacks it."""
        # The cheap tests first: the source expression is evaluated again only for a local
        # source whose module was not loaded.
        if call.template is not None or source_kind(call.source) != LOCAL:
            return None
        source = call.block.attributes.get("source")
        directory = posixpath.dirname(call.block.file)
        target = _local_source_directory(directory, source) if source else None
        if target is None:
            return None
        present = any(posixpath.dirname(name) == target for name in self.root.terraform_files)
        return None if present else target

    def resource(self, mode: str, resource_type: str, name: str) -> Resource | None:
        local = f"{resource_type}.{name}" if mode == "managed" else f"data.{resource_type}.{name}"
        return self.declared_resources.get(f"{self.address}.{local}" if self.address else local)

    def provider_body(self, key: str) -> Body | None:
        """The provider block a resource of this module uses, following module inheritance."""
        if key in self.providers:
            return Body(self.providers[key], self, {}, f"provider.{key}")
        if self.parent is None or self.call is None:
            return None
        mapping = Body(self.call.block, self.parent, {}, "module").attribute("providers")
        if mapping is not None:
            passed = _raw_provider_map(mapping)
            if key in passed:
                return self.parent.provider_body(passed[key])
        return self.parent.provider_body(key) if "." not in key else None

    # evaluation
    def evaluate(self, expr: Any, scope: dict[str, Any]) -> Any:
        return self.evaluator.evaluate(expr, scope)

    def variable_value(self, name: str) -> Any:
        if name in self._var_cache:
            return self._var_cache[name]
        self._var_cache[name] = Unknown((self.qualified(f"var.{name}"),), "reference cycle")
        value = self._compute_variable(name)
        self._var_cache[name] = value
        return value

    def _compute_variable(self, name: str) -> Any:
        """The variable's value as Terraform passes it: the caller's argument, else the
        winning ``.tfvars`` entry, else the default; converted to its `type` (left-out
        `optional()` attributes are null or their default), and a null replaced by the
        default when the variable says ``nullable = false``."""
        reference = self.qualified(f"var.{name}")
        if name not in self.variables:
            return Unknown((reference,), "undeclared variable")
        block = self.variables[name]
        default = block.attributes.get("default")
        if self.call is not None and self.parent is not None and name in self.call.block.attributes:
            value = self.parent.evaluate(self.call.block.attributes[name].expr, self.scope)
        elif name in self.tfvars:
            value = self.evaluate(self.tfvars[name].expr, {})
        elif default is None:
            return Unknown((reference,), "no default")
        else:
            value = self.evaluate(default.expr, {})
        if value is None and default is not None and _not_nullable(block):
            value = self.evaluate(default.expr, {})
        spec = self._variable_type(name)
        return conform(value, spec) if spec is not None else value

    def _variable_type(self, name: str) -> TypeSpec | None:
        """The variable's type constraint when converting to it can change a value."""
        if name not in self._type_cache:
            attribute = self.variables[name].attributes.get("type")
            spec = type_spec(attribute.expr) if attribute is not None else None
            self._type_cache[name] = spec if spec is not None and spec.has_optional else None
        return self._type_cache[name]

    def local_value(self, name: str) -> Any:
        if name in self._local_cache:
            return self._local_cache[name]
        if name not in self.locals:
            return Unknown((self.qualified(f"local.{name}"),), "undeclared local")
        self._local_cache[name] = Unknown((self.qualified(f"local.{name}"),), "reference cycle")
        value = self.evaluate(self.locals[name].expr, {})
        self._local_cache[name] = value
        return value

    def definition(self, reference: str) -> tuple[Attribute, ModuleContext] | None:
        """Where ``local.x`` or ``var.x`` gets its value, and the module that evaluates it.

        For a variable that is the caller's module argument, else the winning ``.tfvars``
        entry, else the default; None when the name is not declared or has no value here.
        """
        root, _, name = reference.partition(".")
        if root == "local" and name in self.locals:
            return self.locals[name], self
        if root != "var" or name not in self.variables:
            return None
        if (
            self.call is not None
            and self.parent is not None
            and (name in self.call.block.attributes)
        ):
            return self.call.block.attributes[name], self.parent
        if name in self.tfvars:
            return self.tfvars[name], self
        default = self.variables[name].attributes.get("default")
        return (default, self) if default is not None else None

    def qualified(self, local: str) -> str:
        """`local` (``var.x``, ``aws_vpc.main``) prefixed with this module's address."""
        return f"{self.address}.{local}" if self.address else local

    def resolve(self, root: str, steps: list[Step], scope: dict[str, Any]) -> Any:
        head = str(steps[0].key) if steps and steps[0].kind == "attr" else None
        if root == "var" and head is not None:
            return apply_steps(self.variable_value(head), steps[1:])
        if root == "local" and head is not None:
            return apply_steps(self.local_value(head), steps[1:])
        if root in ("count", "each"):
            return Unknown(reason=f"error: {root} used outside count/for_each")
        if root == "path":
            return apply_steps({"module": self.directory or ".", "root": ".", "cwd": "."}, steps)
        if root == "terraform":
            # The workspace is chosen when Terraform runs: a configuration gated on it is
            # meant for some workspace other than "default", so it may exist.
            return Unknown((f"terraform.{head}",) if head else ("terraform",), "chosen at run")
        if root == "self":
            return Unknown(("self",))
        if root == "module" and head is not None:
            call = self.declared_module_calls.get(head)
            if call is None:
                return Unknown((self.qualified(f"module.{head}"),), "undeclared module")
            return apply_steps(ModuleOutputs(call), steps[1:])
        if root == "data" and len(steps) >= 2:
            resource = self.resource("data", str(steps[0].key), str(steps[1].key))
            if resource is None:
                return Unknown(
                    (self.qualified(f"data.{steps[0].key}.{steps[1].key}"),),
                    "undeclared data source",
                )
            return apply_steps(ResourceValue(resource), steps[2:])
        if head is not None:
            resource = self.resource("managed", root, head)
            if resource is not None:
                return apply_steps(ResourceValue(resource), steps[1:])
            return Unknown((self.qualified(f"{root}.{head}"),), "undeclared resource")
        return Unknown((root,), "unknown name")


class ResourceValue:
    """A resource referenced from an expression; instances are picked by the next step."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def step(self, step: Step) -> Any:
        instances = self.resource.instances
        if not self.resource.is_expanded:
            return instances[0].step(step)
        if step.kind == "index":
            for instance in instances:
                if instance.key is not None and _key_text(instance.key) == _key_text(step.key):
                    return instance
            return Unknown((f"{self.resource.address}[{_key_text(step.key)}]",))
        return Unknown((f"{self.resource.address}.{step.key}",))

    def splat(self) -> list[Any]:
        return list(self.resource.instances)

    def collection(self) -> Any:
        """The instances as a list (`count`) or a map by key (`for_each`), when known."""
        resource = self.resource
        instances = resource.instances
        if not resource.is_expanded or any(i.key is None for i in instances):
            return Unknown((resource.address,))
        if "count" in resource.block.attributes:
            return list(instances)
        return {str(instance.key): instance for instance in instances}


# --- the whole submission ----------------------------------------------------------------------

# At most this many ``-var-file`` deployments of one root are judged.
MAX_DEPLOYMENTS = 6


@dataclass(frozen=True)
class Deployment:
    """One way a root configuration is planned: with the ``-var-file`` named `var_file`, or
    ("") with the auto-loaded inputs only."""

    var_file: str
    model: TerraformModel


@dataclass
class TerraformModel:
    """Everything evalkit knows about one submission's Terraform."""

    files: dict[str, str]
    parsed: dict[str, ParsedFile] = field(default_factory=dict)
    failures: list[ParseFailure] = field(default_factory=list)
    # Module instances that exist or may exist, roots first.
    modules: list[ModuleContext] = field(default_factory=list)
    # Those and the code of module calls known to create no instance (count = 0).
    declared_modules: list[ModuleContext] = field(default_factory=list)
    evaluating: set[tuple[str, str]] = field(default_factory=set)
    # A model planned with one -var-file: it is a deployment of its own.
    is_variant: bool = False
    # The submission's root configurations (each a list of directories, see _root_groups),
    # and the one this model grades when it is the model of a single root.
    root_groups: list[list[str]] = field(default_factory=list)
    graded_group: list[str] | None = None
    # The HCL parser of the run (None: the process default), for files parsed later (tests).
    parser: str | None = None

    @cached_property
    def root_models(self) -> list[TerraformModel]:
        """One model per root configuration, graded on its own: relations never cross roots.

        A submission with environment folders (``environments/dev``, ``environments/prod``,
        each with its own backend and tfvars, calling shared modules) is several
        configurations that `terraform` plans one at a time. Files and parsed trees are
        shared; every root model loads its own module instances with its own inputs."""
        if len(self.root_groups) <= 1 or self.graded_group is not None:
            return [self]
        models = []
        for group in self.root_groups:
            model = TerraformModel(
                self.files, self.parsed, self.failures, graded_group=group, parser=self.parser
            )
            _assemble_modules(model)
            models.append(model)
        return models

    @cached_property
    def deployments(self) -> list[Deployment]:
        """The deployments of this root configuration, each judged on its own.

        A ``-var-file`` the submission ships (``prod.tfvars``, ``environments/dev.tfvars``)
        that sets a variable of the root is a deployment: the root planned with it, over the
        auto-loaded ``terraform.tfvars`` and ``*.auto.tfvars``, so what it sets applies
        whether it adds a resource or removes one. With no such file the configuration as
        the auto-loaded inputs and defaults give it is the one deployment. A root that
        ships var-files is planned with them, also when it cannot be planned without one (a
        required variable without default). At most `MAX_DEPLOYMENTS` are judged, in name
        order. Parsed files are shared; each deployment evaluates its own values."""
        if self.is_variant or (len(self.root_groups) > 1 and self.graded_group is None):
            return [Deployment("", self)]
        found: list[Deployment] = []
        for name in self.var_files():
            variant = self.with_var_file(name)
            if variant is not None:
                found.append(Deployment(name, variant))
            if len(found) == MAX_DEPLOYMENTS:
                break
        return found or [Deployment("", self)]

    def graded_models(self) -> list[TerraformModel]:
        """Every model a check judges: one per deployment of each root configuration."""
        return [d.model for root in self.root_models for d in root.deployments]

    def declared_resource(self, address: str) -> Resource | None:
        """The resource or data block at exactly `address`, whether it exists or not."""
        prefix, _ = split_module_path(address)
        for module in self.declared_modules:
            if module.address == prefix and address in module.declared_resources:
                return module.declared_resources[address]
        return None

    @property
    def terraform_files(self) -> list[str]:
        return [name for name in self.files if is_terraform_file(name)]

    def release(self) -> None:
        """Break the model's reference cycles (module <-> resources <-> evaluator) once it is
        no longer needed, so reference counting frees it at once instead of leaving a whole
        parse tree for the cyclic garbage collector to trace."""
        for module in self.declared_modules:
            for resource in module.__dict__.get("declared_resources", {}).values():
                resource.__dict__.pop("instances", None)
                resource.__dict__.pop("config", None)
            module.__dict__.clear()
        for deployment in self.__dict__.pop("deployments", []):
            if deployment.model is not self:
                deployment.model.release()
        for model in self.__dict__.pop("root_models", []):
            if model is not self:
                model.release()
        self.modules.clear()
        self.declared_modules.clear()
        self.__dict__.pop("dependencies", None)
        # The reference cache keeps every expression it walked alive until the next model is
        # built; emptied now, the trees go with the model instead of being traced by the
        # collector when it resumes after the submission.
        clear_cache()

    @property
    def has_terraform(self) -> bool:
        """True when some .tf file declares something or fails to parse.

        Empty and comment-only files are no Terraform: an answer made of them declares
        nothing to plan.
        """
        return any(failure.file.endswith(TERRAFORM_SUFFIXES) for failure in self.failures) or any(
            parsed.blocks for name, parsed in self.parsed.items() if is_terraform_file(name)
        )

    def resources(self, *types: str, mode: str = "managed") -> Iterator[Resource]:
        """Every resource of the given types (all types when none) across all modules."""
        for module in self.modules:
            for resource in module.resources.values():
                if resource.mode == mode and (not types or resource.type in types):
                    yield resource

    def data_sources(self, *types: str) -> Iterator[Resource]:
        return self.resources(*types, mode="data")

    @cached_property
    def _lines_by_file(self) -> dict[str, list[str]]:
        return {}

    def file_lines(self, file: str) -> list[str]:
        """The lines of `file` (one empty line for a file the model lacks), split once per
        model: checks look lines up for many values of the same files. Do not modify."""
        lines = self._lines_by_file.get(file)
        if lines is None:
            lines = self._lines_by_file[file] = self.files.get(file, "").split("\n")
        return lines

    def line_containing(self, attribute: Attribute, text: str) -> int:
        """The first line of `attribute`'s source that contains `text`, else its own line."""
        end = end_line(attribute.expr, attribute.line)
        lines = self.file_lines(attribute.file)
        for number in range(attribute.line, min(end, len(lines)) + 1):
            if text and text in lines[number - 1]:
                return number
        return attribute.line

    def resource_at(self, file: str, line: int) -> Resource | None:
        """The resource or data source whose block spans `line` of `file`."""
        for module in self.modules:
            for resource in module.declared_resources.values():
                block = resource.block
                if block.file == file and block.line <= line <= block.end_line:
                    return resource
        return None

    def tfvars_attributes(self) -> Iterator[Attribute]:
        """Every assignment in every ``.tfvars`` file, auto-loaded or not."""
        for name in sorted(self.parsed):
            if is_tfvars_file(name):
                for block in self.parsed[name].blocks:
                    if block.type == "__attributes__":
                        yield from block.attributes.values()

    def evaluate_constant(self, expr: Any) -> Any:
        """The value of an expression that may name nothing (a .tfvars value)."""
        return Evaluator(NamesNothing()).evaluate(expr)

    def find_resource(
        self, reference: str, context: ModuleContext | None = None
    ) -> Resource | None:
        """The resource a reference such as ``aws_vpc.main.id`` or ``data.x.y.json`` names,
        when it exists or may exist (``module.net[0].aws_subnet.a`` names one instance's)."""
        address_prefix, rest = split_module_path(reference)
        parts = _strip_indexes(rest).split(".")
        candidates = self.modules if context is None else [context]
        if context is None:
            exact = [m for m in candidates if m.address == address_prefix]
            # A reference that names a module without its instance key (a registry-style
            # ``module.net.x`` or a key evalkit could not know) matches its first instance.
            candidates = (
                exact
                or [
                    m
                    for m in candidates
                    if _strip_indexes(m.address) == _strip_indexes(address_prefix)
                ][:1]
            )
        for module in candidates:
            if parts[:1] == ["data"] and len(parts) >= 3:
                found = module.resource("data", parts[1], parts[2])
            elif len(parts) >= 2:
                found = module.resource("managed", parts[0], parts[1])
            else:
                found = None
            if found is not None:
                return found if found.existence.visible else None
        return None

    @cached_property
    def dependencies(self) -> DependencyGraph:
        """What depends on what among the declarations (see `evalkit.terraform.dependencies`)."""
        return DependencyGraph(self)

    def module_calls_referencing(self, address: str) -> list[ModuleCall]:
        """Module calls whose arguments refer to `address`."""
        return self.dependencies.module_calls_referencing(address)

    def referrers(self, address: str) -> list[tuple[Resource, str]]:
        """Resources (and their attribute names) whose expressions refer to `address`."""
        return self.dependencies.referrers(address)

    def addresses_referenced_by(self, expr: Any, context: ModuleContext) -> list[str]:
        """Resource and data source addresses that an expression names directly."""
        return self.dependencies.resources_named(expr, context)

    def referenced_resources(self, value: Any, *types: str) -> list[Resource]:
        """Resources that an evaluated value's unknown parts refer to, optionally by type."""
        from evalkit.terraform.values import collect_refs

        found: list[Resource] = []
        for ref in collect_refs(value):
            resource = self.find_resource(ref)
            if (
                resource is not None
                and resource not in found
                and (not types or resource.type in types)
            ):
                found.append(resource)
        return found

    def var_files(self) -> list[str]:
        """``.tfvars`` files Terraform does not load by itself: ``-var-file`` candidates such as
        ``prod.tfvars`` or ``environments/prod/terraform.tfvars``."""
        roots = {d for module in self.modules if not module.address for d in module.directories}
        # The tfvars files in another root's folder are that root's inputs, not this one's.
        others = {d for group in self.root_groups for d in group} - roots
        return [
            name
            for name in sorted(self.parsed)
            if is_tfvars_file(name)
            and not (is_auto_tfvars(name) and posixpath.dirname(name) in roots)
            and posixpath.dirname(name) not in others
        ]

    def with_var_file(self, name: str) -> TerraformModel | None:
        """The submission as planned with ``-var-file=<name>``, or None when the file sets no
        variable of a root module.

        The file's values win over the auto-loaded ones in every root module that declares
        one of its variables. Parsed files are shared; everything evaluated is fresh.
        """
        entries: dict[str, Attribute] = {}
        for block in self.parsed[name].blocks:
            if block.type == "__attributes__":
                entries.update(block.attributes)
        variant = TerraformModel(
            self.files,
            self.parsed,
            self.failures,
            is_variant=True,
            graded_group=self.graded_group,
            parser=self.parser,
        )
        _assemble_modules(variant, entries)
        changed = any(
            not module.address and entries.keys() & module.variables.keys()
            for module in variant.modules
        )
        return variant if changed else None


def build_model(files: dict[str, str], parser: str | None = None) -> TerraformModel:
    clear_cache()
    model = TerraformModel(files, parser=parser)
    for name in sorted(files):
        if is_terraform_file(name) or is_tfvars_file(name):
            result = parse_file_once(name, files[name], parser)
            if isinstance(result, ParseFailure):
                model.failures.append(result)
            else:
                model.parsed[name] = result
    _assemble_modules(model)
    return model


def _assemble_modules(model: TerraformModel, var_file: dict[str, Attribute] | None = None) -> None:
    """Group directories into root modules and load their module instances; `var_file`
    entries win over the auto-loaded values in every root that declares them."""
    by_directory: dict[str, list[ParsedFile]] = {}
    for name, parsed in model.parsed.items():
        if is_terraform_file(name):
            by_directory.setdefault(posixpath.dirname(name), []).append(parsed)
    sources = _local_module_directories(model, by_directory)
    roots = [d for d in sorted(by_directory) if d not in sources]
    model.root_groups = _root_groups(roots, by_directory)
    contexts = []
    for group in model.root_groups:
        if model.graded_group is not None and group != model.graded_group:
            continue
        primary = group[0]
        root = ModuleContext(primary, "", model)
        root.directories = group
        tfvars: dict[str, Attribute] = {}
        for directory in reversed(group):
            _fill(root, by_directory[directory])
            tfvars.update(_tfvars_for(model, directory))
        if var_file and var_file.keys() & root.variables.keys():
            tfvars.update(var_file)
        root.tfvars = tfvars
        contexts.append(root)
    # Every root is known before any count is evaluated: which .tfvars files are -var-file
    # candidates depends on where the roots are.
    model.modules.extend(contexts)
    model.declared_modules.extend(contexts)
    for root in contexts:
        _load_children(model, root, by_directory, depth=0)


def _root_groups(roots: list[str], by_directory: dict[str, list[ParsedFile]]) -> list[list[str]]:
    """Root directories that form one configuration, the one configuring providers first.

    Separate roots that each configure providers (environments/dev, environments/prod) stay
    separate. Roots of which at most one configures providers are parts of one configuration
    that an answer spread over directories (``provider.tf`` beside ``lib/main.tf``), and are
    merged; `terraform` would be run on them together.
    """
    configuring = [
        d
        for d in roots
        if any(b.type in ("provider", "terraform") for f in by_directory[d] for b in f.blocks)
    ]
    if len(roots) <= 1 or len(configuring) > 1:
        return [[d] for d in roots]
    primary = configuring[0] if configuring else roots[0]
    return [[primary, *[d for d in roots if d != primary]]]


def _fill(context: ModuleContext, parsed_files: list[ParsedFile]) -> None:
    for parsed in parsed_files:
        context.blocks.extend(b for b in parsed.blocks if b.type != "__attributes__")


def _tfvars_for(model: TerraformModel, directory: str) -> dict[str, Attribute]:
    values: dict[str, Attribute] = {}
    # terraform.tfvars first, then *.auto.tfvars in lexical order: later files win, as in
    # Terraform.
    names = [n for n in model.parsed if is_auto_tfvars(n) and posixpath.dirname(n) == directory]
    names.sort(key=lambda n: (not posixpath.basename(n).startswith("terraform."), n))
    for name in names:
        for block in model.parsed[name].blocks:
            if block.type == "__attributes__":
                values.update(block.attributes)
    return values


def _local_module_directories(
    model: TerraformModel, by_directory: dict[str, list[ParsedFile]]
) -> set[str]:
    found: set[str] = set()
    for directory, parsed_files in by_directory.items():
        for parsed in parsed_files:
            for block in parsed.blocks:
                if block.type != "module" or "source" not in block.attributes:
                    continue
                target = _local_source_directory(directory, block.attributes["source"])
                if target is not None and target in by_directory and target != directory:
                    found.add(target)
    return found


def _local_source_directory(directory: str, source: Attribute) -> str | None:
    from evalkit.terraform.evaluator import Evaluator as _Evaluator

    value = _Evaluator(NamesNothing()).evaluate(source.expr)
    if not isinstance(value, str):
        return None
    kind = source_kind(value)
    if kind == REMOTE or (kind != LOCAL and "//" in value):
        return None
    # A bare path (``modules/vpc``, which Terraform rejects or looks up in the registry) is
    # read as the ``./modules/vpc`` it means when the submission holds that directory; the
    # mistake itself is reported by IAC-UNDEFINED-REFERENCE.
    joined = posixpath.normpath(posixpath.join(directory or ".", value))
    if joined.startswith(".."):
        return None  # outside the submission: never read
    return "" if joined == "." else joined


def _is_ancestor(context: ModuleContext, directory: str) -> bool:
    current: ModuleContext | None = context
    while current is not None:
        if directory in current.directories:
            return True
        current = current.parent
    return False


def _load_children(
    model: TerraformModel,
    parent: ModuleContext,
    by_directory: dict[str, list[ParsedFile]],
    depth: int,
) -> None:
    if depth > 8:
        return
    for call in parent.declared_module_calls.values():
        pairs = expansion(call.block, parent)
        if pairs is None:
            call.existence = Existence.MAY_EXIST.within(parent.existence)
            pairs = [(None, unknown_expansion_scope(call.block))]
        elif not pairs:
            # count = 0 or an empty for_each: the module contributes nothing, but its code
            # is still loaded once for what checks its declarations.
            call.existence = Existence.ABSENT
            pairs = [(None, unknown_expansion_scope(call.block))]
        else:
            call.existence = parent.existence
        source = call.block.attributes.get("source")
        # Sources are relative to the file's own directory (roots may span several).
        target = (
            _local_source_directory(posixpath.dirname(call.block.file), source) if source else None
        )
        if target is None or target not in by_directory or _is_ancestor(parent, target):
            continue  # a module that calls itself (or its caller) is a cycle Terraform rejects
        base = parent.qualified(f"module.{call.name}")
        for key, scope in pairs[:MAX_MODULE_INSTANCES]:
            address = base if key is None else f"{base}[{_key_text(key)}]"
            child = ModuleContext(target, address, model, parent, call, key, scope, call.existence)
            _fill(child, by_directory[target])
            call.template = call.template or child
            model.declared_modules.append(child)
            if child.existence.visible:
                call.instances.append(child)
                model.modules.append(child)
            _load_children(model, child, by_directory, depth + 1)


# --- helpers -----------------------------------------------------------------------------------


def _not_nullable(variable: Block) -> bool:
    """``nullable = false``: a null the variable receives becomes its default."""
    attribute = variable.attributes.get("nullable")
    if attribute is None:
        return False
    return Evaluator(NamesNothing()).evaluate(attribute.expr) is False


def _for_each_items(collection: Any) -> list[tuple[Any, Any]] | None:
    collection = as_collection(collection)
    if isinstance(collection, dict):
        return sorted(collection.items())
    if isinstance(collection, list) and all(isinstance(v, str | int | float) for v in collection):
        unique = sorted({str(v) for v in collection})
        return [(v, v) for v in unique]
    return None


def _dynamic_items(collection: Any) -> list[tuple[Any, Any]] | None:
    """What a `dynamic` block iterates: unlike a resource's for_each, any list or map is
    allowed; list elements keep their order and type, keyed by index."""
    collection = as_collection(collection)
    if isinstance(collection, dict):
        return sorted(collection.items())
    if isinstance(collection, list):
        return list(enumerate(collection))
    return None


def _key_text(key: Any) -> str:
    return str(key) if isinstance(key, int) else f'"{key}"'


def split_module_path(reference: str) -> tuple[str, str]:
    """``module.app["eu"].module.db[0]`` and the rest of a reference that starts with it."""
    position = 0
    end = 0
    while reference.startswith("module.", position):
        cursor = position + len("module.")
        while cursor < len(reference) and reference[cursor] not in ".[":
            cursor += 1
        if cursor < len(reference) and reference[cursor] == "[":
            cursor = _closing_bracket(reference, cursor) + 1
        if cursor >= len(reference) or reference[cursor] != ".":
            break  # ``module.x`` alone names the call, not a resource inside it
        end = cursor
        position = cursor + 1
    return reference[:end], reference[end + 1 :] if end else reference


def _closing_bracket(text: str, start: int) -> int:
    quoted = False
    for index in range(start + 1, len(text)):
        char = text[index]
        if char == '"' and text[index - 1] != "\\":
            quoted = not quoted
        elif char == "]" and not quoted:
            return index
    return len(text) - 1


def _strip_indexes(reference: str) -> str:
    out: list[str] = []
    depth = 0
    for char in reference:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _raw_reference(attribute: Attribute) -> str | None:
    """The dotted text of a bare reference expression such as ``aws.west``."""
    from evalkit.terraform.references import traversal_text

    return traversal_text(attribute.expr)


def _raw_identifier(attribute: Attribute) -> str | None:
    return _raw_reference(attribute)


def _raw_provider_map(attribute: Attribute) -> dict[str, str]:
    from evalkit.terraform.references import provider_map

    return provider_map(attribute.expr)
