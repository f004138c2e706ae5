"""The tree-sitter parser gives exactly what the python-hcl2 parser gives.

Every Terraform file evalkit ships as a fixture, the sample dataset, the hostile corpus and
the real answers of ../shared/datasets/rlhf-dev is parsed with both parsers; the parsed files
must be equal down to each token's type, text and position and each rule's line span, and a
file that fails must fail at the same line with the same message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
from lark import Token, Tree

from evalkit.dataset.markdown import extract_files
from evalkit.terraform import parse_memo
from evalkit.terraform.parse import (
    HCL2,
    TREE_SITTER,
    Block,
    ParsedFile,
    ParseFailure,
    default_parser,
    parse_file,
    records_suffice,
    use_parser,
    without_newlines,
)
from evalkit.terraform.parse_treesitter import file_records, lark_tree

REPO = Path(__file__).parent.parent
RLHF_DEV = REPO.parent / "shared" / "datasets" / "rlhf-dev"
_POSITION = ("line", "column", "start_pos", "end_line", "end_column", "end_pos")
_HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")


def _answer_files(label: str, text: str) -> Iterator[tuple[str, str]]:
    for name, content in extract_files(text).items():
        if not name.endswith(".json"):
            yield f"{label}::{name}", content


def _files_under(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # byte-level cases: the loader decodes them before any parser runs
        label = str(path.relative_to(REPO.parent))
        if path.name.endswith(_HCL_SUFFIXES):
            yield label, text
        elif path.suffix in (".md", ".txt"):
            yield from _answer_files(label, text)
        elif path.suffix == ".jsonl":
            for number, line in enumerate(text.splitlines(), 1):
                record = _record(line)
                if isinstance(record.get("response"), str):
                    yield from _answer_files(f"{label}:{number}", record["response"])


def _record(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


def _repository_files() -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    for folder in ("tests/fixtures", "tests/hostile", "tests/data", "datasets/sample"):
        files.extend(_files_under(REPO / folder))
    return files


def _rlhf_dev_files() -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    for path in sorted(RLHF_DEV.glob("*/*_RESPONSE.md")):
        files.extend(_answer_files(str(path.relative_to(RLHF_DEV)), path.read_text("utf-8")))
    return files


def _tree_difference(ours: Any, theirs: Any) -> str | None:
    """Where two Lark trees differ (rule, token type, text or position), or None."""
    pending = [(ours, theirs, "start")]
    while pending:
        a, b, path = pending.pop()
        if isinstance(a, Token) or isinstance(b, Token):
            same = isinstance(a, Token) and isinstance(b, Token) and a.type == b.type
            if not same or str(a) != str(b):
                return f"{path}: {a!r} != {b!r}"
            for field in _POSITION:
                if getattr(a, field) != getattr(b, field):
                    return f"{path}: {a!r} {field} {getattr(a, field)} != {getattr(b, field)}"
            continue
        if not isinstance(a, Tree) or not isinstance(b, Tree) or a.data != b.data:
            return f"{path}: {getattr(a, 'data', a)!r} != {getattr(b, 'data', b)!r}"
        if a.meta.empty != b.meta.empty:
            return f"{path}/{a.data}: empty meta {a.meta.empty} != {b.meta.empty}"
        if not a.meta.empty:
            for field in _POSITION:
                if getattr(a.meta, field) != getattr(b.meta, field):
                    return f"{path}/{a.data}: {field} differs"
        if len(a.children) != len(b.children):
            return f"{path}/{a.data}: {len(a.children)} != {len(b.children)} children"
        pending.extend(
            (x, y, f"{path}/{a.data}[{i}]")
            for i, (x, y) in enumerate(zip(a.children, b.children, strict=True))
        )
    return None


def _block_difference(ours: Block, theirs: Block, where: str) -> str | None:
    head = (ours.type, ours.labels, ours.file, ours.line, ours.end_line)
    if head != (theirs.type, theirs.labels, theirs.file, theirs.line, theirs.end_line):
        return f"{where}: block {head}"
    if list(ours.attributes) != list(theirs.attributes):
        return f"{where}: attribute names {list(ours.attributes)}"
    for name, attribute in ours.attributes.items():
        other = theirs.attributes[name]
        if (attribute.name, attribute.file, attribute.line) != (
            other.name,
            other.file,
            other.line,
        ):
            return f"{where}.{name}: attribute line {attribute.line} != {other.line}"
        difference = _tree_difference(attribute.expr, other.expr)
        if difference is not None:
            return f"{where}.{name}: {difference}"
    if len(ours.blocks) != len(theirs.blocks):
        return f"{where}: {len(ours.blocks)} != {len(theirs.blocks)} nested blocks"
    for index, (a, b) in enumerate(zip(ours.blocks, theirs.blocks, strict=True)):
        difference = _block_difference(a, b, f"{where}/{index}")
        if difference is not None:
            return difference
    return None


def _parse_difference(name: str, text: str) -> str | None:
    """How the two parsers' results for one file differ, or None."""
    ours = parse_file(name, text, TREE_SITTER)
    theirs = parse_file(name, text, HCL2)
    if isinstance(ours, ParseFailure) or isinstance(theirs, ParseFailure):
        return None if ours == theirs else f"{ours} != {theirs}"
    assert isinstance(ours, ParsedFile) and isinstance(theirs, ParsedFile)
    if ours.comment_lines != theirs.comment_lines:
        return f"comment lines {ours.comment_lines} != {theirs.comment_lines}"
    if len(ours.blocks) != len(theirs.blocks):
        return f"{len(ours.blocks)} != {len(theirs.blocks)} blocks"
    for index, (a, b) in enumerate(zip(ours.blocks, theirs.blocks, strict=True)):
        difference = _block_difference(a, b, str(index))
        if difference is not None:
            return difference
    return None


