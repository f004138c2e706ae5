"""Walking the blocks nested in a body, the way Terraform would expand them."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.terraform.model import Body


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
