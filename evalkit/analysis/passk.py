"""pass@k over several answers per prompt: the chance that at least one of k answers drawn
from a prompt's n passes, estimated without bias as ``1 − C(n − c, k) / C(n, k)`` (c of the n
answers pass), then averaged over the prompts.

What "passes" means is a rule over the rubric's verdicts: ``no-critical`` (graded, and no
check the rubric rates critical failed; the default), ``no-high`` (neither critical nor high)
or ``score>=X`` (the score is at least X). Answers evalkit could not grade (``error``,
``timeout``) say nothing about the model and are left out; an answer that does not parse or
holds no Terraform counts as failing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from evalkit.results.rates import GRADED, UnknownColumn, group_labels, group_order, metadata_columns
from evalkit.results.run import Run

DEFAULT_RULE = "no-critical"
_SEVERITIES = {"no-critical": ("critical",), "no-high": ("critical", "high")}
_SCORE_RULE = re.compile(r"^score\s*>=\s*(\d+(?:\.\d+)?)$")


def pass_at_k_estimate(n: int, c: int, k: int) -> float:
    """The unbiased pass@k of one prompt with `n` answers of which `c` pass (NaN if k > n)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if k > n:
        return math.nan
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def passed(run: Run, rule: str = DEFAULT_RULE) -> pd.Series:
    """Per submission (indexed like `run.scores`): True when it passes `rule`, False when it
    fails it, NA when it was not graded."""
    scores = run.scores
    graded = scores["status"].isin(GRADED)
    match = _SCORE_RULE.match(rule.strip())
    if match:
        ok = scores["score"].astype(float) >= float(match.group(1))
    elif rule in _SEVERITIES:
        checks = run.checks
        bad = checks[(checks["status"] == "fail") & checks["severity"].isin(_SEVERITIES[rule])]
        failing = scores["submission_id"].astype(str).isin(set(bad["submission_id"].astype(str)))
        ok = (scores["status"] == "ok") & ~failing
    else:
        raise ValueError(f"unknown pass rule {rule!r}; use no-critical, no-high or score>=X")
    return ok.astype("boolean").where(graded, pd.NA)


def pass_at_k(
    run: Run,
    on: str,
    ks: Iterable[int] = (1,),
    *,
    rule: str = DEFAULT_RULE,
    by: str | None = None,
) -> pd.DataFrame:
    """pass@k per value of `ks`, averaged over the prompts named by the column `on`
    (e.g. ``prompt_id``), per group of `by` when given (e.g. ``model``).

    Columns: [by,] k, prompts (prompts with at least k graded answers, the ones averaged),
    answers (graded answers of those prompts), pass_at_k, stderr (over prompts), rule.
    """
    ks = sorted(set(int(k) for k in ks))
    for column in (on, by):
        if column is not None and column not in run.scores.columns:
            raise UnknownColumn(column, metadata_columns(run.scores))
    per_prompt = prompt_table(run, on, rule=rule, by=by)
    labels = group_labels(run.scores, by)
    rows = []
    for label in group_order(labels):
        group = per_prompt if by is None else per_prompt[per_prompt[by] == label]
        for k in ks:
            values = np.array(
                [
                    pass_at_k_estimate(int(n), int(c), k)
                    for n, c in zip(group["n"], group["c"], strict=True)
                ]
            )
            kept = values[~np.isnan(values)]
            stderr = float(kept.std(ddof=1) / math.sqrt(len(kept))) if len(kept) > 1 else math.nan
            row: dict[str, Any] = {} if by is None else {by: label}
            row.update(
                k=k,
                prompts=len(kept),
                answers=int(group.loc[~np.isnan(values), "n"].sum()) if len(group) else 0,
                pass_at_k=float(kept.mean()) if len(kept) else math.nan,
                stderr=stderr,
                rule=rule,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def prompt_table(
    run: Run, on: str, *, rule: str = DEFAULT_RULE, by: str | None = None
) -> pd.DataFrame:
    """Per prompt (and group): n graded answers and c of them passing `rule`."""
    verdicts = passed(run, rule)
    frame = pd.DataFrame(
        {
            on: run.scores[on].astype(object),
            "passed": verdicts,
            **({} if by is None else {by: group_labels(run.scores, by)}),
        }
    )
    frame = frame[frame["passed"].notna() & frame[on].notna()]
    keys = [by, on] if by is not None else [on]
    grouped = frame.groupby(keys, sort=True)["passed"]
    table = pd.DataFrame({"n": grouped.size(), "c": grouped.sum().astype(int)}).reset_index()
    return table


def format_table(table: pd.DataFrame, by: str | None = None) -> str:
    """The pass@k table as aligned text for the console."""
    head = [*([by] if by else []), "k", "prompts", "answers", "pass@k", "± se"]
    rows = [
        [
            *([str(r[by])] if by else []),
            str(r["k"]),
            str(r["prompts"]),
            str(r["answers"]),
            "-" if math.isnan(r["pass_at_k"]) else f"{r['pass_at_k']:.3f}",
            "-" if math.isnan(r["stderr"]) else f"{r['stderr']:.3f}",
        ]
        for _, r in table.iterrows()
    ]
    widths = [max(len(x) for x in column) for column in zip(head, *rows, strict=True)]
    left = 1 if by else 0  # the group column reads left-aligned, numbers right-aligned
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in [head, *rows]
    )
