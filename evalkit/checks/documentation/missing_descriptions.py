"""DOC-MISSING-DESCRIPTIONS: Variables or outputs without a description."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.checks._helpers import has_description
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import ModuleContext, TerraformModel
from evalkit.terraform.parse import Block


@check(
    "DOC-MISSING-DESCRIPTIONS",
    category="documentation",
    severity="low",
    title="Variables or outputs without a description",
)
def missing_descriptions(model: TerraformModel) -> list[Finding] | None:
    """A variable or output has no `description`, or an empty one.

    Every module counts, child modules included; a module called several times is reported
    once per declaration. One finding per variable or output, at its block.

    Why: descriptions are what `terraform-docs`, the registry and the next reader see; a
    module whose inputs and outputs are unexplained is guessed at, and misused.

    Fix: say what the value is, its unit or format, and what it is for.

        variable "db_backup_retention_days" {
          description = "Days of automated RDS backups to keep (1-35)."
          type        = number
          default     = 7
        }
    """
    declarations = list(_declarations(model))
    if not declarations:
        return None
    return [
        finding(
            block.file,
            block.line,
            address,
            f"{address} has no description; add a description that says what the {kind} "
            "holds and what it is for.",
        )
        for kind, block, address, module in declarations
        if not has_description(block, module)
    ]


def _declarations(model: TerraformModel) -> Iterator[tuple[str, Block, str, ModuleContext]]:
    """Each variable and output once, even when its module is instantiated several times."""
    seen: set[tuple[str, int]] = set()
    for module in model.modules:
        for kind, table in (("variable", module.variables), ("output", module.outputs)):
            for name, block in table.items():
                if (block.file, block.line) in seen:
                    continue
                seen.add((block.file, block.line))
                prefix = "var" if kind == "variable" else "output"
                yield kind, block, module.qualified(f"{prefix}.{name}"), module
