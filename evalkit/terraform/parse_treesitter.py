"""HCL2 text -> the same Lark tree that python-hcl2 builds, read from tree-sitter-hcl.

tree-sitter parses HCL several times faster than python-hcl2's Lark parser. This module walks
tree-sitter's concrete syntax tree and builds the tree python-hcl2's grammar would give for the
same text (rule names, token types and values, positions), so that the rest of evalkit reads
one shape whichever parser ran. Both leave out python-hcl2's ``new_line_or_comment`` rules
(`evalkit.terraform.parse.without_newlines`): nothing reads them, and they are a sixth of
the tree.

`file_records` builds a file's `Block`/`Attribute` records the same way, without the rules
above the expressions, which nothing reads once the records are folded from them.

Both return None whenever the result could differ from python-hcl2's: a syntax error or a
missing token in tree-sitter's tree, a construct python-hcl2's grammar does not accept, or a
layout this module does not reproduce (a newline where the Lark grammar places it in a way
not followed here, nesting too deep to walk). The caller then parses the text with
python-hcl2, so errors and rare layouts are read exactly as before.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import tree_sitter
import tree_sitter_hcl
from lark import Token, Tree
from lark.tree import Meta

from evalkit.terraform.parse import Attribute, Block, label_text, rule_position, spanning

__all__ = ["FileRecords", "file_records", "lark_tree"]

_Built = TypeVar("_Built")

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


class _Unsupported(Exception):
    """The text holds something whose python-hcl2 tree this module does not reproduce."""


# python-hcl2's lexer: newlines (with the indentation after them) and comments are tokens,
# other blanks are skipped. This is the blanks, then a newline or comment.
_NEXT_NL_OR_COMMENT = re.compile(r"[ \t\r]*(\n[ \t]*|#[^\n]*\n|//[^\n]*\n|/\*(?:.|\n)*?\*/)")
_COMMENT_OPENER = re.compile(rb"#|//|/\*")
_ESCAPED_INTERPOLATION = re.compile(r"\$\$\{[^}]*\}")
_ESCAPED_DIRECTIVE = re.compile(r"%%\{[^}]*\}")
# python-hcl2's STRING_CHARS: any character but a quote or a backslash, unless it opens
# ${, $${, %{ or %%{; or an escape. Written with a run of the plain characters, which matches
# the same text as testing the four openings before every character, several times faster.
_STRING_CHARS = re.compile(r"(?:[^\"\\$%]+|\\.|\$(?!\$?\{)|%(?!%?\{))+", re.DOTALL)
# In the order python-hcl2's lexer tries them (by priority).
_STRING_PART_TOKENS = (
    ("ESCAPED_INTERPOLATION", _ESCAPED_INTERPOLATION),
    ("ESCAPED_DIRECTIVE", _ESCAPED_DIRECTIVE),
    ("STRING_CHARS", _STRING_CHARS),
)
_FLOAT = re.compile(r"-?[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)")
_INT = re.compile(r"-?[0-9]+")
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_KEYWORDS = {
    "in": "IN",
    "for": "FOR",
    "if": "IF",
    "for_each": "FOR_EACH",
    "else": "ELSE",
    "endif": "ENDIF",
    "endfor": "ENDFOR",
}
_LITERALS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}
_OPERATORS = {
    "==": "DOUBLE_EQ",
    "!=": "NEQ",
    "<": "LT",
    ">": "GT",
    "<=": "LEQ",
    ">=": "GEQ",
    "-": "MINUS",
    "*": "ASTERISK",
    "/": "SLASH",
    "%": "PERCENT",
    "&&": "DOUBLE_AMP",
    "||": "DOUBLE_PIPE",
    "+": "PLUS",
}
# python-hcl2 joins a newline that precedes one of these operators to the operator token.
_JOINS_NEWLINE = frozenset(_OPERATORS.values()) - {"MINUS"} | {"QMARK"}
_PUNCTUATION = {
    "{": "LBRACE",
    "}": "RBRACE",
    "[": "LSQB",
    "]": "RSQB",
    "(": "LPAR",
    ")": "RPAR",
    ",": "COMMA",
    ".": "DOT",
    "?": "QMARK",
    "=>": "FOR_OBJECT_ARROW",
    "...": "ELLIPSIS",
    ".*": "ATTR_SPLAT",
    "[*]": "FULL_SPLAT_START",
    "for": "FOR",
    "in": "IN",
    "if": "IF",
    "else": "ELSE",
    "endif": "ENDIF",
    "endfor": "ENDFOR",
    "~": "STRIP_MARKER",
    "%{": "DIRECTIVE_START",
    "${": "INTERP_START",
}


def lark_tree(text: str) -> Tree | None:
    """python-hcl2's ``parses_to_tree(text)``, built from tree-sitter; None when the text must
    be parsed by python-hcl2 instead (see the module docstring)."""
    return _built(text, lambda builder, root: builder.start(root))


@dataclass
class FileRecords:
    """A file's blocks and top-level attributes, as `evalkit.terraform.parse` folds them from
    its tree, with what that fold and its checks read besides."""

    blocks: list[Block]
    attributes: dict[str, Attribute]
    # The first argument set twice in one block, in the order the fold meets them: its name,
    # the line that set it first and the line that set it again.
    redefined: tuple[str, int, int] | None
    # The text and line of each string part of a quoted string (labels included) that holds
    # a backslash, in the order of the text.
    escaped: list[tuple[str, int]]


def file_records(text: str, file: str) -> FileRecords | None:
    """The records `evalkit.terraform.parse` folds from `lark_tree(text)`, built without the
    tree's rules above the expressions (start, body, block, attribute, names and braces);
    None exactly when `lark_tree(text)` is None.

    The one thing read from those rules that this does not give is the balance of template
    directives: `evalkit.terraform.parse.records_suffice` tells which texts this serves."""
    return _built(text, lambda builder, root: builder.records(root, file))


def _built(text: str, build: Callable[[_Builder, Any], _Built]) -> _Built | None:
    source = text + "\n"
    data = source.encode("utf-8", "surrogatepass")
    try:
        syntax = _PARSER.parse(data)
    except (ValueError, MemoryError):
        return None
    root = syntax.root_node
    if root.has_error:
        return None
    # The rebuild makes tens of thousands of objects and no cycle: the cyclic collector,
    # running again and again over the growing tree, would cost a third of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return build(_Builder(source, data), root)
    except (_Unsupported, RecursionError, ValueError, KeyError, IndexError):
        # ValueError, KeyError and IndexError: a tree-sitter shape not foreseen here.
        return None
    finally:
        if collecting:
            gc.enable()


class _Builder:
    """One walk of a tree-sitter tree, emitting Lark tokens left to right.

    `cursor` is the character offset just past the last token emitted; every token checks
    that only blanks lie between the cursor and itself, so a newline or comment that the Lark
    grammar would have placed somewhere not reproduced here is detected, never dropped.
    """

    def __init__(self, source: str, data: bytes) -> None:
        self.source = source
        self.cursor = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)] + [len(source) + 1]
        if len(data) == len(source):
            self.char_at: Any = None
        else:
            self.char_at = _byte_to_char_table(source, len(data))
        # Where a comment may start (byte offsets, a superset: also inside strings): a node
        # with none of them inside has no comment among its children.
        self.comment_openers = [m.start() for m in _COMMENT_OPENER.finditer(data)]
        self.escaped: list[tuple[str, int]] = []
        # What `records` reads besides: the file named in each record, and the first argument
        # set twice in one block.
        self.file = ""
        self.redefined: tuple[str, int, int] | None = None

    # --- positions and tokens -------------------------------------------------------------

    def offset(self, byte: int) -> int:
        return byte if self.char_at is None else self.char_at[byte]

    def token(self, kind: str, start: int, end: int, value: str | None = None) -> Token:
        """A token over source[start:end] (character offsets), checked against the cursor."""
        if start != self.cursor:
            self.expect_blanks(start)
        self.cursor = end
        return self.make(kind, start, end, self.source[start:end] if value is None else value)

    def line_at(self, offset: int) -> int:
        """The line of a character offset (what `make` works out inline for every token)."""
        return bisect_right(self.line_starts, offset)

    def make(self, kind: str, start: int, end: int, value: str) -> Token:
        line_starts = self.line_starts
        line = bisect_right(line_starts, start)
        # line_starts ends with a bound past the text, so line_starts[line] always exists.
        end_line = line if end < line_starts[line] else bisect_right(line_starts, end)
        # The fields Lark's Token constructor sets, without its argument handling (a third of
        # the cost of a token).
        token: Any = str.__new__(Token, value)
        token.type = kind
        token.value = value
        token.start_pos = start
        token.line = line
        token.column = start - line_starts[line - 1] + 1
        token.end_line = end_line
        token.end_column = end - line_starts[end_line - 1] + 1
        token.end_pos = end
        return token

    def leaf(self, kind: str, node: Any) -> Token:
        char_at = self.char_at
        if char_at is None:
            return self.token(kind, node.start_byte, node.end_byte)
        return self.token(kind, char_at[node.start_byte], char_at[node.end_byte])

    def expect_blanks(self, start: int) -> None:
        cursor = self.cursor
        if start < cursor:
            raise _Unsupported("overlapping tokens")
        if self.source[cursor:start].strip(" \t\r"):
            raise _Unsupported("a newline or comment where it is not reproduced")

    def significant(self, node: Any) -> list[Any]:
        """A node's children without comments (tree-sitter keeps them as extras anywhere).
        Callers must not modify the list: it may be the node's own."""
        children = node.children
        openers = self.comment_openers
        if openers:
            first = bisect_left(openers, node.start_byte)
            if first < len(openers) and openers[first] < node.end_byte:
                return [c for c in children if c.type != "comment"]
        return children

    def spaced(self, kind: str, node: Any) -> Token:
        """EQ and COLON tokens, whose pattern takes the spaces and tabs before them."""
        return self.token(kind, *self.spaced_span(node))

    def spaced_span(self, node: Any) -> tuple[int, int]:
        first = self.offset(node.start_byte)
        while first > self.cursor and self.source[first - 1] in " \t":
            first -= 1
        return first, self.offset(node.end_byte)

    def skip_newlines(self) -> None:
        """Step the cursor past the newlines and comments after it: python-hcl2's
        ``new_line_or_comment`` rules, which evalkit's trees leave out."""
        source, position = self.source, self.cursor
        found = _NEXT_NL_OR_COMMENT.match(source, position)
        while found is not None:
            position = found.end()
            found = _NEXT_NL_OR_COMMENT.match(source, position)
        self.cursor = position

    def add_expression(self, children: list[Any], node: Any) -> None:
        """Append the expression `node` to `children` and step past the newlines after it."""
        children.append(self.expression(node))
        self.skip_newlines()

    def joined_operator(self, kind: str, node: Any) -> Token:
        """An operator token, with a newline before it joined to its value as python-hcl2's
        post-lexer does."""
        start, end = self.offset(node.start_byte), self.offset(node.end_byte)
        found = _NEXT_NL_OR_COMMENT.match(self.source, self.cursor)
        if found is None:
            return self.token(kind, start, end)
        if kind not in _JOINS_NEWLINE or _NEXT_NL_OR_COMMENT.match(self.source, found.end()):
            raise _Unsupported("a newline before an operator")
        prefix_start, prefix_end = found.span(1)
        self.cursor = prefix_end
        joined: Any = self.token(kind, start, end)
        value = self.source[prefix_start:prefix_end] + joined
        return self.make(kind, joined.start_pos, joined.end_pos, value)

    # --- structure --------------------------------------------------------------------------

    def start(self, root: Any) -> Tree:
        return _tree("start", [self.body(self.top_statements(root))])

    def top_statements(self, root: Any) -> list[Any]:
        statements: list[Any] = []
        for child in root.named_children:
            if child.type == "body":
                statements.extend(c for c in child.named_children if c.type != "comment")
            elif child.type != "comment":
                raise _Unsupported(child.type)
        return statements

    def body(self, statements: list[Any]) -> Tree:
        children: list[Any] = []
        for statement in statements:
            self.skip_newlines()
            if statement.type == "attribute":
                children.append(self.attribute(statement))
            elif statement.type == "block":
                children.append(self.block(statement))
            else:
                raise _Unsupported(statement.type)
        self.skip_newlines()
        return _tree("body", children)

    def attribute(self, node: Any) -> Tree:
        name, equals, value = self.significant(node)
        head = self.name(name)
        eq = self.spaced("EQ", equals)
        return _tree("attribute", [head, eq, self.expression(value)])

    def block(self, node: Any) -> Tree:
        children: list[Any] = []
        statements: list[Any] = []
        for child in node.children:
            kind = child.type
            if kind == "comment":
                continue
            if kind == "identifier":
                children.append(self.name(child))
            elif kind == "string_lit":
                children.append(self.string(child))
            elif kind == "block_start":
                self.skip_newlines()
                children.append(self.leaf("LBRACE", child))
            elif kind == "body":
                statements = [c for c in child.named_children if c.type != "comment"]
            elif kind == "block_end":
                children.append(self.body(statements))
                children.append(self.leaf("RBRACE", child))
            else:
                raise _Unsupported(kind)
        return _tree("block", children)

    # --- records: the structure above expressions, without its rules -------------------------
    # Each step below reads the text exactly as its rule-building twin above does (the same
    # cursor moves and the same checks), so it fails where that one fails.

    def records(self, root: Any, file: str) -> FileRecords:
        self.file = file
        blocks, attributes = self.record_body(self.top_statements(root), top=True)
        return FileRecords(blocks, attributes, self.redefined, self.escaped)

    def record_body(
        self, statements: list[Any], top: bool = False
    ) -> tuple[list[Block], dict[str, Attribute]]:
        blocks: list[Block] = []
        attributes: dict[str, Attribute] = {}
        for statement in statements:
            self.skip_newlines()
            if statement.type == "attribute":
                attribute = self.record_attribute(statement)
                earlier = attributes.get(attribute.name)
                # At the top of a file (a .tfvars) an argument set twice is not judged.
                if earlier is not None and not top and self.redefined is None:
                    self.redefined = (attribute.name, earlier.line, attribute.line)
                attributes[attribute.name] = attribute
            elif statement.type == "block":
                blocks.append(self.record_block(statement))
            else:
                raise _Unsupported(statement.type)
        self.skip_newlines()
        return blocks, attributes

    def record_attribute(self, node: Any) -> Attribute:
        name, equals, value = self.significant(node)
        text, line = self.record_name(name)
        self.step(*self.spaced_span(equals))
        return Attribute(text, self.expression(value), self.file, line)

    def record_block(self, node: Any) -> Block:
        names: list[str] = []
        line = end_line = 0
        statements: list[Any] = []
        blocks: list[Block] = []
        attributes: dict[str, Attribute] = {}
        for child in node.children:
            kind = child.type
            if kind == "comment":
                continue
            if kind == "identifier":
                text, name_line = self.record_name(child)
                if not names:
                    line = name_line
                names.append(text)
            elif kind == "string_lit" and names:
                names.append(label_text(self.string(child)))
            elif kind == "block_start":
                self.skip_newlines()
                self.step_over(child)
            elif kind == "body":
                statements = [c for c in child.named_children if c.type != "comment"]
            elif kind == "block_end":
                blocks, attributes = self.record_body(statements)
                end_line = self.step_over(child)
            else:
                raise _Unsupported(kind)
        if not names:
            raise _Unsupported("a block without a type")
        return Block(names[0], names[1:], attributes, blocks, self.file, line, end_line)

    def record_name(self, node: Any) -> tuple[str, int]:
        """The text and line of what `name` reads."""
        start, end = self.offset(node.start_byte), self.offset(node.end_byte)
        text = self.source[start:end]
        if text not in _KEYWORDS and text not in _LITERALS and _NAME.fullmatch(text) is None:
            raise _Unsupported("name")
        self.step(start, end)
        return text, self.line_at(start)

    def step_over(self, node: Any) -> int:
        """Step the cursor over a one-line token as `leaf` does; its line."""
        start = self.offset(node.start_byte)
        self.step(start, self.offset(node.end_byte))
        return self.line_at(start)

    def step(self, start: int, end: int) -> None:
        """The cursor moves of `token`, without the token."""
        if start != self.cursor:
            self.expect_blanks(start)
        self.cursor = end

    def name(self, node: Any) -> Tree:
        """An attribute name, block type or bare label: a keyword, a literal or a name."""
        text = self.source[self.offset(node.start_byte) : self.offset(node.end_byte)]
        if text in _KEYWORDS:
            return _tree("keyword", [self.leaf(_KEYWORDS[text], node)])
        if text in _LITERALS:
            return _tree("literal_value", [self.leaf(_LITERALS[text], node)])
        return self.identifier(node)

    def identifier(self, node: Any) -> Tree:
        token = self.leaf("NAME", node)
        if _NAME.fullmatch(token) is None:
            raise _Unsupported("name")
        return _tree("identifier", [token])

    # --- expressions ------------------------------------------------------------------------

    def expression(self, node: Any) -> Tree:
        """A tree-sitter ``expression`` as the Lark grammar's expression."""
        return self.expression_parts(self.significant(node))

    def expression_parts(self, parts: list[Any]) -> Tree:
        """An expression given as tree-sitter's sequence of nodes (a term, or parentheses,
        then attribute, index and splat suffixes)."""
        first = parts[0]
        kind = first.type
        if kind == "(":
            if len(parts) < 3 or parts[2].type != ")":
                raise _Unsupported("parentheses")
            lpar = self.leaf("LPAR", first)
            children: list[Any] = [lpar]
            self.skip_newlines()
            self.add_expression(children, parts[1])
            children.append(self.leaf("RPAR", parts[2]))
            return self.postfix(_tree("expr_term", children), parts[3:])
        if kind in ("operation", "conditional", "expression"):
            if len(parts) != 1:
                raise _Unsupported(kind)
            if kind == "operation":
                return self.operation(first.named_children[0])
            if kind == "conditional":
                return self.conditional(first)
            return self.expression(first)
        return self.postfix(self.term(first), parts[1:])

    def postfix(self, term: Tree, parts: list[Any]) -> Tree:
        index = 0
        while index < len(parts):
            part = parts[index]
            index += 1
            if part.type == "get_attr":
                term = _tree(
                    "expr_term", [_tree("get_attr_expr_term", [term, self.get_attr(part)])]
                )
            elif part.type == "index":
                term = _tree("expr_term", [_tree("index_expr_term", [term, self.index(part)])])
            elif part.type == "splat":
                splat = part.named_children[0]
                rule = "attr_splat" if splat.type == "attr_splat" else "full_splat"
                children = self.splat(splat)
                # python-hcl2's splat takes every attribute and index that follows it.
                while index < len(parts) and parts[index].type in ("get_attr", "index"):
                    follower = parts[index]
                    index += 1
                    if follower.type == "get_attr":
                        children.append(self.get_attr(follower))
                    else:
                        children.append(self.index(follower))
                term = _tree(
                    "expr_term", [_tree(f"{rule}_expr_term", [term, _tree(rule, children)])]
                )
            else:
                raise _Unsupported(part.type)
        return term

    def get_attr(self, node: Any) -> Tree:
        dot, name = self.significant(node)
        token = self.leaf("DOT", dot)
        return _tree("get_attr", [token, self.name_in_expression(name)])

    def name_in_expression(self, node: Any) -> Tree:
        text = self.source[self.offset(node.start_byte) : self.offset(node.end_byte)]
        if text in _LITERALS:
            return _tree("literal_value", [self.leaf(_LITERALS[text], node)])
        return self.identifier(node)

    def index(self, node: Any) -> Tree:
        inner = node.named_children[0]
        parts = self.significant(inner)
        if inner.type == "legacy_index":
            dot = parts[0]
            start = self.offset(dot.end_byte)
            end = self.offset(inner.end_byte)
            if _INT.fullmatch(self.source, start, end) is None:
                raise _Unsupported("index")
            dot_token = self.leaf("DOT", dot)
            return _tree("short_index", [dot_token, self.token("INT_LITERAL", start, end)])
        if len(parts) != 3:
            raise _Unsupported("index")
        children: list[Any] = [self.leaf("LSQB", parts[0])]
        self.skip_newlines()
        self.add_expression(children, parts[1])
        children.append(self.leaf("RSQB", parts[2]))
        return _tree("braces_index", children)

    def splat(self, node: Any) -> list[Any]:
        parts = self.significant(node)
        kind = "ATTR_SPLAT" if node.type == "attr_splat" else "FULL_SPLAT_START"
        children: list[Any] = [self.leaf(kind, parts[0])]
        for part in parts[1:]:
            if part.type == "get_attr":
                children.append(self.get_attr(part))
            elif part.type == "index":
                children.append(self.index(part))
            else:
                raise _Unsupported(part.type)
        return children

    def term(self, node: Any) -> Tree:
        kind = node.type
        if kind == "literal_value":
            return _tree("expr_term", [self.literal(node.named_children[0])])
        if kind == "variable_expr":
            return _tree("expr_term", [self.identifier(node.named_children[0])])
        if kind == "collection_value":
            collection = node.named_children[0]
            if collection.type == "tuple":
                return _tree("expr_term", [self.tuple_value(collection)])
            return _tree("expr_term", [self.object_value(collection)])
        if kind == "template_expr":
            template = node.named_children[0]
            if template.type == "quoted_template":
                return _tree("expr_term", [self.string(template)])
            return _tree("expr_term", [self.heredoc(template)])
        if kind == "function_call":
            return _tree("expr_term", [self.function_call(node)])
        if kind == "for_expr":
            inner = node.named_children[0]
            if inner.type == "for_tuple_expr":
                return _tree("expr_term", [self.for_tuple(inner)])
            return _tree("expr_term", [self.for_object(inner)])
        raise _Unsupported(kind)

    def literal(self, node: Any) -> Tree:
        kind = node.type
        if kind == "numeric_lit":
            start, end = self.offset(node.start_byte), self.offset(node.end_byte)
            if _FLOAT.fullmatch(self.source, start, end):
                return _tree("float_lit", [self.token("FLOAT_LITERAL", start, end)])
            if _INT.fullmatch(self.source, start, end):
                return _tree("int_lit", [self.token("INT_LITERAL", start, end)])
            raise _Unsupported("number")
        if kind in ("bool_lit", "null_lit"):
            text = self.source[self.offset(node.start_byte) : self.offset(node.end_byte)]
            return _tree("literal_value", [self.leaf(_LITERALS[text], node)])
        if kind == "string_lit":
            return self.string(node)
        raise _Unsupported(kind)

    def tuple_value(self, node: Any) -> Tree:
        return self.collection(node, "LSQB", "RSQB", "tuple", self.add_expression)

    def object_value(self, node: Any) -> Tree:
        return self.collection(node, "LBRACE", "RBRACE", "object", self.add_object_elem)

    def collection(
        self,
        node: Any,
        opening: str,
        closing: str,
        rule: str,
        add_item: Callable[[list[Any], Any], None],
    ) -> Tree:
        """A tuple or an object: its brackets, its items (each appended with the newlines
        after it by `add_item`) and its commas, each followed by its newlines."""
        parts = self.significant(node)
        children: list[Any] = [self.leaf(opening, parts[0])]
        self.skip_newlines()
        for part in parts[1:-1]:
            if part.type == ",":
                children.append(self.leaf("COMMA", part))
                self.skip_newlines()
            else:
                add_item(children, part)
        children.append(self.leaf(closing, parts[-1]))
        return _tree(rule, children)

    def add_object_elem(self, children: list[Any], node: Any) -> None:
        """Append the object element `node` and the newlines after it that it does not take."""
        key, separator, value = self.significant(node)
        key_tree = _tree("object_elem_key", [self.expression(key)])
        kind = "EQ" if separator.type == "=" else "COLON"
        sep = self.spaced(kind, separator)
        children.append(_tree("object_elem", [key_tree, sep, self.expression(value)]))
        self.skip_newlines()

    def function_call(self, node: Any) -> Tree:
        parts = self.significant(node)
        name = parts[0]
        if parts[1].type != "(" or parts[-1].type != ")":
            raise _Unsupported("function call")
        children: list[Any] = [self.identifier(name), self.leaf("LPAR", parts[1])]
        self.skip_newlines()
        if len(parts) == 4:
            children.append(self.arguments(parts[2]))
        elif len(parts) != 3:
            raise _Unsupported("function call")
        self.skip_newlines()
        children.append(self.leaf("RPAR", parts[-1]))
        return _tree("function_call", children)

    def arguments(self, node: Any) -> Tree:
        children: list[Any] = []
        for part in self.significant(node):
            if part.type == ",":
                children.append(self.leaf("COMMA", part))
            elif part.type == "ellipsis":
                children.append(self.leaf("ELLIPSIS", part))
            else:
                self.add_expression(children, part)
                continue
            self.skip_newlines()
        return _tree("arguments", children)

    def for_intro(self, node: Any) -> Tree:
        children: list[Any] = []
        for part in self.significant(node):
            kind = part.type
            if kind == "identifier":
                children.append(self.identifier(part))
            elif kind == "expression":
                self.add_expression(children, part)
                continue
            elif kind == ":":
                children.append(self.spaced("COLON", part))
            else:
                children.append(self.leaf(_PUNCTUATION[kind], part))
            if kind != ",":
                self.skip_newlines()
        return _tree("for_intro", children)

    def for_cond(self, node: Any) -> Tree:
        keyword, value = self.significant(node)
        children: list[Any] = [self.leaf("IF", keyword)]
        self.skip_newlines()
        self.add_expression(children, value)
        return _tree("for_cond", children)

    def for_tuple(self, node: Any) -> Tree:
        return _tree("for_tuple_expr", self.for_parts(node, "LSQB", "RSQB"))

    def for_object(self, node: Any) -> Tree:
        return _tree("for_object_expr", self.for_parts(node, "LBRACE", "RBRACE"))

    def for_parts(self, node: Any, opening: str, closing: str) -> list[Any]:
        parts = self.significant(node)
        children: list[Any] = [self.leaf(opening, parts[0])]
        self.skip_newlines()
        for part in parts[1:-1]:
            kind = part.type
            if kind == "for_intro":
                children.append(self.for_intro(part))
            elif kind == "expression":
                self.add_expression(children, part)
                continue
            elif kind == "for_cond":
                children.append(self.for_cond(part))
                continue
            elif kind == "=>":
                children.append(self.leaf("FOR_OBJECT_ARROW", part))
            elif kind == "ellipsis":
                children.append(self.leaf("ELLIPSIS", part))
            else:
                raise _Unsupported(kind)
            self.skip_newlines()
        children.append(self.leaf(closing, parts[-1]))
        return children

    def operation(self, node: Any) -> Tree:
        parts = self.significant(node)
        if node.type == "unary_operation":
            return self.unary(parts[0], parts[1:])
        split = next(
            (i for i, p in enumerate(parts) if not p.is_named and p.type not in "()"), None
        )
        if split is None or split == 0:
            raise _Unsupported("operation")
        operator = parts[split]
        left_tree = self.expression_parts(parts[:split])
        kind = _OPERATORS.get(operator.type)
        if kind is None:
            raise _Unsupported(operator.type)
        operator_token = self.joined_operator(kind, operator)
        term: list[Any] = [_tree("binary_operator", [operator_token])]
        self.skip_newlines()
        right_tree = self.expression_parts(parts[split + 1 :])
        if right_tree.data == "conditional":
            raise _Unsupported("a conditional as an operand")
        term.append(right_tree)
        return _tree("binary_op", [left_tree, _tree("binary_term", term)])

    def unary(self, sign: Any, operand: list[Any]) -> Tree:
        kind = "MINUS" if sign.type == "-" else "NOT"
        if kind == "MINUS" and len(operand) == 1 and operand[0].type == "literal_value":
            number = operand[0].named_children[0]
            if number.type == "numeric_lit" and number.start_byte == sign.end_byte:
                start = self.offset(sign.start_byte)
                end = self.offset(number.end_byte)
                if _FLOAT.fullmatch(self.source, start, end):
                    # python-hcl2 lexes a negative float as one literal.
                    return _tree(
                        "expr_term", [_tree("float_lit", [self.token("FLOAT_LITERAL", start, end)])]
                    )
        token = self.leaf(kind, sign)
        operand_tree = self.expression_parts(operand)
        if operand_tree.data != "expr_term":
            raise _Unsupported("a unary operator before an operation")
        return _tree("unary_op", [token, operand_tree])

    def conditional(self, node: Any) -> Tree:
        return self.conditional_chain(self.conditional_sequence(node))

    def conditional_sequence(self, node: Any) -> list[Any]:
        """The parts of a conditional, and of the conditionals tree-sitter nests in its condition,
        in the order of the text: condition, ?, value, :, condition, ?, value, :, ..., value."""
        condition, question, if_true, colon, if_false = self.significant(node)
        inner = self.significant(condition)
        if len(inner) == 1 and inner[0].type == "conditional":
            return [*self.conditional_sequence(inner[0]), question, if_true, colon, if_false]
        return [condition, question, if_true, colon, if_false]

    def conditional_chain(self, items: list[Any]) -> Tree:
        """``c1 ? a : c2 ? b : e`` as python-hcl2 (and Terraform) group it:
        ``c1 ? a : (c2 ? b : e)``; tree-sitter-hcl groups it the other way."""
        condition, question, if_true, colon = items[:4]
        children: list[Any] = [self.expression(condition)]
        if children[0].data == "conditional":
            raise _Unsupported("a conditional as a condition")
        children.append(self.joined_operator("QMARK", question))
        self.skip_newlines()
        self.add_expression(children, if_true)
        children.append(self.spaced("COLON", colon))
        self.skip_newlines()
        if len(items) == 5:
            children.append(self.expression(items[4]))
        else:
            children.append(self.conditional_chain(items[4:]))
        return _tree("conditional", children)

    # --- templates --------------------------------------------------------------------------

    def string(self, node: Any) -> Tree:
        """A quoted string: its literal text is cut into parts as python-hcl2's lexer cuts it,
        its interpolations and directives become flat parts as in python-hcl2's grammar."""
        parts = self.significant(node)
        opening, closing = parts[0], parts[-1]
        if opening.type != "quoted_template_start" or closing.type != "quoted_template_end":
            raise _Unsupported("string")
        children: list[Any] = [self.leaf("DBLQUOTE", opening)]
        self.template_parts(parts[1:-1], children)
        end = self.offset(closing.start_byte)
        self.literal_parts(end, children)
        children.append(self.leaf("DBLQUOTE", closing))
        return _tree("string", children)

    def template_parts(self, parts: list[Any], children: list[Any]) -> None:
        for part in parts:
            kind = part.type
            if kind == "template_literal":
                continue
            self.literal_parts(self.offset(part.start_byte), children)
            if kind == "template_interpolation":
                children.append(_tree("string_part", [self.interpolation(part)]))
            elif kind == "template_directive":
                # A template_if or template_for: its intro and end tags and the template
                # between them, as flat parts.
                self.template_parts(self.significant(part.named_children[0]), children)
            elif kind in _DIRECTIVE_RULES:
                rule = _DIRECTIVE_RULES[kind]
                children.append(_tree("string_part", [_tree(rule, self.directive_tokens(part))]))
            else:
                raise _Unsupported(kind)

    def literal_parts(self, end: int, children: list[Any]) -> None:
        """Literal text from the cursor to `end`, as python-hcl2's string-part tokens."""
        source = self.source
        position = self.cursor
        while position < end:
            for kind, pattern in _STRING_PART_TOKENS:  # noqa: B007 (both read after the loop)
                found = pattern.match(source, position, end)
                if found is not None and found.end() > position:
                    break
            else:
                raise _Unsupported("string text")
            # A token of python-hcl2's lexer that would run past this literal text (into an
            # interpolation that tree-sitter reads apart) would cut the string differently.
            unbounded = pattern.match(source, position)
            if unbounded is None or unbounded.end() != found.end():
                raise _Unsupported("string text")
            token = self.make(kind, position, found.end(), found.group())
            if "\\" in token:
                self.escaped.append((token, self.line_at(position)))
            children.append(_tree("string_part", [token]))
            position = found.end()
        self.cursor = max(self.cursor, end)

    def interpolation(self, node: Any) -> Tree:
        parts = self.significant(node)
        if len(parts) != 3:
            raise _Unsupported("interpolation")
        start, value, end = parts
        children = [self.leaf("INTERP_START", start), self.expression(value)]
        children.append(self.leaf("RBRACE", end))
        return _tree("interpolation", children)

    def directive_tokens(self, node: Any) -> list[Any]:
        tokens: list[Any] = []
        for part in self.significant(node):
            kind = part.type
            if kind == "template_directive_start":
                tokens.append(self.leaf("DIRECTIVE_START", part))
            elif kind == "template_directive_end":
                tokens.append(self.leaf("RBRACE", part))
            elif kind == "strip_marker":
                tokens.append(self.leaf("STRIP_MARKER", part))
            elif kind == "identifier":
                tokens.append(self.identifier(part))
            elif kind == "expression":
                tokens.append(self.expression(part))
            elif kind in _PUNCTUATION:
                tokens.append(self.leaf(_PUNCTUATION[kind], part))
            else:
                raise _Unsupported(kind)
        return tokens

    def heredoc(self, node: Any) -> Tree:
        parts = self.significant(node)
        trim = parts[0].named_children == [] and self.source[
            self.offset(parts[0].start_byte) : self.offset(parts[0].end_byte)
        ].startswith("<<-")
        start = self.offset(node.start_byte)
        end = self.offset(node.end_byte)
        if parts[-1].type != "heredoc_identifier" or len(parts) < 3:
            raise _Unsupported("heredoc")
        if self.source.startswith("\r\n", end):
            end += 2
        elif self.source.startswith("\n", end):
            end += 1
        else:
            raise _Unsupported("heredoc end")
        pattern = _HEREDOC_TRIM if trim else _HEREDOC
        found = pattern.match(self.source, start)
        if found is None or found.end() != end:
            raise _Unsupported("heredoc")
        rule = "heredoc_template_trim" if trim else "heredoc_template"
        return _tree(rule, [self.token(rule.upper(), start, end)])


