"""Machine-readable results of a run: the long check table and ``summary.json``.

`checks.<fmt>` has one row per submission and check: what the check said, its severity and
weight under the rubric, and the score points it cost. `summary.json` holds the run's headline
numbers (mean score, counts by status, per-category and per-check failure rates with Wilson
intervals), overall and per group of a metadata column, in the spirit of the results JSON of
evaluation harnesses. Both are computed with the same functions as the report and the charts,
so every number can be found again in `evalkit.analysis.plots`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from evalkit.checks.metadata import CheckTable
from evalkit.grading.rubric import Rubric
from evalkit.records import GRADED_STATUSES

CHECK_COLUMNS = [
    "submission_id",
    "check_id",
    "category",
    "severity",
    "weight",
    "status",
    "points_lost",
]
CHECK_TYPES = {c: "str" for c in CHECK_COLUMNS} | {"weight": "float", "points_lost": "float"}
SUMMARY_NAME = "summary.json"
_GRADED = GRADED_STATUSES
_DIGITS = 6


def check_rows(
    submission_id: str,
    status: str,
    verdicts: dict[str, str],
    rubric: Rubric,
    registry: CheckTable,
) -> list[dict[str, Any]]:
    """The long-table rows of one submission.

    `verdicts` are the scores table's check columns (disabled checks already ``n/a``). A failed
    check costs ``100 × weight / Σ weights of the applicable checks`` points, so a graded
    submission's rows add up to ``100 − score``; submissions without a score (``error``,
    ``timeout``) cost nothing measurable and have no `points_lost`. `weight` is the weight the
    check had in the score (0 when the rubric disables it).
    """
    weights = {
        c.id: (rubric.entries[c.id].weight if _enabled(rubric, c.id) else 0.0) for c in registry
    }
    applicable = sum(weights[cid] for cid, v in verdicts.items() if v != "n/a" and cid in weights)
    graded = status in _GRADED
    rows = []
    for check in registry:
        verdict = verdicts.get(check.id, "n/a")
        lost: float | None = None
        if graded:
            lost = 0.0
            if verdict == "fail" and applicable > 0:
                lost = round(100.0 * weights[check.id] / applicable, 4)
        entry = rubric.entries.get(check.id)
        rows.append(
            {
                "submission_id": submission_id,
                "check_id": check.id,
                "category": check.category,
                "severity": entry.severity if entry else check.severity,
                "weight": weights[check.id],
                "status": verdict,
                "points_lost": lost,
            }
        )
    return rows


def checks_frame(scores: pd.DataFrame, rubric: Rubric, registry: CheckTable) -> pd.DataFrame:
    """The long check table of a scores table (what `Run.checks` returns)."""
    ids = [c.id for c in registry if c.id in scores.columns]
    rows = []
    for record in scores[["submission_id", "status", *ids]].itertuples(index=False, name=None):
        verdicts = {cid: str(v) for cid, v in zip(ids, record[2:], strict=True)}
        rows.extend(check_rows(str(record[0]), str(record[1]), verdicts, rubric, registry))
    frame = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    frame["weight"] = frame["weight"].astype("float64")
    frame["points_lost"] = frame["points_lost"].astype("float64")
    return frame


def _enabled(rubric: Rubric, check_id: str) -> bool:
    entry = rubric.entries.get(check_id)
    return entry is not None and entry.enabled


# --- summary.json ------------------------------------------------------------------------------


def summary(
    scores: pd.DataFrame, info: dict[str, Any], by: str | None = None, confidence: float = 0.95
) -> dict[str, Any]:
    """The run's headline numbers, overall and (with `by`) per group of that column."""
    from evalkit.results.rates import (
        UnknownColumn,
        category_rates,
        check_rates,
        group_labels,
        group_order,
        metadata_columns,
    )

    if by is not None and by not in scores.columns:
        raise UnknownColumn(by, metadata_columns(scores))
    result: dict[str, Any] = {
        "evalkit_version": info.get("evalkit_version"),
        "rubric": info.get("rubric"),
        "input": info.get("input"),
        "confidence": confidence,
        "by": by,
        "overall": _block(
            scores, category_rates(scores, None, confidence), check_rates(scores, None, confidence)
        ),
    }
    if by is not None:
        labels = group_labels(scores, by)
        categories = category_rates(scores, by, confidence)
        checks = check_rates(scores, by, confidence)
        result["groups"] = {
            str(label): _block(
                scores[(labels == label).to_numpy()],
                categories[categories[by] == label],
                checks[checks[by] == label],
            )
            for label in group_order(labels)
        }
    return result


def _block(scores: pd.DataFrame, categories: pd.DataFrame, checks: pd.DataFrame) -> dict[str, Any]:
    values = scores["score"].dropna().astype(float)
    n = len(values)
    stderr = float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    statuses = scores["status"].astype(str).value_counts()
    return {
        "n_submissions": len(scores),
        "n_scored": n,
        "status_counts": {s: int(statuses[s]) for s in sorted(statuses.index)},
        "score_mean": _number(values.mean() if n else math.nan),
        "score_stderr": _number(stderr),
        "reward_mean": _number(values.mean() / 100.0 if n else math.nan),
        **_coverage(scores),
        "categories": {row["category"]: _rate(row) for _, row in categories.iterrows()},
        "checks": {
            row["check_id"]: {"category": row["category"], **_rate(row)}
            for _, row in checks.iterrows()
        },
    }


def _coverage(scores: pd.DataFrame) -> dict[str, Any]:
    """Mean coverage and how many submissions it is defined for, in runs that measure it."""
    from evalkit.results.coverage import has_coverage_column

    if not has_coverage_column(scores.columns):
        return {}
    values = scores["coverage"].dropna().astype(float)
    return {
        "coverage_mean": _number(values.mean() if len(values) else math.nan),
        "n_coverage": len(values),
    }


def _rate(row: pd.Series) -> dict[str, Any]:
    return {
        "n": int(row["n"]),
        "failed": int(row["failed"]),
        "failure_rate": _number(row["failure_rate"]),
        "ci_low": _number(row["ci_low"]),
        "ci_high": _number(row["ci_high"]),
    }


def _number(value: Any) -> float | None:
    """JSON has no NaN: a rate over no submission is null."""
    value = float(value)
    return None if math.isnan(value) else round(value, _DIGITS)
