"""A run's files and API in a researcher's loop: grouping by a mistyped column, rates with
intervals, rescoring elsewhere and after `Run.save`, dtypes across save/load, and a result
cache shared with another run that holds its lock."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import evalkit
from evalkit.cli import main
from evalkit.records import CheckResult, SubmissionResult
from evalkit.running.cache import ResultCache

BUCKET = 'resource "aws_s3_bucket" "b%d" {\n  bucket = "logs-%d"\n}\n'
OPEN_SSH = """
resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def _records() -> list[dict[str, object]]:
    """Metadata of every kind: text that looks like a number, ints with a gap, floats,
    booleans, and a column missing from some records."""
    rows = []
    for i in range(6):
        body = BUCKET % (i, i) + (OPEN_SSH if i % 2 else "")
        rows.append(
            {
                "id": f"{i:03d}",
                "model": "m-a" if i < 3 else "m-b",
                "prompt_id": f"p{i % 3}",
                "code": "0042" if i == 0 else str(i),
                "seed": None if i == 2 else i,
                "temperature": 0.5 * i,
                "sampled": i % 2 == 0,
                "response": f"```hcl\n{body}```" if i != 5 else "no code, sorry",
            }
        )
    rows[1]["note"] = "first with a note"
    return rows


@pytest.fixture(scope="module")
def run() -> evalkit.Run:
    return evalkit.score(_records())


# --- failure_rates -----------------------------------------------------------------------------


def test_failure_rates_by_a_mistyped_column_names_the_columns(run: evalkit.Run) -> None:
    with pytest.raises(KeyError) as caught:
        run.failure_rates(by="modle")
    message = str(caught.value)
    assert message.startswith("no column 'modle' in the scores (did you mean 'model'?)")
    assert "model, prompt_id, code, seed, temperature, sampled, note" in message


def test_failure_rates_carry_wilson_intervals(run: evalkit.Run) -> None:
    rates = run.failure_rates(by="model")
    assert list(rates.columns) == [
        "model",
        "category",
        "n",
        "failed",
        "failure_rate",
        "ci_low",
        "ci_high",
    ]
    table = rates.set_index(["model", "category"])
    # Counted from _records: m-a is 000-002, and 001 opens SSH; m-b is 003-005, 003 opens SSH
    # and 005 has no code, so no security check judges it while IAC-PARSE-ERROR fails it.
    assert table.loc[("m-a", "security"), ["n", "failed"]].tolist() == [3, 1]
    assert table.loc[("m-b", "security"), ["n", "failed"]].tolist() == [2, 1]
    assert table.loc[("m-b", "iac"), ["n", "failed"]].tolist() == [3, 1]
    assert table.loc[("m-a", "networking"), "n"] == 0
    assert pd.isna(table.loc[("m-a", "networking"), "failure_rate"])
    # The 95% Wilson interval of 1 failure in 3, worked out from the formula by hand:
    # centre (1/3 + z²/6) / (1 + z²/3) = 0.42692, half-width 0.36543 with z = 1.96.
    security = table.loc[("m-a", "security")]
    assert security["failure_rate"] == pytest.approx(1 / 3)
    assert (security["ci_low"], security["ci_high"]) == pytest.approx((0.06149, 0.79234), abs=1e-4)


# --- dtypes across save and load ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_dtypes_and_values_survive_save_and_load(
    run: evalkit.Run, tmp_path: Path, fmt: str
) -> None:
    loaded = evalkit.load_run(run.save(tmp_path / fmt, fmt=fmt))
    pd.testing.assert_frame_equal(loaded.scores, run.scores)
    pd.testing.assert_frame_equal(loaded.findings, run.findings)
    assert loaded.scores.loc[0, "code"] == "0042"
    assert loaded.scores.loc[0, "submission_id"] == "000"
    assert loaded.scores["seed"].tolist() == [0, 1, None, 3, 4, 5]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_dtypes_survive_a_scored_directory(tmp_path: Path, fmt: str) -> None:
    data = tmp_path / "answers.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    out = tmp_path / "out"
    args = ["score", str(data), "--out", str(out), "--quiet", "--no-cache", "--format", fmt]
    assert main(args) == 0
    in_memory = evalkit.score(str(data))
    loaded = evalkit.load_run(out)
    # Metadata columns in the records' field order, as in memory (and as docs/outputs.md says).
    pd.testing.assert_frame_equal(loaded.scores, in_memory.scores)
    pd.testing.assert_frame_equal(loaded.findings, in_memory.findings)


# --- rescore -----------------------------------------------------------------------------------


