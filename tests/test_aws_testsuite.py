"""The tests view (which files are tests, their runs, live use) and the interface view."""

from __future__ import annotations

from evalkit.aws import interface
from evalkit.aws.testsuite import TestSuite, looks_like_a_test
from evalkit.terraform.model import build_model

MAIN = 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n'
PLAN_TEST = """run "cidr" {
  command = plan
  assert {
    condition     = aws_vpc.main.cidr_block == "10.0.0.0/16"
    error_message = "changed"
  }
}
"""
APPLY_TEST = """run "setup" {
  command = plan
}

run "real" {
  assert {
    condition     = true
    error_message = "never"
  }
}
"""


def suite(files: dict[str, str]) -> TestSuite:
    return TestSuite(build_model({"main.tf": MAIN, **files}))


def test_files_are_tests_by_name_directory_or_content() -> None:
    assert looks_like_a_test("tests/vpc.tftest.hcl", "")
    assert looks_like_a_test("test/helpers.go", "package test")
    assert looks_like_a_test("snippet_2.go", "func TestVpc(t *testing.T) {}")
    assert not looks_like_a_test("snippet_2.go", "func main() {}")
    assert not looks_like_a_test("README.md", "def test_x(): pass")


def test_a_file_that_cannot_fail_is_not_a_test_and_says_why() -> None:
    # Set-up files (conftest.py) are never named among the files that are not tests.
    found = suite(
        {
            "tests/plan.tftest.hcl": 'run "only_plans" {\n  command = plan\n}\n',
            "test_handler.py": "def test_plan():\n    plan()\n",
            "tests/conftest.py": "import pytest\n",
        }
    )
    assert found.tests == [] and found.test_files == []
    assert set(found.not_tests) == {"tests/plan.tftest.hcl", "test_handler.py", "tests/conftest.py"}
    assert found.uncounted() == [
        "test_handler.py asserts nothing, so it cannot fail",
        "tests/plan.tftest.hcl has no run block with an assert or expect_failures, "
        "so it cannot fail",
    ]


def test_runs_carry_their_command_and_whether_it_was_written() -> None:
    found = suite({"tests/a.tftest.hcl": APPLY_TEST})
    runs = found.runs("tests/a.tftest.hcl")
    assert [(r.label, r.command, r.command_written, r.asserts) for r in runs] == [
        ("setup", "plan", True, False),
        ("real", "apply", False, True),
    ]


def test_live_use_of_terraform_tests_applies_without_mocks() -> None:
    live = suite({"tests/a.tftest.hcl": APPLY_TEST}).live_use("tests/a.tftest.hcl")
    assert live is not None and live.run is not None
    assert (live.line, live.run.label) == (5, "real")
    mocked = suite({"tests/a.tftest.hcl": 'mock_provider "aws" {}\n' + APPLY_TEST})
    assert mocked.live_use("tests/a.tftest.hcl") is None
    assert suite({"tests/p.tftest.hcl": PLAN_TEST}).live_use("tests/p.tftest.hcl") is None


def test_live_use_of_code_is_found_and_mocks_beside_it_cancel_it() -> None:
    code = "import boto3\n\ndef test_bucket():\n    assert boto3.client('s3')\n"
    live = suite({"tests/test_s3.py": code}).live_use("tests/test_s3.py")
    assert live is not None and (live.line, live.reason) == (1, "the test calls the AWS SDK")
    mocked = suite({"tests/test_s3.py": code, "tests/conftest.py": "from moto import mock_aws\n"})
    assert mocked.live_use("tests/test_s3.py") is None


def test_run_blocks_written_into_tf_files_count() -> None:
    found = suite({"checks.tf": PLAN_TEST})
    assert found.run_files == ["checks.tf"] and found.has_asserting_runs()
    unasserted = suite({"checks.tf": 'run "x" {\n  command = plan\n}\n'})
    assert unasserted.unasserted_run_files() == ["checks.tf"]
    assert not unasserted.has_asserting_runs()


def test_constrained_inputs_are_guarded_by_validation() -> None:
    model = build_model(
        {
            "main.tf": MAIN,
            "variables.tf": """variable "vpc_cidr" {
  type = string
}
variable "environment" {
  type    = string
  default = "qa"
  validation {
    condition     = contains(["qa", "prod"], var.environment)
    error_message = "bad"
  }
}
variable "ingress_with_cidr_blocks" {
  type = list(map(string))
}
variable "subnets" {
  type    = list(string)
  default = ["10.0.1.0/24"]
}
""",
        }
    )
    found = {c.address: c for c in interface.constrained_inputs(model)}
    assert set(found) == {"var.vpc_cidr", "var.environment", "var.subnets"}
    assert not found["var.vpc_cidr"].guarded and found["var.environment"].guarded
    assert interface.validation_hint(model, found["var.subnets"]) == (
        "condition = alltrue([for v in var.subnets : can(cidrhost(v, 0))])"
    )
    assert [r.address for r in interface.interface_resources(model)] == ["aws_vpc.main"]
