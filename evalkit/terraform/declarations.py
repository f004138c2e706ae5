"""Names a module may declare once: what Terraform rejects as a duplicate declaration.

Terraform loads every ``.tf`` and ``.tf.json`` file of a directory as one module, and a
resource, data source, ephemeral resource, module call, variable, output, local value, check or
provider configuration (per alias) declared twice there fails to load ("Duplicate resource
configuration", "Duplicate variable declaration", ...), whichever files the two copies are in.
Override files (``override.tf``, ``*_override.tf``) are merged into the declarations they
name instead, so they never duplicate one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from evalkit.terraform.parse import Block
from evalkit.terraform.syntax import written_value

# The blocks Terraform reads at the top of a .tf file, with the labels each takes.
TOP_LEVEL_LABELS = {
    "terraform": (),
    "provider": ("name",),
    "variable": ("name",),
    "output": ("name",),
    "locals": (),
    "module": ("name",),
    "resource": ("type", "name"),
    "data": ("type", "name"),
    "ephemeral": ("type", "name"),
    "check": ("name",),
    "moved": (),
    "import": (),
    "removed": (),
    "action": ("type", "name"),
}
# The blocks whose labels are the name they declare, with the number of those labels.
_NAMED_BY_LABELS = {
    kind: len(TOP_LEVEL_LABELS[kind])
    for kind in ("resource", "data", "ephemeral", "module", "variable", "output", "check")
}


@dataclass(frozen=True)
class Declaration:
    """One declared name, where it is written, and the block that declares it."""

    address: str
    file: str
    line: int
    block: Block


@dataclass(frozen=True)
class Duplicate:
    """A second declaration of a name its module already declares (`first`)."""

    first: Declaration
    again: Declaration


def duplicates(blocks: Iterable[Block]) -> list[Duplicate]:
    """Every declaration of `blocks` (top-level blocks, each written block once) whose name
    an earlier one in the same directory already declares; earlier means in Terraform's
    loading order, by file name and then line."""
    first: dict[tuple[str, str], Declaration] = {}
    found: list[Duplicate] = []
    ordered = sorted(
        (d for b in blocks if not _is_override_file(b.file) for d in declarations(b)),
        key=lambda d: (d.file, d.line),
    )
    for declaration in ordered:
        key = (posixpath.dirname(declaration.file), declaration.address)
        earlier = first.get(key)
        if earlier is None:
            first[key] = declaration
        else:
            found.append(Duplicate(earlier, declaration))
    return found


def declarations(block: Block) -> Iterator[Declaration]:
    """The names a top-level block declares (none when its labels are malformed: that is a
    problem of its own)."""
    count = _NAMED_BY_LABELS.get(block.type)
    if count is not None:
        if len(block.labels) == count:
            yield Declaration(_address(block.type, block.labels), block.file, block.line, block)
    elif block.type == "locals" and not block.labels:
        for name, attribute in block.attributes.items():
            yield Declaration(f"local.{name}", attribute.file, attribute.line, block)
    elif block.type == "provider" and len(block.labels) == 1:
        alias = _alias(block)
        if alias is not None:
            address = ".".join(["provider", block.labels[0], *([alias] if alias else [])])
            yield Declaration(address, block.file, block.line, block)


def _address(block_type: str, labels: list[str]) -> str:
    if block_type == "resource":
        return ".".join(labels)
    if block_type == "variable":
        return f"var.{labels[0]}"
    return ".".join([block_type, *labels])


def _alias(block: Block) -> str | None:
    """The provider configuration's alias ("" for the default one); None when it is not
    written as a plain string, which Terraform rejects on its own."""
    attribute = block.attributes.get("alias")
    if attribute is None:
        return ""
    value = written_value(attribute.expr)
    return value if isinstance(value, str) and value else None


def _is_override_file(file: str) -> bool:
    name = posixpath.basename(file)
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")
