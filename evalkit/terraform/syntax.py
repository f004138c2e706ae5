"""Questions about how an expression is written, answered without exposing the parse tree.

An `Attribute`'s expression is a parser tree for ``.tf`` files and a `JsonValue` for
``.tf.json`` ones; outside `evalkit.terraform` nothing looks inside either. What checks and
the AWS views need to know of the written form (as opposed to the value, which the model
evaluates) is asked here:

- `reference_text`: ``var.x`` for an expression that is exactly a reference;
  `traversal_text` the same, where a JSON string also counts (names are strings in JSON);
- `references`: every reference written in an expression, with its line;
- `written_text`: the source text of an expression;
- `element_lines`: the line of each element of a list written as a literal;
- `calls_function`: whether an expression calls a function anywhere;
- `call_argument`: the first argument of an expression that is a call of a given function;
- `object_entries`: the entries of object literals (``{ Name = ... }``) with their lines;
  `entries_keyed` those of one key;
- `end_line`: the last line an expression was written on;
- `file_blocks`: the top-level blocks of a file the model does not load (a test file);
- `type_keywords`: the keywords of a type constraint (``list(string)``);
- `provider_entries`: the entries of a module call's ``providers = { aws = aws.west }``;
- `written_value`: the value of an expression as written, every name it mentions unknown;
- `key_lines`: where the keys of an object (or of JSON in a heredoc) are written.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any

from lark import Token, Tree

from evalkit.terraform.evaluator import Evaluator, NamesNothing
from evalkit.terraform.parse import Attribute, Block, JsonValue, ParsedFile, parse_file
from evalkit.terraform.references import (
    Reference,
    iter_references,
    provider_entries,
    traversal_text,
)

if TYPE_CHECKING:
    from evalkit.terraform.model import Body, ModuleContext

__all__ = [
    "Reference",
    "call_argument",
    "calls_function",
    "element_lines",
    "end_line",
    "entries_keyed",
    "file_blocks",
    "key_lines",
    "literal_kind",
    "object_entries",
    "provider_entries",
    "reference_text",
    "references",
    "traversal_text",
    "type_keywords",
    "written_text",
    "written_value",
]

# Evaluates what is written literally; any name it meets is unknown.
_WRITTEN = Evaluator(NamesNothing("not written in the expression"))


# The kind of value a literal expression is, by the rule its parse tree starts with.
_LITERAL_KINDS = {
    "string": "string",
    "heredoc_template": "string",
    "heredoc_template_trim": "string",
    "int_lit": "number",
    "float_lit": "number",
    "tuple": "list",
    "object": "map",
    "literal_value": "bool or null",
}


def literal_kind(expr: Any) -> str | None:
    """ "string", "number", "list", "map" or "bool or null" for an expression written as
    that kind of literal (a quoted string or heredoc, a number, a tuple, an object, true,
    false or null); None for anything else (a reference, a call, an operation)."""
    if not isinstance(expr, Tree) or expr.data != "expr_term" or len(expr.children) != 1:
        return None
    inner = expr.children[0]
    return _LITERAL_KINDS.get(inner.data) if isinstance(inner, Tree) else None


def reference_text(expr: Any) -> str | None:
    """``var.x`` or ``aws.west`` for a native expression that is exactly a reference; None
    for anything else, JSON strings included."""
    return traversal_text(expr) if isinstance(expr, Tree) else None


def written_value(expr: Any, scope: dict[str, Any] | None = None) -> Any:
    """The value of an expression without looking up any name it mentions (those parts are
    unknown); `scope` binds names such as ``each`` or a `for` variable."""
    return _WRITTEN.evaluate(expr, scope or {})


def references(expr: Any) -> Iterator[Reference]:
    """Every reference written in `expr` (not bound by an enclosing `for`), with its line."""
    return iter_references(expr)


def written_text(expr: Any, source: str) -> str | None:
    """The text of a native expression as written in `source` (its file's text); None when
    its position is unknown."""
    meta = getattr(expr, "meta", None) if isinstance(expr, Tree) else None
    if meta is None or getattr(meta, "empty", True):
        return None
    lines = source.split("\n")
    if meta.end_line > len(lines):
        return None
    if meta.line == meta.end_line:
        return lines[meta.line - 1][meta.column - 1 : meta.end_column - 1]
    chunk = [lines[meta.line - 1][meta.column - 1 :]]
    chunk.extend(lines[meta.line : meta.end_line - 1])
    chunk.append(lines[meta.end_line - 1][: meta.end_column - 1])
    return "\n".join(chunk)


def element_lines(expr: Any) -> list[int]:
    """The first line of each element of a list literal (``[ {...}, {...} ]``); [] when the
    expression is not one."""
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


def calls_function(expr: Any, name: str) -> bool:
    """Whether a native expression calls function `name` anywhere (``optional(...)`` in a
    type constraint)."""
    if not isinstance(expr, Tree):
        return False
    return any(
        node.data == "function_call" and traversal_text(node.children[0]) == name
        for node in expr.iter_subtrees()
    )


def call_argument(expr: Any, functions: Collection[str]) -> Any:
    """The first argument of `expr` when it is a call of one of `functions`
    (``base64encode(local.script)`` gives ``local.script``); else None."""
    node = expr
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
        return first[0] if first else None
    return None


def object_entries(expr: Any) -> Iterator[tuple[str | None, Any, int]]:
    """(key, value expression, line) of every entry of the object literals written in a
    native expression, nested ones included. The key is a bare name (``Name = ...``) or a
    literal string key (``"Name" = ...``); None when it is computed. In JSON syntax, the
    entries of the object itself, each at the line of the attribute."""
    if isinstance(expr, JsonValue):
        if isinstance(expr.value, dict):
            for key, value in expr.value.items():
                yield str(key), JsonValue(value, expr.line), expr.line
        return
    if not isinstance(expr, Tree):
        return
    for element in expr.iter_subtrees_topdown():
        if element.data != "object_elem":
            continue
        parts = [c for c in element.children if isinstance(c, Tree)]
        if len(parts) == 2:
            yield _object_key(parts[0]), parts[1], element.meta.line


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
    for name, value, at in object_entries(expr):
        if name == key:
            yield value, at


def end_line(expr: Any, default: int) -> int:
    """The last line an expression was written on; `default` when it carries no lines
    (JSON)."""
    meta = getattr(expr, "meta", None) if isinstance(expr, Tree) else None
    return int(getattr(meta, "end_line", default)) if meta is not None else default


def _object_key(key: Tree) -> str | None:
    inner = [c for c in key.children if isinstance(c, Tree)]
    if not inner:
        return None
    bare = traversal_text(inner[0])
    if bare is not None:
        return bare
    value = written_value(inner[0])
    return value if isinstance(value, str) else None


def file_blocks(name: str, text: str, parser: str | None = None) -> list[Block] | None:
    """The top-level blocks of a file in Terraform syntax (native, or JSON for a ``.json``
    name) read with `parser` (None: the default), or None when it does not parse."""
    parsed = parse_file(name, text, parser)
    return parsed.blocks if isinstance(parsed, ParsedFile) else None


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
