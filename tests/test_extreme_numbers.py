"""Numbers at the edges of what Python's int() takes (infinite, NaN, non-ASCII digits) are
values like any other: no check may crash on them, and the submission is graded."""

from __future__ import annotations

import pytest

from evalkit.aws.availability import number
from evalkit.checks import REGISTRY
from evalkit.grading.engine import grade
from evalkit.records import Submission


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (2.9, 2),
        (" 4 ", 4),
        ("²", None),  # str.isdigit() says yes, int() raises
        ("٣", None),  # an Arabic-Indic digit: not a number Terraform reads
        (float("inf"), None),
        (float("-inf"), None),
        (float("nan"), None),
        (True, None),
        ("4a", None),
    ],
)
def test_a_whole_number_is_read_only_from_what_terraform_reads_as_one(
    value: object, expected: int | None
) -> None:
    assert number(value) == expected


ENDLESS = """
resource "aws_autoscaling_group" "web" {
  min_size            = 1e400
  max_size            = "²"
  vpc_zone_identifier = ["subnet-1", "subnet-2"]
}
resource "aws_security_group" "web" {
  ingress {
    from_port   = 1e400
    to_port     = -1e400
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_sqs_queue" "none" {
  count = -1e400
  name  = "q"
}
"""


def test_infinite_and_unreadable_numbers_are_graded_not_crashed_on() -> None:
    result = grade(Submission("endless", {"main.tf": ENDLESS}, {}), list(REGISTRY))
    assert result.status == "ok", result.message
    findings = [f for r in result.results for f in r.findings]
    # `max_size = "²"` is no number Terraform reads: validate would reject it.
    [schema] = [f for f in findings if f.check_id == "IAC-SCHEMA-VIOLATION"]
    assert (schema.line, schema.resource) == (4, "aws_autoscaling_group.web")
    # count = -inf creates no queue: nothing is said of it.
    assert not any(f.resource.startswith("aws_sqs_queue") for f in findings)
