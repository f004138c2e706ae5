"""The statistics behind evalkit's tables and charts: failure rates with Wilson intervals,
score summaries and points lost, per group of a metadata column.

Plain pandas and numpy, no plotting library, so that writing a run's ``summary.json`` or
computing `Run.failure_rates` does not pay for importing matplotlib. `evalkit.analysis.plots` draws
from these tables and re-exports them.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from statistics import NormalDist
from typing import Any, Protocol

import numpy as np
import pandas as pd

from evalkit.checks.metadata import catalog
from evalkit.grading.rubric import Rubric, RubricError, default_rubric_path, load_rubric
from evalkit.records import CATEGORIES, GRADED_STATUSES

GRADED = GRADED_STATUSES
ALL_LABEL = "all submissions"


class UnknownColumn(KeyError, ValueError):
    """A grouping or pairing column the scores do not have; the message names the metadata
    columns there are and the closest one. A KeyError, so ``except KeyError`` still works, and
    a ValueError, as `summary` raised for an unknown `by` before it used this class."""

    def __init__(self, name: str, available: list[str]) -> None:
        close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = (
            f"no column {name!r} in the scores{hint}; columns before 'status': "
            f"{', '.join(available) or 'none'}"
        )
        super().__init__(message)
        self.name, self.available = name, available

    def __str__(self) -> str:
        return str(self.args[0])


class HasScores(Protocol):
    scores: pd.DataFrame


RunLike = HasScores | pd.DataFrame


# --- statistics --------------------------------------------------------------------------------


def wilson_interval(failed: Any, n: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a proportion `failed / n`; NaN where n is 0.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for 0 or n
    failures out of a handful, which is the usual case for a rare check on a small dataset.
    Works on scalars and on numpy arrays / pandas Series alike.
    """
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    failed_arr = np.asarray(failed, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = failed_arr / n_arr
        denominator = 1 + z * z / n_arr
        centre = (p + z * z / (2 * n_arr)) / denominator
        half = z * np.sqrt(p * (1 - p) / n_arr + z * z / (4 * n_arr * n_arr)) / denominator
        # Rounding can leave the bound a hair on the wrong side of p at 0 or n failures.
        low = np.where(n_arr > 0, np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.nan)
        high = np.where(n_arr > 0, np.clip(np.maximum(centre + half, p), 0.0, 1.0), np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def scores_of(run: RunLike) -> pd.DataFrame:
    """The scores table of a `Run`, or the DataFrame itself."""
    return run if isinstance(run, pd.DataFrame) else run.scores


def check_columns(scores: pd.DataFrame) -> list[str]:
    """Check ID columns of a scores table, in catalog order (registered checks only)."""
    present = set(scores.columns)
    return [c.id for c in catalog() if c.id in present]


def category_checks(scores: pd.DataFrame) -> dict[str, list[str]]:
    """Category -> its check columns present in `scores`, in catalog order."""
    by_category: dict[str, list[str]] = {}
    checks = catalog()
    for check_id in check_columns(scores):
        by_category.setdefault(checks.get(check_id).category, []).append(check_id)
    return {c: by_category[c] for c in CATEGORIES if c in by_category}


def outcomes(scores: pd.DataFrame, level: str = "category") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Boolean tables (applies, failed), one row per submission, one column per category
    (``level="category"``) or check ID (``level="check"``).

    A category applies when any of its checks is not ``n/a`` and fails when any fails, the
    catalog's definition of a failure rate. Submissions that were not graded (``error``,
    ``timeout``) never apply.
    """
    graded = scores["status"].isin(GRADED).to_numpy()
    statuses = _statuses(scores, check_columns(scores))
    applies = (statuses != "n/a") & graded[:, None]
    failed = (statuses == "fail") & applies
    if level == "check":
        return applies, failed
    if level != "category":
        raise ValueError(f"level must be 'category' or 'check', not {level!r}")
    groups = category_checks(scores)
    cat_applies = pd.DataFrame(
        {c: applies[ids].any(axis=1) for c, ids in groups.items()},
        index=scores.index,
        columns=list(groups),
    )
    cat_failed = pd.DataFrame(
        {c: failed[ids].any(axis=1) for c, ids in groups.items()},
        index=scores.index,
        columns=list(groups),
    )
    return cat_applies, cat_failed


def _statuses(scores: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Check statuses as text; an empty cell (a check one of two concatenated runs lacks)
    means the check did not apply."""
    return scores[ids].astype(object).where(scores[ids].notna(), "n/a").astype(str)


def group_labels(scores: pd.DataFrame, by: str | None) -> pd.Series:
    """A string label per submission for grouping: the `by` column, ``(no <by>)`` where empty.

    Missing values get a group of their own rather than being dropped, so every submission is
    counted somewhere.
    """
    if by is None:
        return pd.Series(ALL_LABEL, index=scores.index, dtype=object)
    if by not in scores.columns:
        raise UnknownColumn(by, metadata_columns(scores))
    return scores[by].map(lambda v: f"(no {by})" if _missing(v) else str(v)).astype(object)


def group_order(labels: pd.Series) -> list[str]:
    """Group labels sorted, with the ``(no ...)`` group last."""
    unique = list(dict.fromkeys(labels))
    return sorted(unique, key=lambda label: (label.startswith("(no "), label))


def table_rows(frame: pd.DataFrame) -> Iterator[Any]:
    """The rows of `frame` as named tuples. Each field has its column's type, which a type
    checker cannot see, so rows are typed Any."""
    return frame.itertuples()


def _rate_table(
    scores: pd.DataFrame, by: str | None, level: str, confidence: float
) -> pd.DataFrame:
    applies, failed = outcomes(scores, level)
    labels = group_labels(scores, by)
    key = "category" if level == "category" else "check_id"
    rows = []
    for label in group_order(labels):
        mask = (labels == label).to_numpy()
        for column in applies.columns:
            n = int(applies.loc[mask, column].sum())
            k = int(failed.loc[mask, column].sum())
            row: dict[str, Any] = {} if by is None else {by: label}
            row[key] = column
            if level == "check":
                row["category"] = catalog().get(column).category
            row.update(n=n, failed=k, failure_rate=k / n if n else math.nan)
            rows.append(row)
    columns = (
        ([by] if by else [])
        + [key]
        + (["category"] if level == "check" else [])
        + ["n", "failed", "failure_rate"]
    )
    table = pd.DataFrame(rows, columns=columns)
    low, high = wilson_interval(table["failed"].to_numpy(), table["n"].to_numpy(), confidence)
    table["ci_low"], table["ci_high"] = low, high
    return table


def category_rates(run: RunLike, by: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per category (and group): n applicable, failed, failure_rate, Wilson ci_low/ci_high.

    The same rates as `Run.failure_rates`, plus the interval; an empty `by` value forms the
    group ``(no <by>)``.
    """
    return _rate_table(scores_of(run), by, "category", confidence)


def check_rates(run: RunLike, by: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per check (and group): category, n applicable, failed, failure_rate, ci_low, ci_high."""
    return _rate_table(scores_of(run), by, "check", confidence)


def score_table(run: RunLike, by: str | None = None) -> pd.DataFrame:
    """Score summary per group over submissions that have a score (not error/timeout):
    n, mean, median, min, max and standard deviation."""
    scores = scores_of(run)
    labels = group_labels(scores, by)
    rows = []
    for label in group_order(labels):
        values = scores.loc[(labels == label).to_numpy(), "score"].dropna()
        row: dict[str, Any] = {} if by is None else {by: label}
        row.update(
            n=len(values),
            mean=values.mean(),
            median=values.median(),
            min=values.min(),
            max=values.max(),
            std=values.std(),
        )
        rows.append(row)
    return pd.DataFrame(
        rows, columns=([by] if by else []) + ["n", "mean", "median", "min", "max", "std"]
    )


def rubric_for(run: Any, rubric: str | Path | Rubric | None = None) -> Rubric:
    """The rubric whose weights scored `run`.

    An explicit `rubric` wins. Otherwise the rubric file recorded in the run's ``run.json`` is
    used when it still exists with the recorded SHA-256, then the packaged default when its hash
    matches. Failing both, the default is used with a warning, since weights may differ.
    """
    if isinstance(rubric, Rubric):
        return rubric
    if rubric is not None:
        return load_rubric(rubric, catalog())
    info = getattr(run, "info", None)  # a DataFrame's `info` is a method, not run.json
    recorded = (info if isinstance(info, dict) else {}).get("rubric") or {}
    source, digest = recorded.get("source"), recorded.get("sha256")
    for candidate in (source, default_rubric_path()):
        if candidate and Path(candidate).is_file():
            try:
                loaded = load_rubric(candidate, catalog())
            except RubricError:
                continue
            if digest is None or loaded.sha256 == digest:
                return loaded
    warnings.warn(
        f"the rubric that scored this run ({source or 'unknown'}) is not available; "
        "using the default rubric's weights",
        stacklevel=2,
    )
    return load_rubric(None, catalog())


def points_lost(scores: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Score points each category costs each submission (rows: submissions, columns:
    categories).

    A failed check costs ``100 × its weight / Σ weights of the submission's applicable
    checks``, so a graded submission's row sums to ``100 − score``. Rows of submissions
    without a score (error, timeout) are NaN.
    """
    ids = check_columns(scores)
    weights = np.array(
        [rubric.entries[c].weight if rubric.entries[c].enabled else 0.0 for c in ids]
    )
    statuses = _statuses(scores, ids).to_numpy()
    applicable = (statuses != "n/a") @ weights
    failed = (statuses == "fail") * weights
    with np.errstate(divide="ignore", invalid="ignore"):
        per_check = np.where(applicable[:, None] > 0, 100.0 * failed / applicable[:, None], 0.0)
    per_check[~scores["status"].isin(GRADED).to_numpy()] = np.nan
    frame = pd.DataFrame(per_check, index=scores.index, columns=ids)
    groups = category_checks(scores)
    return pd.DataFrame(
        {c: frame[cols].sum(axis=1, min_count=1) for c, cols in groups.items()},
        index=scores.index,
        columns=list(groups),
    )


def lost_points(
    run: RunLike, by: str | None = None, rubric: str | Path | Rubric | None = None
) -> pd.DataFrame:
    """Mean score points lost per submission to each category, per group.

    Columns: [by,] category, n (graded submissions), points_lost. Within a group the points
    add up to ``100 − mean score``. Weights come from `rubric` (see `rubric_for`).
    """
    scores = scores_of(run)
    return mean_points_lost(points_lost(scores, rubric_for(run, rubric)), scores, by)


def mean_points_lost(
    per_submission: pd.DataFrame, scores: pd.DataFrame, by: str | None
) -> pd.DataFrame:
    """Per group and column of `per_submission` (points lost per submission), the mean over
    the group's graded submissions: columns [by,] category, n, points_lost."""
    labels = group_labels(scores, by)
    rows = []
    for label in group_order(labels):
        group = per_submission[(labels == label).to_numpy()].dropna(how="all")
        for category in per_submission.columns:
            row: dict[str, Any] = {} if by is None else {by: label}
            row.update(
                category=category,
                n=len(group),
                points_lost=float(group[category].mean()) if len(group) else math.nan,
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=([by] if by else []) + ["category", "n", "points_lost"])


def metadata_columns(scores: pd.DataFrame) -> list[str]:
    """The columns a run can be grouped by: its metadata, between `submission_id` and `status`."""
    columns = list(scores.columns)
    end = columns.index("status") if "status" in columns else len(columns)
    return [c for c in columns[:end] if c != "submission_id"]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
