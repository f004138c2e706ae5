"""TST-NO-TESTS: No tests shipped with the configuration."""

from __future__ import annotations

from evalkit.aws import aws_of
from evalkit.aws.testsuite import TestSuite
from evalkit.checks.registry import check, finding
from evalkit.checks.testing._common import listed
from evalkit.records import Finding
from evalkit.terraform.model import TerraformModel


@check(
    "TST-NO-TESTS",
    category="testing",
    severity="medium",
    title="No tests shipped with the configuration",
)
def no_tests(model: TerraformModel) -> list[Finding] | None:
    """The submission ships no tests at all.

    Tests are: Terraform test files (`*.tftest.hcl`, `*.tftest.json`, or `run` blocks with
    `assert` written into a `.tf` file), Terratest (`*_test.go`), and test files of other
    frameworks (`test_*.py`/`*_test.py`, `*.test.ts`/`*.spec.ts`, `*_spec.rb`, `*.bats`), code
    files under a `test/` or `tests/` directory, and test code recognised by its content when
    the answer gave it no file name (`func TestX(t *testing.T)`, `def test_x()`,
    `describe(...)`).

    A test asserts something, or it cannot fail: a Terraform test file whose `run` blocks have
    no `assert` block and no `expect_failures`, and a Go, Python, JavaScript/TypeScript,
    Ruby, Java, Kotlin, Rust or PowerShell test file with no assertion (`assert.*`,
    `require.*`, `t.Fatal`/`t.Error`, `assert`, `self.assert*`, `pytest.raises`, `expect(`,
    `should`, ...) is not one. Nor is a Lambda handler module (a function taking
    `(event, context)`) outside a test directory, whatever its functions are called: the
    `test_secret` step of a Secrets Manager rotation Lambda is part of the rotation protocol.
    The finding names each file that looked like a test and why it was not counted.

    `check {}` blocks and `precondition`/`postcondition` do not count: they are assertions
    evaluated while planning or applying the real infrastructure, not a suite that exercises
    the configuration before it ships. Never n/a for a submission with Terraform.

    Why: without tests every change is verified in production; a plan-only test catches
    wrong CIDRs, names and wiring in seconds.

    Fix: add a Terraform test (or Terratest) that plans the configuration and asserts on it.

        # tests/network.tftest.hcl
        run "vpc_cidr" {
          command = plan
          assert {
            condition     = aws_vpc.main.cidr_block == "10.0.0.0/16"
            error_message = "VPC CIDR changed"
          }
        }
    """
    if not model.has_terraform:
        return None
    suite = aws_of(model).testsuite
    if suite.tests or suite.has_asserting_runs():
        return []
    return [
        finding(
            "",
            0,
            "",
            "the submission ships no tests; add Terraform tests "
            "(tests/*.tftest.hcl with run blocks and assert conditions) or Terratest "
            "that plan the configuration and check its resources and outputs"
            f"{_assertions_note(suite)}{_not_tests_note(suite)}.",
        )
    ]


def _not_tests_note(suite: TestSuite) -> str:
    """Why the files that look like tests were not counted, also `run` blocks in `.tf`."""
    reasons = suite.uncounted() + [
        f"the run blocks in {name} have no assert or expect_failures, so they cannot fail"
        for name in suite.unasserted_run_files()
    ]
    return f" ({listed(reasons)})" if reasons else ""


def _assertions_note(suite: TestSuite) -> str:
    if suite.has_check_blocks():
        return " (check blocks are runtime assertions, not tests)"
    return ""
