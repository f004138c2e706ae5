"""Infrastructure-as-code checks: does the submission parse, and does it hang together."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import ModuleContext, TerraformModel
from evalkit.terraform.parse import Block
from evalkit.terraform.references import Reference, iter_references, provider_map, traversal_text

# Roots that never name a declaration of the module.
_SCOPE_ROOTS = frozenset({"count", "each", "self", "path", "terraform"})
# Blocks whose expressions are not evaluated against the module (or name things, not values).
_SKIPPED_BLOCKS = frozenset({"terraform", "moved", "import", "removed"})
_SKIPPED_ATTRIBUTES = frozenset({"type", "ignore_changes", "provider", "providers",
                                 "source", "version"})


@check("IAC-PARSE-ERROR", category="iac", severity="critical",
       title="No Terraform, or Terraform that does not parse")
def parse_error(model: TerraformModel) -> list[Finding]:
    """The submission contains no Terraform at all, or a file is not valid HCL2.

    Reported with the parser's line and a description of what it expected. Every other check
    is `n/a` for a submission with no parseable Terraform, and it scores 0.

    Why: code that does not parse cannot be planned, so nothing else about it matters.

    Fix: close every block, string and heredoc; keep prose and markdown fences out of `.tf`
    files; run `terraform fmt` and `terraform validate` before answering.
    """
    if not model.has_terraform:
        return [finding("", 0, "", "the submission contains no Terraform code; answer with "
                        "complete .tf files.")]
    return [finding(failure.file, failure.line, "",
                    f"{failure.file} does not parse as HCL2 at line {failure.line}: "
                    f"{failure.message}.")
            for failure in model.failures]


@check("IAC-UNDEFINED-REFERENCE", category="iac", severity="critical",
       title="Reference to something never declared")
def undefined_reference(model: TerraformModel) -> list[Finding] | None:
    """An expression refers to a resource, data source, variable, local, module, module output
    or provider alias that the submission never declares (including in `depends_on`).

    Why: `terraform plan` stops at the first dangling reference, so the whole configuration
    fails to deploy.

    Fix: declare what is referenced (a `variable`, `locals` entry, resource, or aliased
    `provider`), or correct the name to the one that exists.

        variable "vpc_cidr" { type = string }   # declared before var.vpc_cidr is used
    """
    if not model.modules:
        return None
    findings: list[Finding] = []
    for module in model.modules:
        for block in module.blocks:
            if block.type in _SKIPPED_BLOCKS:
                continue
            owner = _owner_address(block, module)
            findings.extend(_dangling_in_block(module, block, owner, frozenset()))
            findings.extend(_dangling_providers(module, block, owner))
    return findings


def _owner_address(block: Block, module: ModuleContext) -> str:
    if block.type == "resource" and len(block.labels) == 2:
        local = ".".join(block.labels)
    elif block.type == "data" and len(block.labels) == 2:
        local = "data." + ".".join(block.labels)
    elif block.type in ("locals", "terraform"):
        local = block.type
    else:
        local = ".".join([block.type, *block.labels])
    return f"{module.address}.{local}" if module.address else local


def _dangling_in_block(module: ModuleContext, block: Block, owner: str,
                       bound: frozenset[str]) -> Iterator[Finding]:
    for name, attribute in block.attributes.items():
        if name in _SKIPPED_ATTRIBUTES and block.type != "locals":
            continue
        if block.type == "variable" and name != "default":
            continue
        for reference in iter_references(attribute.expr):
            if reference.root in bound:
                continue
            problem = _undeclared(module, reference)
            if problem:
                yield finding(attribute.file, reference.line, owner,
                              f"{owner} refers to {problem}, which is not declared; declare it "
                              "or fix the reference.")
    for nested in block.blocks:
        inner = bound
        if nested.type == "dynamic" and nested.labels:
            iterator = nested.attributes.get("iterator")
            iterator_name = traversal_text(iterator.expr) if iterator else None
            inner = bound | {iterator_name or nested.labels[0]}
        if block.type == "variable" and nested.type == "validation":
            continue_bound = inner
            yield from _dangling_in_block(module, nested, owner, continue_bound)
            continue
        yield from _dangling_in_block(module, nested, owner, inner)


def _undeclared(module: ModuleContext, reference: Reference) -> str | None:
    """A description of what `reference` names if the module does not declare it."""
    root, names = reference.root, reference.names
    if root in _SCOPE_ROOTS or not names:
        return None
    head = names[0]
    if root == "var":
        return None if head in module.variables else f"var.{head}"
    if root == "local":
        return None if head in module.locals else f"local.{head}"
    if root == "module":
        call = module.module_calls.get(head)
        if call is None:
            return f"module.{head}"
        if call.child is not None and len(names) > 1 and names[1] not in call.child.outputs:
            return f"output {names[1]} of module.{head}"
        return None
    if root == "data":
        if len(names) < 2:
            return None
        found = module.resource("data", names[0], names[1])
        return None if found is not None else f"data.{names[0]}.{names[1]}"
    if "_" not in root:
        return None  # not a resource type (provider-defined names, typos of keywords)
    return None if module.resource("managed", root, head) else f"{root}.{head}"


def _dangling_providers(module: ModuleContext, block: Block, owner: str) -> Iterator[Finding]:
    used: list[tuple[str, int]] = []
    if "provider" in block.attributes and block.type in ("resource", "data"):
        attribute = block.attributes["provider"]
        text = traversal_text(attribute.expr)
        if text:
            used.append((text, attribute.line))
    if block.type == "module" and "providers" in block.attributes:
        attribute = block.attributes["providers"]
        used.extend((target, attribute.line) for target in provider_map(attribute.expr).values())
    for key, line in used:
        if "." in key and not _provider_declared(module, key):
            yield finding(block.file, line, owner,
                          f"{owner} uses provider {key}, which has no provider block with that "
                          "alias; add it or fix the alias.")


def _provider_declared(module: ModuleContext, key: str) -> bool:
    if key in module.providers:
        return True
    if module.parent is not None:
        # Child modules receive aliases from their caller (configuration_aliases).
        return True
    return False
