"""The submission's tests: which files are tests, why a file that looks like one is not, the
Terraform test runs, and which tests need a live AWS account.

(Named ``testsuite`` rather than ``tests``: it describes the tests a submission ships, not
evalkit's own.)

A file looks like a test by its name (`*.tftest.hcl`, `*_test.go`, `test_*.py`,
`*.spec.ts`, ...), its directory (`tests/`), or its content when the answer gave it no file
name (`func TestX(t *testing.T)`, `def test_x()`). It is a test when it can fail: a
Terraform test needs a `run` with `assert` or `expect_failures`, other code an assertion of
its language; a Lambda handler is application code whatever its functions are called (the
`test_secret` step of a Secrets Manager rotation Lambda). `run` blocks written into a `.tf`
file count as a Terraform test of that file.

`TestSuite(model)` answers for one submission; `live_use(name)` says why a test needs live
AWS (None: it runs without, or evalkit cannot tell, which a check never holds against it).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cached_property

from evalkit.terraform.model import TerraformModel
from evalkit.terraform.parse import Block
from evalkit.terraform.testfiles import (
    asserting_runs,
    mocks,
    run_blocks,
    test_file_blocks,
    written_command,
)

# --- which files look like tests ---------------------------------------------------------------

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
_CONTENT_FAMILY = {".tsx": ".ts", ".mjs": ".js", ".cjs": ".js", ".bats": ".sh", ".bash": ".sh"}
# Files that hold shared test set-up rather than tests: mocks declared there serve every test
# beside them (pytest's conftest.py, jest set-up files and manual mocks).
SUPPORT_FILE = re.compile(
    r"(?:^|/)(?:conftest\.py|__init__\.py|__mocks__/[^/]+|(?:jest\.)?setup[\w.-]*\.[cm]?[jt]s)$",
    re.IGNORECASE,
)

# --- whether a file that looks like a test asserts anything ------------------------------------

# Assertions by language, read in code with whole-line comments blanked.
_GO_ASSERTION = re.compile(
    r"\b(?:assert|require)\.\w+\s*\(|\b\w+\.(?:Fatal|Fatalf|Error|Errorf|Fail|FailNow)\s*\("
    r"|\bs\.(?:Require\(\)\.)?(?:Equal|True|False|Nil|NotNil|NoError|Error|Contains|Len)\w*\s*\("
    r"|\bgomega\b|\bExpect\s*\(|\bΩ\s*\("
)
_PYTHON_ASSERTION = re.compile(
    r"^\s*assert\b|\bself\.(?:assert\w*|fail\w*)\s*\(|\bpytest\.(?:raises|fail|warns|approx)\b"
    r"|\.assert_\w+\s*\(|\bassert_\w+\s*\(|\bnp\.testing\.\w+|\bwith\s+raises\s*\(",
    re.MULTILINE,
)
_JAVASCRIPT_ASSERTION = re.compile(
    r"\bexpect\s*\(|\bassert\w*(?:\.\w+)?\s*\(|\.should\b|\bt\.(?:is|true|false|deepEqual|throws)\w*\s*\("
    r"|\.(?:hasResource\w*|resourceCountIs|hasOutput|templateMatches|allResources\w*)\s*\("
)
# Ruby (RSpec, InSpec), Java, Kotlin, Rust and PowerShell (Pester) tests.
_OTHER_ASSERTION = re.compile(
    r"\bassert\w*!?|\bshould\b|\bShould\b|\bexpect\b|\bverify\s*\(|\bpanic!|\bfail\s*\(",
)
# Whole-line comments, blanked before reading code so that prose ("run after terraform
# apply") is not taken for a call; line numbers stay as they were.
COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//).*$", re.MULTILINE)
# A Lambda handler module: application code whose functions may carry any name.
_LAMBDA_HANDLER = re.compile(
    r"^\s*(?:async\s+)?def\s+\w+\s*\(\s*event\s*,\s*context\b", re.MULTILINE
)
# The steps of the Secrets Manager rotation protocol, named as AWS's templates name them.
_ROTATION_STEPS = re.compile(
    r"\b(?:createSecret|setSecret|testSecret|finishSecret|create_secret|set_secret|finish_secret)\b"
)
_ASSERTIONS = {
    ".go": _GO_ASSERTION,
    ".py": _PYTHON_ASSERTION,
    ".js": _JAVASCRIPT_ASSERTION,
    ".ts": _JAVASCRIPT_ASSERTION,
    ".rb": _OTHER_ASSERTION,
    ".java": _OTHER_ASSERTION,
    ".kt": _OTHER_ASSERTION,
    ".rs": _OTHER_ASSERTION,
    ".ps1": _OTHER_ASSERTION,
}
_SUFFIX_FAMILY = {".tsx": ".ts", ".jsx": ".js", ".mjs": ".js", ".cjs": ".js"}
_TFTEST_FILE = re.compile(r"\.tftest\.(?:hcl|json)$|\.hcl$", re.IGNORECASE)

# --- which tests need live AWS -----------------------------------------------------------------

# Test code that creates or reads real infrastructure. Each pattern names what it found.
LIVE_SIGNS = (
    ("Terratest applies the configuration", re.compile(r"\bterraform\.(?:InitAnd)?Apply\w*\s*\(")),
    (
        "the test runs terraform apply",
        re.compile(r"['\"]terraform['\"]\s*,\s*['\"]apply['\"]|\btftest\b[\s\S]*?\.apply\s*\("),
    ),
    (
        "the test calls the AWS SDK",
        re.compile(
            r"^\s*(?:import\s+boto3|from\s+boto3\b|import\s+botocore|from\s+botocore\b)"
            r"|boto3\.(?:client|resource|Session)\s*\("
            r"|['\"]@aws-sdk/[\w-]+['\"]|['\"]aws-sdk(?:/[\w/-]+)?['\"]"
            r"|\"github\.com/aws/aws-sdk-go(?:-v2)?/"
            r"|\"github\.com/gruntwork-io/terratest/modules/aws\""
            r"|\bsoftware\.amazon\.awssdk\b",
            re.MULTILINE,
        ),
    ),
)
# Command lines, read in shell test scripts only: elsewhere "aws s3 bucket" or "terraform
# plan" is prose in a docstring.
SHELL_LIVE_SIGNS = (
    ("the test runs terraform apply", re.compile(r"\bterraform\s+apply\b")),
    (
        "the test calls the AWS CLI",
        re.compile(r"^[^\n]*?\baws\s+[a-z0-9][\w-]*\s+[a-z][\w-]+", re.MULTILINE),
    ),
)
SHELL_OFFLINE_SIGNS = re.compile(r"\bterraform\s+(?:plan|validate)\b")
SHELL_SUFFIXES = (".sh", ".bash", ".bats", ".ps1")
# Test code that needs no live AWS: plan-only and validate runs, and mocking or local
# emulation of AWS (moto, LocalStack, botocore's Stubber, aws-sdk-client-mock, aws-sdk-mock,
# jest/vitest/sinon/unittest mocks, gomock-style interfaces).
OFFLINE_SIGNS = re.compile(
    r"\bterraform\.(?:InitAnd)?(?:Plan|Validate)\w*\s*\("
    r"|['\"]terraform['\"]\s*,\s*['\"](?:plan|validate)['\"]"
    r"|\btftest\b[\s\S]*?\.plan\s*\(|\bmoto\b|\bmock_aws\b|localstack|localhost:4566"
    r"|\bStubber\b|aws-sdk-client-mock|aws-sdk-mock|\bmockClient\s*\(|\b(?:jest|vi)\.mock\s*\("
    r"|\bsinon\b|unittest\.mock|\bmock\.patch\b|\bmocker\.patch\b|\bMagicMock\b"
    r"|\bgomock\b|\bmockery\b|\bMock\w*Client\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TestRun:
    """A `run` block of a Terraform test."""

    __test__ = False  # a record of the submission's tests, not one of evalkit's

    file: str
    line: int
    label: str
    command: str  # "plan" or "apply"; a spelling evalkit cannot read counts as plan
    command_written: bool  # False: the run relies on apply, Terraform's default
    asserts: bool  # has an `assert` block or `expect_failures`


@dataclass(frozen=True)
class LiveUse:
    """Why a test needs a live AWS account: the first line that does, and a reason in
    words (``the test calls the AWS SDK``); `run` is the applying run of a Terraform test."""

    file: str
    line: int
    reason: str
    run: TestRun | None = None


class TestSuite:
    """The tests of one submission."""

    __test__ = False  # a record of the submission's tests, not one of evalkit's

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        # Each test file's top-level blocks, parsed on first ask: classifying the files, a
        # file's runs and its live use all read them.
        self._blocks: dict[str, list[Block] | None] = {}

    def _test_file_blocks(self, name: str) -> list[Block] | None:
        """The top-level blocks of the test file `name` (see `test_file_blocks`)."""
        if name not in self._blocks:
            self._blocks[name] = test_file_blocks(self.model, name)
        return self._blocks[name]

    @cached_property
    def _classified(self) -> tuple[list[str], dict[str, str]]:
        tests: list[str] = []
        not_tests: dict[str, str] = {}
        for name in sorted(self.model.files):
            text = self.model.files[name]
            if not looks_like_a_test(name, text):
                continue
            reason = why_not_a_test(name, text, self._test_file_blocks(name))
            if reason is None:
                tests.append(name)
            else:
                not_tests[name] = reason
        return tests, not_tests

    @property
    def tests(self) -> list[str]:
        """The files that are tests (set-up files such as ``conftest.py`` included), sorted."""
        return self._classified[0]

    @property
    def not_tests(self) -> dict[str, str]:
        """The files that look like tests but are not, each with why."""
        return self._classified[1]

    @property
    def test_files(self) -> list[str]:
        """The tests without shared set-up files: the files that test something."""
        return [name for name in self.tests if not is_support_file(name)]

    def uncounted(self) -> list[str]:
        """Why each file that looks like a test (set-up files aside) is not one."""
        return [reason for name, reason in self.not_tests.items() if not is_support_file(name)]

    @property
    def run_files(self) -> list[str]:
        """The `.tf` files with asserting `run` blocks: Terraform tests written into the
        configuration."""
        return [
            name
            for name in self.model.terraform_files
            if name in self.model.parsed and asserting_runs(self.model.parsed[name].blocks)
        ]

    def has_asserting_runs(self) -> bool:
        """Some parsed file of the configuration holds a `run` block that asserts."""
        return any(asserting_runs(parsed.blocks) for parsed in self.model.parsed.values())

    def unasserted_run_files(self) -> list[str]:
        """`.tf` files with `run` blocks none of which asserts (they cannot fail), unless
        already among the files that are not tests."""
        found = []
        for name in self.model.terraform_files:
            parsed = self.model.parsed.get(name)
            if parsed is None or name in self.not_tests:
                continue
            if run_blocks(parsed.blocks) and not asserting_runs(parsed.blocks):
                found.append(name)
        return found

    def has_check_blocks(self) -> bool:
        """Some module declares `check {}` blocks: assertions evaluated against the real
        infrastructure while planning or applying, not tests."""
        return any(
            block.type == "check" for module in self.model.modules for block in module.blocks
        )

    def runs(self, name: str) -> list[TestRun]:
        """The `run` blocks of the Terraform test file (or `.tf` file) `name`."""
        blocks = self._test_file_blocks(name)
        return [_test_run(block) for block in run_blocks(blocks or [])]

    def live_use(self, name: str) -> LiveUse | None:
        """Why the test file `name` needs live AWS, or None when it runs without it."""
        if name.lower().endswith((".hcl", ".json")) or name in self.model.parsed:
            return self._live_terraform_test(name)
        text = code_of(self.model.files[name])
        shell = name.lower().endswith(SHELL_SUFFIXES)
        if (
            OFFLINE_SIGNS.search(text)
            or (shell and SHELL_OFFLINE_SIGNS.search(text))
            or any(
                OFFLINE_SIGNS.search(code_of(self.model.files[support]))
                for support in self.support_files(name)
            )
        ):
            return None
        signs = LIVE_SIGNS + SHELL_LIVE_SIGNS if shell else LIVE_SIGNS
        for reason, pattern in signs:
            match = pattern.search(text)
            if match:
                return LiveUse(name, text.count("\n", 0, match.end() - 1) + 1, reason)
        return None

    def _live_terraform_test(self, name: str) -> LiveUse | None:
        blocks = self._test_file_blocks(name)
        if blocks is None or any(mocks(block) for block in blocks):
            return None
        applying = [run for run in self.runs(name) if run.command == "apply"]
        if not applying:
            return None
        first = applying[0]
        return LiveUse(first.file, first.line, "applies the configuration", first)

    def support_files(self, name: str) -> list[str]:
        """Shared set-up files that apply to test `name`: those in its directory or above."""
        directory = posixpath.dirname(name)
        return [
            other
            for other in self.model.files
            if SUPPORT_FILE.search(other)
            and (
                not posixpath.dirname(other)
                or directory == posixpath.dirname(other)
                or directory.startswith(posixpath.dirname(other).removesuffix("/__mocks__") + "/")
                or posixpath.dirname(other).removesuffix("/__mocks__") == directory
            )
        ]


def is_support_file(name: str) -> bool:
    """Shared test set-up (``conftest.py``, jest set-up, ``__mocks__/``), not a test."""
    return SUPPORT_FILE.search(name) is not None


def code_of(text: str) -> str:
    """Code with whole-line comments blanked (line numbers kept)."""
    return COMMENT_LINE.sub("", text)


def looks_like_a_test(name: str, text: str) -> bool:
    """A file a test framework would pick up, one in a test directory, or test code
    recognised by its content."""
    if TEST_FILE_NAME.search(name):
        return True
    suffix = posixpath.splitext(name)[1].lower()
    if suffix not in CODE_SUFFIXES:
        return False
    directories = {part.lower() for part in posixpath.dirname(name).split("/")}
    if directories & TEST_DIRECTORIES:
        return True
    pattern = TEST_CONTENT.get(_CONTENT_FAMILY.get(suffix, suffix))
    return bool(pattern and pattern.search(text))


def why_not_a_test(name: str, text: str, blocks: list[Block] | None) -> str | None:
    """Why the file `name`, which looks like a test, is not one; None when it is one.

    `blocks` are the file's top-level blocks when it is Terraform test code (None when it
    does not parse or is not HCL).
    """
    if _TFTEST_FILE.search(name):
        return _terraform_test_gap(name, text, blocks)
    suffix = posixpath.splitext(name)[1].lower()
    suffix = _SUFFIX_FAMILY.get(suffix, suffix)
    code = code_of(text)
    if suffix == ".py" and _is_lambda_handler(name, code):
        if _ROTATION_STEPS.search(code):
            return (
                f"{name} is a Secrets Manager rotation Lambda; its test_secret step is part "
                "of the rotation protocol, not a test"
            )
        return f"{name} is a Lambda handler, not a test"
    pattern = _ASSERTIONS.get(suffix)
    if pattern is not None and not pattern.search(code):
        return f"{name} asserts nothing, so it cannot fail"
    return None


def _terraform_test_gap(name: str, text: str, blocks: list[Block] | None) -> str | None:
    if blocks is None:
        # Not parsed (a JSON test file, or HCL evalkit cannot read): judged by its words.
        if re.search(r"\bassert\b|\bexpect_failures\b", text):
            return None
    elif asserting_runs(blocks):
        return None
    return f"{name} has no run block with an assert or expect_failures, so it cannot fail"


def _is_lambda_handler(name: str, code: str) -> bool:
    """A module that defines a Lambda entry point and is not itself in a test's place."""
    base = posixpath.basename(name).lower()
    if base.startswith("test_") or base.endswith("_test.py"):
        return False
    parts = {p.lower() for p in posixpath.dirname(name).split("/")}
    if parts & {"test", "tests", "testing"}:
        return False
    return bool(_LAMBDA_HANDLER.search(code))


def _test_run(block: Block) -> TestRun:
    command = written_command(block)
    return TestRun(
        file=block.file,
        line=block.line,
        label=block.labels[0] if block.labels else "",
        command="apply" if command in (None, "apply") else "plan",
        command_written=command is not None,
        asserts=bool(asserting_runs([block])),
    )
