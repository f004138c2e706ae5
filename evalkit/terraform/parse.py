"""HCL2 text -> a light syntax model of blocks and attributes with line numbers.

python-hcl2's raw Lark tree (``parses_to_tree``) is the only layer that keeps positions, so it
is parsed once here and folded into `Block`/`Attribute` records whose expressions stay Lark
trees for the evaluator. tree-sitter builds the same records without the tree's rules above
the expressions (`evalkit.terraform.parse_treesitter`). Parse failures are returned as data,
never raised.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput, UnexpectedToken
from lark.tree import Meta

from evalkit.records import PARSER_NAMES

if TYPE_CHECKING:
    from evalkit.terraform.parse_treesitter import FileRecords

# A balanced but deeply nested answer must fail as a parse error, not crash the worker.
_MIN_RECURSION_LIMIT = 8000

# The two parsers give the same syntax tree (tree-sitter's is rebuilt in python-hcl2's shape,
# and any text it cannot rebuild exactly is handed to python-hcl2): tree-sitter is the fast one.
PARSERS = PARSER_NAMES
TREE_SITTER, HCL2 = PARSERS
DEFAULT_PARSER = TREE_SITTER
# The setting lives in the environment so that worker processes started later inherit it.
PARSER_ENV = "EVALKIT_PARSER"


@dataclass
class Attribute:
    name: str
    expr: Any  # a Lark Tree, or a `JsonValue` for .tf.json files
    file: str
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    attributes: dict[str, Attribute]
    blocks: list[Block]
    file: str
    line: int
    end_line: int

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]

    def walk(self) -> Iterator[Block]:
        """This block and every block written inside it, at any depth, as written."""
        stack = [self]
        while stack:
            current = stack.pop()
            yield current
            stack.extend(current.blocks)


@dataclass(frozen=True)
class JsonValue:
    """An attribute value from a ``.tf.json`` file, where strings are templates."""

    value: Any
    line: int


@dataclass(frozen=True)
class ParseFailure:
    file: str
    line: int
    column: int
    message: str


@dataclass
class ParsedFile:
    name: str
    blocks: list[Block] = field(default_factory=list)
    comment_lines: int = 0


# The distributions whose versions decide what a parse gives: a cached result made with others
# is not reused.
PARSER_DISTRIBUTIONS = ("python-hcl2", "lark", "tree-sitter", "tree-sitter-hcl")


def load_parser(parser: str | None = None) -> None:
    """Load the parsers now (once per process), so that the first submission graded does not
    pay for them: python-hcl2's tables (always: it gives every parse-error message) and
    tree-sitter's grammar when it is `parser` (None: the default)."""
    hcl2.parses_to_tree("warm = 1")
    if (parser or default_parser()) == TREE_SITTER:
        syntax_tree("warm = 1", TREE_SITTER)


def default_parser() -> str:
    """The parser `parse_file` uses when none is named: ``EVALKIT_PARSER`` if set, else
    tree-sitter."""
    return chosen_parser(None)


def chosen_parser(preferred: str | None) -> str:
    """The parser a run uses: the user's choice (``EVALKIT_PARSER``, which ``--parser`` and
    ``parser=`` set) if any, else `preferred` (its rubric's ``parser:``), else tree-sitter.
    Runs pass it down explicitly, so one run's rubric never changes another's parser."""
    configured = os.environ.get(PARSER_ENV, "")
    if configured in PARSERS:
        return configured
    return preferred or DEFAULT_PARSER


def use_parser(parser: str) -> None:
    """Make `parser` the user's choice for this process and the worker processes it starts."""
    if parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r} (choose from {', '.join(PARSERS)})")
    os.environ[PARSER_ENV] = parser


