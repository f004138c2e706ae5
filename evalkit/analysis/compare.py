"""Compare two scored runs: score and failure-rate differences with bootstrap intervals.

Two runs are *paired* when they share submissions (the same dataset scored with two rubrics,
or two models answering the same prompts, matched on ``prompt_id``): each statistic is then
computed over the matched submissions and the bootstrap resamples matched pairs, which removes
the variation between prompts from the comparison. Otherwise the runs are resampled
independently. Every difference is ``B − A``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evalkit.checks.metadata import catalog
from evalkit.results.rates import (
    GRADED,
    UnknownColumn,
    group_labels,
    group_order,
    metadata_columns,
    outcomes,
    table_rows,
)
from evalkit.results.run import Run

FEW = 10  # below this many submissions on either side, an interval is a rough guide only
MIN_N = 5  # default: below this many on either side, a difference is never called significant
_CELLS_PER_CHUNK = 4_000_000  # bounds the resampling-weights matrix to ~32 MB at a time


@dataclass(frozen=True)
class Comparison:
    """The result of `compare`: tables of differences (B − A) with bootstrap intervals.

    `score` has one row (mean scores and their difference); `categories` and `checks` have
    one row per category / check that applies in either run, with failure rates in [0, 1]
    and the difference in rate; `score_deltas` lists the matched submissions' scores and
    deltas (empty when the runs are not paired). ``significant`` is True where the interval
    excludes 0.
    """

    labels: tuple[str, str]
    paired: bool
    on: str
    pairing: str
    n_boot: int
    seed: int
    confidence: float
    min_n: int
    score: pd.DataFrame
    categories: pd.DataFrame
    checks: pd.DataFrame
    score_deltas: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)
    correction: str | None = None
    family: int = 0  # the rows adjusted together (see `family_rows`)
    # Mean coverage of each run (n and mean), where a run measured it (references given).
    coverage: pd.DataFrame | None = None

    def significant(self) -> pd.DataFrame:
        """Rows whose interval excludes 0: columns kind (score/category/check), name, diff,
        ci_low, ci_high."""
        parts = [
            self.score.assign(kind="score", name="mean score"),
            self.categories.assign(kind="category", name=self.categories["category"]),
            self.checks.assign(kind="check", name=self.checks["check_id"]),
        ]
        rows = pd.concat(
            [p[["kind", "name", "diff", "ci_low", "ci_high", "significant"]] for p in parts],
            ignore_index=True,
        )
        return (
            rows[rows["significant"].astype(bool)]
            .drop(columns="significant")
            .reset_index(drop=True)
        )

    def statement(self) -> str:
        """One sentence naming the significant differences, or saying there are none."""
        a, b = self.labels
        found = self.significant()
        rule = (
            f"{self.confidence:.0%} interval excludes 0, at least {self.min_n} "
            "submissions on each side"
        )
        if self.correction is not None:
            rule += f"; rates by {CORRECTION_NAMES[self.correction]}-adjusted p-value"
        if found.empty:
            return f"No difference between {b} and {a} is significant ({rule})."
        parts = []
        for row in table_rows(found):
            if row.kind == "score":
                parts.append(f"mean score {_signed(row.diff)} points")
            else:
                parts.append(f"{row.name} failure rate {_signed(100 * row.diff)} pts")
        return f"Significant differences ({rule}), {b} − {a}: " + "; ".join(parts) + "."

    def summary(self) -> str:
        """A plain-text report: how runs were matched, the score and the rate tables."""
        return "\n".join(_text_report(self))

    def to_markdown(self) -> str:
        """The same report as markdown tables."""
        return "\n".join(_markdown_report(self))

    def __repr__(self) -> str:
        a, b = self.labels
        how = f"paired on {self.on}" if self.paired else "unpaired"
        return (
            f"<Comparison {b} − {a}, {how}: {len(self.significant())} significant of "
            f"{1 + len(self.categories) + len(self.checks)} differences>"
        )

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.summary()


def compare(
    run_a: Run,
    run_b: Run,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    on: str = "submission_id",
    paired: bool | None = None,
    labels: tuple[str, str] = ("A", "B"),
    confidence: float = 0.95,
    min_n: int = MIN_N,
    correct: str | None = "holm",
) -> Comparison:
    """Compare `run_b` with `run_a` (differences are B − A).

    Submissions are matched on the `on` column (``submission_id``, or e.g. ``prompt_id`` to
    compare two models on the same prompts). With ``paired=None`` the runs are paired when
    some `on` values appear in both runs and none repeats within a run; ``paired=False``
    forces independent resampling. Intervals are bootstrap percentile intervals from `n_boot`
    resamples drawn with `seed`, so the same inputs always give the same intervals.

    A difference is significant when its interval excludes 0 and both sides count at least
    `min_n` submissions: a percentile bootstrap cannot show variation that a tiny sample
    never had (1 failure out of 1 resamples to 1 out of 1 every time), so its interval
    would exclude 0 for no good reason.

    Every row also gets a two-sided bootstrap ``p_value`` (twice the share of resamples on
    the far side of 0). With `correct` (``"holm"``, the default, or ``"bh"``), the category
    and check rows that can be judged (at least `min_n` on each side) are one family: their
    p-values are adjusted by Holm's step-down method (family-wise error) or
    Benjamini-Hochberg (false discovery rate) into ``p_adjusted``, and such a row is
    significant when ``p_adjusted`` is below ``1 - confidence``. Rows that cannot differ
    (both sides fail 0% or both 100%) and categories that only repeat their one applicable
    check are left out of the family (see `family_rows`). The mean score row is a single
    test and is not adjusted. ``correct=None`` (or ``"none"``) judges each row by its own
    interval.
    """
    correct = None if correct == "none" else correct
    if correct not in CORRECTIONS:
        raise ValueError(f"correct must be one of {', '.join(map(str, CORRECTIONS))}")
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    scores_a, scores_b = run_a.scores, run_b.scores
    keys, pairing = _pairing(scores_a, scores_b, on, paired, labels)
    notes = _column_notes(scores_a, scores_b, labels)
    if keys is not None:
        scores_a = _aligned(scores_a, on, keys)
        scores_b = _aligned(scores_b, on, keys)
    items_a = _items(scores_a)
    items_b = _items(scores_b)
    shared = [name for name in items_a if name in items_b]
    num_a, den_a = _matrices(items_a, shared)
    num_b, den_b = _matrices(items_b, shared)
    if keys is not None:
        # Paired scores compare means over the same submissions: both must have a score.
        both = den_a[:, 0] * den_b[:, 0]
        den_a[:, 0] = den_b[:, 0] = both
        num_a[:, 0] *= both
        num_b[:, 0] *= both
    observed = _ratio(num_b.sum(0), den_b.sum(0)) - _ratio(num_a.sum(0), den_a.sum(0))
    low, high, p_value = _interval(
        num_a, den_a, num_b, den_b, keys is not None, n_boot, seed, confidence
    )
    table = pd.DataFrame(
        {
            "name": shared,
            "n_a": den_a.sum(0),
            "sum_a": num_a.sum(0),
            "n_b": den_b.sum(0),
            "sum_b": num_b.sum(0),
            "diff": observed,
            "ci_low": low,
            "ci_high": high,
            "p_value": p_value,
        }
    )
    judged = np.minimum(table["n_a"], table["n_b"]) >= min_n
    table = table.assign(
        significant=judged & ((table["ci_low"] > 0) | (table["ci_high"] < 0)),
        note=[_note(a, b, min_n) for a, b in zip(table["n_a"], table["n_b"], strict=True)],
    )
    if correct is not None:
        table = _corrected(table, judged, correct, 1 - confidence)
    return Comparison(
        labels=labels,
        paired=keys is not None,
        on=on,
        pairing=pairing,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        min_n=min_n,
        score=_score_table(table),
        categories=_rate_table(table, "category:", "category"),
        checks=_rate_table(table, "check:", "check_id"),
        score_deltas=_deltas(scores_a, scores_b, on)
        if keys is not None
        else pd.DataFrame(columns=[on, "score_a", "score_b", "delta"]),
        notes=tuple(notes),
        correction=correct,
        family=int(table.attrs.get("family", 0)),
        coverage=_coverage_table(scores_a, scores_b),
    )


def _coverage_table(scores_a: pd.DataFrame, scores_b: pd.DataFrame) -> pd.DataFrame | None:
    """Mean coverage per run (over submissions where it is defined), when either measured it."""
    from evalkit.results.coverage import has_coverage_column

    measured = [has_coverage_column(s.columns) for s in (scores_a, scores_b)]
    if not any(measured):
        return None
    row: dict[str, Any] = {}
    for side, scores, has in (("a", scores_a, measured[0]), ("b", scores_b, measured[1])):
        values = scores["coverage"].dropna().astype(float) if has else pd.Series(dtype=float)
        row[f"n_{side}"] = len(values)
        row[f"mean_{side}"] = float(values.mean()) if len(values) else math.nan
    row["diff"] = row["mean_b"] - row["mean_a"]
    return pd.DataFrame([row])


def subset(run: Run, mask: Any) -> Run:
    """The run restricted to the submissions selected by a boolean mask over `run.scores`."""
    scores = run.scores[np.asarray(mask, dtype=bool)].reset_index(drop=True)
    kept = set(scores["submission_id"])
    findings = run.findings[run.findings["submission_id"].isin(kept)].reset_index(drop=True)
    # The per-check results stay whole: `Run.save` keeps only those of the kept submissions.
    return Run(scores, findings, dict(run.info), results=run.results, source=run.source)


def split_run(run: Run, by: str) -> dict[str, Run]:
    """One run per value of a metadata column (e.g. ``model``), keyed by the value.

    Submissions without a value form the group ``(no <by>)``.
    """
    labels = group_labels(run.scores, by)
    return {label: subset(run, (labels == label).to_numpy()) for label in group_order(labels)}


@dataclass(frozen=True)
class GroupComparison:
    """Every pair of groups of one run compared (see `compare_groups`): `pairs` maps
    (group A, group B) to their `Comparison`; `hint` says which column could pair the groups
    when none was given (empty otherwise)."""

    by: str
    on: str | None
    pairs: dict[tuple[str, str], Comparison]
    hint: str = ""
    left_out: tuple[str, ...] = ()

    def summary(self) -> str:
        return "\n\n".join(self._parts(lambda c: c.summary(), "{b} compared with {a}", "="))

    def to_markdown(self) -> str:
        return "\n\n".join(self._parts(lambda c: c.to_markdown(), "## {b} compared with {a}"))

    def significant(self) -> pd.DataFrame:
        """The significant rows of every pair, with columns group_a and group_b first."""
        frames = [
            comparison.significant().assign(group_a=a, group_b=b)
            for (a, b), comparison in self.pairs.items()
        ]
        columns = ["group_a", "group_b", "kind", "name", "diff", "ci_low", "ci_high"]
        return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame()

    def _parts(self, render: Any, title: str, underline: str = "") -> list[str]:
        intro = [
            f"Groups of {self.by} compared pairwise ({len(self.pairs)} "
            f"pair{'s' if len(self.pairs) != 1 else ''})."
        ]
        if self.left_out:
            intro.append(f"Left out (no {self.by}): {', '.join(self.left_out)}.")
        if self.hint:
            intro.append(self.hint)
        parts = [" ".join(intro)]
        for (a, b), comparison in self.pairs.items():
            heading = title.format(a=a, b=b)
            rule = [underline * len(heading)] if underline else []
            parts.append("\n".join([heading, *rule, "", render(comparison)]))
        return parts

    def __str__(self) -> str:
        return self.summary()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def compare_groups(
    run: Run,
    by: str,
    *,
    on: str | None = None,
    groups: list[str] | None = None,
    **options: Any,
) -> GroupComparison:
    """Compare the groups of one run (e.g. ``by="model"``) pair by pair: B − A for every
    pair of groups in sorted order, with `compare` and its options (n_boot, seed, correct,
    ...).

    With `on` (e.g. ``prompt_id``) the groups are paired on that column; without it they are
    resampled independently, and `hint` names the columns that could pair them (see
    `pairing_columns`). Submissions without a `by` value are left out. `groups` picks and
    orders the groups to compare (default: all named groups).
    """
    parts = split_run(run, by)
    if on is not None and on not in run.scores.columns:
        raise UnknownColumn(on, ["submission_id", *metadata_columns(run.scores)])
    named = [g for g in parts if not g.startswith("(no ")]
    chosen = groups if groups is not None else named
    missing = [g for g in chosen if g not in parts]
    if missing:
        raise KeyError(f"no {by} group {missing[0]!r}; groups: {', '.join(named) or 'none'}")
    if len(chosen) < 2:
        raise ValueError(
            f"comparing groups needs at least two values of {by!r}; found "
            f"{', '.join(named) or 'none'}"
        )
    hint = ""
    if on is None:
        candidates = pairing_columns(run.scores, by)
        hint = (
            f"Not paired: no --on column was given; {_or_list(candidates)} could pair the "
            f"groups (each value once per group, shared between groups): e.g. --on "
            f"{candidates[0]}."
            if candidates
            else "Not paired: no column has each value once per group and shared between groups."
        )
    pairs = {
        (a, b): compare(
            parts[a],
            parts[b],
            on=on or "submission_id",
            labels=(a, b),
            **options,
        )
        for i, a in enumerate(chosen)
        for b in chosen[i + 1 :]
    }
    left_out = tuple(g for g in parts if g.startswith("(no ")) if groups is None else ()
    return GroupComparison(by, on, pairs, hint, left_out)


def pairing_columns(scores: pd.DataFrame, by: str) -> list[str]:
    """Metadata columns that could pair the groups of `by`: within every group each value
    appears at most once, and every two groups share at least one value (e.g. ``prompt_id``
    when each model answered the same prompts)."""
    labels = group_labels(scores, by)
    named = [g for g in group_order(labels) if not g.startswith("(no ")]
    columns = list(scores.columns)
    meta = columns[1 : columns.index("status")] if "status" in columns else []
    found = []
    for column in (c for c in meta if c != by):
        values = []
        for group in named:
            kept = scores.loc[(labels == group).to_numpy(), column].dropna()
            values.append(None if kept.duplicated().any() else set(kept))
        known = [v for v in values if v]
        if len(values) < 2 or len(known) < len(values):
            continue
        if all(known[i] & known[j] for i in range(len(known)) for j in range(i + 1, len(known))):
            found.append(column)
    return found


def _or_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


# --- pairing -----------------------------------------------------------------------------------


def _pairing(
    scores_a: pd.DataFrame,
    scores_b: pd.DataFrame,
    on: str,
    paired: bool | None,
    labels: tuple[str, str],
) -> tuple[list[Any] | None, str]:
    """The matched keys (None when unpaired) and a sentence saying how runs were matched."""
    a, b = labels
    for label, scores in ((a, scores_a), (b, scores_b)):
        if on not in scores.columns:
            # Names the columns there are and the closest one ("did you mean 'task'?").
            unknown = UnknownColumn(on, ["submission_id", *metadata_columns(scores)])
            raise KeyError(f"run {label}: {unknown}")
    if paired is False:
        return None, "Not paired (independent resampling was asked for)."
    problem = ""
    for label, scores in ((a, scores_a), (b, scores_b)):
        values = scores[on].dropna()
        repeated = values[values.duplicated()]
        if not repeated.empty:
            problem = (
                f"{on} values repeat within run {label} (e.g. {repeated.iloc[0]!r}), "
                "so submissions cannot be matched one to one"
            )
            break
    common = [k for k in scores_a[on].dropna() if k in set(scores_b[on].dropna())]
    if not problem and not common:
        problem = f"no {on} value is in both runs"
    if problem:
        if paired:
            raise ValueError(f"cannot pair the runs: {problem}")
        return None, f"Not paired: {problem}; the runs are resampled independently."
    only_a = scores_a[on].dropna().nunique() - len(common)
    only_b = scores_b[on].dropna().nunique() - len(common)
    left = (
        "none left out"
        if not (only_a or only_b)
        else f"left out: {only_a} only in {a}, {only_b} only in {b}"
    )
    return common, f"Paired on {on}: {len(common)} matched ({left})."


def _aligned(scores: pd.DataFrame, on: str, keys: list[Any]) -> pd.DataFrame:
    return scores.set_index(on, drop=False).loc[keys].reset_index(drop=True)


def _column_notes(
    scores_a: pd.DataFrame, scores_b: pd.DataFrame, labels: tuple[str, str]
) -> list[str]:
    """Checks only one run has (e.g. scored before a check existed) are left out; say so."""
    checks = catalog()
    ids_a = {c for c in scores_a.columns if c in checks}
    ids_b = {c for c in scores_b.columns if c in checks}
    notes = []
    for label, only in ((labels[0], ids_a - ids_b), (labels[1], ids_b - ids_a)):
        if only:
            notes.append(f"Only run {label} has {', '.join(sorted(only))}; left out.")
    return notes


# --- statistics --------------------------------------------------------------------------------


def _items(scores: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every compared statistic as a ratio of sums: name -> (numerator, denominator) per row.

    The mean score is Σ score / Σ 1 over scored rows; a failure rate is Σ failed / Σ applies.
    Writing all of them this way lets one resampling-weights matrix serve every statistic.
    """
    has_score = scores["score"].notna() & scores["status"].isin(GRADED)
    items = {
        "score": (
            scores["score"].fillna(0).to_numpy(float) * has_score.to_numpy(),
            has_score.to_numpy(float),
        )
    }
    for level, prefix in (("category", "category:"), ("check", "check:")):
        applies, failed = outcomes(scores, level)
        for column in applies.columns:
            items[prefix + column] = (
                failed[column].to_numpy(float),
                applies[column].to_numpy(float),
            )
    return items


