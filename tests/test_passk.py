"""pass@k per prompt: the unbiased estimator against brute force, the rules, the CLI."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pandas as pd
import pytest

import evalkit
from evalkit.analysis.passk import pass_at_k, pass_at_k_estimate, passed
from evalkit.api import Run
from evalkit.cli import main
from tests.answers import OPEN_SSH

# prompt -> scores of its answers; with score>=80, p1 has 2 of 5 passing, p2 0 of 2, p3 3 of 3
ANSWERS = {"p1": [90, 85, 10, 20, 30], "p2": [0, 50], "p3": [100, 95, 80]}


def _run() -> Run:
    rows = [
        {"submission_id": f"{p}-{i}", "prompt_id": p, "status": "ok", "score": float(s)}
        for p, scores in ANSWERS.items()
        for i, s in enumerate(scores)
    ]
    rows.append({"submission_id": "p1-x", "prompt_id": "p1", "status": "error", "score": None})
    return Run(pd.DataFrame(rows), pd.DataFrame(columns=["submission_id"]), {})


def _brute_force(outcomes: list[bool], k: int) -> float:
    draws = list(itertools.combinations(outcomes, k))
    return sum(any(d) for d in draws) / len(draws)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_estimator_equals_the_share_of_k_subsets_with_a_pass(k: int) -> None:
    outcomes = [True, True, False, False, False]
    assert pass_at_k_estimate(5, 2, k) == pytest.approx(_brute_force(outcomes, k))
    assert math.isnan(pass_at_k_estimate(5, 2, 6))


def test_pass_at_k_averages_prompts_with_enough_answers() -> None:
    table = pass_at_k(_run(), "prompt_id", [1, 2, 3], rule="score>=80").set_index("k")
    assert table.loc[1, "pass_at_k"] == pytest.approx((0.4 + 0 + 1) / 3)
    assert table.loc[2, "pass_at_k"] == pytest.approx((0.7 + 0 + 1) / 3)
    # p2 has only 2 answers: pass@3 is over p1 and p3.
    assert table.loc[3, "prompts"] == 2 and table.loc[3, "answers"] == 8
    assert table.loc[3, "pass_at_k"] == pytest.approx((0.9 + 1) / 2)
    # The error row is not an answer: p1 counts 5.
    assert table.loc[1, "answers"] == 10


def test_no_critical_rule_reads_the_rubric_severities() -> None:
    run = evalkit.score(
        [
            {"id": "ssh", "response": OPEN_SSH},
            {"id": "prose", "response": "no code here"},
        ],
        jobs=1,
        cache=False,
    )
    verdicts = dict(zip(run.scores["submission_id"], passed(run), strict=True))
    critical = run.checks.query("submission_id == 'ssh' and status == 'fail'")["severity"]
    assert "critical" in set(critical)
    assert verdicts == {"ssh": False, "prose": False}
    with pytest.raises(ValueError, match="unknown pass rule"):
        passed(run, "best")


def test_cli_passk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = str(_run().save(tmp_path / "run"))
    args = ["passk", saved, "--on", "prompt_id", "--k", "1,3", "--pass", "score>=80"]
    assert main([*args, "--out", str(tmp_path / "p.csv")]) == 0
    out = capsys.readouterr().out
    assert "pass@k over prompt_id (pass: score>=80)" in out
    assert pd.read_csv(tmp_path / "p.csv")["pass_at_k"].round(4).tolist() == [0.4667, 0.95]
    assert main(["passk", saved, "--on", "prompt_di"]) == 2
    assert "did you mean 'prompt_id'?" in capsys.readouterr().err
    assert main(["passk", saved, "--on", "prompt_id", "--k", "0"]) == 2
