"""Property tests: extraction, decoding and grading never raise, whatever the text.

Two kinds of input: arbitrary text (and bytes), and HCL-shaped text built from random
nestings of blocks, objects, lists, strings, heredocs and interpolations, then optionally
damaged. Grading must give a graded status (a check that raises would show as ``error``)
and evaluation must end on references that loop. Example counts keep the file under a
minute.
"""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.checks import REGISTRY
from evalkit.dataset import extract_files
from evalkit.dataset.tables import iter_jsonl_records
from evalkit.dataset.textfiles import decode_bytes
from evalkit.grading.engine import grade
from evalkit.records import Submission
from evalkit.terraform.model import build_model

CHECKS = list(REGISTRY)
# Parsing raises the recursion limit once per process (deep answers need it); doing it here
# keeps hypothesis from warning that a test changed it.
build_model({"warm.tf": "locals {\n  a = 1\n}\n"})
GRADED = {"ok", "parse_error", "no_terraform", "no_infrastructure"}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Grading a small input takes milliseconds. The limit only stops a loop or an explosion from
# hanging the suite (it then shows as status `timeout`); it is no speed target.
HANG_SECONDS = 60.0


def _grade(files: dict[str, str]) -> str:
    result = grade(Submission("fuzz", files), CHECKS, time_limit=HANG_SECONDS)
    assert result.status in GRADED, result.message
    assert {r.check_id for r in result.results} == set(REGISTRY.ids())
    return result.status


# --- arbitrary text ------------------------------------------------------------------------

MARKDOWN_PIECES = st.sampled_from(
    [
        "```",
        "```hcl",
        "```terraform",
        "```hcl - main.tf",
        '```hcl title="vpc.tf"',
        "````",
        "~~~",
        "## main.tf",
        "**variables.tf**",
        "# outputs.tf",
        "<think>",
        "</think>",
        "\n",
        'resource "aws_vpc" "v" {',
        "}",
        "{",
        '  cidr_block = "10.0.0.0/16"',
        "<<EOF",
        "EOF",
        "${",
        "Here is the code:",
        "`",
        "> ",
        "- ",
        "1. ",
        "\t",
        "\r\n",
        "\r",
        "\x00",
    ]
)


@FUZZ
@given(st.text())
def test_extraction_never_raises_on_text(text: str) -> None:
    files = extract_files(text)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())


@FUZZ
@given(st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=12)), max_size=60))
def test_extraction_never_raises_on_markdown_shaped_text(pieces: list[str]) -> None:
    text = "\n".join(pieces)
    files = extract_files(text)
    for name in files:
        assert not name.startswith("/") and ".." not in name.split("/")


@FUZZ
@given(st.binary(max_size=2048))
def test_decoding_never_raises_on_bytes(data: bytes) -> None:
    decoded = decode_bytes(data, "f.tf")
    assert decoded.text is not None or decoded.problems
    records = list(iter_jsonl_records(io.BufferedReader(io.BytesIO(data)), "f"))
    assert all(r.data is not None or r.error for r in records)


@FUZZ
@given(
    st.text(max_size=400),
    st.sampled_from(["main.tf", "main.tf.json", "x.tfvars", "answer.md", "tests/a.tftest.hcl"]),
)
def test_grading_arbitrary_text_gives_a_status(text: str, name: str) -> None:
    _grade({name: text})


# --- HCL-shaped text -----------------------------------------------------------------------

NAMES = st.sampled_from(
    [
        "a",
        "b",
        "name",
        "tags",
        "policy",
        "count",
        "for_each",
        "source",
        "cidr_block",
        "password",
        "user_data",
        "depends_on",
        "provider",
    ]
)
REFERENCES = st.sampled_from(
    [
        "var.a",
        "var.b",
        "local.a",
        "local.b",
        "aws_vpc.main.id",
        "aws_vpc.main[0].id",
        "aws_subnet.s[*].id",
        "module.m.out",
        "data.aws_region.r.name",
        "count.index",
        "each.key",
        "each.value",
        "self.id",
        "path.module",
        "terraform.workspace",
        "local.a[0]",
        "local.b.x",
        'var.a["k"]',
        "aws.west",
        "nothing.here",
    ]
)
FUNCTIONS = st.sampled_from(
    [
        "jsonencode",
        "jsondecode",
        "length",
        "concat",
        "merge",
        "lookup",
        "element",
        "cidrsubnet",
        "format",
        "join",
        "split",
        "flatten",
        "toset",
        "tolist",
        "try",
        "can",
        "coalesce",
        "max",
        "range",
        "keys",
        "values",
        "zipmap",
        "replace",
        "upper",
        "templatefile",
        "file",
        "base64encode",
        "unknownfn",
    ]
)
TEXT = st.text(alphabet=st.characters(blacklist_characters='"\\\n\r'), max_size=12)
SCALARS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["true", "false", "null", '"*"', '"0.0.0.0/0"', '"10.0.0.0/16"', '"22"']),
    TEXT.map(lambda s: f'"{s}"'),
    REFERENCES,
)


