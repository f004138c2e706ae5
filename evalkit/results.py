"""Results as pandas DataFrames, and the files a run writes (scores, findings, run.json).

Column order and formatting are a contract (see the README): training pipelines join on
`scores.csv`, and the same input and rubric must give byte-identical tables.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.checks.registry import CheckRegistry
from evalkit.engine import SubmissionResult
from evalkit.masking import mask_text
from evalkit.records import CATEGORIES
from evalkit.rubric import Rubric, weighted_score

STATUSES = ("ok", "parse_error", "no_terraform", "error", "timeout")
FINDING_COLUMNS = ["submission_id", "check_id", "category", "severity", "file", "line",
                   "resource", "region", "message"]
FORMATS = ("csv", "jsonl", "parquet")
_FEEDBACK_PER_CHECK = 3
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def score_row(result: SubmissionResult, rubric: Rubric, registry: CheckRegistry,
              meta_columns: list[str]) -> dict[str, Any]:
    """One `scores.csv` row for a graded submission."""
    statuses = {r.check_id: r.status for r in result.results}
    enabled_statuses = {cid: (status if rubric.entries[cid].enabled else "n/a")
                        for cid, status in statuses.items() if cid in rubric.entries}
    row: dict[str, Any] = {"submission_id": result.submission_id}
    for column in meta_columns:
        row[column] = result.meta.get(column)
    row["status"] = result.status
    score = _submission_score(result, enabled_statuses, rubric)
    row["score"] = _rounded(score, 2)
    row["reward"] = _rounded(None if score is None else score / 100.0, 4)
    for category in CATEGORIES:
        ids = [c.id for c in registry if c.category == category]
        category_score = (None if result.status in ("error", "timeout")
                          else weighted_score(enabled_statuses, rubric, ids))
        if result.status in ("parse_error", "no_terraform"):
            category_score = 0.0 if category == "iac" else None
        row[category] = _rounded(category_score, 2)
    for check in registry:
        row[check.id] = enabled_statuses.get(check.id, "n/a")
    findings = [f for r in result.results if enabled_statuses.get(r.check_id) == "fail"
                for f in r.findings]
    row["n_findings"] = len(findings)
    row["feedback"] = mask_text(feedback_text(result, rubric), result.secrets)
    return row


def _submission_score(result: SubmissionResult, statuses: dict[str, str], rubric: Rubric
                      ) -> float | None:
    if result.status in ("error", "timeout"):
        return None
    if result.status in ("no_terraform", "parse_error"):
        return 0.0
    score = weighted_score(statuses, rubric)
    return 100.0 if score is None else score


def feedback_text(result: SubmissionResult, rubric: Rubric) -> str:
    """The failed checks' messages, most severe first, as short lines a model can learn from."""
    lines: list[str] = []
    if result.status in ("error", "timeout"):
        lines.append(f"{result.status}: {result.message}")
    failed = [r for r in result.results
              if r.status == "fail" and rubric.entries.get(r.check_id)
              and rubric.entries[r.check_id].enabled]
    failed.sort(key=lambda r: (_SEVERITY_ORDER[rubric.entries[r.check_id].severity], r.check_id))
    for check_result in failed:
        messages = list(dict.fromkeys(f.message for f in check_result.findings))
        shown = messages[:_FEEDBACK_PER_CHECK]
        more = len(messages) - len(shown)
        suffix = f" (+{more} more)" if more > 0 else ""
        lines.append(f"{check_result.check_id}: {' '.join(shown)}{suffix}")
    return "\n".join(lines)


def finding_rows(result: SubmissionResult, rubric: Rubric, registry: CheckRegistry
                 ) -> list[dict[str, Any]]:
    rows = []
    for check_result in result.results:
        entry = rubric.entries.get(check_result.check_id)
        if entry is None or not entry.enabled or check_result.status != "fail":
            continue
        category = registry.get(check_result.check_id).category
        for item in check_result.findings:
            rows.append({
                "submission_id": result.submission_id,
                "check_id": item.check_id,
                "category": category,
                "severity": entry.severity,
                "file": mask_text(item.file, result.secrets),
                "line": item.line,
                "resource": mask_text(item.resource, result.secrets),
                "region": item.region,
                "message": mask_text(item.message, result.secrets),
            })
    return rows


def scores_frame(rows: list[dict[str, Any]], meta_columns: list[str],
                 registry: CheckRegistry) -> pd.DataFrame:
    columns = ["submission_id", *meta_columns, "status", "score", "reward", *CATEGORIES,
               *registry.ids(), "n_findings", "feedback"]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("score", "reward", *CATEGORIES):
        frame[name] = frame[name].astype("float64")
    frame["n_findings"] = frame["n_findings"].astype("int64")
    return frame


def findings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["line"] = frame["line"].astype("int64")
    return frame


def meta_columns_of(results: Iterable[SubmissionResult]) -> list[str]:
    """Metadata fields in order of first appearance, minus names the table already uses."""
    reserved = {"submission_id", "status", "score", "reward", "n_findings", "feedback",
                *CATEGORIES}
    seen: dict[str, None] = {}
    for result in results:
        for key in result.meta:
            if key not in reserved and not key.startswith(("SEC-", "NET-", "HA-", "IAC-")):
                seen.setdefault(key, None)
    return list(seen)


def _rounded(value: float | None, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(value, digits)


# --- files -------------------------------------------------------------------------------------


def write_table(frame: pd.DataFrame, path_without_suffix: Path, fmt: str) -> Path:
    """Write a table atomically (temporary file, then rename) in csv, jsonl or parquet."""
    path = path_without_suffix.with_suffix(f".{fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        if fmt == "csv":
            frame.to_csv(temporary, index=False, lineterminator="\n")
        elif fmt == "jsonl":
            frame.to_json(temporary, orient="records", lines=True, force_ascii=False)
        elif fmt == "parquet":
            frame.to_parquet(temporary, index=False)
        else:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def read_table(path_without_suffix: Path) -> tuple[pd.DataFrame, str]:
    for fmt in FORMATS:
        path = path_without_suffix.with_suffix(f".{fmt}")
        if path.exists():
            if fmt == "csv":
                return pd.read_csv(path, keep_default_na=False, na_values=[""]), fmt
            if fmt == "jsonl":
                return pd.read_json(path, orient="records", lines=True), fmt
            return pd.read_parquet(path), fmt
    raise FileNotFoundError(f"no {path_without_suffix.name}.csv/.jsonl/.parquet in "
                            f"{path_without_suffix.parent}")


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(temporary, path)
