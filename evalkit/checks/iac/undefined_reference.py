"""IAC-UNDEFINED-REFERENCE: Reference to something never declared."""

from __future__ import annotations

from collections.abc import Callable

from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform import Dangling, DanglingKind, TerraformModel, dangling_references


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

    `count.index` in a block that sets no `count`, and `each.*` in one that sets no
    `for_each` (in a `dynamic` block of a resource without it, say), name nothing either.

    Names bound by the expression itself are fine: `for` variables, `dynamic` iterators,
    `count.index` and `each.*` where the block repeats, `self`, `path.*`,
    `terraform.workspace`. Registry modules are opaque, so any output of theirs is accepted.

    Why: `terraform plan` stops at the first dangling reference, so the whole configuration
    fails to deploy.

    Fix: declare what is referenced (a `variable`, `locals` entry, resource, or aliased
    `provider`), or correct the name to the one that exists.

        variable "vpc_cidr" { type = string }   # declared before var.vpc_cidr is used
    """
    if not model.modules or not model.has_terraform:
        return None
    return [
        finding(x.file, x.line, x.address, f"{x.address} {_MESSAGES[x.kind](x)}", x.region)
        for x in dangling_references(model)
    ]


_REPETITION = {
    "count": (
        "refers to {}, but sets no count: count.index exists only in a resource, data source "
        "or module that sets count."
    ),
    "each": (
        "refers to {}, but sets no for_each: each exists only in a resource, data source or "
        "module that sets for_each (a dynamic block names its items after its label, as in "
        "ingress.value)."
    ),
}
_FIX_SOURCE = 'use "./{}" (a local path must start with ./ or ../).'
_MESSAGES: dict[DanglingKind, Callable[[Dangling], str]] = {
    DanglingKind.UNDECLARED: lambda x: (
        f"refers to {x.name}, which is not declared; declare it or fix the reference."
    ),
    DanglingKind.REPETITION: lambda x: _REPETITION[x.name.split(".")[0]].format(x.name),
    DanglingKind.PROVIDER_ALIAS: lambda x: (
        f"uses provider {x.name}, which has no provider block with that alias; add it or fix "
        "the alias."
    ),
    DanglingKind.UNINSTALLABLE_SOURCE: lambda x: (
        f'has source = "{x.name}", which Terraform cannot install: it is no registry, git or '
        f"URL address and not a relative path; {_FIX_SOURCE.format(x.name)}"
    ),
    DanglingKind.REGISTRY_SOURCE: lambda x: (
        f'has source = "{x.name}", which Terraform looks up in the module registry although '
        f"it is a directory of the submission; {_FIX_SOURCE.format(x.name)}"
    ),
    DanglingKind.MISSING_SOURCE: lambda x: (
        f"uses the local module {x.name}, which the submission does not contain; add its "
        "files or fix the source path."
    ),
    DanglingKind.ARGUMENT: lambda x: (
        f"passes {x.name}, which {x.directory} does not declare as a variable; declare it "
        "there or remove the argument."
    ),
}