def _template(parts: list[str]) -> str:
    return '"' + "".join(parts) + '"'


def _heredoc(lines: list[str], trim: bool) -> str:
    marker = "EOT" if trim else "EOF"
    return f"<<{'-' if trim else ''}{marker}\n" + "\n".join(lines) + f"\n{marker}\n"


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(NAMES, children), max_size=4).map(
            lambda kv: "{ " + ", ".join(f"{k} = {v}" for k, v in kv) + " }"
        ),
        st.tuples(FUNCTIONS, st.lists(children, max_size=3)).map(
            lambda fa: f"{fa[0]}({', '.join(fa[1])})"
        ),
        st.tuples(children, children, children).map(lambda c: f"{c[0]} ? {c[1]} : {c[2]}"),
        st.tuples(
            children,
            st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"]),
            children,
        ).map(" ".join),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"!{c}"),
        children.map(lambda c: f"[for x in {c} : x]"),
        children.map(lambda c: f"{{for k, v in {c} : k => v if v != null}}"),
        st.lists(
            st.one_of(
                TEXT,
                children.map(lambda c: "${" + c + "}"),
                st.just("%{ if true }y%{ else }n%{ endif }"),
                st.just("$${x}"),
            ),
            max_size=4,
        ).map(_template),
        st.tuples(
            st.lists(st.one_of(TEXT, children.map(lambda c: "${" + c + "}")), max_size=4),
            st.booleans(),
        ).map(lambda lt: _heredoc(*lt)),
    )


EXPRESSIONS = st.recursive(SCALARS, _extend, max_leaves=12)
BLOCK_HEADS = st.sampled_from(
    [
        'resource "aws_vpc" "main"',
        'resource "aws_subnet" "s"',
        'resource "aws_s3_bucket" "b"',
        'resource "aws_security_group" "sg"',
        'resource "aws_iam_policy" "p"',
        'resource "aws_db_instance" "db"',
        'resource "aws_instance" "web"',
        'data "aws_iam_policy_document" "d"',
        'data "aws_region" "r"',
        'variable "a"',
        'variable "b"',
        'output "out"',
        'module "m"',
        'provider "aws"',
        "locals",
        "terraform",
        "ingress",
        "egress",
        "statement",
        "lifecycle",
        'dynamic "ingress"',
        "content",
        'provisioner "local-exec"',
    ]
)