_HEREDOC = re.compile(
    r"<<(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc)\r?\n"
)
_HEREDOC_TRIM = re.compile(
    r"<<-(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc_trim)\r?\n"
)

_DIRECTIVE_RULES = {
    "template_if_intro": "template_if_start",
    "template_else_intro": "template_else",
    "template_if_end": "template_endif",
    "template_for_start": "template_for_start",
    "template_for_end": "template_endfor",
}


def _byte_to_char_table(source: str, size: int) -> list[int]:
    """Character offset of each UTF-8 byte offset (bytes inside a character map to it)."""
    table = [0] * (size + 1)
    byte = 0
    for index, char in enumerate(source):
        width = len(char.encode("utf-8", "surrogatepass"))
        for step in range(width):
            table[byte + step] = index
        byte += width
    table[size] = len(source)
    return table


_new_tree = Tree.__new__


class _Rule(Tree):
    """A rule of the rebuilt tree. Its position is worked out from its first and last
    positioned children when it is first read, as Lark's ``propagate_positions`` sets it (only
    an empty body has no position): a rebuild makes thousands of rules per answer, and the
    positions of most are never read."""

    @property
    def meta(self) -> Meta:
        meta = self._meta
        if meta is None:
            meta = self._meta = _position(self.children)
        return meta


def _position(children: list[Any]) -> Meta:
    first = _edge(children, 0)
    last = _edge(children, -1)
    if first is None or last is None:
        return rule_position(children)
    return spanning(first, last)


def _edge(children: list[Any], index: int) -> Any:
    """The first (index 0) or last (index -1) token under `children`, or the position of the
    rule that holds it when that is known already; None when an empty rule is in the way."""
    if not children:
        return None
    node = children[index]
    while type(node) is not Token:
        meta = node._meta
        if meta is not None:
            return None if meta.empty else meta
        below = node.children
        if not below:
            return None
        node = below[index]
    return node


def _tree(data: str, children: list[Any]) -> Tree:
    # The fields Lark's Tree constructor sets, without calling it.
    tree: Any = _new_tree(_Rule)
    tree.data = data
    tree.children = children
    tree._meta = None
    return tree
