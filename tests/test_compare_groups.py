"""Comparing the groups of one run (models on shared prompts), multiple-comparison
corrections, and the difference chart in `evalkit report`."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.analysis import plots
from evalkit.analysis.compare import (
    benjamini_hochberg,
    bootstrap_p_value,
    compare,
    compare_groups,
    holm,
    pairing_columns,
    split_run,
)
from evalkit.api import Run, load_run
from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.records import CATEGORIES

SEC1, SEC2 = [c.id for c in REGISTRY if c.category == "security"][:2]
IAC1 = next(c.id for c in REGISTRY if c.category == "iac")
FINDING_COLUMNS = [
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


def models_run(prompts: int = 40) -> Run:
    """Models a, b and c answer the same prompts. SEC1 fails on a's first 4 prompts, on b's
    first 30 and on c's first 5; SEC2 never fails; IAC1 fails on every third answer of each.
    A few answers carry no model."""
    fails = {"a": 4, "b": 30, "c": 5}
    rows = []
    for model, count in fails.items():
        for i in range(prompts):
            statuses = {
                SEC1: "fail" if i < count else "pass",
                SEC2: "pass",
                IAC1: "fail" if i % 3 == 0 else "pass",
            }
            score = 100.0 - 25.0 * sum(v == "fail" for v in statuses.values())
            rows.append(
                {
                    "submission_id": f"{model}-{i:03d}",
                    "model": model,
                    "prompt_id": f"p{i:03d}",
                    "temperature": 0.7,
                    "status": "ok",
                    "score": score,
                    "reward": score / 100,
                    **dict.fromkeys(CATEGORIES),
                    **statuses,
                    "n_findings": 0,
                    "feedback": "",
                }
            )
    stray = dict(rows[0], submission_id="stray", model=None, prompt_id="p999")
    rows.append(stray)
    return Run(pd.DataFrame(rows), pd.DataFrame(columns=FINDING_COLUMNS), {})


# --- corrections against hand-computed values --------------------------------------------------


def test_holm_matches_hand_computed_values() -> None:
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # Capped at 1; NaN is not a test and does not count in the family.
    adjusted = holm([math.nan, 0.01, 0.04, 0.6])
    assert math.isnan(adjusted[0])
    assert adjusted[1:].tolist() == pytest.approx([0.03, 0.08, 0.6])


def test_benjamini_hochberg_matches_hand_computed_values() -> None:
    # ranks 1..4: 0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04; running min down
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]).tolist() == pytest.approx(
        [0.02, 0.04, 0.04, 0.02]
    )
    # 0.02*3/1=0.06, 0.03*3/2=0.045, 0.5*3/3=0.5 -> min from the top: 0.045, 0.045, 0.5
    adjusted = benjamini_hochberg([0.5, math.nan, 0.03, 0.02])
    assert math.isnan(adjusted[1])
    assert [adjusted[0], adjusted[2], adjusted[3]] == pytest.approx([0.5, 0.045, 0.045])


def test_bootstrap_p_value_counts_the_far_side() -> None:
    draws = np.array([-1.0, 1.0, 2.0, 3.0])  # one of four at or below 0
    assert bootstrap_p_value(draws) == pytest.approx(2 * (1 + 1) / 5)
    assert bootstrap_p_value(np.zeros(9)) == 1.0
    assert bootstrap_p_value(np.ones(99)) == pytest.approx(2 / 100)


def test_correction_adjusts_the_judged_category_and_check_rows() -> None:
    parts = split_run(models_run(), "model")
    plain = compare(parts["a"], parts["b"], on="prompt_id", n_boot=500, correct=None)
    for method, adjust in (("holm", holm), ("bh", benjamini_hochberg)):
        result = compare(parts["a"], parts["b"], on="prompt_id", n_boot=500, correct=method)
        rows = pd.concat([result.categories, result.checks], ignore_index=True)
        judged = np.minimum(rows["n_a"], rows["n_b"]) >= result.min_n
        # SEC2 never fails and each category fails only through one check: the family is
        # SEC1 and IAC1, and each category takes its check's adjusted p-value.
        family = rows["check_id"].isin([SEC1, IAC1]).to_numpy() & judged.to_numpy()
        expected = adjust(np.where(family, rows["p_value"], np.nan))
        checks = result.checks.set_index("check_id")["p_adjusted"]
        expected[rows["category"].eq("security") & rows["check_id"].isna()] = checks[SEC1]
        expected[rows["category"].eq("iac") & rows["check_id"].isna()] = checks[IAC1]
        assert rows["p_adjusted"].to_numpy() == pytest.approx(expected, nan_ok=True)
        assert (rows["p_adjusted"].dropna() >= rows["p_value"][rows["p_adjusted"].notna()]).all()
        assert rows["significant"].tolist() == (rows["p_adjusted"] < 0.05).tolist()
        # The same bootstrap draws: only the decision rule differs.
        assert result.checks["ci_low"].tolist() == plain.checks["ci_low"].tolist()
        assert bool(result.checks.set_index("check_id").loc[SEC1, "significant"])
        assert result.correction == method
        name = "Holm" if method == "holm" else "Benjamini-Hochberg"
        assert f"adjusted by {name} over the " in result.summary()
        assert "p adj." in result.to_markdown()
    with pytest.raises(ValueError, match="correct must be one of"):
        compare(parts["a"], parts["b"], correct="bonferroni")


# --- groups of one run ------------------------------------------------------------------------


def test_pairing_columns_are_shared_and_unique_within_groups() -> None:
    run = models_run()
    # temperature repeats within a group; submission_id is never shared between groups
    assert pairing_columns(run.scores, "model") == ["prompt_id"]


def test_groups_without_on_are_unpaired_and_the_pairing_column_is_named() -> None:
    run = models_run()
    grouped = compare_groups(run, "model", n_boot=300)
    assert list(grouped.pairs) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert grouped.left_out == ("(no model)",)
    assert "prompt_id could pair the groups" in grouped.hint
    assert "--on prompt_id" in grouped.summary()
    assert not any(c.paired for c in grouped.pairs.values())


def test_groups_paired_on_a_column_equal_the_split_comparison() -> None:
    run = models_run()
    grouped = compare_groups(run, "model", on="prompt_id", n_boot=400, seed=3)
    assert grouped.hint == ""
    parts = split_run(run, "model")
    direct = compare(parts["a"], parts["b"], on="prompt_id", n_boot=400, seed=3, labels=("a", "b"))
    pair = grouped.pairs[("a", "b")]
    assert pair.paired and pair.on == "prompt_id"
    pd.testing.assert_frame_equal(pair.checks, direct.checks)
    significant = grouped.significant()
    found = significant[(significant["group_a"] == "a") & (significant["group_b"] == "b")]
    assert SEC1 in set(found["name"])
    assert pair.checks.set_index("check_id").loc[SEC1, "diff"] == pytest.approx(26 / 40)


def test_groups_need_two_groups_and_a_known_column() -> None:
    run = models_run()
    with pytest.raises(KeyError, match="did you mean 'model'"):
        compare_groups(run, "modle")
    only_a = split_run(run, "model")["a"]
    with pytest.raises(ValueError, match="at least two values of 'model'"):
        compare_groups(only_a, "model")


def test_cli_compare_by_within_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models_run().save(tmp_path / "run")
    out = tmp_path / "models.md"
    args = ["compare", str(tmp_path / "run"), "--by", "model", "--n-boot", "300"]
    assert main([*args, "--on", "prompt_id", "--correct", "bh", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "b compared with a" in printed and "Paired on prompt_id: 40 matched" in printed
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# Comparison of the model groups of run")
    assert "## c compared with b" in markdown and "Benjamini-Hochberg" in markdown

    assert main(args) == 0
    assert "prompt_id could pair the groups" in capsys.readouterr().out

    assert main(["compare", str(tmp_path / "run")]) == 2
    assert "either two runs" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "run"), "--by", "modle"]) == 2
    assert "did you mean 'model'" in capsys.readouterr().err


# --- the chart and the report ------------------------------------------------------------------


def test_difference_chart_fits_the_intervals_and_explains_its_colours() -> None:
    parts = split_run(models_run(), "model")
    near = compare(parts["a"], parts["c"], on="prompt_id", n_boot=300, labels=("a", "c"))
    fig = plots.difference_chart(near, "check")
    ax = fig.axes[0]
    left, right = ax.get_xlim()
    table = near.checks
    lowest = 100 * min(table["ci_low"].min(), table["diff"].min(), 0)
    highest = 100 * max(table["ci_high"].max(), table["diff"].max(), 0)
    assert left <= lowest and highest <= right
    assert right - left < 0.5 * 228  # fitted, not the fixed −110..118 axis
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [
        "significant (Holm-corrected): c fails more",
        "significant (Holm-corrected): c fails less",
        "not significant",
    ]

    far = compare(parts["a"], parts["b"], on="prompt_id", n_boot=300)
    left, right = plots.difference_chart(far, "check").axes[0].get_xlim()
    assert left <= 100 * far.checks["ci_low"].min() and 100 * far.checks["ci_high"].max() <= right


def test_report_by_group_draws_the_check_difference_chart(tmp_path: Path) -> None:
    models_run().save(tmp_path / "run")
    assert main(["report", str(tmp_path / "run"), "--by", "model", "--on", "prompt_id"]) == 0
    report = tmp_path / "run" / "report"
    text = (report / "report.md").read_text(encoding="utf-8")
    assert "## Differences between model groups" in text
    assert "### b compared with a" in text and "Paired on prompt_id: 40 matched" in text
    for index in (1, 2, 3):
        assert f"](differences-{index}.png)" in text
        assert (report / f"differences-{index}.png").read_bytes()[:4] == b"\x89PNG"

    unpaired = ["report", str(tmp_path / "run"), "--by", "model", "--out", str(tmp_path / "r")]
    assert main(unpaired) == 0
    assert "could pair the groups" in (tmp_path / "r" / "report.md").read_text()
    loaded = load_run(tmp_path / "run")
    assert len(loaded.scores) == 121