def _differences(files: list[tuple[str, str]]) -> list[str]:
    found = []
    for label, text in files:
        difference = _parse_difference(label.rsplit("::", 1)[-1], text)
        if difference is not None:
            found.append(f"{label}: {difference}")
    return found


def test_the_repository_corpus_parses_alike_with_both_parsers() -> None:
    files = _repository_files()
    assert len(files) > 500
    assert _differences(files) == []


@pytest.mark.skipif(not RLHF_DEV.is_dir(), reason="../shared/datasets/rlhf-dev is absent")
def test_the_rlhf_dev_answers_parse_alike_with_both_parsers() -> None:
    files = _rlhf_dev_files()
    assert len(files) > 100
    assert _differences(files) == []


def test_tree_sitter_builds_the_trees_of_valid_files_itself() -> None:
    """The parity above must not come from handing every file to python-hcl2."""
    valid = [
        text
        for _, text in _repository_files()
        if text.strip() and isinstance(parse_file("main.tf", text, HCL2), ParsedFile)
    ]
    built = sum(lark_tree(text) is not None for text in valid)
    assert built >= 0.97 * len(valid)


def test_tree_sitter_builds_the_records_of_valid_files_itself() -> None:
    """Files without template directives are read into records without a tree above their
    expressions; for every file where that fails, building the tree fails too."""
    valid = [
        text
        for _, text in _repository_files()
        if text.strip() and isinstance(parse_file("main.tf", text, HCL2), ParsedFile)
    ]
    direct = [text for text in valid if records_suffice(text)]
    built = [text for text in direct if file_records(text, "main.tf") is not None]
    assert len(built) >= 0.97 * len(direct)
    assert all(lark_tree(text) is None for text in direct if text not in built)


