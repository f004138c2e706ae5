"""What input variables say about themselves: optional ones that every caller must set.

A variable without a `default` is required, whatever its `description` claims. One that
declares ``nullable = true``, or whose description calls it optional ("optional", "if not
set", "leave empty", "defaults to"), promises callers they may leave it out; Terraform
will not let them. A description that says "optional" about the `optional()` attributes of
its object type speaks of those, not of the variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit.terraform.syntax import calls_function, written_value

if TYPE_CHECKING:
    from evalkit.terraform.model import TerraformModel
    from evalkit.terraform.parse import Block

OPTIONAL_WORDING = re.compile(
    r"(?i)\boptional\b|\bif (?:not (?:set|specified|provided|given|supplied)|unset|empty|null)\b"
    r"|\bleave (?:it )?(?:empty|blank|null|unset)\b|\bdefaults? to\b"
)


@dataclass(frozen=True)
class RequiredOptional:
    """A variable that presents itself as optional but has no default.

    `wording` is the description's words that call it optional; "" when it is
    ``nullable = true`` that does.
    """

    address: str  # ``var.name``, qualified by its module
    file: str
    line: int
    wording: str


def optional_without_default(model: TerraformModel) -> Iterator[RequiredOptional]:
    """Variables of `model` that claim to be optional and have no default, each block once
    (a local module called twice declares its variables once)."""
    seen: set[tuple[str, int]] = set()
    for module in model.modules:
        for name, block in module.variables.items():
            if "default" in block.attributes or (block.file, block.line) in seen:
                continue
            seen.add((block.file, block.line))
            wording = _optional_claim(block)
            if wording is not None:
                address = module.qualified(f"var.{name}")
                yield RequiredOptional(address, block.file, block.line, wording)


def _optional_claim(block: Block) -> str | None:
    """How a variable presents itself as optional ("" for ``nullable = true``), or None."""
    nullable = block.attributes.get("nullable")
    if nullable is not None and written_value(nullable.expr) is True:
        return ""
    description = block.attributes.get("description")
    text = written_value(description.expr) if description is not None else None
    if not isinstance(text, str):
        return None
    match = OPTIONAL_WORDING.search(text)
    if match is None:
        return None
    if match.group(0).lower() == "optional" and _has_optional_attributes(block):
        return None  # the description speaks of the object type's optional() attributes
    return match.group(0)


def _has_optional_attributes(block: Block) -> bool:
    type_attribute = block.attributes.get("type")
    return type_attribute is not None and calls_function(type_attribute.expr, "optional")
