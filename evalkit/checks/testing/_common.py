"""Helpers that several testing checks share."""

from __future__ import annotations

import posixpath
import re

from evalkit.checks._assertions import why_not_a_test
from evalkit.terraform.model import TerraformModel
from evalkit.terraform.parse import Block


def _test_files(model: TerraformModel) -> tuple[list[str], dict[str, str]]:
    """The files that are tests, and those that look like tests with why they are not."""
    tests: list[str] = []
    not_tests: dict[str, str] = {}
    for name in sorted(model.files):
        text = model.files[name]
        if not _is_test_file(name, text):
            continue
        reason = why_not_a_test(name, text, _terraform_test_blocks(model, name))
        if reason is None:
            tests.append(name)
        else:
            not_tests[name] = reason
    return tests, not_tests


# Files that hold shared test set-up rather than tests: mocks declared there serve every test
# beside them (pytest's conftest.py, jest set-up files and manual mocks).
SUPPORT_FILE = re.compile(
    r"(?:^|/)(?:conftest\.py|__init__\.py|__mocks__/[^/]+|(?:jest\.)?setup[\w.-]*\.[cm]?[jt]s)$",
    re.IGNORECASE,
)


def _listed(reasons: list[str], limit: int = 5) -> str:
    """The first reasons, and how many more, so a message stays readable."""
    more = f"; and {len(reasons) - limit} more" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more


def _terraform_test_blocks(model: TerraformModel, name: str) -> list[Block] | None:
    """The top-level blocks of a Terraform test file, or None when it does not parse or is
    not Terraform."""
    if name in model.parsed:
        return model.parsed[name].blocks
    if not name.lower().endswith((".hcl", ".json")):
        return None
    from evalkit.terraform.parse import ParsedFile, parse_file

    parsed = parse_file(name, model.files[name])
    return parsed.blocks if isinstance(parsed, ParsedFile) else None


# File names that test frameworks pick up by themselves.
TEST_FILE_NAME = re.compile(
    r"(?:\.tftest\.(?:hcl|json)|_test\.go|_test\.py|\.(?:test|spec)\.[cm]?[jt]sx?|_spec\.rb"
    r"|\.bats)$|(?:^|/)test_[^/]*\.py$",
    re.IGNORECASE,
)


CODE_SUFFIXES = (
    ".py",
    ".go",
    ".ts",
    ".tsx",
    ".js",
    ".mjs",
    ".cjs",
    ".rb",
    ".sh",
    ".bash",
    ".bats",
    ".hcl",
    ".ps1",
    ".java",
    ".kt",
    ".rs",
)


TEST_DIRECTORIES = frozenset(
    {"test", "tests", "testing", "__tests__", "spec", "e2e", "integration-tests", "terratest"}
)


# Test code whose file name the answer did not give (``snippet_2.go``).
TEST_CONTENT = {
    ".go": re.compile(r"func\s+Test\w*\s*\(\s*\w+\s+\*testing\.T\s*\)"),
    ".py": re.compile(r"^\s*def\s+test_\w*\s*\(|unittest\.TestCase", re.MULTILINE),
    ".ts": re.compile(r"^\s*(?:describe|it|test)\s*\(\s*['\"`]", re.MULTILINE),
    ".js": re.compile(r"^\s*(?:describe|it|test)\s*\(\s*['\"`]", re.MULTILINE),
    ".rb": re.compile(r"^\s*(?:describe|control)\b.*\bdo\s*$", re.MULTILINE),
    ".hcl": re.compile(r"^run\s+\"[^\"]*\"\s*\{", re.MULTILINE),
    ".sh": re.compile(r"^@test\s+[\"']", re.MULTILINE),
}


def _is_test_file(name: str, text: str) -> bool:
    if TEST_FILE_NAME.search(name):
        return True
    suffix = posixpath.splitext(name)[1].lower()
    if suffix not in CODE_SUFFIXES:
        return False
    directories = {part.lower() for part in posixpath.dirname(name).split("/")}
    if directories & TEST_DIRECTORIES:
        return True
    pattern = TEST_CONTENT.get(
        {".tsx": ".ts", ".mjs": ".js", ".cjs": ".js", ".bats": ".sh", ".bash": ".sh"}.get(
            suffix, suffix
        )
    )
    return bool(pattern and pattern.search(text))
