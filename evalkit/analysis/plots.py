"""Charts of a scored run, and the statistics behind them.

Every chart function takes a `Run` (or anything with a ``scores`` DataFrame) and returns a
`matplotlib.figure.Figure`. Figures are built without pyplot, so they work under any backend
(Agg on a server, inline in a notebook), never open a window and never pile up in pyplot's
registry of open figures. Save one with ``fig.savefig("chart.png")``.

The numbers a chart draws come from plain functions that return DataFrames
(`category_rates`, `check_rates`, `score_table`, `lost_points`), so a chart can always be
checked against a table.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from evalkit.checks.metadata import catalog
from evalkit.grading.rubric import Rubric
from evalkit.records import CATEGORIES
from evalkit.results.rates import (  # noqa: F401 - re-exported: evalkit.analysis.plots is the charts' public API
    ALL_LABEL,
    GRADED,
    HasScores,
    RunLike,
    UnknownColumn,
    _missing,
    _statuses,
    category_checks,
    category_rates,
    check_columns,
    check_rates,
    group_labels,
    group_order,
    lost_points,
    mean_points_lost,
    metadata_columns,
    outcomes,
    points_lost,
    rubric_for,
    score_table,
    scores_of,
    table_rows,
    wilson_interval,
)

CHART_NAMES = ("failure_rates", "check_heatmap", "score_distribution", "lost_points")

# One colour per category, the same in every chart that colours by category.
_CATEGORY_COLOURS = dict(
    zip(
        CATEGORIES,
        (
            "#d62728",
            "#1f77b4",
            "#2ca02c",
            "#9467bd",
            "#ff7f0e",
            "#8c564b",
            "#e377c2",
            "#7f7f7f",
            "#bcbd22",
        ),
        strict=True,
    )
)
_GROUP_COLOURS = (
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
)
_DPI = 110


class Chart(Figure):
    """A matplotlib `Figure` that shows itself as a PNG in Jupyter whatever the backend, so
    returning a chart from a cell is enough to see it."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=_DPI)
        return buffer.getvalue()


# --- charts ------------------------------------------------------------------------------------


