"""Run directories: journal, resume after kill -9, rescore, cache, parallel executors."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.cli import main

SUBNET = """
resource "aws_subnet" "s{i}_{j}" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, {j})
}}
"""


def _dataset(directory: Path, count: int, blocks: int = 30) -> Path:
    """`count` JSONL answers, some with open SSH or hardcoded passwords."""
    rng = random.Random(7)
    lines = []
    for i in range(count):
        body = [
            f'variable "cidr" {{\n  default = "10.{i % 200}.0.0/16"\n}}\n',
            'resource "aws_vpc" "main" {\n  cidr_block = var.cidr\n}\n',
        ]
        body += [SUBNET.format(i=i, j=j) for j in range(blocks)]
        if rng.random() < 0.4:
            body.append('resource "aws_db_instance" "db" {\n  password = "Pa55word-x"\n}\n')
        text = "".join(body)
        lines.append(
            json.dumps(
                {"id": f"sub-{i:03d}", "model": f"m{i % 2}", "response": f"```hcl\n{text}```\n"}
            )
        )
    path = directory / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tables(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("scores.csv", "findings.csv")}


def test_results_journal_holds_every_submission_in_input_order(tmp_path: Path) -> None:
    data = _dataset(tmp_path, 12, blocks=2)
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    lines = (out / "results.jsonl").read_text().splitlines()
    assert "header" in json.loads(lines[0])
    assert [json.loads(line)["id"] for line in lines[1:]] == [f"sub-{i:03d}" for i in range(12)]


def test_kill_9_then_resume_gives_the_uninterrupted_output(tmp_path: Path) -> None:
    data = _dataset(tmp_path, 40)
    reference = tmp_path / "reference"
    assert (
        main(["score", str(data), "--out", str(reference), "--quiet", "--no-cache", "--jobs", "1"])
        == 0
    )

    out = tmp_path / "interrupted"
    command = [
        sys.executable,
        "-m",
        "evalkit.cli",
        "score",
        str(data),
        "--out",
        str(out),
        "--quiet",
        "--no-cache",
        "--jobs",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    journal = out / "results.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text().count("\n") > 3:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    graded_before = journal.read_text().count("\n") - 1
    assert 0 < graded_before < 40, "the kill must land mid-run"
    assert not (out / "scores.csv").exists()
    # A write torn by the kill must not break the resume.
    with journal.open("a") as torn:
        torn.write('{"id": "sub-999", "status": "o')

    assert (
        main(
            [
                "score",
                str(data),
                "--out",
                str(out),
                "--quiet",
                "--no-cache",
                "--jobs",
                "1",
                "--resume",
            ]
        )
        == 0
    )
    assert _tables(out) == _tables(reference)
    info = json.loads((out / "run.json").read_text())
    assert info["timings"]["resumed_submissions"] == graded_before


def test_resume_refuses_a_journal_written_for_other_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _dataset(tmp_path, 3, blocks=1)
    out = tmp_path / "out"
    assert main(["score", str(first), "--out", str(out), "--quiet", "--no-cache"]) == 0
    other = tmp_path / "other"
    other.mkdir()
    second = _dataset(other, 3, blocks=1)
    assert main(["score", str(second), "--out", str(out), "--quiet", "--resume"]) == 2
    assert "other input" in capsys.readouterr().err


def test_rescore_recomputes_scores_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _dataset(tmp_path, 10, blocks=2)
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    rubric = tmp_path / "lenient.yaml"
    rubric.write_text(
        "name: lenient\nversion: 1\nchecks:\n  SEC-HARDCODED-CREDENTIALS: {enabled: false}\n"
    )

    import evalkit.terraform.parse as parse

    def no_parsing(*args: object) -> None:
        raise AssertionError("rescore must not parse")

    monkeypatch.setattr(parse, "parse_file", no_parsing)
    assert main(["rescore", str(out), "--rubric", str(rubric), "--quiet"]) == 0
    rescored = (out / "scores.csv").read_text()
    assert json.loads((out / "run.json").read_text())["rubric"]["name"] == "lenient"
    rows = list(csv.DictReader(io.StringIO(rescored)))
    assert {row["SEC-HARDCODED-CREDENTIALS"] for row in rows} == {"n/a"}
    assert all("SEC-HARDCODED-CREDENTIALS" not in row["feedback"] for row in rows)


def test_cache_reuses_results_and_gives_identical_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _dataset(tmp_path, 8, blocks=2)
    cache = tmp_path / "cache"
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    assert (
        main(
            [
                "score",
                str(data),
                "--out",
                str(cold),
                "--quiet",
                "--cache",
                str(cache),
                "--jobs",
                "1",
            ]
        )
        == 0
    )

    import evalkit.running.runner as runner

    def no_grading(*args: object) -> None:
        raise AssertionError("a cached submission must not be graded again")

    monkeypatch.setattr(runner, "grade", no_grading)
    assert (
        main(
            [
                "score",
                str(data),
                "--out",
                str(warm),
                "--quiet",
                "--cache",
                str(cache),
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    assert _tables(warm) == _tables(cold)


def test_dask_local_cluster_matches_a_local_run(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    data = _dataset(tmp_path, 24, blocks=3)
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert (
        main(["score", str(data), "--out", str(local), "--quiet", "--no-cache", "--jobs", "1"]) == 0
    )
    # A process of its own, as a user runs it: a 2-worker LocalCluster started by the CLI.
    command = [
        sys.executable,
        "-m",
        "evalkit.cli",
        "score",
        str(data),
        "--out",
        str(dask),
        "--quiet",
        "--no-cache",
        "--executor",
        "dask",
        "--jobs",
        "2",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stderr
    assert _tables(dask) == _tables(local)


def test_a_broken_cache_never_stops_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _dataset(tmp_path, 3, blocks=1)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "results.sqlite3").write_bytes(b"this is not a database" * 100)
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--cache", str(cache)]) == 0
    assert "result cache unavailable" in capsys.readouterr().err
    assert len(list(csv.DictReader(io.StringIO((out / "scores.csv").read_text())))) == 3


class _StuckFuture:
    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.cancelled = False

    def result(self, timeout: float | None = None) -> list[object]:
        raise self.error

    def cancel(self) -> None:
        self.cancelled = True


def test_a_stuck_or_lost_cluster_batch_still_gives_rows() -> None:
    from evalkit.records import Submission
    from evalkit.running.runner import _batch_results

    batch = [Submission("a", {"main.tf": ""}), Submission("b", {"main.tf": ""})]
    stuck = _StuckFuture(TimeoutError())
    timed_out = _batch_results(stuck, batch, time_limit=5)
    assert [(r.submission_id, r.status) for r in timed_out] == [("a", "timeout"), ("b", "timeout")]
    assert stuck.cancelled and "--timeout" in timed_out[0].message
    lost = _batch_results(_StuckFuture(OSError("worker lost")), batch, time_limit=None)
    assert {r.status for r in lost} == {"error"} and "worker lost" in lost[0].message
