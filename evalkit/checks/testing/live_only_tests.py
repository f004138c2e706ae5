"""TST-LIVE-ONLY-TESTS: Every test needs live AWS."""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from evalkit.checks._assertions import asserting_runs
from evalkit.checks.registry import check, finding
from evalkit.checks.testing._common import (
    SUPPORT_FILE,
    _listed,
    _terraform_test_blocks,
    _test_files,
)
from evalkit.records import Finding
from evalkit.terraform.model import TerraformModel
from evalkit.terraform.parse import Block, JsonValue
from evalkit.terraform.references import traversal_text

# Terraform test files; `run` blocks written into a `.tf` file are read from the model.
TFTEST_FILE = re.compile(r"\.tftest\.(?:hcl|json)$", re.IGNORECASE)
# Blocks of a Terraform test file that replace the real provider or resources.
TFTEST_MOCK_BLOCKS = frozenset(
    {"mock_provider", "override_resource", "override_data", "override_module"}
)
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
# Whole-line comments, blanked before reading code so that prose ("run after terraform
# apply") is not taken for a call; line numbers stay as they were.
COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//).*$", re.MULTILINE)


@check(
    "TST-LIVE-ONLY-TESTS",
    category="testing",
    severity="medium",
    title="Every test needs live AWS",
)
def live_only_tests(model: TerraformModel) -> list[Finding] | None:
    """The submission has tests, but every one of them needs a live AWS account.

    Tests are found as TST-NO-TESTS finds them: a file that asserts nothing (a plan-only
    Terraform test without `assert`) is no test, so it neither passes this check nor makes
    it applicable; the findings name such files. A test needs live AWS when:
    - a Terraform test file (`*.tftest.hcl`, `*.tftest.json`, or `run` blocks written into a
      `.tf` file) has a `run` block that applies (`command = apply`, or no `command`, since
      apply is the default) and no `mock_provider`, `override_resource`, `override_data` or
      `override_module` block; a file whose runs are all `command = plan` needs none;
    - Terratest (Go) applies (`terraform.InitAndApply`, `terraform.Apply`) and never only
      plans (`terraform.InitAndPlan`, `terraform.Plan*`, `terraform.Validate`);
    - test code calls AWS (boto3/botocore, the AWS SDK for JavaScript v2 or v3, for Go or Java,
      Terratest's `aws` module, the `aws` CLI) or runs `terraform apply`, with no mocking or
      emulation (moto, LocalStack, botocore `Stubber`, aws-sdk-client-mock, aws-sdk-mock,
      `jest.mock`/`vi.mock`, sinon, `unittest.mock`) in the file or in the set-up beside it
      (`conftest.py`, jest set-up files, `__mocks__/`).
    Test code with none of these (unit tests of a Lambda handler, scripts that plan or
    validate) needs no live AWS. One finding per test file that needs it, at the first line
    that does; the check passes as soon as one test runs without AWS. n/a without tests.

    Why: tests that only run against a real account are slow, cost money, need credentials
    in CI and are skipped in practice, so the configuration ships untested; a plan-only or
    mocked test runs on every change in seconds.

    Fix: add a plan-only run (or mock the provider) beside the apply tests.

        # tests/unit.tftest.hcl
        mock_provider "aws" {}

        run "subnets_span_two_zones" {
          command = plan
          assert {
            condition     = length(aws_subnet.private) == 2
            error_message = "expected two private subnets"
          }
        }
    """
    if not model.has_terraform:
        return None
    counted, not_tests = _test_files(model)
    tests = [name for name in counted if not SUPPORT_FILE.search(name)]
    run_files = [name for name in model.terraform_files if _run_blocks_of(model, name)]
    if not tests and not run_files:
        return None
    findings: list[Finding] = []
    note = _uncounted_note(not_tests)
    for name in sorted(set(tests) | set(run_files)):
        live = _live_evidence(model, name)
        if live is None:
            return []
        findings.append(replace(live, message=live.message + note) if note else live)
    return findings


def _uncounted_note(not_tests: dict[str, str]) -> str:
    """Why the files that look like tests but assert nothing were not taken as offline ones."""
    reasons = [r for name, r in not_tests.items() if not SUPPORT_FILE.search(name)]
    return f" Not counted as tests: {_listed(reasons)}." if reasons else ""


def _live_evidence(model: TerraformModel, name: str) -> Finding | None:
    """Why the test file `name` needs live AWS, or None when it runs without it."""
    if name.lower().endswith((".hcl", ".json")) or name in model.parsed:
        return _live_terraform_test(model, name)
    text = _code_of(model.files[name])
    shell = name.lower().endswith(SHELL_SUFFIXES)
    if (
        OFFLINE_SIGNS.search(text)
        or (shell and SHELL_OFFLINE_SIGNS.search(text))
        or any(
            OFFLINE_SIGNS.search(_code_of(model.files[support]))
            for support in _support_files(model, name)
        )
    ):
        return None
    signs = LIVE_SIGNS + SHELL_LIVE_SIGNS if shell else LIVE_SIGNS
    for reason, pattern in signs:
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.end() - 1) + 1
            return finding(
                name,
                line,
                "",
                f"{name}: {reason} against real AWS and nothing in the test mocks it; "
                "every test of the submission needs a live account. Add a test that runs "
                "without one (a plan-only terraform test, moto, LocalStack or an SDK mock).",
            )
    return None


def _code_of(text: str) -> str:
    return COMMENT_LINE.sub("", text)


def _support_files(model: TerraformModel, name: str) -> list[str]:
    """Shared set-up files that apply to test `name`: those in its directory or above."""
    directory = posixpath.dirname(name)
    return [
        other
        for other in model.files
        if SUPPORT_FILE.search(other)
        and (
            not posixpath.dirname(other)
            or directory == posixpath.dirname(other)
            or directory.startswith(posixpath.dirname(other).removesuffix("/__mocks__") + "/")
            or posixpath.dirname(other).removesuffix("/__mocks__") == directory
        )
    ]


def _live_terraform_test(model: TerraformModel, name: str) -> Finding | None:
    blocks = _terraform_test_blocks(model, name)
    if blocks is None or any(_mocks(block) for block in blocks):
        return None
    runs = [block for block in blocks if block.type == "run"]
    applying = [run for run in runs if _run_command(run) == "apply"]
    if not applying:
        return None
    first = applying[0]
    label = first.labels[0] if first.labels else ""
    default = "" if "command" in first.attributes else " (apply is the default command)"
    return finding(
        first.file,
        first.line,
        f"run.{label}" if label else "",
        f"{name}: run {label!r} applies the configuration{default} with the real AWS "
        "provider; every test of the submission needs a live account. Add "
        '`mock_provider "aws" {}` or a run with `command = plan` that asserts.',
    )


def _run_blocks_of(model: TerraformModel, name: str) -> list[Block]:
    parsed = model.parsed.get(name)
    if parsed is None:
        return []
    return asserting_runs(parsed.blocks)


def _mocks(block: Block) -> bool:
    return block.type in TFTEST_MOCK_BLOCKS or any(_mocks(inner) for inner in block.blocks)


def _run_command(run: Block) -> str:
    """``plan`` or ``apply`` (the default); unknown spellings read as plan, never as live."""
    attribute = run.attributes.get("command")
    if attribute is None:
        return "apply"
    if isinstance(attribute.expr, JsonValue):
        text = attribute.expr.value if isinstance(attribute.expr.value, str) else None
    else:
        text = traversal_text(attribute.expr)
    return "apply" if text == "apply" else "plan"
