"""IAC-UNDEFINED-REFERENCE: Reference to something never declared."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.dependencies import SCOPE_ROOTS
from evalkit.terraform.model import (
    ModuleCall,
    ModuleContext,
    TerraformModel,
)
from evalkit.terraform.parse import Block
from evalkit.terraform.sources import INVALID, REGISTRY, source_kind
from evalkit.terraform.syntax import Reference, provider_entries, references, traversal_text

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


@check(
    "IAC-UNDEFINED-REFERENCE",
    category="iac",
    severity="critical",
    title="Reference to something never declared",
)
def undefined_reference(model: TerraformModel) -> list[Finding] | None:
    """An expression refers to a resource, data source, variable, local, module, module output
    or provider alias that the submission never declares (including in `depends_on`), a
    module call passes an argument its module does not declare, or a local module `source`
    names a directory the submission does not contain. A `source` written as a bare path
    (`source = "modules/vpc"`, `source = "template"`) is no address Terraform can install
    (a local path starts with `./` or `../`; registry, git and URL forms are remote), and
    neither is a registry-shaped one that names a directory of the submission: both are
    reported with the `./` form to use, and the directory is read as the module meant.

    Names bound by the expression itself are fine: `for` variables, `dynamic` iterators,
    `count.index`, `each.*`, `self`, `path.*`, `terraform.workspace`. Registry modules are
    opaque, so any output of theirs is accepted.

    Why: `terraform plan` stops at the first dangling reference, so the whole configuration
    fails to deploy.

    Fix: declare what is referenced (a `variable`, `locals` entry, resource, or aliased
    `provider`), or correct the name to the one that exists.

        variable "vpc_cidr" { type = string }   # declared before var.vpc_cidr is used
    """
    if not model.modules or not model.has_terraform:
        return None
    findings: list[Finding] = []
    # Declarations are checked whether or not they create anything: `terraform validate`
    # reads the code of a module called with count = 0 too.
    for module in model.declared_modules:
        for block in module.blocks:
            if block.type in _SKIPPED_BLOCKS:
                continue
            owner = _owner(block, module)
            findings.extend(
                _dangling_in_block(module, block, owner, frozenset(), _check_scoped_data(block))
            )
            findings.extend(_dangling_providers(module, block, owner))
            findings.extend(_module_call_problems(module, block))
    return findings


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


def _dangling_in_block(
    module: ModuleContext,
    block: Block,
    owner: _Owner,
    bound: frozenset[str],
    scoped: frozenset[tuple[str, str]],
) -> Iterator[Finding]:
    for name, attribute in block.attributes.items():
        if name in _NOT_EXPRESSIONS.get(block.type, ()):
            continue
        if block.type == "variable" and name != "default":
            continue
        address = module.qualified(f"local.{name}") if block.type == "locals" else owner.address
        for reference in references(attribute.expr):
            if reference.root in bound:
                continue
            problem = _undeclared(module, reference, scoped)
            if problem:
                yield finding(
                    attribute.file,
                    reference.line,
                    address,
                    f"{address} refers to {problem}, which is not declared; declare "
                    "it or fix the reference.",
                    owner.region,
                )
    for nested in block.blocks:
        inner = bound
        if nested.type == "dynamic" and nested.labels:
            iterator = nested.attributes.get("iterator")
            iterator_name = traversal_text(iterator.expr) if iterator else None
            inner = bound | {iterator_name or nested.labels[0]}
        yield from _dangling_in_block(module, nested, owner, inner, scoped)


def _undeclared(
    module: ModuleContext, reference: Reference, scoped: frozenset[tuple[str, str]]
) -> str | None:
    """A description of what `reference` names if the module does not declare it."""
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


def _dangling_providers(module: ModuleContext, block: Block, owner: _Owner) -> Iterator[Finding]:
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
            yield finding(
                block.file,
                line,
                owner.address,
                f"{owner.address} uses provider {key}, which has no provider block "
                "with that alias; add it or fix the alias.",
                owner.region,
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


def _module_call_problems(module: ModuleContext, block: Block) -> Iterator[Finding]:
    """A local module whose directory is missing, or an argument its module never declares."""
    call = (
        module.declared_module_calls.get(block.labels[0])
        if (block.type == "module" and block.labels)
        else None
    )
    if call is None:
        return
    address = module.qualified(f"module.{call.name}")
    bare = _bare_path_source(module, call)
    if bare is not None:
        source = block.attributes["source"]
        yield finding(source.file, source.line, address, f"{address} {bare}")
    missing = module.missing_local_source(call)
    if missing is not None:
        source = block.attributes["source"]
        yield finding(
            source.file,
            source.line,
            address,
            f"{address} uses the local module {missing}, which the submission does "
            "not contain; add its files or fix the source path.",
        )
    code = call.template
    if code is None:
        return
    for name, attribute in block.attributes.items():
        if name not in _MODULE_META_ARGUMENTS and name not in code.variables:
            yield finding(
                attribute.file,
                attribute.line,
                address,
                f"{address} passes {name}, which {code.directory} does not "
                "declare as a variable; declare it there or remove the argument.",
            )


def _bare_path_source(module: ModuleContext, call: ModuleCall) -> str | None:
    """What is wrong with a `source` written as a bare path (``modules/vpc``), or None.

    Terraform installs a source that is neither ``./``/``../`` nor a registry, git or URL
    address from nowhere: `terraform init` stops and asks for ``./modules/vpc``. A source
    shaped like a registry address (``modules/network/vpc``) that names a directory of the
    submission is the same mistake: the registry has no such module.
    """
    source = call.source
    if not source:
        return None  # no literal source: not this mistake
    kind = source_kind(source)
    fix = f'use "./{source}" (a local path must start with ./ or ../).'
    if kind == INVALID:
        return (
            f'has source = "{source}", which Terraform cannot install: it is no registry, '
            f"git or URL address and not a relative path; {fix}"
        )
    if kind == REGISTRY and call.template is not None:
        return (
            f'has source = "{source}", which Terraform looks up in the module registry '
            f"although it is a directory of the submission; {fix}"
        )
    return None
