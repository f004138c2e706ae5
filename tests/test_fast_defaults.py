"""`evalkit.score` and the notebooks default to the fast path: all cores and the shared cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import evalkit
import evalkit.running.pipeline
import evalkit.running.runner
from evalkit.analysis.notebook import setup
from evalkit.checks import REGISTRY
from evalkit.checks.registry import Check
from tests.answers import OPEN_SSH

BUCKET = '```hcl\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n```'


def _records() -> list[dict[str, str]]:
    return [
        {"id": "s1", "response": OPEN_SSH},
        {"id": "s2", "response": BUCKET},
        {"id": "s3", "response": "no code here"},
    ]


def _no_grading(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a cached submission must not be graded again")


def test_score_fills_and_reuses_the_cli_cache_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    first = evalkit.score(_records())
    assert (tmp_path / "cache" / "results.sqlite3").is_file()
    # Graded again, every submission would fail: the second run must come from the cache.
    monkeypatch.setattr(evalkit.running.runner, "grade", _no_grading)
    second = evalkit.score(_records(), jobs=1)
    assert second.scores["status"].tolist() == first.scores["status"].tolist()
    assert second.scores["score"].tolist() == first.scores["score"].tolist()


def test_cache_false_neither_reads_nor_writes_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    evalkit.score(_records(), cache=False, jobs=1)
    assert not (tmp_path / "cache").exists()


def test_score_uses_all_cores_up_to_one_per_submission_and_jobs_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evalkit.running.pipeline, "default_jobs", lambda: 8)
    assert evalkit.score(_records()).info["timings"]["jobs"] == 3
    assert evalkit.score(_records(), jobs=1).info["timings"]["jobs"] == 1


def test_a_check_from_outside_the_package_keeps_the_defaults_in_process_and_uncached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evalkit.running.pipeline, "default_jobs", lambda: 8)
    assert evalkit.running.pipeline.fast_defaults(None, None, 100) == (8, True)

    def local_check(model: Any) -> list[Any]:
        return []

    local_check.__module__ = "__main__"  # as defined in a notebook cell
    foreign = Check("ZZ-LOCAL", "security", "low", "a check defined in a notebook", local_check)
    monkeypatch.setitem(REGISTRY._checks, foreign.id, foreign)
    assert evalkit.running.pipeline.fast_defaults(None, None, 100) == (1, False)
    # Explicit choices stand.
    assert evalkit.running.pipeline.fast_defaults(4, "/tmp/c", 100) == (4, "/tmp/c")


def test_notebook_opens_a_run_folder_without_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "records.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    saved = evalkit.score(str(data), cache=False).save(tmp_path / "run")
    # `setup` sets pandas display options for a notebook; they end with this test.
    names = ("display.max_columns", "display.width", "display.max_colwidth")
    with pd.option_context(*[v for name in names for v in (name, pd.get_option(name))]):
        notebook = setup(tmp_path / "out", start=tmp_path, quiet=True)
    monkeypatch.setattr(evalkit.running.runner, "grade", _no_grading)
    run = notebook.run(str(saved), "ignored-when-a-run-folder-is-given")
    assert sorted(run.scores["submission_id"]) == ["s1", "s2", "s3"]
    assert notebook.record_files(run.info["input"]) == [data]


def test_rescore_weighs_the_same_verdicts_without_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = evalkit.score(_records(), cache=False, jobs=1)
    loaded = evalkit.load_run(run.save(tmp_path / "run"))
    rubric = tmp_path / "flat.yaml"
    rubric.write_text(
        "name: flat\nversion: '1'\nseverity_weights: {critical: 1, high: 1, medium: 1, low: 1}\n",
        encoding="utf-8",
    )
    expected = evalkit.score(_records(), rubric=str(rubric), cache=False, jobs=1)
    monkeypatch.setattr(evalkit.running.runner, "grade", _no_grading)
    rescored = loaded.rescore(rubric)
    assert rescored.info["rubric"]["name"] == "flat"
    assert rescored.scores["status"].tolist() == run.scores["status"].tolist()
    # Same verdicts, same weights: the same scores as grading with that rubric.
    assert rescored.scores["score"].tolist() == expected.scores["score"].tolist()
