"""Questions about how a value is written, answered without handing out the syntax tree:
where keys of an object or JSON text sit, and what a wrapping function call wraps.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lark import Tree

from evalkit.terraform.parse import Attribute
from evalkit.terraform.references import iter_references

if TYPE_CHECKING:
    from evalkit.terraform.model import Body, ModuleContext


def key_lines(body: Body, attribute: str, keys: tuple[str, ...]) -> tuple[str, int, list[int]]:
    """Where the object keys `keys` of an attribute are written: file, fallback line, and the
    lines of those keys in order (an HCL object, or JSON in a heredoc).

    The keys may sit in the attribute itself or in a local / variable it names
    (``policy = jsonencode(local.admin)``); the first of those that holds one wins. Without
    any, the lines are empty and file and line are the attribute's.
    """
    holder = body.block.attributes[attribute]
    pending: list[tuple[Attribute, ModuleContext]] = [(holder, body.context)]
    for _ in range(8):
        if not pending:
            break
        current, context = pending.pop(0)
        lines = _lines_of_keys(current.expr, keys)
        if lines:
            return current.file, current.line, lines
        for reference in iter_references(current.expr):
            if reference.root in ("local", "var") and reference.names:
                found = context.definition(f"{reference.root}.{reference.names[0]}")
                if found is not None:
                    pending.append(found)
    return holder.file, holder.line, []


def _lines_of_keys(node: Any, keys: tuple[str, ...]) -> list[int]:
    if not isinstance(node, Tree):
        return []
    json_key = re.compile("|".join(rf'"{re.escape(key)}"\s*:' for key in keys))
    lines: list[int] = []
    for subtree in node.iter_subtrees_topdown():
        if subtree.data == "object_elem":
            key = subtree.children[0]
            text = "".join(str(t) for t in key.scan_values(lambda _: True)).strip('"')
            if text in keys and hasattr(subtree.meta, "line"):
                lines.append(subtree.meta.line)
        elif subtree.data in ("heredoc_template", "heredoc_template_trim"):
            raw = str(subtree.children[0])
            start = subtree.meta.line
            for offset, text_line in enumerate(raw.split("\n")):
                if json_key.search(text_line):
                    lines.append(start + offset)
    return sorted(lines)


def wrapped_value(body: Body, attribute: str, functions: frozenset[str]) -> tuple[Any] | None:
    """The value of the first argument when an attribute is written as a call of one of
    `functions` (``base64encode(local.script)`` -> the script), as a one-item tuple; None when
    it is written otherwise."""
    node = body.block.attributes[attribute].expr
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if not (isinstance(node, Tree) and node.data == "function_call"):
        return None
    names = [
        str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "identifier"
    ]
    arguments = [c for c in node.children if isinstance(c, Tree) and c.data == "arguments"]
    if names[-1:] and names[-1] in functions and arguments and arguments[0].children:
        first = [c for c in arguments[0].children if isinstance(c, Tree)]
        if first:
            return (body.context.evaluate(first[0], body.scope),)
    return None
