"""Where the parts of a literal written in the source are: list elements, object entries,
the keywords of a type constraint.

Evaluated values carry no lines; a finding about one rule of a list, or one key of a map,
points at the line where that part was written. These walks read the parsed expression
and return plain lines and values, so that no reader outside `evalkit.terraform` walks the
parser's tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lark import Token, Tree

from evalkit.terraform.evaluator import Evaluator, NamesNothing
from evalkit.terraform.parse import JsonValue
from evalkit.terraform.references import traversal_text

# `count.index` and `each` are bound by the caller (they belong to the resource itself);
# variables, locals, resources, data sources and module outputs stay unknown, because a value
# that comes from them is configured somewhere else.
_WRITTEN = Evaluator(NamesNothing("not written in the expression"))


def written_value(expr: Any, scope: dict[str, Any] | None = None) -> Any:
    """The value of an expression without looking up any name it mentions (`scope` binds
    `count`/`each` when given)."""
    return _WRITTEN.evaluate(expr, scope or {})


def element_lines(expr: Any) -> list[int]:
    """The first line of each element of a list literal written in the source; empty when
    the expression is not a list literal (a variable, a `for` expression, JSON)."""
    if not isinstance(expr, Tree):
        return []
    for node in expr.iter_subtrees_topdown():
        if node.data == "tuple":
            return [
                child.meta.line
                for child in node.children
                if isinstance(child, Tree) and child.data != "new_line_or_comment"
            ]
        if node.data not in ("expr_term", "expression"):
            return []
    return []


def end_line(expr: Any, default: int) -> int:
    """The last line an expression was written on; `default` when it carries no lines
    (JSON)."""
    meta = getattr(expr, "meta", None) if isinstance(expr, Tree) else None
    return int(getattr(meta, "end_line", default)) if meta is not None else default


def entries_keyed(expr: Any, key: str, line: int) -> Iterator[tuple[Any, int]]:
    """The expressions given to `key` anywhere in an object expression (also in nested
    objects and `merge(...)` arguments), each with the line of its entry.

    In a JSON file the expression is the value under `key` of the top-level object, at
    `line` (JSON values carry no lines of their own).
    """
    if isinstance(expr, JsonValue):
        if isinstance(expr.value, dict) and key in expr.value:
            yield JsonValue(expr.value[key], expr.line), line
        return
    if not isinstance(expr, Tree):
        return
    for element in expr.iter_subtrees_topdown():
        if element.data != "object_elem":
            continue
        parts = [c for c in element.children if isinstance(c, Tree)]
        if len(parts) == 2 and _object_key(parts[0]) == key:
            yield parts[1], element.meta.line


def _object_key(key: Tree) -> str | None:
    """An object key as written: a bare identifier, or a string without interpolation."""
    inner = [c for c in key.children if isinstance(c, Tree)]
    if not inner:
        return None
    bare = traversal_text(inner[0])
    if bare is not None:
        return bare
    value = written_value(inner[0])
    return value if isinstance(value, str) else None


def type_keywords(expr: Any) -> list[str]:
    """``list(string)`` as ``["list", "string"]``: the keywords of a type constraint."""
    if isinstance(expr, JsonValue):
        text = expr.value if isinstance(expr.value, str) else ""
        return re.findall(r"[a-z]+", text.replace("${", "").replace("}", ""))
    if isinstance(expr, Tree):
        return [
            str(token)
            for token in expr.scan_values(lambda t: isinstance(t, Token))
            if str(token).isidentifier()
        ]
    return []
