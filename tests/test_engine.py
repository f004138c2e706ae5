"""Grading one submission: statuses, failures contained, time limits."""

from __future__ import annotations

import time

from evalkit.checks import REGISTRY
from evalkit.checks.registry import Check
from evalkit.grading.engine import grade
from evalkit.records import Submission

VALID = 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n'


def statuses(result: object) -> dict[str, str]:
    return {r.check_id: r.status for r in result.results}  # type: ignore[attr-defined]


def test_valid_submission_is_ok_and_every_check_answers() -> None:
    result = grade(Submission("a", {"main.tf": VALID}), list(REGISTRY))
    assert result.status == "ok" and result.message == ""
    assert set(statuses(result)) == set(REGISTRY.ids())
    assert statuses(result)["IAC-PARSE-ERROR"] == "pass"


def test_one_unparseable_file_makes_every_other_check_not_applicable() -> None:
    files = {"main.tf": VALID, "broken.tf": 'resource "aws_s3_bucket" "b" {\n'}
    result = grade(Submission("a", files), list(REGISTRY))
    assert result.status == "parse_error"
    assert result.message.startswith("broken.tf:")
    found = statuses(result)
    assert found.pop("IAC-PARSE-ERROR") == "fail"
    assert set(found.values()) == {"n/a"}


def test_no_terraform_and_load_errors_have_their_own_status() -> None:
    assert grade(Submission("a", {"notes.md": "hello"}), list(REGISTRY)).status == "no_terraform"
    broken = grade(Submission("b", {}, load_error="line 3 is not valid JSON"), list(REGISTRY))
    assert (broken.status, broken.message) == ("error", "line 3 is not valid JSON")
    assert set(statuses(broken).values()) == {"n/a"}


def test_a_check_that_raises_is_reported_and_the_others_still_run() -> None:
    def explode(model: object) -> None:
        raise KeyError("surprise")

    exploding = Check("SEC-IAM-WILDCARD", "security", "critical", "boom", explode)
    others = [c for c in REGISTRY if c.id != "SEC-IAM-WILDCARD"]
    result = grade(Submission("a", {"main.tf": VALID}), [exploding, *others])
    assert result.status == "error"
    assert "check SEC-IAM-WILDCARD" in result.message and "KeyError" in result.message
    assert statuses(result)["SEC-IAM-WILDCARD"] == "n/a"
    assert statuses(result)["IAC-PARSE-ERROR"] == "pass"


def _never_ending(model: object) -> None:
    while True:
        time.sleep(1)


def test_a_submission_over_the_time_limit_times_out() -> None:
    # The check never returns, so the 0.2 s limit is passed however fast the machine is.
    stuck = Check("SEC-IAM-WILDCARD", "security", "critical", "stuck", _never_ending)
    others = [c for c in REGISTRY if c.id != "SEC-IAM-WILDCARD"]
    result = grade(Submission("stuck", {"main.tf": VALID}), [stuck, *others], time_limit=0.2)
    assert result.status == "timeout"
    assert result.message == (
        "grading took longer than the time limit of 0.2 s per submission (--timeout)"
    )
    assert set(statuses(result).values()) == {"n/a"}


def test_the_time_limit_interrupts_parsing() -> None:
    # 3000 resources take far more than 0.05 s to parse on any machine.
    blocks = "".join(
        f'resource "aws_subnet" "s{i}" {{\n  cidr_block = cidrsubnet("10.0.0.0/8", 16, {i})\n}}\n'
        for i in range(3000)
    )
    result = grade(Submission("slow", {"main.tf": blocks}), list(REGISTRY), time_limit=0.05)
    assert result.status == "timeout"
    assert "time limit of 0.05 s" in result.message


def test_a_quick_submission_is_graded_within_its_limit() -> None:
    # Milliseconds of work under a limit of seconds: a margin no load on the machine eats.
    fast = grade(Submission("fast", {"main.tf": VALID}), list(REGISTRY), time_limit=30)
    assert fast.status == "ok"
