"""References written in expressions: what names an expression uses, and where.

Used to find dangling references (IAC-UNDEFINED-REFERENCE) and to read reference-shaped
attributes such as ``provider = aws.west`` that are not values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree

from evalkit.terraform.evaluator import (
    function_name,
    heredoc_body,
    parse_expression,
    split_template,
)
from evalkit.terraform.parse import JsonValue

# Names bound by the block or expression being evaluated, never declarations of the module.
SCOPE_ROOTS = frozenset({"count", "each", "self", "path", "terraform"})

_TRAVERSALS = {
    "get_attr_expr_term",
    "index_expr_term",
    "attr_splat_expr_term",
    "full_splat_expr_term",
}


@dataclass(frozen=True)
class Reference:
    root: str
    names: tuple[str, ...]  # the attribute names after the root, up to the first index
    line: int

    @property
    def text(self) -> str:
        return ".".join((self.root, *self.names))


# Several checks ask for the references of the same expressions; walking a tree once per
# submission is enough. Entries keep their expression alive, so an id is never reused while
# cached; `build_model` clears the cache for every new submission. The walk collects the
# function calls it passes too.
_Call = tuple[str, int]
_CACHE: dict[tuple[int, int], tuple[Any, tuple[Reference, ...], tuple[_Call, ...]]] = {}


def clear_cache() -> None:
    _CACHE.clear()


def iter_references(expr: Any, line_offset: int = 0) -> Iterator[Reference]:
    """Every traversal in `expr` whose root is not bound by an enclosing `for`."""
    return iter(_walked(expr, line_offset)[1])


def function_calls(expr: Any) -> Iterator[_Call]:
    """The name and line of every function call written in `expr`, calls inside heredoc
    templates included."""
    return iter(_walked(expr, 0)[2])


def _walked(expr: Any, line_offset: int) -> tuple[Any, tuple[Reference, ...], tuple[_Call, ...]]:
    key = (id(expr), line_offset)
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not expr:
        calls: list[_Call] = []
        found = tuple(_references(expr, line_offset, calls))
        cached = (expr, found, tuple(calls))
        _CACHE[key] = cached
    return cached


def _references(expr: Any, line_offset: int, calls: list[_Call]) -> Iterator[Reference]:
    if isinstance(expr, JsonValue):
        yield from _json_references(expr, calls)
        return
    if isinstance(expr, Tree):
        yield from _walk(expr, frozenset(), line_offset, calls)


# Leaves that can never hold a reference.
_NO_REFERENCES = frozenset({"int_lit", "float_lit", "literal_value", "new_line_or_comment"})


def _walk(
    node: Tree, bound: frozenset[str], offset: int, calls: list[_Call]
) -> Iterator[Reference]:
    stack: list[tuple[Any, frozenset[str]]] = [(node, bound)]
    while stack:
        current, names = stack.pop()
        kind = current.data
        if kind in _NO_REFERENCES:
            continue
        if kind in ("for_tuple_expr", "for_object_expr"):
            intro = next(
                c for c in current.children if isinstance(c, Tree) and c.data == "for_intro"
            )
            loop_names = {
                str(c.children[0])
                for c in intro.children
                if isinstance(c, Tree) and c.data == "identifier"
            }
            for child in intro.children:
                if isinstance(child, Tree) and child.data != "identifier":
                    stack.append((child, names))
            inner = names | loop_names
            for child in current.children:
                if isinstance(child, Tree) and child.data != "for_intro":
                    stack.append((child, inner))
            continue
        if kind == "string" and len(current.children) > 3:
            # A %{ for x in coll } directive binds x in the parts that follow it; every part
            # of the string is taken to see it. (A string of one part has no directive.)
            loop_names = {
                str(name.children[0])
                for part in current.children
                if isinstance(part, Tree) and part.children
                for directive in part.children[:1]
                if isinstance(directive, Tree) and directive.data == "template_for_start"
                for name in directive.children
                if isinstance(name, Tree) and name.data == "identifier"
            }
            if loop_names:
                names = names | loop_names
        if kind in ("heredoc_template", "heredoc_template_trim"):
            yield from _heredoc_references(current, names, offset, calls)
            continue
        if kind == "function_call":
            name = current.children[0]
            calls.append((function_name(current), name.children[0].line + offset))
            for child in current.children:
                if isinstance(child, Tree) and child.data == "arguments":
                    stack.append((child, names))
            continue
        if kind == "object_elem_key":
            key = [c for c in current.children if isinstance(c, Tree)]
            if key and _bare_identifier(key[0]) is not None:
                continue  # `{ name = ... }`: the key is a name, not a reference
        if kind in _TRAVERSALS or kind == "identifier":
            root, attrs, line = _traversal_parts(current)
            if root is not None:
                if root not in names:
                    yield Reference(root, tuple(attrs), line + offset)
                stack.extend((c, names) for c in _index_expressions(current))
                continue
        # A plain loop: a generator expression here costs more than the walk's other steps.
        for child in reversed(current.children):
            if isinstance(child, Tree):
                stack.append((child, names))


_TEMPLATE_FOR = re.compile(r"%\{~?\s*for\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\b")


def _heredoc_references(
    node: Tree, bound: frozenset[str], offset: int, calls: list[_Call]
) -> Iterator[Reference]:
    raw = str(node.children[0])
    text = heredoc_body(raw, trim=node.data == "heredoc_template_trim")
    base_line = node.meta.line if hasattr(node.meta, "line") else 1
    # As in a quoted string, a %{ for } directive's names are taken to be bound throughout.
    for match in _TEMPLATE_FOR.finditer(text):
        bound = bound | {name for name in match.groups() if name}
    consumed = 0
    for literal, expression in split_template(text):
        consumed += literal.count("\n")
        if expression is None or expression == "null":
            continue
        tree = parse_expression(expression)
        if tree is not None:
            yield from _walk(tree, bound, base_line + consumed + offset, calls)
        consumed += expression.count("\n")


def _json_references(value: JsonValue, calls: list[_Call]) -> Iterator[Reference]:
    stack = [value.value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "${" in item:
            for _, expression in split_template(item):
                tree = parse_expression(expression) if expression else None
                if tree is not None:
                    yield from _walk(tree, frozenset(), value.line - 1, calls)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _traversal_parts(node: Tree) -> tuple[str | None, list[str], int]:
    """Root identifier, leading attribute names and line of a traversal chain."""
    chain: list[Tree] = []
    current: Any = node
    while isinstance(current, Tree):
        if current.data in _TRAVERSALS:
            chain.append(current)
            current = current.children[0]
        elif current.data == "expr_term":
            inner = [
                c
                for c in current.children
                if isinstance(c, Tree) and c.data != "new_line_or_comment"
            ]
            if len(inner) != 1 or any(
                isinstance(c, Token) and c.type == "LPAR" for c in current.children
            ):
                return None, [], 0
            current = inner[0]
        elif current.data == "identifier":
            root = str(current.children[0])
            attrs: list[str] = []
            for link in reversed(chain):
                if link.data != "get_attr_expr_term":
                    break
                attrs.append(str(link.children[1].children[-1].children[0]))
            return root, attrs, current.meta.line
        else:
            return None, [], 0
    return None, [], 0


def _index_expressions(node: Tree) -> list[Any]:
    """Expressions used as indexes inside a traversal chain (they may hold references)."""
    found: list[Any] = []
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, Tree):
            continue
        if current.data == "braces_index":
            found.extend(c for c in current.children if isinstance(c, Tree))
        elif current.data in _TRAVERSALS or current.data in (
            "expr_term",
            "full_splat",
            "attr_splat",
        ):
            stack.extend(current.children)
    return found


def _bare_identifier(node: Any) -> str | None:
    if isinstance(node, Tree) and node.data == "expr_term":
        inner = [c for c in node.children if isinstance(c, Tree)]
        if len(inner) == 1 and inner[0].data == "identifier":
            return str(inner[0].children[0])
    if isinstance(node, Tree) and node.data == "identifier":
        return str(node.children[0])
    return None


def traversal_text(expr: Any) -> str | None:
    """``aws.west`` for an expression that is exactly a reference, else None."""
    if isinstance(expr, JsonValue):
        return expr.value if isinstance(expr.value, str) else None
    if not isinstance(expr, Tree):
        return None
    root, attrs, _ = _traversal_parts(expr)
    if root is None:
        return None
    return ".".join([root, *attrs])


def provider_entries(expr: Any) -> list[tuple[str, str, int]]:
    """``providers = { aws = aws.west }`` as ``[("aws", "aws.west", line)]``."""
    if isinstance(expr, JsonValue):
        if not isinstance(expr.value, dict):
            return []
        return [(str(k), str(v), expr.line) for k, v in expr.value.items()]
    if not isinstance(expr, Tree):
        return []
    entries: list[tuple[str, str, int]] = []
    for elem in expr.iter_subtrees_topdown():
        if elem.data != "object_elem":
            continue
        parts = [c for c in elem.children if isinstance(c, Tree)]
        if len(parts) < 2:
            continue
        key_parts = [c for c in parts[0].children if isinstance(c, Tree)]
        key = traversal_text(key_parts[0]) if key_parts else None
        value = traversal_text(parts[1])
        if key and value:
            entries.append((key, value, elem.meta.line))
    return entries


def provider_map(expr: Any) -> dict[str, str]:
    """``providers = { aws = aws.west }`` as ``{"aws": "aws.west"}``."""
    return {key: value for key, value, _ in provider_entries(expr)}
