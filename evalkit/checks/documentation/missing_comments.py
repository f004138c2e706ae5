"""DOC-MISSING-COMMENTS: Large configuration without comments or README."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import TerraformModel, is_terraform_file

# A configuration this large needs its intent explained somewhere; below it, the code and its
# descriptions usually speak for themselves.
SUBSTANTIAL_LINES = 100
SUBSTANTIAL_BLOCKS = 10

_HEREDOC_START = re.compile(r"<<-?\s*\"?([A-Za-z_][\w-]*)\"?\s*$")
# Comments that only repeat the file name (`# main.tf`) or draw a rule explain nothing.
_FILE_LABEL = re.compile(r"^[\w./-]+\.(?:tf|tfvars|hcl|json)$", re.IGNORECASE)
_DECORATION = re.compile(r"^[\W_]*$")


@check(
    "DOC-MISSING-COMMENTS",
    category="documentation",
    severity="low",
    title="Large configuration without comments or README",
)
def missing_comments(model: TerraformModel) -> list[Finding] | None:
    """A configuration of substantial size has no comments at all and no README.

    Substantial means at least 100 non-blank lines of Terraform, or at least 10 resources and
    module calls. A comment is any `#`, `//` or `/* */` comment in a `.tf` file (a `"//"` key
    in `.tf.json`), outside strings and heredocs; a comment that only names the file
    (`# main.tf`) or draws a line does not count. A README is a `README`, `README.md` or
    similar file anywhere in the submission. n/a for smaller configurations.

    Why: without a word on why the network is laid out this way or what a module is for,
    every change starts by reverse-engineering the code.

    Fix: add a README with the architecture, inputs and how to deploy, and comment the
    decisions the code cannot show.

        # Private subnets get one NAT gateway per AZ so an AZ outage keeps egress working.
        resource "aws_nat_gateway" "per_az" {
          count = length(var.azs)
        }
    """
    files = sorted(name for name in model.files if is_terraform_file(name))
    if not files or not _is_substantial(model, files):
        return None
    if _has_readme(model) or any(_has_comment(name, model.files[name]) for name in files):
        return []
    return [
        finding(
            files[0],
            1,
            "",
            f"the configuration ({_size_text(model, files)}) has no comments and no "
            "README; explain its architecture in a README and comment the decisions "
            "the code does not show.",
        )
    ]


def _terraform_lines(model: TerraformModel, files: list[str]) -> int:
    return sum(1 for name in files for line in model.files[name].splitlines() if line.strip())


def _block_count(model: TerraformModel) -> int:
    """Resource and module blocks written (not instantiated: a module called twice counts once)."""
    return sum(
        1
        for name, parsed in model.parsed.items()
        if is_terraform_file(name)
        for block in parsed.blocks
        if block.type in ("resource", "module")
    )


def _is_substantial(model: TerraformModel, files: list[str]) -> bool:
    return (
        _terraform_lines(model, files) >= SUBSTANTIAL_LINES
        or _block_count(model) >= SUBSTANTIAL_BLOCKS
    )


def _size_text(model: TerraformModel, files: list[str]) -> str:
    return (
        f"{_terraform_lines(model, files)} lines, {_block_count(model)} resources and module calls"
    )


def _has_readme(model: TerraformModel) -> bool:
    return any(
        posixpath.basename(name).lower().split(".", 1)[0] == "readme" and model.files[name].strip()
        for name in model.files
    )


def _has_comment(name: str, text: str) -> bool:
    if name.endswith(".json"):
        return _json_has_comment(text)
    return any(_explains(comment) for comment in _comments(text))


def _json_has_comment(text: str) -> bool:
    """Terraform JSON has no comment syntax; a ``"//"`` property is its comment."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return False
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "//" in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _explains(comment: str) -> bool:
    words = comment.strip()
    return not (_DECORATION.match(words) or _FILE_LABEL.match(words))


def _comments(text: str) -> Iterator[str]:
    """The text of every comment in HCL source, skipping strings and heredoc bodies.

    `ParsedFile.comment_lines` is not enough here: it also counts the `#` lines of scripts
    held in heredocs (`user_data`), which say nothing about the configuration.
    """
    lines = text.splitlines()
    heredoc_end: str | None = None
    in_block_comment = False
    for line in lines:
        if heredoc_end is not None:
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        if in_block_comment:
            end = line.find("*/")
            yield line if end < 0 else line[:end]
            if end < 0:
                continue
            in_block_comment = False
            line = line[end + 2 :]
        code, comment, opens_block = _split_comment(line)
        if comment is not None:
            yield comment
        in_block_comment = opens_block
        heredoc = _HEREDOC_START.search(code)
        if heredoc:
            heredoc_end = heredoc.group(1)


def _split_comment(line: str) -> tuple[str, str | None, bool]:
    """The code before a comment on `line`, the comment text, and whether a `/*` stays open."""
    if "#" not in line and "//" not in line and "/*" not in line:
        return line, None, False  # most lines: nothing that could start a comment
    in_string = False
    index = 0
    while index < len(line):
        char = line[index]
        if in_string:
            if char == "\\":
                index += 2
                continue
            if char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#" or line.startswith("//", index):
            skip = 1 if char == "#" else 2
            return line[:index], line[index + skip :], False
        elif line.startswith("/*", index):
            end = line.find("*/", index + 2)
            if end < 0:
                return line[:index], line[index + 2 :], True
            return line[:index] + line[end + 2 :], line[index + 2 : end], False
        index += 1
    return line, None, False
