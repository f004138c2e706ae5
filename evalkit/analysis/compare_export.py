"""A comparison as one table (CSV) or one JSON document, for `evalkit compare --out`.

One row per compared statistic: ``kind`` (score, category or check), ``name``, both sides'
counts and values (the mean score, or a failure rate in [0, 1]), the difference B − A with its
interval, the p-values and the verdict. Comparisons of a run's groups add ``group_a`` and
``group_b`` first.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.analysis.compare import Comparison, GroupComparison

ROW_COLUMNS = [
    "kind",
    "name",
    "category",
    "n_a",
    "value_a",
    "n_b",
    "value_b",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "note",
]


def comparison_rows(comparison: Comparison) -> pd.DataFrame:
    """The score, category and check rows of one comparison in `ROW_COLUMNS`."""
    score = comparison.score.assign(
        kind="score", name="mean score", category="", value_a=comparison.score["mean_a"]
    ).assign(value_b=comparison.score["mean_b"])
    categories = comparison.categories.assign(
        kind="category",
        name=comparison.categories["category"],
        value_a=comparison.categories["rate_a"],
        value_b=comparison.categories["rate_b"],
    )
    checks = comparison.checks.assign(
        kind="check",
        name=comparison.checks["check_id"],
        value_a=comparison.checks["rate_a"],
        value_b=comparison.checks["rate_b"],
    )
    rows = pd.concat([score, categories, checks], ignore_index=True, sort=False)
    return rows.reindex(columns=ROW_COLUMNS)


def group_rows(grouped: GroupComparison) -> pd.DataFrame:
    frames = [
        comparison_rows(c).assign(group_a=a, group_b=b) for (a, b), c in grouped.pairs.items()
    ]
    columns = ["group_a", "group_b", *ROW_COLUMNS]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    a, b = comparison.labels
    return {
        "label_a": a,
        "label_b": b,
        "paired": comparison.paired,
        "on": comparison.on,
        "pairing": comparison.pairing,
        "notes": list(comparison.notes),
        "correction": comparison.correction,
        "n_boot": comparison.n_boot,
        "seed": comparison.seed,
        "confidence": comparison.confidence,
        "min_n": comparison.min_n,
        "rows": _records(comparison_rows(comparison)),
    }


def write_comparison(result: Comparison | GroupComparison, path: str | Path, title: str) -> Path:
    """Write `result` by the file's suffix: ``.csv`` the rows, ``.json`` the rows with how
    the runs were compared, anything else markdown under `title`."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        if isinstance(result, GroupComparison):
            table = group_rows(result)
        else:
            table = comparison_rows(result)
        table.to_csv(out, index=False)
    elif suffix == ".json":
        if isinstance(result, GroupComparison):
            document: dict[str, Any] = {
                "by": result.by,
                "on": result.on,
                "hint": result.hint,
                "pairs": [
                    {"group_a": a, "group_b": b, **comparison_json(c)}
                    for (a, b), c in result.pairs.items()
                ],
            }
        else:
            document = comparison_json(result)
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        out.write_text(f"{title}\n\n{result.to_markdown()}\n", encoding="utf-8")
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    """JSON values: numpy numbers as Python ones, NaN as null."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