LAYOUTS = {
    "operators": "a = 1 + 2 * -3\nb = (a + b) * c\nc = !x && y || z\nd = 3 % 2 - 1\n",
    "operators over lines": "a = 1 +\n  2\nd = a &&\n  b ||\n  c\ne = a\n  && b\n",
    "conditionals": "k = a == b ? c : d\nt = x ? 1 : y ? 2 : z ? 3 : 4\nu = x\n  ? 1\n  : 2\n",
    "numbers": "a = -3\nb = [-3, -1.5]\nc = 1 -3\nd = f(-1)\ng = 1.5\nh = 1.5e-3\n",
    "templates": (
        'a = "x${var.a}%{ if x }y%{ else }z%{ endif }\\n"\n'
        'b = "%{ for k, v in m ~}${k}%{~ endfor }"\n'
        'c = "$${lit} %%{lit} 100% $5"\n'
        'd = "a\\"b\\\\c"\n'
    ),
    "heredocs": 'a = <<-EOT\n  x ${y}\n  EOT\nb = <<EOF\n{"a": 1}\nEOF\nc = <<EOT\nEOT\n',
    "for expressions": (
        "a = [for k, v in m : v if v]\n"
        "b = {for k, v in m : k => v... if v != null}\n"
        "c = {\n  for k, v in var.m :\n  k => v\n  if v != null\n}\n"
        "d = [\n  for x in l : x\n  if x > 1\n]\n"
    ),
    "calls and access": (
        "a = f(\n  1,\n  2,\n)\nb = f(\n  a...\n)\nc = f()\n"
        'e = a.b.c[0]["x"].*.id\ng = a[*].b[0]\nh = a.*.b[0]\ni = a.0.b\n'
    ),
    "objects": (
        'a = {\n  "k" : 1,\n  b = 2,\n  (c) = 3\n  d = [1,\n2]\n}\nb = { x\t: 1, y = 2 }\nc = {}\n'
    ),
    "comments": (
        "# top\nc = [\n  1, # one\n  2 // two\n  /* three */\n]\n"
        "a = x ? y : z # c\nb = a + b # d\n/* a\n b */\n"
    ),
    "blocks": (
        'x "a" {}\ny {\n}\nz "a" "b" { c = 1 }\nw\n{\n  a = 1\n}\n'
        'resource "x" "y" {\n  for_each = toset([\n    "a",\n  ])\n'
        '  lifecycle { ignore_changes = [tags] }\n  dynamic "d" {\n    content {}\n  }\n}\n'
    ),
    "keywords and literals": "for_each = 1\nin = 2\nb = true\nc = null\nd = [true, false]\n",
    "unicode": 'a = "é ${x} ü"\nb = "ç" # ñ\nc = f("日本", 2)\nd = { "ключ" = "𝄞" }\n',
    "carriage returns": "a = 1\r\nb = <<EOF\r\nhi\r\nEOF\r\nc = [\r\n  1,\r\n]\r\n",
    "blank lines and no final newline": "\n\n\na = 1\n\n\nb = 2 # x",
    "comment openers inside strings": (
        'a = "https://x.io/#top" # real\nb = f("/*", /* c */ "//", 1)\n'
        'c = [\n  "#", # one\n  "a//b",\n]\nd = "${x}#${y}"\n'
    ),
    "dollars and percents in strings": (
        'a = "x$${y} %%{z} $ % $$ %%"\nb = "a$b%c${d}$"\nc = "a\\"b$"\n'
    ),
    "only comments": "# one\n// two\n/* three */\n",
    # python-hcl2's COLON and EQ take the blanks before them, down to the comment's newline.
    "an indented colon after a comment": "a = x ? 1 # c\n  : 2\nb = x ? # d\n   1 : 2\n",
    "only blanks": " \n\t\n",
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=list(LAYOUTS))
def test_tree_sitter_rebuilds_python_hcl2s_tree(text: str) -> None:
    ours = lark_tree(text)
    assert ours is not None
    assert _tree_difference(ours, without_newlines(hcl2.parses_to_tree(text))) is None


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=list(LAYOUTS))
def test_positions_are_the_same_whichever_rule_is_read_first(text: str) -> None:
    """A rebuilt rule's position is worked out when first read, from the rules below it:
    reading the innermost rules first must give what reading from the top gives."""
    ours = lark_tree(text)
    assert ours is not None
    for rule in ours.iter_subtrees():  # innermost first
        assert rule.meta is not None
    assert _tree_difference(ours, without_newlines(hcl2.parses_to_tree(text))) is None


def test_neither_tree_holds_newlines_and_positions_stop_before_them() -> None:
    """python-hcl2 gives the newline after `1 +\n  2` to the binary operation; evalkit's
    trees leave newlines and comments out, and positions end where the code ends."""
    text = "a = 1 +\n  2 # two\n\nb = [\n  1, # one\n]\n"
    for tree in (lark_tree(text), without_newlines(hcl2.parses_to_tree(text))):
        assert tree is not None
        assert not list(tree.find_data("new_line_or_comment"))
        operation = next(tree.find_data("binary_op"))
        assert (operation.meta.line, operation.meta.end_line) == (1, 2)
        assert operation.meta.end_column == 4
        body = next(tree.find_data("body"))
        assert (body.meta.line, body.meta.end_line, body.meta.end_column) == (1, 6, 2)
    raw = next(hcl2.parses_to_tree(text).find_data("binary_op"))
    assert raw.meta.end_line == 4  # python-hcl2's own position takes in the newlines


