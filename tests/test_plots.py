"""Charts and their statistics, on small hand-made runs whose rates are known."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from evalkit.analysis import plots
from evalkit.api import Run
from evalkit.checks import REGISTRY
from evalkit.grading.rubric import Rubric, load_rubric, weighted_score
from evalkit.records import CATEGORIES

SECURITY = [c.id for c in REGISTRY if c.category == "security"][:2]
IAC = [c.id for c in REGISTRY if c.category == "iac"][:1]
CHECKS = [*SECURITY, *IAC]
SEC1, SEC2 = SECURITY
IAC1 = IAC[0]


def rubric_file(tmp_path: Path, weights: dict[str, float]) -> Path:
    lines = ["name: test-weights", "version: '1'", "checks:"]
    lines += [f"  {check_id}: {{weight: {weight}}}" for check_id, weight in weights.items()]
    path = tmp_path / "rubric.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_run(rows: list[dict[str, Any]], rubric: Rubric | None = None) -> Run:
    """A run from rows of {id, model, status, <check id>: pass/fail/n-a}; scores follow the
    rubric (default rubric when None), as the engine computes them."""
    rubric = rubric or load_rubric(None, REGISTRY)
    records = []
    for row in rows:
        statuses = {c: row.get(c, "n/a") for c in CHECKS}
        status = row.get("status", "ok")
        weighted = weighted_score(statuses, rubric)
        score = (
            None
            if status in ("error", "timeout")
            else 0.0
            if status in ("parse_error", "no_terraform")
            else 100.0
            if weighted is None
            else weighted
        )
        record = {
            "submission_id": row["id"],
            "model": row.get("model"),
            "status": status,
            "score": score,
            "reward": None if score is None else score / 100,
        }
        record.update({c: None for c in CATEGORIES})
        record.update(statuses)
        record.update(n_findings=sum(s == "fail" for s in statuses.values()), feedback="")
        records.append(record)
    scores = pd.DataFrame(records)
    findings = pd.DataFrame(
        [
            {
                "submission_id": r["submission_id"],
                "check_id": c,
                "category": REGISTRY.get(c).category,
                "severity": "critical",
                "file": "main.tf",
                "line": 3,
                "resource": "aws_s3_bucket.logs",
                "region": "us-east-1",
                "message": f"{c} | failed",
            }
            for r in records
            for c in CHECKS
            if r[c] == "fail"
        ],
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
        ],
    )
    return Run(
        scores,
        findings,
        {"rubric": {"name": rubric.name, "source": rubric.source, "sha256": rubric.sha256}},
    )


def known_run() -> Run:
    """m1: 4 submissions, security fails in 1, iac in none.
    m2: 2 submissions, security fails in 2, iac in 1. One more row without a model."""
    rows = [
        {"id": "a1", "model": "m1", SEC1: "fail", SEC2: "pass", IAC1: "pass"},
        {"id": "a2", "model": "m1", SEC1: "pass", SEC2: "pass", IAC1: "pass"},
        {"id": "a3", "model": "m1", SEC1: "pass", SEC2: "n/a", IAC1: "pass"},
        {"id": "a4", "model": "m1", SEC1: "pass", IAC1: "pass"},
        {"id": "b1", "model": "m2", SEC1: "fail", SEC2: "fail", IAC1: "pass"},
        {"id": "b2", "model": "m2", SEC2: "fail", IAC1: "fail"},
        {"id": "c1", "model": None, IAC1: "fail", "status": "parse_error"},
        {"id": "c2", "model": "m2", "status": "error"},
    ]
    return make_run(rows)


# --- statistics --------------------------------------------------------------------------------


def test_wilson_interval_matches_reference_values() -> None:
    assert plots.wilson_interval(1, 4) == pytest.approx((0.045587, 0.699358), abs=1e-6)
    assert plots.wilson_interval(1, 2) == pytest.approx((0.094531, 0.905469), abs=1e-6)
    # Closed forms at the edges: 0 of n has upper z²/(n+z²); n of n has lower n/(n+z²).
    z2 = 1.959963984540054**2
    assert plots.wilson_interval(0, 10) == pytest.approx((0.0, z2 / (10 + z2)))
    assert plots.wilson_interval(10, 10) == pytest.approx((10 / (10 + z2), 1.0))
    low, high = plots.wilson_interval(np.array([0, 3]), np.array([0, 6]))
    assert math.isnan(low[0]) and math.isnan(high[0])
    assert (low[1], high[1]) == pytest.approx((0.187616, 0.812384), abs=1e-6)


def test_wilson_interval_always_contains_the_rate() -> None:
    failed = np.arange(0, 51)
    low, high = plots.wilson_interval(failed, np.full(51, 50))
    rate = failed / 50
    assert np.all(low <= rate) and np.all(rate <= high)
    assert np.all((low >= 0) & (high <= 1))


def test_category_rates_count_each_submission_once_per_category() -> None:
    table = plots.category_rates(known_run(), by="model").set_index(["model", "category"])
    assert table.loc[("m1", "security"), ["n", "failed"]].tolist() == [4, 1]
    assert table.loc[("m2", "security"), ["n", "failed"]].tolist() == [2, 2]
    assert table.loc[("m1", "iac"), ["n", "failed"]].tolist() == [4, 0]
    assert table.loc[("m2", "iac"), ["n", "failed"]].tolist() == [2, 1]
    # The unparseable answer without a model is its own group; the error row counts nowhere.
    assert table.loc[("(no model)", "iac"), ["n", "failed"]].tolist() == [1, 1]
    assert table.loc[("m1", "security"), "ci_low"] == pytest.approx(0.045587, abs=1e-6)
    assert list(dict.fromkeys(table.index.get_level_values(0))) == ["m1", "m2", "(no model)"]


def test_category_rates_and_run_failure_rates_match_hand_counts() -> None:
    # A scores table built by hand, so the expected rates do not come from evalkit itself:
    #   s1 ok           SEC1 fail, SEC2 pass, IAC1 pass -> security applies+fails, iac applies
    #   s2 ok           SEC1 pass, SEC2 n/a,  IAC1 empty -> security applies, iac does not
    #   s3 ok           SEC1 n/a,  SEC2 n/a,  IAC1 fail  -> security does not, iac fails
    #   s4 ok           SEC1 pass, SEC2 pass, IAC1 pass  -> both apply, neither fails
    #   s5 parse_error  SEC1 n/a,  SEC2 n/a,  IAC1 fail  -> iac applies+fails (graded)
    #   s6 error        SEC1 fail, SEC2 fail, IAC1 fail  -> not graded: counts nowhere
    # security: 3 applicable, 1 failed; iac: 4 applicable, 2 failed.
    cells = {
        "s1": ("ok", "fail", "pass", "pass"),
        "s2": ("ok", "pass", "n/a", None),
        "s3": ("ok", "n/a", "n/a", "fail"),
        "s4": ("ok", "pass", "pass", "pass"),
        "s5": ("parse_error", "n/a", "n/a", "fail"),
        "s6": ("error", "fail", "fail", "fail"),
    }
    scores = pd.DataFrame(
        [
            {"submission_id": key, "status": status, SEC1: a, SEC2: b, IAC1: c}
            for key, (status, a, b, c) in cells.items()
        ]
    )
    expected = {"security": (3, 1), "iac": (4, 2)}
    # Wilson 95 % bounds for 1 of 3 and 2 of 4, worked out by hand from
    # (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n) with z = 1.959964.
    bounds = {"security": (0.061492, 0.792340), "iac": (0.150039, 0.849961)}
    for table in (plots.category_rates(scores), Run(scores, pd.DataFrame()).failure_rates()):
        assert table["category"].tolist() == ["security", "iac"]
        rows = table.set_index("category")
        for category, (n, failed) in expected.items():
            assert rows.loc[category, ["n", "failed"]].tolist() == [n, failed]
            assert rows.loc[category, "failure_rate"] == pytest.approx(failed / n)
            low, high = bounds[category]
            assert rows.loc[category, "ci_low"] == pytest.approx(low, abs=1e-6)
            assert rows.loc[category, "ci_high"] == pytest.approx(high, abs=1e-6)


def test_check_rates_and_unknown_group_column() -> None:
    table = plots.check_rates(known_run()).set_index("check_id")
    assert table.loc[SEC1, ["n", "failed"]].tolist() == [5, 2]
    assert table.loc[SEC2, ["n", "failed"]].tolist() == [4, 2]
    assert table.loc[SEC1, "category"] == "security"
    with pytest.raises(KeyError, match="no column 'nope'"):
        plots.check_rates(known_run(), by="nope")


def test_empty_check_cells_count_as_not_applicable() -> None:
    # Concatenating runs scored with different checks leaves empty cells.
    frame = known_run().scores.copy()
    frame.loc[frame["submission_id"] == "a1", SEC1] = None
    table = plots.check_rates(frame).set_index("check_id")
    assert table.loc[SEC1, ["n", "failed"]].tolist() == [4, 1]


def test_lost_points_use_rubric_weights_and_add_up_to_lost_score(tmp_path: Path) -> None:
    rubric = load_rubric(rubric_file(tmp_path, {SEC1: 3, SEC2: 1, IAC1: 6}), REGISTRY)
    run = make_run(
        [
            {"id": "a", "model": "m1", SEC1: "fail", SEC2: "pass", IAC1: "pass"},  # 30 security
            {"id": "b", "model": "m1", SEC1: "pass", IAC1: "fail"},  # 6/9 → 66.67 iac
            {"id": "c", "model": "m2", SEC1: "pass", SEC2: "pass", IAC1: "pass"},
            {"id": "d", "model": "m2", "status": "timeout"},
        ],
        rubric,
    )
    table = plots.lost_points(run, by="model", rubric=rubric).set_index(["model", "category"])
    assert table.loc[("m1", "security"), "points_lost"] == pytest.approx(15.0)
    assert table.loc[("m1", "iac"), "points_lost"] == pytest.approx(100 * 6 / 9 / 2)
    assert table.loc[("m2", "security"), "points_lost"] == pytest.approx(0.0)
    assert table.loc[("m2", "security"), "n"] == 1  # the timeout has no score
    means = plots.score_table(run, by="model").set_index("model")["mean"]
    totals = table.groupby(level="model")["points_lost"].sum()
    assert totals["m1"] == pytest.approx(100 - means["m1"])
    assert totals["m2"] == pytest.approx(100 - means["m2"])


def test_rubric_for_prefers_the_runs_rubric_and_warns_when_it_is_gone(tmp_path: Path) -> None:
    rubric = load_rubric(rubric_file(tmp_path, {SEC1: 3}), REGISTRY)
    run = make_run([{"id": "a", SEC1: "pass"}], rubric)
    assert plots.rubric_for(run).name == "test-weights"
    (tmp_path / "rubric.yaml").unlink()
    with pytest.warns(UserWarning, match="not available"):
        assert plots.rubric_for(run).name == load_rubric(None, REGISTRY).name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plots.rubric_for(run, rubric).name == "test-weights"


# --- charts ------------------------------------------------------------------------------------


def bar_containers(fig: Figure) -> dict[str, BarContainer]:
    ax = fig.axes[0]
    return {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}


def error_bounds(container: BarContainer) -> list[tuple[float, float]]:
    segments = container.errorbar.lines[2][0].get_segments()
    return [(float(s[0][1]), float(s[1][1])) for s in segments]


def test_failure_rate_bars_draw_the_rates_and_wilson_intervals() -> None:
    fig = plots.failure_rate_bars(known_run(), by="model")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # Sorted by overall rate: security 3/6 before iac 2/7.
    assert [t.get_text() for t in ax.get_xticklabels()] == ["security", "iac"]
    bars = bar_containers(fig)
    assert list(bars) == ["m1 (n=4)", "m2 (n=2)", "(no model) (n=1)"]
    assert [p.get_height() for p in bars["m1 (n=4)"].patches] == pytest.approx([25.0, 0.0])
    assert [p.get_height() for p in bars["m2 (n=2)"].patches] == pytest.approx([100.0, 50.0])
    m1 = error_bounds(bars["m1 (n=4)"])
    assert m1[0] == pytest.approx((4.55873, 69.93582), abs=1e-4)
    assert m1[1] == pytest.approx((0.0, 48.98908), abs=1e-4)
    m2 = error_bounds(bars["m2 (n=2)"])
    assert m2[0] == pytest.approx((34.23802, 100.0), abs=1e-4)
    assert m2[1] == pytest.approx((9.45312, 90.54688), abs=1e-4)
    labels = {t.get_text() for t in ax.texts}
    assert {"1/4", "0/4", "2/2", "1/2", "1/1", "n/a"} <= labels
    assert ax.get_ylabel() == "Failure rate (%)"
    assert "model" in fig.get_suptitle()


def test_failure_rate_bars_without_groups_has_one_bar_per_category() -> None:
    fig = plots.failure_rate_bars(known_run())
    (bars,) = bar_containers(fig).values()
    # security 3 of 6 applicable, iac 2 of 7 (the parse error counts, the error row not).
    assert [p.get_height() for p in bars.patches] == pytest.approx([50.0, 200 / 7])
    assert not fig.legends


def test_check_heatmap_cells_hold_rates_and_counts() -> None:
    fig = plots.check_heatmap(known_run(), by="model")
    ax = fig.axes[0]
    rows = [t.get_text().split()[0] for t in ax.get_yticklabels()]
    assert set(rows) == set(CHECKS)
    columns = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert columns == ["m1", "m2", "(no model)"]
    values = ax.images[0].get_array()
    cell = {(r, c): values[i, j] for i, r in enumerate(rows) for j, c in enumerate(columns)}
    assert cell[SEC1, "m1"] == pytest.approx(0.25)
    assert cell[SEC2, "m2"] == pytest.approx(1.0)
    assert cell[IAC1, "m2"] == pytest.approx(0.5)
    assert np.ma.is_masked(cell[SEC1, "(no model)"])  # never applied: a grey cell
    texts = {t.get_text() for t in ax.texts}
    assert {"25%\n1/4", "100%\n2/2", "50%\n1/2", "n/a"} <= texts


def test_score_distribution_plots_every_score_and_the_means() -> None:
    run = known_run()
    fig = plots.score_distribution(run, by="model")
    ax = fig.axes[0]
    points = [c.get_offsets()[:, 1] for c in ax.collections if len(c.get_offsets())]
    expected = [run.scores.loc[run.scores["model"] == m, "score"].dropna() for m in ("m1", "m2")]
    assert sorted(points[0]) == pytest.approx(sorted(expected[0]))
    assert sorted(points[1]) == pytest.approx(sorted(expected[1]))  # the error row is left out
    means = [line.get_ydata()[0] for line in ax.lines if line.get_marker() == "D"]
    assert means[:2] == pytest.approx([expected[0].mean(), expected[1].mean()])
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "m1\n(n=4)",
        "m2\n(n=2)",
        "(no model)\n(n=1)",
    ]
    assert ax.get_ylabel() == "Score (0–100)"
    panels = plots.score_distribution(run, by="model", kind="hist").axes
    assert [p.texts[0].get_text() for p in panels] == ["m1 (n=4)", "m2 (n=2)", "(no model) (n=1)"]
    counts = [sum(bar.get_height() for bar in p.patches) for p in panels]
    assert counts == [4, 2, 1]
    assert panels[-1].get_xlabel() == "Score (0–100)"
    with pytest.raises(ValueError, match="kind"):
        plots.score_distribution(run, kind="pie")


def test_lost_points_bars_stack_each_category(tmp_path: Path) -> None:
    rubric = load_rubric(rubric_file(tmp_path, {SEC1: 3, SEC2: 1, IAC1: 6}), REGISTRY)
    run = make_run(
        [
            {"id": "a", "model": "m1", SEC1: "fail", SEC2: "pass", IAC1: "pass"},
            {"id": "b", "model": "m1", SEC1: "pass", IAC1: "fail"},
            {"id": "c", "model": "m2", SEC1: "fail", SEC2: "fail", IAC1: "pass"},
        ],
        rubric,
    )
    fig = plots.lost_points_bars(run, by="model", rubric=rubric)
    bars = bar_containers(fig)
    assert list(bars) == ["security", "iac"]
    assert [p.get_width() for p in bars["security"].patches] == pytest.approx([15.0, 40.0])
    assert [p.get_width() for p in bars["iac"].patches] == pytest.approx([100 * 6 / 9 / 2, 0])
    # Segments stack: iac starts where security ends.
    assert [p.get_x() for p in bars["iac"].patches] == pytest.approx([15.0, 40.0])
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "−48.3 pts (mean score 51.7)" in texts


def test_charts_never_touch_pyplot_and_render_to_png(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    paths = plots.save_charts(known_run(), tmp_path, by="model")
    assert plt.get_fignums() == before
    assert set(paths) == set(plots.CHART_NAMES)
    for path in paths.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plots.failure_rate_bars(known_run())._repr_png_()[:4] == b"\x89PNG"
    assert matplotlib.get_backend()  # any backend: the figures do not depend on it


def test_charts_of_an_empty_run_say_so() -> None:
    run = make_run([{"id": "x", "model": "m", "status": "error"}])
    for fig in (
        plots.failure_rate_bars(run),
        plots.check_heatmap(run),
        plots.score_distribution(run),
    ):
        assert any("no " in t.get_text() for t in fig.axes[0].texts)
