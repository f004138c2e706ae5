"""Every check against its fixtures: tests/fixtures/checks/<CHECK-ID>/<case>/.

A case is a small submission (its .tf/.tfvars/... files) plus `expected.yaml`::

    status: fail            # pass | fail | n/a
    findings:               # for fail: the exact (file, line, resource) of every finding
      - [main.tf, 12, aws_db_instance.primary]
      - [main.tf, 30, aws_db_instance.replica, "aws_db_instance.replica runs ..."]

A fourth element pins the finding's message, which is what a trained model reads.

The test builds the Terraform model, runs only that check, and compares status and findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalkit.checks import REGISTRY
from evalkit.terraform.model import build_model

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def _cases() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*") if (p / "expected.yaml").is_file())


def _files(case: Path) -> dict[str, str]:
    return {
        p.relative_to(case).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(case.rglob("*"))
        if p.is_file() and p.name != "expected.yaml"
    }


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_check_fixture(case: Path) -> None:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    check = REGISTRY.get(case.parent.name)
    result = check.run(build_model(_files(case)))
    found = sorted((f.file, f.line, f.resource) for f in result.findings)
    items = expected.get("findings") or []
    wanted = sorted(tuple(item[:3]) for item in items)
    assert (result.status, found) == (expected["status"], wanted), [
        f.message for f in result.findings
    ]
    messages = {(f.file, f.line, f.resource): f.message for f in result.findings}
    for item in items:
        if len(item) > 3:
            assert messages[tuple(item[:3])] == item[3]
    for item in result.findings:
        assert item.message and item.check_id == check.id


def test_every_check_has_failing_and_passing_fixtures() -> None:
    statuses: dict[str, set[str]] = {}
    for case in _cases():
        expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
        statuses.setdefault(case.parent.name, set()).add(expected["status"])
    missing = [c.id for c in REGISTRY if not {"pass", "fail"} <= statuses.get(c.id, set())]
    assert not missing, f"checks without both pass and fail fixtures: {missing}"


def test_fixture_directories_name_registered_checks() -> None:
    unknown = sorted({p.name for p in FIXTURES.iterdir() if p.is_dir()} - set(REGISTRY.ids()))
    assert not unknown