def _only_critical(tmp_path: Path) -> Path:
    rubric = tmp_path / "critical.yaml"
    rubric.write_text(
        "name: critical-only\nversion: '1'\n"
        "severity_weights: {critical: 10, high: 0, medium: 0, low: 0}\n",
        encoding="utf-8",
    )
    return rubric


def test_rescore_a_saved_run_into_another_folder(run: evalkit.Run, tmp_path: Path) -> None:
    saved = run.save(tmp_path / "saved")
    assert (saved / "results.jsonl").is_file()
    before = {p.name: p.read_bytes() for p in saved.iterdir() if p.is_file()}
    out = tmp_path / "rescored"
    rubric = _only_critical(tmp_path)
    assert main(["rescore", str(saved), "--rubric", str(rubric), "--out", str(out), "--quiet"]) == 0
    assert {p.name: p.read_bytes() for p in saved.iterdir() if p.is_file()} == before
    rescored = evalkit.load_run(out)
    expected = evalkit.score(_records(), rubric=str(rubric))
    pd.testing.assert_frame_equal(rescored.scores, expected.scores)
    assert rescored.info["rubric"]["name"] == "critical-only"
    # The new folder is a complete run: it can be rescored again.
    assert main(["rescore", str(out), "--quiet"]) == 0
    # ... and --out will not replace another run by accident.
    assert main(["rescore", str(saved), "--out", str(out), "--quiet"]) == 2
    assert main(["rescore", str(saved), "--out", str(out), "--quiet", "--overwrite"]) == 0


def test_rescore_in_place_removes_the_stale_report(run: evalkit.Run, tmp_path: Path) -> None:
    saved = run.save(tmp_path / "saved", fmt="parquet")
    assert main(["report", str(saved)]) == 0
    assert (saved / "report" / "report.md").is_file()
    assert main(["rescore", str(saved), "--rubric", str(_only_critical(tmp_path)), "--quiet"]) == 0
    assert not (saved / "report").exists()
    assert evalkit.load_run(saved).info["rubric"]["name"] == "critical-only"


def test_a_saved_subset_keeps_only_its_own_results(run: evalkit.Run, tmp_path: Path) -> None:
    from evalkit.analysis.compare import split_run

    part = split_run(run, "model")["m-b"]
    saved = part.save(tmp_path / "m-b")
    lines = (saved / "results.jsonl").read_text().splitlines()[1:]
    assert [json.loads(line)["id"] for line in lines] == ["003", "004", "005"]
    reloaded = evalkit.load_run(saved)
    assert (
        reloaded.save(tmp_path / "again").joinpath("results.jsonl").read_text()
        == (saved / "results.jsonl").read_text()
    )


# --- a shared cache held by another run --------------------------------------------------------


def _result(n: int) -> SubmissionResult:
    return SubmissionResult(f"s{n}", {}, "ok", "", (CheckResult("SEC-IAM-WILDCARD", "pass"),), 0.1)


def test_a_locked_cache_keeps_caching_once_the_lock_is_released(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ResultCache(tmp_path).close()  # an existing shared cache
    database = tmp_path / "results.sqlite3"
    other = sqlite3.connect(database, isolation_level=None)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.execute("BEGIN IMMEDIATE")  # another run holds the write lock
    other.execute("INSERT INTO results VALUES ('theirs', '{}')")

    cache = ResultCache(tmp_path, timeout=0.05)
    for n in range(300):  # more than one flush's worth
        cache.put(f"k{n}", _result(n))
    assert cache.flush() is False  # still locked: kept, not dropped
    assert cache.get("k7") is not None  # buffered entries are served
    assert cache.get("theirs") is None  # WAL: reading does not wait for the writer

    other.execute("COMMIT")
    cache.put("k300", _result(300))
    cache.close()
    other.close()
    assert capsys.readouterr().err == ""

    reader = sqlite3.connect(database)
    keys = {row[0] for row in reader.execute("SELECT key FROM results")}
    reader.close()
    assert keys == {f"k{n}" for n in range(301)} | {"theirs"}


def test_a_cache_never_holds_the_write_lock_between_flushes(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    for n in range(10):
        cache.put(f"k{n}", _result(n))
    other = sqlite3.connect(tmp_path / "results.sqlite3", timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # would raise "database is locked" if the cache held it
    other.execute("ROLLBACK")
    other.close()
    cache.close()


def test_a_cache_locked_past_close_says_how_many_results_were_not_cached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ResultCache(tmp_path).close()
    other = sqlite3.connect(tmp_path / "results.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    cache = ResultCache(tmp_path, timeout=0.01)
    for n in range(3):
        cache.put(f"k{n}", _result(n))
    cache.close()
    other.execute("ROLLBACK")
    other.close()
    assert "3 results of this run were not cached" in capsys.readouterr().err
