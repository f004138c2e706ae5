"""`evalkit compare RUN_A RUN_B` finds how the runs pair, or says which --on to give; typos in
--on and in `explain` get the closest names instead of a dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.analysis.pairing import detect_pairing, id_stems
from evalkit.api import Run
from evalkit.checks import REGISTRY
from evalkit.cli import main
from tests.test_compare import make_run
from tests.test_compare_groups import models_run


def _without(run: Run, *columns: str) -> Run:
    return Run(run.scores.drop(columns=list(columns)), run.findings, run.info)


def _save_pair(tmp_path: Path, a: Run, b: Run) -> tuple[str, str]:
    return str(a.save(tmp_path / "runs" / "a")), str(b.save(tmp_path / "runs" / "b"))


def test_ids_carrying_the_model_name_pair_without_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _without(make_run(set(range(4)), 40, prefix="gpt4-p", model="gpt4"), "prompt_id")
    b = _without(make_run(set(range(30)), 40, prefix="llama-p", model="llama"), "prompt_id")
    assert main(["compare", *_save_pair(tmp_path, a, b)]) == 0
    out = capsys.readouterr().out
    assert "paired on the ids without their prefix 'gpt4-'/'llama-'" in out
    assert "Paired on id_stem: 40 matched (none left out)." in out


def test_a_shared_prompt_column_pairs_runs_whose_ids_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = make_run(set(range(4)), 40, prefix="x")
    b = make_run(set(range(30)), 40, prefix="y")
    b.scores["submission_id"] = [f"other-{i}" for i in range(40)]  # nothing to strip
    assert main(["compare", *_save_pair(tmp_path, a, b)]) == 0
    out = capsys.readouterr().out
    assert "paired on prompt_id, the column both runs have with each value once" in out
    assert "Paired on prompt_id: 40 matched" in out


def test_runs_that_cannot_pair_are_told_which_on_columns_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _without(make_run(set(range(4)), 20, prefix="x"), "prompt_id")
    b = _without(make_run(set(range(10)), 20, prefix="y"), "prompt_id")
    b.scores["submission_id"] = [f"q{i}" for i in range(20)]
    assert main(["compare", *_save_pair(tmp_path, a, b)]) == 0
    out = capsys.readouterr().out
    assert "Not paired" in out
    assert "give --on COLUMN (columns in both runs: model)" in out
    # --unpaired and an explicit --on are taken as given.
    assert detect_pairing(a, a).on == "submission_id"


def test_id_stems_cut_at_separators() -> None:
    stems = id_stems(["p10/MODEL", "p12/MODEL"], ["p10/IDEAL", "p12/IDEAL"])
    assert stems is not None and stems[0] == stems[1] == ["p10", "p12"]
    # No run-specific part, or stems that do not match: no pairing.
    assert id_stems(["x1", "x2"], ["x1", "x3"]) is None
    assert id_stems(["a-1", "a-2"], ["b-3", "b-4"]) is None


def test_mistyped_on_column_gets_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _save_pair(tmp_path, make_run(set(), 10), make_run(set(), 10))
    assert main(["compare", a, b, "--on", "prompt_di"]) == 2
    assert "did you mean 'prompt_id'?" in capsys.readouterr().err
    models = str(models_run().save(tmp_path / "models"))
    assert main(["compare", models, "--by", "model", "--on", "prompt_di"]) == 2
    assert "did you mean 'prompt_id'?" in capsys.readouterr().err


def test_explain_with_a_typo_names_the_closest_ids_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "SEC-IAM-WILDCRD"]) == 2
    error = capsys.readouterr().err
    assert "did you mean SEC-IAM-WILDCARD" in error
    assert sum(check.id in error for check in REGISTRY) <= 3
    assert main(["explain", "NOPE"]) == 2
    error = capsys.readouterr().err
    assert "unknown check ID 'NOPE'" in error and "evalkit checks" in error
    assert not any(check.id in error for check in REGISTRY)
