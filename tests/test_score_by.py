"""`evalkit score --by`: an unknown column is refused before grading, and the console summary
gives the per-group numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evalkit.running.runner
from evalkit.cli import main
from tests.answers import OPEN_SSH

BUCKET = '```hcl\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n```'


def _data(tmp_path: Path) -> Path:
    rows = [
        {"id": "a1", "model": "alpha", "response": OPEN_SSH},
        {"id": "a2", "model": "alpha", "response": OPEN_SSH},
        {"id": "b1", "model": "beta", "response": BUCKET},
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _no_grading(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("nothing may be graded when --by names no column")


def test_unknown_by_is_refused_before_grading_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(evalkit.running.runner, "grade", _no_grading)
    out = tmp_path / "out"
    args = ["score", str(_data(tmp_path)), "--out", str(out), "--jobs", "1", "--no-cache"]
    assert main([*args, "--by", "modle"]) == 2
    error = capsys.readouterr().err
    assert "--by: no column 'modle'" in error and "did you mean 'model'?" in error
    assert "nothing was graded" in error
    assert not out.exists()


def test_by_prints_per_group_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["score", str(_data(tmp_path)), "--out", str(out), "--jobs", "1", "--no-cache"]
    assert main([*args, "--by", "model"]) == 0
    printed = capsys.readouterr().out
    groups = json.loads((out / "summary.json").read_text(encoding="utf-8"))["groups"]
    assert "by model (failure rate per category):" in printed
    lines = {line.split()[0]: line.split() for line in printed.splitlines() if line.strip()}
    for name in ("alpha", "beta"):
        assert lines[name][1] == str(groups[name]["n_submissions"])
        assert lines[name][2] == f"{groups[name]['score_mean']:.1f}"
    # alpha fails security in both answers: 100%; beta's bucket opens no port.
    assert lines["alpha"][3] == "100%"


def test_by_a_column_of_the_scores_table_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["score", str(_data(tmp_path)), "--out", str(out), "--jobs", "1", "--no-cache"]
    assert main([*args, "--by", "status"]) == 0
    assert "by status" in capsys.readouterr().out