def parse_file(name: str, text: str, parser: str | None = None) -> ParsedFile | ParseFailure:
    """Parse one ``.tf``/``.tfvars``/``.tf.json`` file of a submission, with `parser`
    (``"tree-sitter"`` or ``"hcl2"``; default: `default_parser()`). Both give the same result."""
    parser = parser or default_parser()
    if parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r} (choose from {', '.join(PARSERS)})")
    if name.endswith(".json"):
        return _parse_json_file(name, text)
    if not text.strip():
        return ParsedFile(name)
    if sys.getrecursionlimit() < _MIN_RECURSION_LIMIT:
        sys.setrecursionlimit(_MIN_RECURSION_LIMIT)
    tree: Tree | None = None
    escaped: list[tuple[str, int]] = []
    try:
        # Records built straight from tree-sitter where they suffice; when tree-sitter cannot
        # build them, neither can it build the tree, and python-hcl2 parses the text.
        direct = parser == TREE_SITTER and records_suffice(text)
        records = _file_records(name, text) if direct else None
        if records is not None:
            if records.redefined is not None:
                raise _Redefined(*records.redefined)
            blocks, attributes = records.blocks, records.attributes
            escaped = records.escaped
        else:
            tree = syntax_tree(text, HCL2 if direct else parser)
            body = _first_tree(tree, "body")
            blocks, attributes = _fold_body(body, name, top=True) if body is not None else ([], {})
    except UnexpectedInput as error:
        return _located_failure(name, text, error, scan_structure(text))
    except RecursionError:
        return ParseFailure(name, 1, 1, _TOO_DEEP)
    except _Redefined as twice:
        return ParseFailure(
            name,
            twice.line,
            1,
            f"attribute redefined: `{twice.name}` is already set on line {twice.first_line} "
            "of this block; each argument is set once per block",
        )
    except (LarkError, RuntimeError, ValueError) as error:
        if isinstance(getattr(error, "orig_exc", None), RecursionError):
            return ParseFailure(name, 1, 1, _TOO_DEEP)
        message = str(error).splitlines()[0][:200] if str(error) else ""
        return ParseFailure(name, 1, 1, f"{type(error).__name__}: {message}")
    if "%{" in text and tree is not None:
        unclosed = _unbalanced_directive_line(tree)
        if unclosed is not None:
            return ParseFailure(
                name,
                unclosed,
                1,
                "a template directive (%{ if } or %{ for }) "
                "is not closed with %{ endif } / %{ endfor } in the same string",
            )
    if "\\" in text:
        escape = _invalid_escape(_escaped_parts(tree) if tree is not None else escaped)
        if escape is not None:
            return ParseFailure(name, escape[0], 1, _invalid_escape_message(escape[1]))
    if _may_split_a_string(text):
        # python-hcl2 accepts a newline inside a quoted string; Terraform does not.
        split_line = scan_structure(text).split_string_line
        if split_line is not None:
            return ParseFailure(name, split_line, 1, _SPLIT_STRING)
    parsed = ParsedFile(name, blocks)
    parsed.comment_lines = _count_comment_lines(text)
    if attributes:
        # Top-level attributes only belong in .tfvars files; keep them as a pseudo block.
        parsed.blocks.insert(0, Block("__attributes__", [], attributes, [], name, 1, 1))
    return parsed


_TOO_DEEP = "blocks or expressions are nested too deeply to parse"


def records_suffice(text: str) -> bool:
    """Whether the records tree-sitter builds without the rules above expressions carry all
    that `parse_file`'s checks read: not for a text with a template directive, whose balance
    is checked on the strings of the whole tree."""
    return "%{" not in text


def _file_records(name: str, text: str) -> FileRecords | None:
    from evalkit.terraform.parse_treesitter import file_records

    return file_records(text, name)


def syntax_tree(text: str, parser: str) -> Tree:
    """python-hcl2's Lark tree of `text`. tree-sitter builds it when it can; a text with a
    syntax error (or a layout tree-sitter's reading does not rebuild exactly) is parsed by
    python-hcl2, so its failure and message are python-hcl2's."""
    if parser == TREE_SITTER:
        from evalkit.terraform.parse_treesitter import lark_tree

        tree = lark_tree(text)
        if tree is not None:
            return tree
    return without_newlines(hcl2.parses_to_tree(text))


_NEWLINE_RULE = "new_line_or_comment"
_POSITION_FIELDS = ("line", "column", "start_pos", "end_line", "end_column", "end_pos")


def without_newlines(tree: Tree) -> Tree:
    """python-hcl2's `tree` without its ``new_line_or_comment`` rules, changed in place.

    Nothing in evalkit reads them, and the tree-sitter rebuild leaves them out. A rule that
    began or ended with one takes the position of what remains (and so do the rules it
    begins or ends), as the rebuild works it out: no rule's position takes in the newlines
    or comments after it."""
    moved: set[int] = set()
    pending: list[tuple[Tree, bool]] = [(tree, False)]
    while pending:
        node, below_done = pending.pop()
        if not below_done:
            pending.append((node, True))
            pending.extend((c, False) for c in node.children if isinstance(c, Tree))
            continue
        children = node.children
        kept = [c for c in children if not (isinstance(c, Tree) and c.data == _NEWLINE_RULE)]
        if len(kept) == len(children) and not any(id(c) in moved for c in children):
            continue
        node.children = kept
        before = _position_of(node.meta)
        node._meta = rule_position(kept)
        if _position_of(node.meta) != before:
            moved.add(id(node))
    return tree


