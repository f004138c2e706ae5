"""`evalkit leaderboard`: runs ranked with their intervals, as markdown and CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalkit.analysis.leaderboard import leaderboard
from evalkit.cli import main
from tests.test_compare import make_run


@pytest.fixture()
def runs(tmp_path: Path) -> list[str]:
    good = make_run(set(range(2)), 20, prefix="g").save(tmp_path / "good")
    bad = make_run(set(range(15)), 20, prefix="b", iac_fails={0, 1}).save(tmp_path / "bad")
    return [str(bad), str(good)]


def test_runs_ranked_by_mean_score_with_intervals(runs: list[str]) -> None:
    table = leaderboard(runs)
    assert table["run"].tolist() == ["good", "bad"] and table["rank"].tolist() == [1, 2]
    good = table.iloc[0]
    scores = pd.read_csv(Path(runs[1]) / "scores.csv")["score"]
    assert good["score_mean"] == pytest.approx(scores.mean())
    assert good["score_ci_low"] < good["score_mean"] < good["score_ci_high"]
    assert good["security"] == pytest.approx(2 / 20) and good["scored"] == 1.0
    by_iac = leaderboard(runs, sort="iac")
    assert by_iac["run"].tolist() == ["good", "bad"]
    with pytest.raises(ValueError, match="did you mean 'security'"):
        leaderboard(runs, sort="securty")


def test_cli_leaderboard_markdown_and_csv(
    runs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["leaderboard", *runs, "--out", str(tmp_path / "board.csv")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| rank | run | n | scored | mean score (95% CI) | security |")
    assert "| 1 | good | 20 | 100% |" in out and "10% [" in out
    written = pd.read_csv(tmp_path / "board.csv")
    assert written["run"].tolist() == ["good", "bad"]
    assert main(["leaderboard", *runs, "--sort", "nope"]) == 2