def failure_rate_bars(run: RunLike, by: str | None = None, confidence: float = 0.95) -> Figure:
    """Per-category failure rates as bars with Wilson intervals, one bar per group.

    Categories are sorted by their failure rate over the whole run, highest first; each bar
    is labelled ``failed/applicable`` and the legend gives each group's size. Categories no
    submission applies to are left out.
    """
    scores = scores_of(run)
    table = category_rates(scores, by, confidence)
    overall = category_rates(scores, None, confidence)
    overall = overall[overall["n"] > 0]
    order = _sorted_by_rate(overall, "category")
    labels = group_labels(scores, by)
    groups = group_order(labels)
    # A third of an inch per bar and room for a category name, within what a page can show.
    slot = max(1.05, 0.3 * len(groups) + 0.35)
    fig = Chart(
        figsize=(min(14.0, max(7.5 if by else 6.0, 2.5 + len(order) * slot)), 4.8),
        layout="constrained",
        dpi=_DPI,
    )
    ax = fig.add_subplot()
    if not order:
        _empty(ax, "no category applies to any submission")
        return fig
    bar_width = 0.8 / len(groups)
    x = np.arange(len(order))
    graded = scores["status"].isin(GRADED)
    for index, group in enumerate(groups):
        rows = _rows_for(table, by, group, "category", order)
        rate = 100 * rows["failure_rate"].to_numpy()
        errors = np.clip(
            np.vstack(
                [rate - 100 * rows["ci_low"].to_numpy(), 100 * rows["ci_high"].to_numpy() - rate]
            ),
            0,
            None,
        )
        size = int((graded & (labels == group)).sum())
        positions = x + (index - (len(groups) - 1) / 2) * bar_width
        bars = ax.bar(
            positions,
            rate,
            bar_width * 0.92,
            yerr=errors,
            capsize=3,
            color=_GROUP_COLOURS[index % len(_GROUP_COLOURS)],
            error_kw={"elinewidth": 1, "ecolor": "#333333"},
            label=f"{group} (n={size})",
        )
        _label_bars(ax, bars, rows, 100 * rows["ci_high"].to_numpy())
    crowded = len(order) * slot > 12.5
    ax.set_xticks(x, order, rotation=25 if crowded else 0, ha="right" if crowded else "center")
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("Failure rate (%)")
    ax.set_xlabel("Category (sorted by overall failure rate)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    title = "Failure rate by category" + (f" and {by}" if by else "")
    _titles(
        fig,
        ax,
        title,
        "Share of submissions failing at least one check of the category, "
        "among those where it applies. Labels: failed/applicable; whiskers: "
        f"{confidence:.0%} Wilson interval; n: graded submissions"
        + ("." if by else f" ({int(graded.sum())})."),
    )
    if by:
        fig.legend(title=by, loc="outside right center", fontsize="small", frameon=False)
    return fig


def check_heatmap(run: RunLike, by: str | None = None) -> Figure:
    """Failure rate of every check (rows) per group (columns), cells annotated with the rate and
    ``failed/applicable``; grey cells: the check applied to no submission of the group."""
    scores = scores_of(run)
    table = check_rates(scores, by)
    overall = check_rates(scores, None)
    overall = overall[overall["n"] > 0]
    order = _checks_in_category_order(overall)
    groups = group_order(group_labels(scores, by))
    fig = Chart(
        figsize=(5.5 + 1.2 * len(groups), max(3.2, 1.6 + 0.42 * len(order))),
        layout="constrained",
        dpi=_DPI,
    )
    ax = fig.add_subplot()
    if not order:
        _empty(ax, "no check applies to any submission")
        return fig
    rates = np.full((len(order), len(groups)), np.nan)
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    for j, group in enumerate(groups):
        rows = _rows_for(table, by, group, "check_id", order)
        for i, row in enumerate(table_rows(rows)):
            rates[i, j] = row.failure_rate
            counts[i, j] = (int(row.failed), int(row.n))
    colours = ListedColormap(_reds(256)).with_extremes(bad="#e6e6e6")
    image = ax.imshow(np.ma.masked_invalid(rates), cmap=colours, vmin=0, vmax=1, aspect="auto")
    for (i, j), (k, n) in counts.items():
        text = "n/a" if n == 0 else f"{rates[i, j]:.0%}\n{k}/{n}"
        dark = n > 0 and rates[i, j] > 0.6
        ax.text(
            j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "#222222"
        )
    _category_separators(ax, order, len(groups))
    sizes = _group_sizes(scores, by, groups)
    ax.set_xticks(range(len(groups)), [f"{g}\n(n={sizes[g]})" for g in groups])
    ax.set_yticks(range(len(order)), [f"{c}  [{catalog().get(c).category}]" for c in order])
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.set_xlabel(by or "", labelpad=6)
    ax.xaxis.set_label_position("top")
    colourbar = fig.colorbar(image, ax=ax, shrink=0.8, format=lambda v, _: f"{v:.0%}")
    colourbar.set_label("failure rate (failed / applicable)")
    title = "Failure rate by check" + (f" and {by}" if by else "")
    _titles(fig, ax, title, "Cells: rate and failed/applicable; grey: the check never applied.")
    return fig


def score_distribution(run: RunLike, by: str | None = None, kind: str = "box") -> Figure:
    """Score distribution per group: a box plot with every submission as a dot and the mean as
    a diamond (``kind="box"``), or one histogram per group in 10-point bins, stacked on a shared
    score axis (``kind="hist"``).

    Submissions without a score (error, timeout) are left out; unparseable ones score 0.
    """
    if kind not in ("box", "hist"):
        raise ValueError(f"kind must be 'box' or 'hist', not {kind!r}")
    scores = scores_of(run)
    labels = group_labels(scores, by)
    groups = group_order(labels)
    values = [scores.loc[(labels == g).to_numpy(), "score"].dropna().to_numpy() for g in groups]
    title = "Score distribution" + (f" by {by}" if by else "")
    if kind == "hist" and any(len(v) for v in values):
        return _histograms(values, groups, title)
    fig = Chart(figsize=(max(4.8, 2.0 + 1.4 * len(groups)), 4.6), layout="constrained", dpi=_DPI)
    ax = fig.add_subplot()
    if not any(len(v) for v in values):
        _empty(ax, "no submission has a score")
        return fig
    _box_with_points(
        ax, values, [f"{g}\n(n={len(v)})" for g, v in zip(groups, values, strict=True)]
    )
    _titles(
        fig,
        ax,
        title,
        "Box: quartiles and median; dots: submissions; ◆ mean. Error/timeout rows left out.",
    )
    return fig


PARSE_CHECK = "IAC-PARSE-ERROR"
NOT_PARSED = "not parsed / no Terraform"  # the lost-points segment of answers without findings
_NOT_PARSED_COLOUR = "#b8b8b8"


def lost_points_by_cause(
    run: RunLike, by: str | None = None, rubric: str | Path | Rubric | None = None
) -> pd.DataFrame:
    """As `lost_points`, with the points lost to answers that could not be read in a row of
    their own (category `NOT_PARSED`): the whole score of a submission whose status is
    graded but not ``ok`` (``parse_error``, ``no_terraform``, ...), and what IAC-PARSE-ERROR
    costs an ``ok`` one. What is left under each category, ``iac`` included, are findings
    about infrastructure that was read. A group's rows still add up to ``100 − mean score``.
    """
    scores = scores_of(run)
    weights = rubric_for(run, rubric)
    per_submission = points_lost(scores, weights)
    unread = (scores["status"].isin(GRADED) & (scores["status"] != "ok")).to_numpy()
    not_parsed = pd.Series(0.0, index=scores.index)
    if PARSE_CHECK in scores.columns:
        # The parse check's cost: the iac loss minus the iac loss had it passed (a passed
        # check still applies, so every other check's cost stays the same).
        passed = scores.assign(**{PARSE_CHECK: scores[PARSE_CHECK].replace("fail", "pass")})
        without = points_lost(passed, weights)
        not_parsed += (per_submission["iac"] - without["iac"]).fillna(0.0)
        per_submission["iac"] = without["iac"]
    # An unread answer loses what its score says, whichever checks applied.
    not_parsed[unread] = 100.0 - scores.loc[unread, "score"].astype(float)
    per_submission.loc[unread, :] = 0.0
    per_submission[NOT_PARSED] = not_parsed.where(scores["status"].isin(GRADED))
    return mean_points_lost(per_submission, scores, by)


def lost_points_bars(
    run: RunLike, by: str | None = None, rubric: str | Path | Rubric | None = None
) -> Figure:
    """Where the score goes: per group, a stacked bar of the mean points each category costs.

    A bar's total length is ``100 − mean score``; segments are weighted by the rubric, so a
    category with few but heavy (critical) failures can cost more than one that fails often.
    Answers that could not be read (a parse error, no Terraform) cost their whole score in
    a grey segment of their own, apart from the findings (see `lost_points_by_cause`). The
    x-axis is fitted to the longest bar.
    """
    scores = scores_of(run)
    table = lost_points_by_cause(run, by, rubric)
    key = by or "_group"
    if not by:
        table = table.assign(_group=ALL_LABEL)
    groups = group_order(group_labels(scores, by))
    points = table.pivot(index=key, columns="category", values="points_lost").reindex(groups)
    sizes = table.groupby(key)["n"].first().reindex(groups).fillna(0).astype(int)
    shown = [c for c in table["category"].unique() if (points[c].fillna(0) > 0).any()]
    totals = points[shown].fillna(0).sum(axis=1).to_numpy() if shown else np.zeros(len(groups))
    longest = max(float(totals.max(initial=0.0)), 1.0)
    # Room on the right for the totals' text: about a third of the axis.
    right = 1.5 * longest
    fig = Chart(figsize=(8.0, max(3.2, 2.2 + 0.55 * len(groups))), layout="constrained", dpi=_DPI)
    ax = fig.add_subplot()
    y = np.arange(len(groups))
    left = np.zeros(len(groups))
    for category in shown:
        widths = points[category].fillna(0).to_numpy()
        bars = ax.barh(
            y,
            widths,
            0.6,
            left=left,
            label=category,
            color=_CATEGORY_COLOURS.get(category, _NOT_PARSED_COLOUR),
            edgecolor="white",
            linewidth=0.8,
            hatch="//" if category == NOT_PARSED else None,
        )
        for bar, width in zip(bars, widths, strict=True):
            # Only label segments wide enough to hold the number.
            if width >= 0.07 * right:
                ax.text(
                    bar.get_x() + width / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{width:.1f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if category == NOT_PARSED else "white",
                )
        left += widths
    for index, group in enumerate(groups):
        text = (
            "no graded submission"
            if sizes[group] == 0
            else f"−{left[index]:.1f} pts (mean score {100 - left[index]:.1f})"
        )
        ax.text(left[index] + 0.01 * right, index, text, va="center", fontsize=8.5)
    ax.set_yticks(y, [f"{g} (n={sizes[g]})" for g in groups])
    ax.invert_yaxis()
    ax.set_xlim(0, right)
    ticks = MaxNLocator(nbins=6).tick_values(0, min(longest, 100.0))
    ax.set_xticks([t for t in ticks if 0 <= t <= min(right, 100.0)])
    ax.set_xlabel("Mean score points lost per submission (out of 100)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    if shown:
        fig.legend(
            title="lost to",
            loc="outside lower center",
            fontsize="small",
            frameon=False,
            ncol=min(len(shown), 5),
        )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    title = "Score points lost to each category" + (f", by {by}" if by else "")
    _titles(
        fig,
        ax,
        title,
        "Each failed check costs 100 × weight / applicable weight "
        "(rubric weights); a bar adds up to 100 − mean score. Grey: answers not parsed or "
        "without Terraform (their whole score) and IAC-PARSE-ERROR.",
    )
    return fig


def difference_chart(comparison: Any, level: str = "category") -> Figure:
    """Differences in failure rate between two runs (B − A, percentage points) with their
    bootstrap intervals, one row per category (``level="category"``) or check
    (``level="check"``); significant rows in colour: red where B fails more, green where less.

    `comparison` is an `evalkit.analysis.compare.Comparison`.
    """
    if level not in ("category", "check"):
        raise ValueError(f"level must be 'category' or 'check', not {level!r}")
    table = comparison.categories if level == "category" else comparison.checks
    key = "category" if level == "category" else "check_id"
    a, b = comparison.labels
    fig = Chart(figsize=(8.0, max(3.0, 1.9 + 0.38 * len(table))), layout="constrained", dpi=_DPI)
    ax = fig.add_subplot()
    if table.empty:
        _empty(ax, "nothing applies in both runs")
        return fig
    y = np.arange(len(table))
    diff = 100 * table["diff"].to_numpy(float)
    low, high = 100 * table["ci_low"].to_numpy(float), 100 * table["ci_high"].to_numpy(float)
    more, less, neutral = "#c44e52", "#55a868", "#8c8c8c"
    colours = [
        more if sig and d > 0 else less if sig else neutral
        for sig, d in zip(table["significant"], diff, strict=True)
    ]
    ax.axvline(0, color="#333333", linewidth=1)
    ax.hlines(y, low, high, colors=colours, linewidth=2.2)
    ax.scatter(diff, y, c=colours, s=40, zorder=3)
    left, right = _difference_limits(diff, low, high)
    gap = 0.012 * (right - left)
    for row, value, top in zip(y, diff, high, strict=True):
        if not math.isnan(value):
            edge = top if not math.isnan(top) else value
            ax.text(edge + gap, float(row), _minus(f"{value:+.0f}"), va="center", fontsize=8)
    names = [
        f"{name}  (n {n_a}/{n_b})"
        for name, n_a, n_b in zip(table[key], table["n_a"], table["n_b"], strict=True)
    ]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(left, right)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _minus(f"{v:+g}") if v else "0"))
    ax.set_xlabel(f"{b} − {a}: failure rate difference\n(percentage points; right: {b} fails more)")
    method = correction_label(comparison)
    fig.legend(
        handles=[
            Line2D(
                [], [], color=more, marker="o", linewidth=2.2, label=f"{method}: {b} fails more"
            ),
            Line2D(
                [], [], color=less, marker="o", linewidth=2.2, label=f"{method}: {b} fails less"
            ),
            Line2D([], [], color=neutral, marker="o", linewidth=2.2, label="not significant"),
        ],
        loc="outside lower center",
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    score = comparison.score.iloc[0]
    mean_diff, mean_low, mean_high = (
        _minus(f"{v:+.1f}") for v in (score["diff"], score.ci_low, score.ci_high)
    )
    score_text = f"Mean score {b} − {a}: {mean_diff} [{mean_low}, {mean_high}]"
    how = "paired" if comparison.paired else "unpaired"
    _titles(
        fig,
        ax,
        f"Failure rate by {level}: {b} compared with {a}",
        f"Dots: difference; lines: {comparison.confidence:.0%} {how} bootstrap interval"
        f"{_correction_note(comparison)}; n: applicable submissions in {a}/{b}.\n{score_text}.",
    )
    return fig


def _difference_limits(diff: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[float, float]:
    """An x range holding 0, every difference and interval, and room for the value labels:
    intervals of a few points stay readable instead of shrinking on a fixed ±100 axis."""
    values = np.concatenate([diff, low, high, [0.0]])
    values = values[~np.isnan(values)]
    lowest, highest = float(values.min()), float(values.max())
    span = max(highest - lowest, 4.0)
    left = max(-105.0, lowest - 0.06 * span)
    right = min(118.0, highest + 0.16 * span)  # the labels sit right of each interval
    return left, right


def correction_label(comparison: Any) -> str:
    """How the chart's colours were decided, for its legend: "significant (Holm-corrected)"
    or "significant (uncorrected)", so a reader never takes per-row intervals for a
    corrected family."""
    correction = getattr(comparison, "correction", None)
    if correction is None:
        return "significant (uncorrected)"
    name = {"holm": "Holm", "bh": "Benjamini-Hochberg"}.get(correction, correction)
    return f"significant ({name}-corrected)"


def _correction_note(comparison: Any) -> str:
    correction = getattr(comparison, "correction", None)
    if correction is None:
        return "; colour: interval excludes 0"
    name = {"holm": "Holm", "bh": "Benjamini-Hochberg"}.get(correction, correction)
    return f"; colour: significant after {name} correction"


def save_charts(
    run: RunLike,
    directory: str | Path,
    by: str | None = None,
    rubric: str | Path | Rubric | None = None,
    dpi: int = 120,
) -> dict[str, Path]:
    """Draw the four charts and write them as PNG files; returns name -> path.

    Files: failure_rates.png, check_heatmap.png, score_distribution.png, lost_points.png.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "failure_rates": failure_rate_bars(run, by),
        "check_heatmap": check_heatmap(run, by),
        "score_distribution": score_distribution(run, by),
        "lost_points": lost_points_bars(run, by, rubric),
    }
    paths = {}
    for name, figure in figures.items():
        paths[name] = out / f"{name}.png"
        figure.savefig(paths[name], dpi=dpi)
    return paths


# --- chart helpers -----------------------------------------------------------------------------


def _titles(fig: Figure, ax: Axes, title: str, note: str) -> None:
    fig.suptitle(title, fontsize=13, fontweight="bold")
    # Centred over the axes, which long row labels push right, a note wrapped to the figure's
    # width would run past its right edge: matplotlib wraps it when drawn, to the room the
    # axes' centre leaves on either side.
    ax.set_title(note, fontsize=8.5, color="#555555", wrap=True)


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _sorted_by_rate(table: pd.DataFrame, key: str) -> list[str]:
    ranked = table.assign(_pos=range(len(table))).sort_values(
        ["failure_rate", "_pos"], ascending=[False, True]
    )
    return ranked[key].tolist()


def _checks_in_category_order(table: pd.DataFrame) -> list[str]:
    """Checks grouped by category (catalog order), the most failing first within a category."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    ranked = table.assign(_cat=table["category"].map(order), _pos=range(len(table)))
    ranked = ranked.sort_values(["_cat", "failure_rate", "_pos"], ascending=[True, False, True])
    return ranked["check_id"].tolist()


def _rows_for(
    table: pd.DataFrame, by: str | None, group: str | None, key: str, order: Sequence[str]
) -> pd.DataFrame:
    """Rows of one group in the given order of `key` values."""
    rows = table if by is None else table[table[by] == group]
    return rows.set_index(key).reindex(list(order)).reset_index()


def _group_sizes(scores: pd.DataFrame, by: str | None, groups: list[str]) -> dict[str, int]:
    labels = group_labels(scores, by)
    graded = scores["status"].isin(GRADED)
    return {g: int((graded & (labels == g)).sum()) for g in groups}


def _category_separators(ax: Axes, order: list[str], columns: int) -> None:
    """White lines between blocks of checks of different categories."""
    categories = [catalog().get(c).category for c in order]
    for i in range(1, len(categories)):
        if categories[i] != categories[i - 1]:
            ax.plot([-0.5, columns - 0.5], [i - 0.5, i - 0.5], color="#444444", linewidth=1.2)


def _label_bars(ax: Axes, bars: Any, rows: pd.DataFrame, tops: np.ndarray) -> None:
    for bar, row, top in zip(bars, table_rows(rows), tops, strict=True):
        x = bar.get_x() + bar.get_width() / 2
        if row.n == 0 or pd.isna(row.n):
            ax.text(x, 1, "n/a", ha="center", va="bottom", fontsize=7, color="#777777")
        else:
            ax.text(
                x,
                top + 1.5,
                f"{int(row.failed)}/{int(row.n)}",
                ha="center",
                va="bottom",
                fontsize=7,
            )


def _box_with_points(ax: Axes, values: list[np.ndarray], names: list[str]) -> None:
    positions = np.arange(1, len(values) + 1)
    drawn = [(p, v) for p, v in zip(positions, values, strict=True) if len(v)]
    ax.boxplot(
        [v for _, v in drawn],
        positions=[p for p, _ in drawn],
        widths=0.5,
        showfliers=False,
        patch_artist=True,
        boxprops={"facecolor": "#dbe4f0", "edgecolor": "#4c72b0"},
        medianprops={"color": "#c44e52", "linewidth": 2},
    )
    # Deterministic jitter: the same run always gives the same picture.
    rng = np.random.default_rng(0)
    for position, data in drawn:
        jitter = rng.uniform(-0.12, 0.12, len(data))
        ax.scatter(
            position + jitter,
            data,
            s=22,
            color="#333333",
            alpha=0.7,
            zorder=3,
            label="_submissions",
        )
        ax.plot(
            [position],
            [data.mean()],
            marker="D",
            color="#dd8452",
            markersize=8,
            markeredgecolor="#333333",
            zorder=4,
            linestyle="none",
            label="_mean",
        )
    ax.set_xticks(positions, names)
    ax.set_xlim(0.4, len(values) + 0.6)
    ax.set_ylim(-4, 104)
    ax.set_ylabel("Score (0–100)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def _histograms(values: list[np.ndarray], groups: list[str], title: str) -> Figure:
    """One panel per group on a shared score axis: overlaid histograms hide each other."""
    fig = Chart(figsize=(7.0, 1.5 + 1.3 * len(groups)), layout="constrained", dpi=_DPI)
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
    bins = np.linspace(0, 100, 11)
    for index, (ax, data, group) in enumerate(zip(axes, values, groups, strict=True)):
        counts, _, _ = ax.hist(
            data, bins=bins, edgecolor="white", color=_GROUP_COLOURS[index % len(_GROUP_COLOURS)]
        )
        ax.set_ylim(0, max(1.0, float(counts.max(initial=0))) * 1.3)  # room for the label
        ax.set_ylabel("Submissions", fontsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.text(
            0.01,
            0.95,
            f"{group} (n={len(data)})",
            transform=ax.transAxes,
            va="top",
            fontsize=9,
            fontweight="bold",
        )
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    axes[-1].set_xlim(0, 100)
    axes[-1].set_xticks(bins)
    axes[-1].set_xlabel("Score (0–100)")
    _titles(
        fig, axes[0], title, "10-point bins (the last includes 100). Error/timeout rows left out."
    )
    return fig


def _reds(steps: int) -> np.ndarray:
    """White to dark red, so a 0% cell reads as blank and high rates stand out."""
    t = np.linspace(0, 1, steps)[:, None]
    start, end = np.array([1.0, 1.0, 1.0]), np.array([0.65, 0.06, 0.08])
    return np.hstack([start + (end - start) * t, np.ones((steps, 1))])


def _minus(number: str) -> str:
    """A formatted number with a typographic minus sign."""
    return number.replace("-", "−")
