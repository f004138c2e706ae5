"""Walking the blocks nested in a body, the way Terraform would expand them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from evalkit.terraform.model import Body, Resource
from evalkit.terraform.parse import Block
from evalkit.terraform.syntax import reference_text, traversal_text, written_value
from evalkit.terraform.values import Unknown

# Blocks that describe how Terraform manages a resource, not what the resource is.
_MANAGEMENT_BLOCKS = ("lifecycle", "provisioner", "connection")
# A `for_each` written in the resource is expanded up to this many items.
_WRITTEN_ITEMS = 64


def nested_bodies(body: Body) -> Iterator[Body]:
    """A body and every block nested in it, at any depth (`dynamic` blocks expanded)."""
    stack = [body]
    while stack:
        current = stack.pop()
        yield current
        nested_types = sorted(
            {b.type for b in current.block.blocks if b.type != "dynamic"}
            | {b.labels[0] for b in current.block.blocks if b.type == "dynamic" and b.labels}
        )
        for block_type in nested_types:
            stack.extend(current.blocks(block_type))


def literal_origin(body: Body, name: str, value: Any = None) -> tuple[str, int]:
    """Where the value of `body.name` was written: the attribute, or the variable default /
    tfvars entry / local / module argument it comes from when the attribute only names one.

    With a string `value`, the line within that definition that holds it (a map entry).
    """
    attribute = body.attribute(name)
    if attribute is None:
        return body.file, body.line
    context = body.context
    for _ in range(8):
        text = reference_text(attribute.expr)
        found = context.definition(".".join(text.split(".")[:2])) if text else None
        if found is None:
            break
        attribute, context = found
    line = (
        context.root.line_containing(attribute, value)
        if isinstance(value, str)
        else (attribute.line)
    )
    return attribute.file, line


@dataclass(frozen=True)
class WrittenBlock:
    """A block of a resource as written, with the names bound inside it.

    `path` is how its attributes are named from the resource (``""`` for the resource
    itself, ``ingress.`` inside an `ingress` block or a `dynamic "ingress"`); `scope` binds
    ``count``, ``each`` and `dynamic` iterators to the values the resource writes for them
    (unknown where they come from elsewhere), for `written_value`.
    """

    block: Block
    path: str
    scope: dict[str, Any]


def written_blocks(resource: Resource) -> Iterator[WrittenBlock]:
    """The resource's block and its nested blocks, once per `count`/`for_each` binding the
    resource writes itself, `dynamic` blocks expanded where their items are written in the
    resource (a `for_each` map written there counts as written; one read from a variable
    does not). `lifecycle`, `provisioner` and `connection` blocks are left out."""
    for scope in _written_scopes(resource):
        yield from _written_nested(resource.block, scope, "")


def _written_scopes(resource: Resource) -> list[dict[str, Any]]:
    attributes = resource.block.attributes
    if "count" in attributes:
        return [{"count": {"index": 0}}]
    if "for_each" not in attributes:
        return [{}]
    items = _written_items(attributes["for_each"].expr, {})
    if items is None:
        unknown = Unknown(reason="for_each not written in the resource")
        return [{"each": {"key": unknown, "value": unknown}}]
    return [{"each": {"key": key, "value": value}} for key, value in items]


def _written_items(expr: Any, scope: dict[str, Any]) -> list[tuple[Any, Any]] | None:
    collection = written_value(expr, scope)
    if isinstance(collection, dict):
        return list(collection.items())[:_WRITTEN_ITEMS]
    if isinstance(collection, list):
        pairs = [(v, v) if isinstance(v, str) else (i, v) for i, v in enumerate(collection)]
        return pairs[:_WRITTEN_ITEMS]
    return None


def _written_nested(block: Block, scope: dict[str, Any], path: str) -> Iterator[WrittenBlock]:
    yield WrittenBlock(block, path, scope)
    for nested in block.blocks:
        if nested.type in _MANAGEMENT_BLOCKS:
            continue
        if nested.type != "dynamic":
            yield from _written_nested(nested, scope, f"{path}{nested.type}.")
            continue
        content = nested.blocks_of("content")
        if not nested.labels or not content:
            continue
        iterator = nested.attributes.get("iterator")
        name = (traversal_text(iterator.expr) if iterator else None) or nested.labels[0]
        for_each = nested.attributes.get("for_each")
        items = _written_items(for_each.expr, scope) if for_each else None
        if items is None:
            items = [(Unknown(), Unknown())]
        for key, value in items:
            inner = {**scope, name: {"key": key, "value": value}}
            yield from _written_nested(content[0], inner, f"{path}{nested.labels[0]}.")
