"""A leaderboard across runs (`evalkit leaderboard RUN...`): one row per run with its mean
score and a 95% interval, the share of submissions that could be scored, and each category's
failure rate with its Wilson interval; sortable, as markdown or CSV."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from evalkit.records import CATEGORIES
from evalkit.results.rates import category_rates
from evalkit.results.run import load_run

_Z = 1.959964  # the normal quantile of a two-sided 95% interval


def leaderboard(directories: Iterable[str | Path], sort: str = "score") -> pd.DataFrame:
    """One row per run directory, sorted by `sort`: ``score`` or ``scored`` (highest first),
    a category (lowest failure rate first) or ``run`` (by name).

    Columns: rank, run, n, scored (share of submissions with a score), score_mean,
    score_ci_low, score_ci_high (normal interval of the mean), then per category its
    failure rate, ``<category>_n`` (submissions where it applies) and ``<category>_ci_low``
    / ``_ci_high``.
    """
    paths = [Path(d) for d in directories]
    if not paths:
        raise ValueError("leaderboard needs at least one run directory")
    names = _names(paths)
    rows = [_row(name, path) for name, path in zip(names, paths, strict=True)]
    table = pd.DataFrame(rows)
    return _sorted(table, sort)


def to_markdown(table: pd.DataFrame) -> str:
    """The leaderboard as a markdown table: rates as percentages with their intervals."""
    from evalkit.analysis.compare import markdown_table

    shown = [c for c in CATEGORIES if table[f"{c}_n"].sum() > 0]
    head = ["rank", "run", "n", "scored", "mean score (95% CI)", *shown]
    body = [
        [
            str(row["rank"]),
            str(row["run"]),
            str(row["n"]),
            _percent(row["scored"]),
            _mean(row["score_mean"], row["score_ci_low"], row["score_ci_high"]),
            *[_rate(row, c) for c in shown],
        ]
        for _, row in table.iterrows()
    ]
    note = (
        "Category cells: failure rate among the submissions where the category applies, "
        "with a 95% Wilson interval."
    )
    return "\n".join([*markdown_table(head, body), "", note])


def _row(name: str, path: Path) -> dict[str, object]:
    run = load_run(path)
    scores = run.scores
    values = scores["score"].dropna().astype(float)
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    half = _Z * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    row: dict[str, object] = {
        "run": name,
        "n": len(scores),
        "scored": n / len(scores) if len(scores) else math.nan,
        "score_mean": mean,
        "score_ci_low": mean - half,
        "score_ci_high": mean + half,
    }
    rates = category_rates(run).set_index("category")
    for category in CATEGORIES:
        if category in rates.index:
            rate = rates.loc[category].to_dict()
            row.update(
                {
                    category: float(rate["failure_rate"]),
                    f"{category}_n": int(rate["n"]),
                    f"{category}_ci_low": float(rate["ci_low"]),
                    f"{category}_ci_high": float(rate["ci_high"]),
                }
            )
        else:
            row.update({category: math.nan, f"{category}_n": 0})
            row.update({f"{category}_ci_low": math.nan, f"{category}_ci_high": math.nan})
    return row


def _sorted(table: pd.DataFrame, sort: str) -> pd.DataFrame:
    keys = {"score": ("score_mean", False), "scored": ("scored", False), "run": ("run", True)}
    keys.update({c: (c, True) for c in CATEGORIES})
    if sort not in keys:
        close = difflib.get_close_matches(sort, list(keys), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"cannot sort by {sort!r}{hint}; use {', '.join(keys)}")
    column, ascending = keys[sort]
    ordered = table.sort_values(
        [column, "run"], ascending=[ascending, True], na_position="last", kind="stable"
    ).reset_index(drop=True)
    ordered.insert(0, "rank", range(1, len(ordered) + 1))
    return ordered


def _names(paths: list[Path]) -> list[str]:
    names = [p.resolve().name for p in paths]
    return names if len(set(names)) == len(names) else [str(p) for p in paths]


def _percent(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.0f}%"


def _mean(mean: float, low: float, high: float) -> str:
    if math.isnan(mean):
        return "-"
    if math.isnan(low):
        return f"{mean:.1f}"
    return f"{mean:.1f} [{low:.1f}, {high:.1f}]"


def _rate(row: pd.Series, category: str) -> str:
    if not row[f"{category}_n"]:
        return "-"
    low, high = row[f"{category}_ci_low"], row[f"{category}_ci_high"]
    return f"{100 * row[category]:.0f}% [{100 * low:.0f}, {100 * high:.0f}]"