def _body(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    attribute = st.tuples(NAMES, EXPRESSIONS).map(lambda kv: f"{kv[0]} = {kv[1]}")
    block = st.tuples(BLOCK_HEADS, children).map(lambda hb: f"{hb[0]} {{\n{hb[1]}\n}}")
    return st.lists(st.one_of(attribute, block), max_size=4).map("\n".join)


BODIES = st.recursive(st.just(""), _body, max_leaves=8)
FILES = st.lists(st.tuples(BLOCK_HEADS, BODIES), min_size=1, max_size=4).map(
    lambda blocks: "\n\n".join(f"{head} {{\n{body}\n}}" for head, body in blocks) + "\n"
)


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """`text` with a few characters deleted, duplicated or inserted: a truncated answer."""
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        action = draw(st.sampled_from(["delete", "insert", "cut"]))
        if action == "delete":
            text = text[:at] + text[at + 1 :]
        elif action == "insert":
            text = text[:at] + draw(st.sampled_from(list('{}[]()"$`#\n<'))) + text[at:]
        else:
            text = text[:at]
    return text


@FUZZ
@given(FILES)
def test_grading_hcl_shaped_text_gives_a_status(text: str) -> None:
    _grade({"main.tf": text})


@FUZZ
@given(FILES.flatmap(damaged))
def test_grading_damaged_hcl_gives_a_status(text: str) -> None:
    _grade({"main.tf": text})


@FUZZ
@given(FILES, FILES)
def test_grading_hcl_in_markdown_and_modules_gives_a_status(root: str, child: str) -> None:
    answer = f"## main.tf\n\n```hcl\n{root}```\n\n## modules/m/main.tf\n\n```hcl\n{child}```\n"
    files = extract_files(answer)
    files["main.tf"] = files.get("main.tf", "") + '\nmodule "m" {\n  source = "./modules/m"\n}\n'
    _grade(files)


# --- references that loop ------------------------------------------------------------------

LOCAL_NAMES = st.sampled_from(["a", "b", "c", "d"])


@FUZZ
@given(
    st.lists(
        st.tuples(
            LOCAL_NAMES,
            st.lists(LOCAL_NAMES, min_size=1, max_size=3),
            st.sampled_from(["list", "template", "object", "call"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_evaluation_ends_on_any_reference_graph(edges: list[tuple[str, list[str], str]]) -> None:
    shapes = {
        "list": lambda refs: "[" + ", ".join(refs) + "]",
        "template": lambda refs: '"' + "".join("${" + r + "}" for r in refs) + '"',
        "object": lambda refs: "{ " + ", ".join(f"k{i} = {r}" for i, r in enumerate(refs)) + " }",
        "call": lambda refs: f"concat({', '.join(f'[{r}]' for r in refs)})",
    }
    lines = ["locals {"]
    variables = []
    for name, targets, shape in {e[0]: e for e in edges}.values():
        refs = [f"local.{t}" if i % 2 == 0 else f"var.{t}" for i, t in enumerate(targets)]
        lines.append(f"  {name} = {shapes[shape](refs)}")
        variables.append(f'variable "{name}" {{\n  default = {shapes[shape](refs)}\n}}')
    lines.append("}")
    used = "\n".join(f"    {name} = jsonencode(local.{name})" for name, _, _ in edges)
    resource = f'resource "aws_s3_bucket" "b" {{\n  tags = {{\n{used}\n  }}\n}}'
    text = "\n".join([*lines, *dict.fromkeys(variables), resource]) + "\n"
    assert _grade({"main.tf": text}) == "ok"


SELF_REFERENCES = {
    "locals that name each other": "locals {\n  a = local.b\n  b = local.a\n}\n",
    "a local inside itself": 'locals {\n  a = [local.a]\n  s = "${local.s}-x"\n}\n',
    "a variable default naming itself": 'variable "v" {\n  default = var.v\n}\n',
    "variables naming each other": (
        'variable "a" {\n  default = var.b\n}\nvariable "b" {\n  default = [var.a]\n}\n'
    ),
    "a module calling itself": 'module "again" {\n  source = "./"\n  x = module.again.y\n}\n'
    'output "y" {\n  value = module.again.y\n}\n',
    "modules calling each other": 'module "a" {\n  source = "./modules/a"\n}\n',
    "a resource naming itself": (
        'resource "aws_security_group" "sg" {\n  name = aws_security_group.sg.name\n'
        "  tags = { x = aws_security_group.sg.tags }\n}\n"
    ),
    "count from itself": (
        'resource "aws_instance" "i" {\n  count = length(aws_instance.i)\n'
        "  ami   = aws_instance.i[0].ami\n}\n"
    ),
}
MODULE_FILES = {
    "modules/a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
    "modules/b/main.tf": 'module "a" {\n  source = "../a"\n}\n'
    'output "o" {\n  value = module.a.o\n}\n',
}


def test_self_references_end() -> None:
    for label, text in SELF_REFERENCES.items():
        # A queue beside the loop keeps the submission one that builds something.
        head = 'provider "aws" {\n  region = "us-east-1"\n}\nresource "aws_sqs_queue" "q" {}\n'
        files = {"main.tf": head + text, **MODULE_FILES}
        assert _grade(files) == "ok", label
        model = build_model(files)
        for module in model.modules:
            for name in module.locals:
                module.local_value(name)
            for name in module.variables:
                module.variable_value(name)
