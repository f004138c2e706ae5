"""References that name nothing: what `terraform validate` or `init` stops on.

`dangling_references(model)` reads every declaration of every module (those a call creates
no instance of included: `terraform validate` reads their code too) and lists, one
`Dangling` each, of one `DanglingKind`:

- `UNDECLARED`: a reference to a variable, local, module, module output, resource or data
  source the module does not declare (in `depends_on` too);
- `PROVIDER_ALIAS`: a `provider` or `providers` entry naming an alias the root module
  does not configure, when it configures that provider at all;
- `REPETITION`: ``count.index`` in a block without `count`, or ``each.key``/``each.value``
  in one without `for_each` (a `dynamic` block's items are named after its label);
- `ARGUMENT`: a module call argument its module does not declare as a variable;
- `MISSING_SOURCE`: a local module `source` whose directory the submission lacks;
- `UNINSTALLABLE_SOURCE` / `REGISTRY_SOURCE`: a `source` written as a bare path
  (``modules/vpc``), which is no address Terraform can install, or shaped like a registry
  address although it names a directory of the submission.

Names the expression binds itself (`for` variables, `dynamic` iterators, `count.index` and
`each` where the block repeats, `self`, `path`, `terraform.workspace`) name something, and
registry modules are opaque: any output of theirs exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

from evalkit.terraform.dependencies import SCOPE_ROOTS
from evalkit.terraform.language import REPEATABLE_BLOCKS
from evalkit.terraform.sources import INVALID, REGISTRY, source_kind
from evalkit.terraform.syntax import Reference, provider_entries, references, traversal_text

if TYPE_CHECKING:
    from evalkit.terraform.model import ModuleCall, ModuleContext, TerraformModel
    from evalkit.terraform.parse import Block


class DanglingKind(Enum):
    """What a dangling reference names (see the module doc)."""

    UNDECLARED = "undeclared"
    PROVIDER_ALIAS = "provider alias"
    REPETITION = "repetition"
    ARGUMENT = "argument"
    MISSING_SOURCE = "missing source"
    UNINSTALLABLE_SOURCE = "uninstallable source"
    REGISTRY_SOURCE = "registry source"


# Blocks whose expressions are not evaluated against the module (or name things, not values).
_SKIPPED_BLOCKS = frozenset({"terraform", "moved", "import", "removed"})
# Attributes that hold names, addresses or constraints rather than expressions.
_NOT_EXPRESSIONS: dict[str, frozenset[str]] = {
    "module": frozenset({"source", "version", "providers"}),
    "resource": frozenset({"provider"}),
    "data": frozenset({"provider"}),
    "lifecycle": frozenset({"ignore_changes"}),
}
_MODULE_META_ARGUMENTS = frozenset(
    {"source", "version", "providers", "count", "for_each", "depends_on"}
)


@dataclass(frozen=True)
class Dangling:
    """One reference that names nothing.

    `address` is the declaration that writes it (a resource, ``local.x``, ``module.m``,
    ``output.o``...) and `region` where that resource is deployed ("" when unknown or not a
    resource). `name` is what is named: ``var.x``, ``output o of module.m``, a provider
    key, an argument, a module directory or a `source` as written; `directory` the called
    module's directory for an `ARGUMENT`.
    """

    kind: DanglingKind
    file: str
    line: int
    address: str
    name: str
    region: str = ""
    directory: str = ""


def dangling_references(model: TerraformModel) -> Iterator[Dangling]:
    """Every reference of `model` that names nothing, declaration by declaration."""
    for module in model.declared_modules:
        for block in module.blocks:
            if block.type in _SKIPPED_BLOCKS:
                continue
            owner = _owner(block, module)
            repeatable = block.type in REPEATABLE_BLOCKS
            repeated = _REPEATING & set(block.attributes) if repeatable else frozenset()
            scope = _Scope(frozenset(), _check_scoped_data(block), repeated)
            yield from _in_block(module, block, owner, scope)
            yield from _provider_aliases(module, block, owner)
            yield from _module_call(module, block)


# `count.index` and `each` exist only inside a repeatable block that sets the matching
# meta-argument.
_REPETITION_ROOTS = {"count": "count", "each": "for_each"}
_REPEATING = frozenset(_REPETITION_ROOTS.values())


@dataclass(frozen=True)
class _Scope:
    """What a block's expressions may name besides declarations: `bound` names (dynamic
    iterators), data sources of its `check` block, the meta-arguments that repeat it."""

    bound: frozenset[str]
    scoped: frozenset[tuple[str, str]]
    repeated: frozenset[str]


@dataclass(frozen=True)
class _Owner:
    address: str
    region: str = ""


def _owner(block: Block, module: ModuleContext) -> _Owner:
    if block.type in ("resource", "data") and len(block.labels) == 2:
        mode = "managed" if block.type == "resource" else "data"
        resource = module.resource(mode, *block.labels)
        if resource is not None:
            return _Owner(resource.address, resource.location)
    local = block.type if block.type == "locals" else ".".join([block.type, *block.labels])
    return _Owner(module.qualified(local))


def _check_scoped_data(block: Block) -> frozenset[tuple[str, str]]:
    """Data sources declared inside a `check` block, visible only to that block."""
    if block.type != "check":
        return frozenset()
    return frozenset(
        (b.labels[0], b.labels[1]) for b in block.blocks if b.type == "data" and len(b.labels) == 2
    )


def _in_block(
    module: ModuleContext, block: Block, owner: _Owner, scope: _Scope
) -> Iterator[Dangling]:
    for name, attribute in block.attributes.items():
        if name in _NOT_EXPRESSIONS.get(block.type, ()):
            continue
        if block.type == "variable" and name != "default":
            continue
        address = module.qualified(f"local.{name}") if block.type == "locals" else owner.address
        for reference in references(attribute.expr):
            if reference.root in scope.bound:
                continue
            kind, named = _dangling(module, reference, scope)
            if named:
                yield Dangling(kind, attribute.file, reference.line, address, named, owner.region)
    for nested in block.blocks:
        inner = scope
        if nested.type == "dynamic" and nested.labels:
            iterator = nested.attributes.get("iterator")
            iterator_name = traversal_text(iterator.expr) if iterator else None
            inner = replace(scope, bound=scope.bound | {iterator_name or nested.labels[0]})
        yield from _in_block(module, nested, owner, inner)


def _dangling(
    module: ModuleContext, reference: Reference, scope: _Scope
) -> tuple[DanglingKind, str | None]:
    argument = _REPETITION_ROOTS.get(reference.root)
    if argument is not None:
        if reference.names and argument not in scope.repeated:
            return DanglingKind.REPETITION, f"{reference.root}.{reference.names[0]}"
        return DanglingKind.REPETITION, None
    return DanglingKind.UNDECLARED, _undeclared(module, reference, scope.scoped)


def _undeclared(
    module: ModuleContext, reference: Reference, scoped: frozenset[tuple[str, str]]
) -> str | None:
    """How to name what `reference` names if the module does not declare it."""
    root, names = reference.root, reference.names
    if root in SCOPE_ROOTS or not names:
        return None
    head = names[0]
    if root == "var":
        return None if head in module.variables else f"var.{head}"
    if root == "local":
        return None if head in module.locals else f"local.{head}"
    if root == "module":
        call = module.declared_module_calls.get(head)
        if call is None:
            return f"module.{head}"
        code = call.template
        if code is not None and len(names) > 1 and names[1] not in code.outputs:
            return f"output {names[1]} of module.{head}"
        return None
    if root == "data":
        if len(names) < 2 or (names[0], names[1]) in scoped:
            return None
        found = module.resource("data", names[0], names[1])
        return None if found is not None else f"data.{names[0]}.{names[1]}"
    if "_" not in root:
        return None  # not a resource type (provider-defined names, typos of keywords)
    return None if module.resource("managed", root, head) else f"{root}.{head}"


def _provider_aliases(module: ModuleContext, block: Block, owner: _Owner) -> Iterator[Dangling]:
    used: list[tuple[str, int]] = []
    if "provider" in block.attributes and block.type in ("resource", "data"):
        attribute = block.attributes["provider"]
        text = traversal_text(attribute.expr)
        if text:
            used.append((text, attribute.line))
    if block.type == "module" and "providers" in block.attributes:
        used.extend(
            (target, line)
            for _, target, line in provider_entries(block.attributes["providers"].expr)
        )
    for key, line in used:
        if "." in key and not _provider_declared(module, key):
            yield Dangling(
                DanglingKind.PROVIDER_ALIAS, block.file, line, owner.address, key, owner.region
            )


def _provider_declared(module: ModuleContext, key: str) -> bool:
    # A child module receives aliases from its caller (configuration_aliases), so only the
    # root module's aliases can be known to be missing. A submission with no configuration
    # for the provider at all relies on one kept outside it (a given providers.tf): whether
    # the alias exists there cannot be known, so it is not reported.
    if key in module.providers or module.parent is not None:
        return True
    name = key.split(".", 1)[0]
    return not any(
        k == name or k.startswith(f"{name}.")
        for other in module.root.modules
        for k in other.providers
    )


def _module_call(module: ModuleContext, block: Block) -> Iterator[Dangling]:
    """A `source` Terraform cannot install, a local module whose directory is missing, or
    an argument its module never declares."""
    call = (
        module.declared_module_calls.get(block.labels[0])
        if (block.type == "module" and block.labels)
        else None
    )
    if call is None:
        return
    address = module.qualified(f"module.{call.name}")
    source = block.attributes.get("source")
    bare = _bare_path_source(call)
    if bare is not None and source is not None:
        yield Dangling(bare, source.file, source.line, address, call.source or "")
    missing = module.missing_local_source(call)
    if missing is not None and source is not None:
        yield Dangling(DanglingKind.MISSING_SOURCE, source.file, source.line, address, missing)
    code = call.template
    if code is None:
        return
    for name, attribute in block.attributes.items():
        if name not in _MODULE_META_ARGUMENTS and name not in code.variables:
            yield Dangling(
                DanglingKind.ARGUMENT,
                attribute.file,
                attribute.line,
                address,
                name,
                directory=code.directory,
            )


def _bare_path_source(call: ModuleCall) -> DanglingKind | None:
    """`UNINSTALLABLE_SOURCE` or `REGISTRY_SOURCE` for a `source` written as a bare path
    (``modules/vpc``), else None.

    Terraform installs a source that is neither ``./``/``../`` nor a registry, git or URL
    address from nowhere: `terraform init` stops and asks for ``./modules/vpc``. A source
    shaped like a registry address (``modules/network/vpc``) that names a directory of the
    submission is the same mistake: the registry has no such module.
    """
    source = call.source
    if not source:
        return None  # no literal source: not this mistake
    kind = source_kind(source)
    if kind == INVALID:
        return DanglingKind.UNINSTALLABLE_SOURCE
    if kind == REGISTRY and call.template is not None:
        return DanglingKind.REGISTRY_SOURCE
    return None