def _matrices(
    items: dict[str, tuple[np.ndarray, np.ndarray]], names: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    rows = len(next(iter(items.values()))[0]) if items else 0
    num = np.zeros((rows, len(names)))
    den = np.zeros((rows, len(names)))
    for j, name in enumerate(names):
        num[:, j], den[:, j] = items[name]
    return num, den


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _weights(rng: np.random.Generator, rows: int, count: int) -> np.ndarray:
    """`count` bootstrap resamples of `rows` rows, as how often each row was drawn."""
    if rows == 0:
        return np.zeros((count, 0))
    return rng.multinomial(rows, np.full(rows, 1.0 / rows), size=count).astype(float)


def _chunks(n_boot: int, rows: int) -> Iterator[int]:
    size = max(1, _CELLS_PER_CHUNK // max(rows, 1))
    for start in range(0, n_boot, size):
        yield min(size, n_boot - start)


def _interval(
    num_a: np.ndarray,
    den_a: np.ndarray,
    num_b: np.ndarray,
    den_b: np.ndarray,
    paired: bool,
    n_boot: int,
    seed: int,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of ratio_b − ratio_a for every column, and its p-value."""
    rng = np.random.default_rng(seed)
    replicates = []
    for count in _chunks(n_boot, max(len(num_a), len(num_b))):
        weights_a = _weights(rng, len(num_a), count)
        # Paired: the same draw of matched rows on both sides.
        weights_b = weights_a if paired else _weights(rng, len(num_b), count)
        replicates.append(
            _ratio(weights_b @ num_b, weights_b @ den_b)
            - _ratio(weights_a @ num_a, weights_a @ den_a)
        )
    draws = np.vstack(replicates) if replicates else np.empty((0, num_a.shape[1]))
    tail = 100 * (1 - confidence) / 2
    low = np.full(draws.shape[1], np.nan)
    high = np.full(draws.shape[1], np.nan)
    p_value = np.full(draws.shape[1], np.nan)
    for j in range(draws.shape[1]):
        column = draws[:, j][~np.isnan(draws[:, j])]
        # A resample where a rate is undefined (nothing applies) says nothing; an interval
        # from a minority of valid resamples would be misleading, so require most of them.
        if len(column) >= 0.5 * n_boot:
            low[j], high[j] = np.percentile(column, [tail, 100 - tail])
            p_value[j] = bootstrap_p_value(column)
    return low, high, p_value


def bootstrap_p_value(draws: np.ndarray) -> float:
    """Two-sided p-value of "no difference" from bootstrap draws of a difference: twice the
    share of draws at or beyond 0 on the far side, counting the observed sample as one
    draw so that it is never exactly 0."""
    count = len(draws)
    at_or_below = (int(np.sum(draws <= 0)) + 1) / (count + 1)
    at_or_above = (int(np.sum(draws >= 0)) + 1) / (count + 1)
    return min(1.0, 2 * min(at_or_below, at_or_above))


# --- multiple comparisons ----------------------------------------------------------------------

CORRECTIONS = (None, "holm", "bh")


def holm(p_values: Any) -> np.ndarray:
    """Holm's step-down adjusted p-values (controls the family-wise error rate). NaN entries
    are not tests: they stay NaN and do not count in the family size."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(p_values: Any) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (controls the false discovery rate). NaN entries
    are not tests: they stay NaN and do not count in the family size."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid], kind="stable")]
    m = len(order)
    running = 1.0
    for rank in range(m - 1, -1, -1):
        index = order[rank]
        running = min(running, m * p[index] / (rank + 1))
        adjusted[index] = running
    return adjusted


def _corrected(
    table: pd.DataFrame, judged: pd.Series | np.ndarray, method: str, alpha: float
) -> pd.DataFrame:
    """Adjust the family's p-values together; re-decide the category and check rows.

    A category left out because it repeats its only check takes that check's adjusted
    p-value: it is the same test. Other rows left out cannot differ and stay as they were
    (not significant)."""
    rated = table["name"].str.startswith(("category:", "check:")).to_numpy() & np.asarray(judged)
    rows, same_as = family_rows(table, rated)
    family = np.where(rows, table["p_value"].to_numpy(float), np.nan)
    adjusted = holm(family) if method == "holm" else benjamini_hochberg(family)
    for category, check in same_as.items():
        adjusted[category] = adjusted[check]
    significant = table["significant"].to_numpy(bool).copy()
    decided = rows | np.isin(np.arange(len(table)), list(same_as))
    significant[decided] = adjusted[decided] < alpha
    corrected = table.assign(p_adjusted=adjusted, significant=significant)
    corrected.attrs["family"] = int(rows.sum())
    return corrected


def family_rows(table: pd.DataFrame, rated: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Which of the `rated` rows are tests of their own, for a multiple-comparison family.

    Left out: rows where both sides fail none (0%) or all (100%) of the submissions where
    they apply, which cannot show a difference and would only make the correction harsher;
    and a category whose only check failing anywhere has the same counts as the category
    (its other checks never fail), which is that check's test a second time. Returns the
    mask of the family and, for each category left out as a repeat, the row of its check."""
    n_a, n_b = table["n_a"].to_numpy(float), table["n_b"].to_numpy(float)
    sum_a, sum_b = table["sum_a"].to_numpy(float), table["sum_b"].to_numpy(float)
    constant = ((sum_a == 0) & (sum_b == 0)) | ((sum_a == n_a) & (sum_b == n_b))
    rows = rated & ~constant
    names = table["name"].tolist()
    index = {name: i for i, name in enumerate(names)}
    failing: dict[str, list[int]] = {}
    known = catalog()
    for i, name in enumerate(names):
        if name.startswith("check:") and sum_a[i] + sum_b[i] > 0:
            check_id = name.removeprefix("check:")
            category = known.get(check_id).category if check_id in known else ""
            failing.setdefault(category, []).append(i)
    same_as: dict[int, int] = {}
    for category, checks in failing.items():
        row = index.get(f"category:{category}")
        if row is None or len(checks) != 1 or not rated[row]:
            continue
        check = checks[0]
        counts = (n_a, n_b, sum_a, sum_b)
        if all(c[row] == c[check] for c in counts):
            rows[row] = False
            if rows[check]:
                same_as[row] = check
    return rows, same_as


# --- tables ------------------------------------------------------------------------------------


def _score_table(table: pd.DataFrame) -> pd.DataFrame:
    row = table[table["name"] == "score"].iloc[0]
    return pd.DataFrame(
        [
            {
                "n_a": int(row.n_a),
                "mean_a": _ratio(np.array([row.sum_a]), np.array([row.n_a]))[0],
                "n_b": int(row.n_b),
                "mean_b": _ratio(np.array([row.sum_b]), np.array([row.n_b]))[0],
                "diff": row["diff"],
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "p_value": row.p_value,
                "significant": bool(row.significant),
                "note": row.note,
            }
        ]
    )


def _rate_table(table: pd.DataFrame, prefix: str, key: str) -> pd.DataFrame:
    rows = table[table["name"].str.startswith(prefix)].copy()
    rows = rows[(rows["n_a"] + rows["n_b"]) > 0]
    out = pd.DataFrame({key: rows["name"].str.removeprefix(prefix)})
    if key == "check_id":
        checks = catalog()
        out["category"] = [checks.get(c).category for c in out[key]]
    out["n_a"] = rows["n_a"].astype(int)
    out["failed_a"] = rows["sum_a"].astype(int)
    out["rate_a"] = _ratio(rows["sum_a"].to_numpy(), rows["n_a"].to_numpy())
    out["n_b"] = rows["n_b"].astype(int)
    out["failed_b"] = rows["sum_b"].astype(int)
    out["rate_b"] = _ratio(rows["sum_b"].to_numpy(), rows["n_b"].to_numpy())
    extra = ["p_value", *(["p_adjusted"] if "p_adjusted" in rows.columns else [])]
    for column in ("diff", "ci_low", "ci_high", *extra, "significant", "note"):
        out[column] = rows[column]
    return out.reset_index(drop=True)


def _note(n_a: float, n_b: float, min_n: int) -> str:
    if min(n_a, n_b) == 0:
        return "applies in one run only"
    if min(n_a, n_b) < min_n:
        return f"n < {min_n}: not judged"
    if min(n_a, n_b) < FEW:
        return f"n < {FEW}: rough interval"
    return ""


def _deltas(scores_a: pd.DataFrame, scores_b: pd.DataFrame, on: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {on: scores_a[on], "score_a": scores_a["score"], "score_b": scores_b["score"]}
    )
    frame["delta"] = frame["score_b"] - frame["score_a"]
    return frame


# --- text and markdown -------------------------------------------------------------------------


def _signed(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:+.{digits}f}"
    return text.replace("-", "−")


def _mean(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def _interval_text(low: float, high: float, scale: float = 1.0) -> str:
    if math.isnan(low) or math.isnan(high):
        return "-"
    return f"[{_signed(scale * low)}, {_signed(scale * high)}]"


def _rate_text(failed: int, n: int, rate: float) -> str:
    return "-" if n == 0 else f"{rate:.0%} ({failed}/{n})"


def _header(comparison: Comparison) -> list[str]:
    a, b = comparison.labels
    score = comparison.score.iloc[0]
    return [
        f"Comparing {b} with {a}; every difference is {b} − {a}.",
        comparison.pairing,
        f"Bootstrap: {comparison.n_boot} resamples "
        f"({'of matched pairs' if comparison.paired else 'of each run independently'}), "
        f"seed {comparison.seed}; {comparison.confidence:.0%} percentile intervals.",
        *comparison.notes,
        "",
        f"Mean score: {a} {_mean(score.mean_a)} (n={score.n_a}), {b} {_mean(score.mean_b)} "
        f"(n={score.n_b}); {b} − {a} {_signed(score['diff'])} points "
        f"{_interval_text(score.ci_low, score.ci_high)}"
        f"{'  (significant)' if score.significant else ''}",
        *_coverage_line(comparison),
    ]


def _coverage_line(comparison: Comparison) -> list[str]:
    if comparison.coverage is None:
        return []
    a, b = comparison.labels
    row = comparison.coverage.iloc[0]

    def mean(value: float) -> str:
        return "-" if math.isnan(value) else f"{value:.2f}"

    return [
        f"Mean coverage: {a} {mean(row.mean_a)} (n={int(row.n_a)}), {b} {mean(row.mean_b)} "
        f"(n={int(row.n_b)}); {b} − {a} {_signed(row['diff'], 2)}"
    ]


def _rate_rows(frame: pd.DataFrame, key: str, mark: str) -> list[list[str]]:
    adjusted = "p_adjusted" in frame.columns
    return [
        [
            str(getattr(row, key)),
            _rate_text(row.failed_a, row.n_a, row.rate_a),
            _rate_text(row.failed_b, row.n_b, row.rate_b),
            _signed(100 * row.diff),
            _interval_text(row.ci_low, row.ci_high, 100),
            *([_p_text(row.p_adjusted)] if adjusted else []),
            mark if row.significant else "",
            row.note,
        ]
        for row in table_rows(frame)
    ]


def _p_text(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"


CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


def _footer(comparison: Comparison, mark: str) -> list[str]:
    if comparison.correction is None:
        rule = (
            "Each interval holds for its own row: with many rows, expect about one in twenty "
            "to exclude 0 by chance."
        )
    else:
        rule = (
            f"Category and check rows are significant when their bootstrap p-value, adjusted "
            f"by {CORRECTION_NAMES[comparison.correction]} over the {comparison.family} rows "
            f"with at least {comparison.min_n} submissions on each side that can differ (not "
            "0% or 100% on both sides; a category with one check counts once), is below "
            f"{1 - comparison.confidence:.2g} (column p adj.)."
        )
    return [
        "",
        "Rates are failure rates (failed/applicable); differences are in percentage points. "
        f"{mark} marks a significant difference. {rule}",
        "",
        comparison.statement(),
    ]


def _text_report(comparison: Comparison) -> list[str]:
    a, b = comparison.labels
    lines = _header(comparison)
    for title, frame, key in (
        ("category", comparison.categories, "category"),
        ("check", comparison.checks, "check_id"),
    ):
        head = [title, f"{a} rate", f"{b} rate", f"{b} − {a} (pts)", "interval"]
        head += [*(["p adj."] if comparison.correction else []), "", "note"]
        lines += ["", *_aligned_table(head, _rate_rows(frame, key, "*"))]
    return lines + _footer(comparison, "*")


def _markdown_report(comparison: Comparison) -> list[str]:
    a, b = comparison.labels
    header = _header(comparison)
    lines = [" ".join(header[:3]), *header[3:]]  # one paragraph: what was compared and how
    for title, frame, key in (
        ("Category", comparison.categories, "category"),
        ("Check", comparison.checks, "check_id"),
    ):
        head = [
            title.lower(),
            f"{a} rate",
            f"{b} rate",
            f"{b} − {a} (pts)",
            f"{comparison.confidence:.0%} interval",
            *(["p adj."] if comparison.correction else []),
            "significant",
            "note",
        ]
        rows = _rate_rows(frame, key, "yes")
        lines += ["", f"### {title} failure rates", "", *markdown_table(head, rows)]
    return lines + _footer(comparison, "'yes'")


def _aligned_table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {3, 4, 5} if head[5] == "p adj." else {3, 4}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(head), *[line(r) for r in rows]]


def markdown_table(head: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table; pipes and line breaks inside cells are escaped."""

    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    return [
        "| " + " | ".join(cell(h) for h in head) + " |",
        "| " + " | ".join("---" for _ in head) + " |",
        *["| " + " | ".join(cell(c) for c in row) + " |" for row in rows],
    ]
