"""TST-LIVE-ONLY-TESTS: Every test needs live AWS."""

from __future__ import annotations

from evalkit.aws import aws_of
from evalkit.aws.testsuite import LiveUse
from evalkit.checks.registry import check, finding
from evalkit.checks.testing._common import listed
from evalkit.records import Finding
from evalkit.terraform.model import TerraformModel


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
    suite = aws_of(model).testsuite
    tests = sorted(set(suite.test_files) | set(suite.run_files))
    if not tests:
        return None
    uncounted = suite.uncounted()
    note = f" Not counted as tests: {listed(uncounted)}." if uncounted else ""
    findings: list[Finding] = []
    for name in tests:
        live = suite.live_use(name)
        if live is None:
            return []
        findings.append(_live_finding(name, live, note))
    return findings


def _live_finding(name: str, live: LiveUse, note: str) -> Finding:
    if live.run is None:
        return finding(
            live.file,
            live.line,
            "",
            f"{name}: {live.reason} against real AWS and nothing in the test mocks it; "
            "every test of the submission needs a live account. Add a test that runs "
            f"without one (a plan-only terraform test, moto, LocalStack or an SDK mock).{note}",
        )
    label = live.run.label
    default = "" if live.run.command_written else " (apply is the default command)"
    return finding(
        live.file,
        live.line,
        f"run.{label}" if label else "",
        f"{name}: run {label!r} applies the configuration{default} with the real AWS "
        "provider; every test of the submission needs a live account. Add "
        f'`mock_provider "aws" {{}}` or a run with `command = plan` that asserts.{note}',
    )