def _position_of(meta: Meta) -> tuple[Any, ...] | None:
    return None if meta.empty else tuple(getattr(meta, f) for f in _POSITION_FIELDS)


def rule_position(children: list[Any]) -> Meta:
    """The position of a rule with `children`, as Lark's ``propagate_positions`` sets it:
    from the first token or positioned rule to the last (empty when there is none)."""
    positions: list[Any] = [c if isinstance(c, Token) else c.meta for c in children]
    positioned = [p for p in positions if isinstance(p, Token) or not p.empty]
    if not positioned:
        empty: Any = _new_meta(Meta)
        empty.empty = True
        return empty
    return spanning(positioned[0], positioned[-1])


def spanning(first: Any, last: Any) -> Meta:
    """The position from the start of `first` to the end of `last` (tokens or positions)."""
    # Set field by field, without Meta's constructor: the tree-sitter rebuild makes
    # thousands of these per answer.
    meta: Any = _new_meta(Meta)
    meta.empty = False
    meta.line = first.line
    meta.column = first.column
    meta.start_pos = first.start_pos
    meta.end_line = last.end_line
    meta.end_column = last.end_column
    meta.end_pos = last.end_pos
    return meta


_new_meta = Meta.__new__


_SPLIT_STRING = (
    "a quoted string is not closed on the line where it starts (use \\n or a "
    "heredoc for multi-line text)"
)


_OPENERS = {"template_if_start": "if", "template_for_start": "for"}
_CLOSERS = {"template_endif": "if", "template_endfor": "for"}


def _unbalanced_directive_line(tree: Tree) -> int | None:
    """The line of a quoted string whose %{ if }/%{ for } directives do not balance.

    python-hcl2 parses directives as flat parts and accepts them unbalanced; Terraform
    rejects the template.
    """
    for node in tree.iter_subtrees():
        if node.data != "string":
            continue
        open_directives: list[str] = []
        for part in node.children:
            inner = part.children[0] if isinstance(part, Tree) and part.children else None
            kind = inner.data if isinstance(inner, Tree) else ""
            if kind in _OPENERS:
                open_directives.append(_OPENERS[kind])
            elif kind in _CLOSERS or kind == "template_else":
                wanted = _CLOSERS.get(kind, "if")
                if not open_directives or open_directives[-1] != wanted:
                    return node.meta.line
                if kind != "template_else":
                    open_directives.pop()
        if open_directives:
            return node.meta.line
    return None


# The escapes Terraform accepts in a quoted string; any other backslash sequence is an
# "Invalid escape sequence" error. Heredocs take backslashes literally and are not checked.
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.|$)", re.DOTALL)
_VALID_ESCAPES = frozenset({"n", "r", "t", '"', "\\"})


def _escaped_parts(tree: Tree) -> list[tuple[str, int]]:
    """The text and line of each string part of a quoted string in `tree` that holds a
    backslash, in the order of the text."""
    return [
        (str(token), token.line or node.meta.line)
        for node in tree.iter_subtrees_topdown()
        if node.data == "string_part"
        for token in node.children
        if isinstance(token, Token) and "\\" in token
    ]


def _invalid_escape(parts: list[tuple[str, int]]) -> tuple[int, str] | None:
    """The line and text of the first backslash escape in the string `parts` that Terraform
    rejects (python-hcl2 keeps any escape as written)."""
    for text, line in parts:
        for match in _ESCAPE.finditer(text):
            sequence = match.group(1)
            if len(sequence) <= 1 and sequence not in _VALID_ESCAPES:
                return line, "\\" + sequence
    return None


def _invalid_escape_message(sequence: str) -> str:
    return (
        f'invalid escape sequence "{sequence}" in a quoted string (Terraform accepts \\n, '
        '\\r, \\t, \\", \\\\ and \\uNNNN; write a literal backslash as \\\\)'
    )


def _may_split_a_string(text: str) -> bool:
    """False when every line has balanced double quotes: then no quoted string can run past
    its line, and the character-level scan is not needed (the common case, and much faster)."""
    return any((line.count('"') - line.count('\\"')) % 2 for line in text.split("\n"))


def _located_failure(name: str, text: str, error: UnexpectedInput, scan: Structure) -> ParseFailure:
    """A parse failure at the line Terraform would blame, not where the parser gave up.

    The parser reads past an unclosed string (it allows newlines in strings) and reports a
    missing brace at the end of the file; Terraform points at the string, or at the block
    that is never closed.
    """
    if scan.split_string_line is not None and scan.split_string_line <= error.line:
        return ParseFailure(name, scan.split_string_line, 1, _SPLIT_STRING)
    at_end = isinstance(error, UnexpectedToken) and error.token.type == "$END"
    if at_end and scan.open_brace_lines:
        line = scan.open_brace_lines[-1]
        return ParseFailure(
            name,
            line,
            1,
            f"the block opened at line {line} is never closed (a missing closing brace)",
        )
    last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    return ParseFailure(
        name, min(error.line, last_line), error.column, _describe_parse_error(error)
    )


