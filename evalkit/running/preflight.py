"""What `evalkit score` checks before grading anything, and the per-group lines it prints.

A mistyped ``--by`` used to surface only when summary.json was written, after every
submission was graded. The column is a field of the records, so reading the records (not
grading them) tells whether it exists; reading stops at the first record that has it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.checks.metadata import catalog
from evalkit.dataset import iter_submissions
from evalkit.records import CATEGORIES
from evalkit.results.rates import UnknownColumn
from evalkit.results.tables import scores_columns


def check_by_column(
    paths: Sequence[str | Path],
    by: str,
    *,
    id_field: str,
    text_field: str,
    max_file_bytes: int,
) -> None:
    """Raise `UnknownColumn` (with the closest name) when no record has the field `by` and
    it is none of the scores table's own columns (``status`` and the like)."""
    reserved = scores_columns([], catalog())
    if by in reserved:
        return
    seen: dict[str, None] = {}
    submissions = iter_submissions(
        paths, id_field=id_field, text_field=text_field, max_file_bytes=max_file_bytes
    )
    for submission in submissions:
        if by in submission.meta:
            return
        seen.update(dict.fromkeys(k for k in submission.meta if k not in reserved))
    raise UnknownColumn(by, list(seen))


def group_lines(summary_path: Path, limit: int = 12) -> str:
    """Per group of summary.json: submissions, mean score and each category's failure rate,
    as a table for the console; "" when the summary has no groups."""
    data = json.loads(summary_path.read_text(encoding="utf-8"))
    groups: dict[str, Any] = data.get("groups") or {}
    if not groups:
        return ""
    by = str(data.get("by"))
    names = list(groups)
    width = max(len(by), *(len(n) for n in names[:limit]), 5)
    head = f"{by:<{width}} {'n':>5} {'mean':>6} " + " ".join(f"{c:>8}" for c in CATEGORIES)
    lines = [f"by {by} (failure rate per category):", head]
    for name in names[:limit]:
        block = groups[name]
        rates = [_rate(block["categories"].get(c)) for c in CATEGORIES]
        lines.append(
            f"{name:<{width}} {block['n_submissions']:>5} {_mean(block['score_mean']):>6} "
            + " ".join(f"{r:>8}" for r in rates)
        )
    if len(names) > limit:
        lines.append(f"... and {len(names) - limit} more groups (all in summary.json)")
    return "\n".join(lines)


def _mean(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1f}"


def _rate(block: dict[str, Any] | None) -> str:
    if not block or not block.get("n") or block.get("failure_rate") is None:
        return "-"
    return f"{100 * block['failure_rate']:.0f}%"