BROKEN = {
    "missing brace": 'resource "a" "b" {\n  x = 1\n',
    "extra brace": "a = 1\n}\n",
    "unterminated string": 'a = "abc\nb = 1\n',
    "unclosed directive": 'a = "%{ if x }y"\n',
    "invalid escape": 'a = "\\q"\n',
    "two attributes on one line": 'variable "x" { type = string, default = 1 }\n',
    "unary before unary": "a = !-x\n",
    "an argument set twice in a block": 'resource "a" "b" {\n  x = 1\n  y = 2\n  x = 3\n}\n',
    "invalid escapes in a label, then in a nested block": (
        'resource "a" "b\\d" {\n  x {\n    y = "\\w"\n  }\n  z = "\\s"\n}\n'
    ),
    "invalid escapes in a nested block, then at the top": (
        'resource "a" "b" {\n  x {\n    y = "ok \\" ${f("\\q")}"\n  }\n}\nz = "\\s"\n'
    ),
    "arguments set twice in a nested block, then in its parent": (
        'resource "a" "b" {\n  x = 1\n  c {\n    y = 1\n    y = 2\n  }\n  x = 2\n}\n'
    ),
    "an argument set twice, and an invalid escape before it": (
        'resource "a" "b" {\n  w = "\\q"\n  x = 1\n  x = 2\n}\n'
    ),
    "prose": 'Here is the config:\nresource "a" "b" {}\n',
    "blocks nested too deeply": "a {\n" * 10_000 + "}\n" * 10_000,
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=list(BROKEN))
def test_a_text_either_parser_rejects_fails_alike(text: str) -> None:
    ours = parse_file("main.tf", text, TREE_SITTER)
    assert isinstance(ours, ParseFailure)
    assert ours == parse_file("main.tf", text, HCL2)


DEEP = {
    "brackets": "a = " + "[" * 10_000 + "]" * 10_000 + "\n",
    "blocks": "a {\n" * 3000 + "}\n" * 3000,
    "parentheses": "a = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
}


@pytest.mark.parametrize("text", DEEP.values(), ids=list(DEEP))
def test_deep_nesting_parses_alike(text: str) -> None:
    assert _parse_difference("main.tf", text) is None


def test_a_long_file_parses_alike() -> None:
    text = "".join(
        f'resource "aws_sqs_queue" "q{n}" {{\n  name = "q-${{var.env}}-{n}"\n'
        f"  delay = {n} * 2\n}}\n"
        for n in range(3000)
    )
    assert _parse_difference("main.tf", text) is None


def test_the_parser_is_chosen_per_call_or_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALKIT_PARSER", raising=False)
    assert default_parser() == TREE_SITTER
    use_parser(HCL2)
    assert default_parser() == HCL2
    with pytest.raises(ValueError, match="unknown parser"):
        use_parser("antlr")
    with pytest.raises(ValueError, match="unknown parser"):
        parse_file("main.tf", "a = 1\n", "antlr")


def test_the_parse_memo_keeps_each_parsers_result_apart() -> None:
    parse_memo.clear()
    text = "".join(f'resource "a" "q{n}" {{\n  name = "q-{n}"\n}}\n' for n in range(600))
    assert len(text) > parse_memo.MIN_CHARS
    ours = parse_memo.parse_file_once("main.tf", text, TREE_SITTER)
    theirs = parse_memo.parse_file_once("main.tf", text, HCL2)
    assert ours is not theirs and ours == theirs
    assert parse_memo.parse_file_once("main.tf", text, TREE_SITTER) is ours
    parse_memo.clear()


def test_an_argument_set_twice_fails_inside_a_block_not_at_the_top_of_a_tfvars() -> None:
    failure = parse_file("main.tf", 'resource "a" "b" {\n  x = 1\n\n  x = 2\n}\n', TREE_SITTER)
    assert isinstance(failure, ParseFailure)
    assert failure.line == 4
    assert "attribute redefined: `x` is already set on line 2" in failure.message
    # A markdown answer showing two versions of terraform.tfvars is read as one file.
    tfvars = parse_file("terraform.tfvars", 'region = "a"\nregion = "b"\n', TREE_SITTER)
    assert isinstance(tfvars, ParsedFile)