@dataclass(frozen=True)
class Structure:
    """What a lexical scan of HCL text found: the first quoted string that runs past its line,
    and the lines of braces still open at the end (outermost first)."""

    split_string_line: int | None
    open_brace_lines: tuple[int, ...]


_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


def scan_structure(text: str) -> Structure:
    """Scan HCL text for strings and braces, skipping comments and heredocs.

    Interpolations (``${ ... }``) may contain braces and nested strings; they are tracked on
    a stack so that their braces do not count as block braces.
    """
    modes: list[list[Any]] = [["code", 0]]  # [kind, brace depth inside an interpolation]
    open_braces: list[int] = []
    string_starts: list[int] = []
    index, line, size = 0, 1, len(text)
    while index < size:
        char = text[index]
        kind = modes[-1][0]
        if kind == "string":
            if char == "\\":
                index += 2
                continue
            if text.startswith(("$${", "%%{"), index):
                index += 3
                continue
            if text.startswith(("${", "%{"), index):
                modes.append(["interpolation", 0])
                index += 2
                continue
            if char == '"':
                modes.pop()
                string_starts.pop()
            elif char == "\n":
                return Structure(string_starts[-1], tuple(open_braces))
            index += 1
            continue
        if char == "#" or text.startswith("//", index):
            end = text.find("\n", index)
            index = size if end < 0 else end
            continue
        if text.startswith("/*", index):
            end = text.find("*/", index + 2)
            end = size if end < 0 else end + 2
            line += text.count("\n", index, end)
            index = end
            continue
        heredoc = _HEREDOC_START.match(text, index) if char == "<" else None
        if heredoc is not None:
            end = _heredoc_end(text, heredoc.end(), heredoc.group(1))
            line += text.count("\n", index, end)
            index = end
            continue
        if char == '"':
            modes.append(["string", 0])
            string_starts.append(line)
        elif char == "{":
            if kind == "interpolation":
                modes[-1][1] += 1
            else:
                open_braces.append(line)
        elif char == "}":
            if kind == "interpolation":
                if modes[-1][1] == 0:
                    modes.pop()
                else:
                    modes[-1][1] -= 1
            elif open_braces:
                open_braces.pop()
        elif char == "\n":
            line += 1
        index += 1
    return Structure(None, tuple(open_braces))


def _heredoc_end(text: str, start: int, marker: str) -> int:
    """The offset just past a heredoc's closing marker line (the end of text if none)."""
    position = start
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        if text[position:end].strip() == marker:
            return end
        position = end + 1
    return len(text)


def _describe_parse_error(error: UnexpectedInput) -> str:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return "unexpected end of file (an unclosed block, string or heredoc?)"
        shown = str(token.value).split("\n", 1)[0][:40]
        return f"unexpected {token.type.lower()} {shown!r}"
    return str(error).splitlines()[0][:200]


def _first_tree(tree: Tree, data: str) -> Tree | None:
    for child in tree.children:
        if isinstance(child, Tree) and child.data == data:
            return child
    return None


class _Redefined(Exception):
    """An argument set twice in one block: Terraform's parser rejects the file ("Attribute
    redefined"); python-hcl2 keeps one of the values."""

    def __init__(self, name: str, first_line: int, line: int) -> None:
        super().__init__(name)
        self.name, self.first_line, self.line = name, first_line, line


def _fold_body(
    body: Tree, file: str, top: bool = False
) -> tuple[list[Block], dict[str, Attribute]]:
    """The blocks and attributes of a body. An argument set twice inside a block is a parse
    error; at the top of a file (a .tfvars) it is not judged, because a markdown answer that
    shows two versions of `terraform.tfvars` is read as one file holding both."""
    blocks: list[Block] = []
    attributes: dict[str, Attribute] = {}
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = _name_of(child.children[0])
            line = child.meta.line
            if name in attributes and not top:
                raise _Redefined(name, attributes[name].line, line)
            attributes[name] = Attribute(name, child.children[2], file, line)
        elif child.data == "block":
            blocks.append(_fold_block(child, file))
    return blocks, attributes


