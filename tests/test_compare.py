"""Run comparison: paired and unpaired bootstrap differences on runs with known differences."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.analysis import plots
from evalkit.analysis.compare import compare, split_run, subset
from evalkit.api import Run, load_run
from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.records import CATEGORIES

SEC1, SEC2 = [c.id for c in REGISTRY if c.category == "security"][:2]
IAC1 = next(c.id for c in REGISTRY if c.category == "iac")
CHECKS = [SEC1, SEC2, IAC1]


def make_run(
    sec1_fails: set[int],
    n: int,
    prefix: str = "s",
    model: str = "m",
    iac_fails: set[int] = frozenset(),
) -> Run:
    """`n` submissions; SEC1 fails in `sec1_fails`, SEC2 always passes, IAC1 fails in
    `iac_fails`. A failed check costs 25 points, so scores are known too."""
    rows = []
    for i in range(n):
        statuses = {
            SEC1: "fail" if i in sec1_fails else "pass",
            SEC2: "pass",
            IAC1: "fail" if i in iac_fails else "pass",
        }
        score = 100.0 - 25.0 * sum(s == "fail" for s in statuses.values())
        rows.append(
            {
                "submission_id": f"{prefix}{i:03d}",
                "model": model,
                "prompt_id": f"p{i:03d}",
                "status": "ok",
                "score": score,
                "reward": score / 100,
                **{c: None for c in CATEGORIES},
                **statuses,
                "n_findings": 0,
                "feedback": "",
            }
        )
    findings = pd.DataFrame(
        columns=[
            "submission_id",
            "check_id",
            "category",
            "severity",
            "file",
            "line",
            "resource",
            "region",
            "message",
        ]
    )
    return Run(pd.DataFrame(rows), findings, {})


def row(table: pd.DataFrame, key: str, value: str) -> pd.Series:
    return table.set_index(key).loc[value]


def test_paired_significant_difference() -> None:
    a = make_run(set(range(4)), 40)  # 10% fail
    b = make_run(set(range(30)), 40)  # 75% fail, same ids
    result = compare(a, b)
    assert result.paired and result.pairing.startswith("Paired on submission_id: 40 matched")
    security = row(result.categories, "category", "security")
    assert (security.n_a, security.failed_a, security.n_b, security.failed_b) == (40, 4, 40, 30)
    assert security["diff"] == pytest.approx(0.65)
    assert 0 < security.ci_low < 0.65 < security.ci_high
    assert bool(security.significant)
    check = row(result.checks, "check_id", SEC1)
    assert bool(check.significant) and check["diff"] == pytest.approx(0.65)
    score = result.score.iloc[0]
    assert score["diff"] == pytest.approx(-25 * 26 / 40)
    assert bool(score.significant) and score.ci_high < 0
    assert result.score_deltas["delta"].tolist() == [0.0] * 4 + [-25.0] * 26 + [0.0] * 10
    significant = result.significant()
    assert {"mean score", "security", SEC1} <= set(significant["name"])
    assert "security failure rate +65.0 pts" in result.statement()


def test_paired_null_difference_is_not_significant() -> None:
    a = make_run(set(range(0, 10)), 40)  # 10 of 40 fail
    b = make_run(set(range(5, 15)), 40)  # 10 of 40 fail, 5 discordant pairs each way
    result = compare(a, b)
    security = row(result.categories, "category", "security")
    assert security["diff"] == pytest.approx(0.0)
    assert security.ci_low < 0 < security.ci_high
    assert not security.significant
    never = row(result.checks, "check_id", SEC2)  # passes everywhere: [0, 0]
    assert (never.ci_low, never.ci_high) == (0.0, 0.0) and not never.significant
    assert result.significant().empty
    assert result.statement().startswith("No difference between B and A is significant")


def test_paired_interval_is_narrower_than_unpaired_for_correlated_runs() -> None:
    a = make_run(set(range(20)), 60)
    b = make_run(set(range(24)), 60)  # the same 20 fail, plus 4
    paired = row(compare(a, b).categories, "category", "security")
    unpaired = row(compare(a, b, paired=False).categories, "category", "security")
    assert paired["diff"] == pytest.approx(unpaired["diff"])
    assert paired.ci_high - paired.ci_low < (unpaired.ci_high - unpaired.ci_low) / 2


def test_unpaired_interval_matches_the_normal_approximation() -> None:
    a = make_run(set(range(60)), 200, prefix="a")  # 30%
    b = make_run(set(range(100)), 200, prefix="b")  # 50%
    result = compare(a, b, n_boot=4000)
    assert not result.paired
    assert "no submission_id value is in both runs" in result.pairing
    security = row(result.categories, "category", "security")
    half = 1.959964 * math.sqrt(0.3 * 0.7 / 200 + 0.5 * 0.5 / 200)
    assert security.ci_low == pytest.approx(0.2 - half, abs=0.015)
    assert security.ci_high == pytest.approx(0.2 + half, abs=0.015)
    assert bool(security.significant)
    assert result.score_deltas.empty


def test_seeded_bootstrap_is_reproducible() -> None:
    a = make_run(set(range(0, 101, 3)), 101, prefix="a", iac_fails=set(range(9)))
    b = make_run(set(range(0, 97, 2)), 97, prefix="b", iac_fails=set(range(20)))
    first, again = compare(a, b, seed=3, n_boot=300), compare(a, b, seed=3, n_boot=300)
    pd.testing.assert_frame_equal(first.categories, again.categories)
    pd.testing.assert_frame_equal(first.checks, again.checks)
    pd.testing.assert_frame_equal(first.score, again.score)
    other = compare(a, b, seed=4, n_boot=300)
    bounds = ["ci_low", "ci_high"]
    assert not np.allclose(first.categories[bounds], other.categories[bounds])


def test_tiny_samples_are_never_called_significant() -> None:
    a = make_run(set(), 1)
    b = make_run({0}, 1)
    result = compare(a, b)
    security = row(result.categories, "category", "security")
    assert (security.ci_low, security.ci_high) == (1.0, 1.0)  # the bootstrap sees no spread
    assert not security.significant
    assert security.note == "n < 5: not judged"
    lenient = compare(a, b, min_n=1).categories
    assert bool(row(lenient, "category", "security").significant)


def test_pairing_on_another_column_and_repeated_keys() -> None:
    a = make_run(set(range(5)), 20, prefix="a", model="m1")
    b = make_run(set(range(15)), 20, prefix="b", model="m2")
    on_prompt = compare(a, b, on="prompt_id")
    assert on_prompt.paired and on_prompt.on == "prompt_id"
    assert list(on_prompt.score_deltas.columns) == ["prompt_id", "score_a", "score_b", "delta"]
    repeated = Run(pd.concat([a.scores, a.scores], ignore_index=True), a.findings, {})
    loose = compare(repeated, b, on="prompt_id")
    assert not loose.paired and "repeat within run A" in loose.pairing
    with pytest.raises(ValueError, match="cannot pair"):
        compare(repeated, b, on="prompt_id", paired=True)
    with pytest.raises(KeyError, match="no column 'nope'"):
        compare(a, b, on="nope")


def test_partial_overlap_pairs_the_common_ids() -> None:
    a = make_run(set(range(5)), 20)
    b = subset(make_run(set(range(5)), 30), [i >= 10 for i in range(30)])
    result = compare(a, b)
    assert result.paired
    assert result.pairing == (
        "Paired on submission_id: 10 matched (left out: 10 only in A, 10 only in B)."
    )
    assert result.score.iloc[0][["n_a", "n_b"]].tolist() == [10, 10]


def test_split_run_and_run_compare() -> None:
    a = make_run(set(range(3)), 10, prefix="a", model="m1")
    b = make_run(set(range(8)), 10, prefix="b", model="m2")
    both = Run(pd.concat([a.scores, b.scores], ignore_index=True), a.findings, {})
    parts = split_run(both, "model")
    assert list(parts) == ["m1", "m2"]
    assert parts["m2"].scores["submission_id"].tolist() == b.scores["submission_id"].tolist()
    result = parts["m1"].compare(parts["m2"], on="prompt_id", labels=("m1", "m2"))
    assert row(result.categories, "category", "security")["diff"] == pytest.approx(0.5)
    assert "m2 − m1" in result.summary()


def test_text_and_markdown_reports() -> None:
    result = compare(
        make_run(set(range(4)), 40), make_run(set(range(30)), 40), labels=("old", "new")
    )
    text = result.summary()
    assert "Comparing new with old; every difference is new − old." in text
    assert "Paired on submission_id: 40 matched (none left out)." in text
    security_line = next(line for line in text.splitlines() if line.startswith("security"))
    assert "10% (4/40)" in security_line and "75% (30/40)" in security_line
    assert "+65.0" in security_line and security_line.split()[-1] == "*"
    markdown = result.to_markdown()
    assert (
        "| category | old rate | new rate | new − old (pts) | 95% interval | p adj. | significant |"
        in markdown
    )
    assert result._repr_markdown_() == markdown
    assert repr(result).startswith("<Comparison new − old, paired on submission_id:")


def test_difference_chart_draws_each_interval() -> None:
    result = compare(make_run(set(range(4)), 40), make_run(set(range(30)), 40))
    fig = plots.difference_chart(result)
    ax = fig.axes[0]
    lines = ax.collections[0].get_segments()
    points = ax.collections[1].get_offsets()
    names = [t.get_text().split()[0] for t in ax.get_yticklabels()]
    security = names.index("security")
    expected = row(result.categories, "category", "security")
    assert points[security][0] == pytest.approx(65.0)
    assert lines[security][0][0] == pytest.approx(100 * expected.ci_low)
    assert lines[security][1][0] == pytest.approx(100 * expected.ci_high)
    assert len(plots.difference_chart(result, "check").axes[0].get_yticklabels()) == 3


def test_cli_compare_prints_and_writes_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run(set(range(4)), 40).save(tmp_path / "before")
    make_run(set(range(30)), 40).save(tmp_path / "after")
    out = tmp_path / "comparison.md"
    code = main(
        [
            "compare",
            str(tmp_path / "before"),
            str(tmp_path / "after"),
            "--out",
            str(out),
            "--n-boot",
            "500",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "every difference is after − before" in printed
    assert "Significant differences" in printed
    assert out.read_text(encoding="utf-8").startswith("# Comparison of after with before")
    loaded = load_run(tmp_path / "before")
    assert len(loaded.scores) == 40


def test_cli_compare_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(set(), 5).save(tmp_path / "run")
    assert main(["compare", str(tmp_path / "run"), str(tmp_path / "missing")]) == 2
    assert "no scores" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "run"), str(tmp_path / "run"), "--on", "nope"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