def _fold_block(node: Tree, file: str) -> Block:
    head = [c for c in node.children if isinstance(c, Tree) and c.data != "body"]
    head = [c for c in head if c.data != "new_line_or_comment"]
    block_type = _name_of(head[0])
    labels = [_label_of(c) for c in head[1:]]
    body = _first_tree(node, "body")
    blocks, attributes = _fold_body(body, file) if body is not None else ([], {})
    return Block(block_type, labels, attributes, blocks, file, node.meta.line, node.meta.end_line)


def _name_of(node: Tree | Token) -> str:
    if isinstance(node, Token):
        return str(node)
    return str(node.children[0])


def _label_of(node: Tree) -> str:
    if node.data == "string":
        return label_text(node)
    return _name_of(node)


def label_text(node: Tree) -> str:
    """A quoted block label's text, as written between its quotes."""
    return "".join(str(p.children[0]) for p in node.children if isinstance(p, Tree))


def _count_comment_lines(text: str) -> int:
    count = 0
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("#", "//", "/*")):
            count += 1
    return count


# --- Terraform JSON syntax -------------------------------------------------------------------

_JSON_LABEL_DEPTH = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "variable": 1,
    "output": 1,
    "provider": 1,
}


def _parse_json_file(name: str, text: str) -> ParsedFile | ParseFailure:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return ParseFailure(name, error.lineno, error.colno, f"invalid JSON: {error.msg}")
    except RecursionError:
        return ParseFailure(name, 1, 1, "JSON nested too deeply")
    if not isinstance(document, dict):
        return ParseFailure(name, 1, 1, "a Terraform JSON file must hold an object")
    line_of = _json_key_line_finder(text)
    parsed = ParsedFile(name)
    attributes: dict[str, Attribute] = {}
    for block_type, content in document.items():
        if block_type == "//":
            continue
        depth = _JSON_LABEL_DEPTH.get(block_type)
        if name.endswith(".tfvars.json"):
            attributes[block_type] = Attribute(
                block_type, JsonValue(content, line_of(block_type)), name, line_of(block_type)
            )
        elif depth is None:
            for body in _as_list(content):
                parsed.blocks.append(_json_block(block_type, [], body, name, line_of))
        else:
            _collect_json_labels(parsed.blocks, block_type, [], content, depth, name, line_of)
    if attributes:
        parsed.blocks.insert(0, Block("__attributes__", [], attributes, [], name, 1, 1))
    return parsed


def _collect_json_labels(
    out: list[Block],
    block_type: str,
    labels: list[str],
    content: Any,
    depth: int,
    file: str,
    line_of: Any,
) -> None:
    if depth == 0:
        for body in _as_list(content):
            out.append(_json_block(block_type, labels, body, file, line_of))
        return
    if isinstance(content, dict):
        for label, inner in content.items():
            _collect_json_labels(out, block_type, [*labels, label], inner, depth - 1, file, line_of)


_NESTED_BLOCK_HINTS = {
    "ingress",
    "egress",
    "statement",
    "lifecycle",
    "root_block_device",
    "ebs_block_device",
    "rule",
    "server_side_encryption_configuration",
    "apply_server_side_encryption_by_default",
    "versioning",
    "health_check",
    "principals",
    "condition",
    "block_device_mappings",
    "ebs",
    "tag",
    "access_logs",
    "default_action",
    "route",
    "setting",
    "content",
    "dynamic",
    "encryption_configuration",
    "server_side_encryption",
}


def _json_block(block_type: str, labels: list[str], body: Any, file: str, line_of: Any) -> Block:
    line = line_of(labels[-1] if labels else block_type)
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in _NESTED_BLOCK_HINTS and _is_objects(value):
                if key == "dynamic" and isinstance(value, dict):
                    for label, inner in value.items():
                        for item in _as_list(inner):
                            blocks.append(_json_block("dynamic", [label], item, file, line_of))
                    continue
                for item in _as_list(value):
                    blocks.append(_json_block(key, [], item, file, line_of))
            else:
                key_line = line_of(key)
                attributes[key] = Attribute(key, JsonValue(value, key_line), file, key_line)
    return Block(block_type, labels, attributes, blocks, file, line, line)


def _is_objects(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _json_key_line_finder(text: str) -> Any:
    """Approximate line of a JSON key: its first occurrence after the previous lookup."""
    lines = text.splitlines()
    cursor = {"line": 0}

    def line_of(key: str) -> int:
        needle = json.dumps(key)
        for index in range(cursor["line"], len(lines)):
            if needle in lines[index]:
                cursor["line"] = index
                return index + 1
        for index, content in enumerate(lines):
            if needle in content:
                return index + 1
        return 1

    return line_of
