"""Results as pandas DataFrames, and the files a run writes (scores, findings, run.json).

Column order and formatting are a contract (see docs/outputs.md): training pipelines join on
`scores.csv`, and the same input and rubric must give byte-identical tables.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.checks.metadata import CheckTable
from evalkit.grading.rubric import Rubric, weighted_score
from evalkit.masking import mask_text
from evalkit.records import CATEGORIES, SUBMISSION_STATUSES, ZERO_STATUSES, SubmissionResult
from evalkit.results.coverage import coverage_of, has_coverage_column, missing_text
from evalkit.results.summary import CHECK_COLUMNS, CHECK_TYPES, check_rows

FINDING_COLUMNS = [
    "submission_id",
    "check_id",
    "category",
    "severity",
    "file",
    "line",
    "resource",
    "region",
    "message",
]
FORMATS = ("csv", "jsonl", "parquet")
_FLOAT_COLUMNS = ("score", "coverage", "reward", *CATEGORIES)
_FEEDBACK_PER_CHECK = 3
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def score_row(
    result: SubmissionResult, rubric: Rubric, registry: CheckTable, meta_columns: list[str]
) -> dict[str, Any]:
    """One `scores.csv` row for a graded submission."""
    statuses = {r.check_id: r.status for r in result.results}
    enabled_statuses = {
        cid: (status if counts(result, rubric, cid) else "n/a")
        for cid, status in statuses.items()
        if cid in rubric.entries
    }
    row: dict[str, Any] = {"submission_id": result.submission_id}
    for column in meta_columns:
        row[column] = result.meta.get(column)
    row["status"] = result.status
    score = _submission_score(result, enabled_statuses, rubric)
    if has_coverage(result, rubric):
        covered = coverage_of(result.coverage) if score is not None else None
        if covered is not None and rubric.coverage == "multiply" and score is not None:
            score *= covered
        row["coverage"] = _rounded(covered, 4)
    row["score"] = _rounded(score, 2)
    row["reward"] = _rounded(None if score is None else score / 100.0, 4)
    for category in CATEGORIES:
        ids = [c.id for c in registry if c.category == category]
        category_score = (
            None
            if result.status in ("error", "timeout")
            else weighted_score(enabled_statuses, rubric, ids)
        )
        if result.status in ZERO_STATUSES:
            category_score = 0.0 if category == "iac" else None
        row[category] = _rounded(category_score, 2)
    for check in registry:
        row[check.id] = enabled_statuses.get(check.id, "n/a")
    findings = [
        f for r in result.results if enabled_statuses.get(r.check_id) == "fail" for f in r.findings
    ]
    row["n_findings"] = len(findings)
    row["feedback"] = mask_text(feedback_text(result, rubric))
    return row


def has_coverage(result: SubmissionResult, rubric: Rubric) -> bool:
    """Whether the result carries what coverage is computed from and the rubric reports it."""
    return result.coverage is not None and rubric.coverage != "off"


def counts(result: SubmissionResult, rubric: Rubric, check_id: str) -> bool:
    """Whether a check's verdict counts for this submission: enabled in the rubric and not
    waived for it (a waived or disabled check is reported as n/a)."""
    entry = rubric.entries.get(check_id)
    return entry is not None and entry.enabled and check_id not in result.waived


def _submission_score(
    result: SubmissionResult, statuses: Mapping[str, str], rubric: Rubric
) -> float | None:
    if result.status in ("error", "timeout"):
        return None
    if result.status in ZERO_STATUSES:
        return 0.0
    score = weighted_score(statuses, rubric)
    return 100.0 if score is None else score


def feedback_text(result: SubmissionResult, rubric: Rubric) -> str:
    """The failed checks' messages, most severe first, as short lines a model can learn from."""
    lines: list[str] = []
    if result.status in ("error", "timeout"):
        lines.append(f"{result.status}: {result.message}")
    covered = coverage_of(result.coverage) if has_coverage(result, rubric) else None
    if covered is not None and covered < 1 and result.status not in ("error", "timeout"):
        lines.append(f"coverage {covered:.2f}: {missing_text(result.coverage or {})}")
    failed = [
        r for r in result.results if r.status == "fail" and counts(result, rubric, r.check_id)
    ]
    failed.sort(key=lambda r: (_SEVERITY_ORDER[rubric.entries[r.check_id].severity], r.check_id))
    for check_result in failed:
        messages = list(dict.fromkeys(f.message for f in check_result.findings))
        shown = messages[:_FEEDBACK_PER_CHECK]
        more = len(messages) - len(shown)
        suffix = f" (+{more} more)" if more > 0 else ""
        lines.append(f"{check_result.check_id}: {' '.join(shown)}{suffix}")
    return "\n".join(lines)


def finding_rows(
    result: SubmissionResult, rubric: Rubric, registry: CheckTable
) -> list[dict[str, Any]]:
    rows = []
    for check_result in result.results:
        if check_result.status != "fail" or not counts(result, rubric, check_result.check_id):
            continue
        entry = rubric.entries[check_result.check_id]
        category = registry.get(check_result.check_id).category
        for item in check_result.findings:
            rows.append(
                {
                    "submission_id": result.submission_id,
                    "check_id": item.check_id,
                    "category": category,
                    "severity": entry.severity,
                    "file": item.file,
                    "line": item.line,
                    "resource": item.resource,
                    "region": item.region,
                    "message": item.message,
                }
            )
    return rows


def scores_frame(
    rows: list[dict[str, Any]],
    meta_columns: list[str],
    registry: CheckTable,
    coverage: bool = False,
) -> pd.DataFrame:
    return typed_scores_frame(rows, scores_columns(meta_columns, registry, coverage))


def scores_columns(
    meta_columns: list[str], registry: CheckTable, coverage: bool = False
) -> list[str]:
    """The scores table's columns in order: its own, with the metadata after `submission_id`;
    `coverage` right after `score` when the run measures it."""
    return [
        "submission_id",
        *meta_columns,
        "status",
        "score",
        *(["coverage"] if coverage else []),
        "reward",
        *CATEGORIES,
        *registry.ids(),
        "n_findings",
        "feedback",
    ]


def typed_scores_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """The scores table's dtypes, the same for a fresh run and a loaded one: float64 scores,
    int64 ``n_findings``, and object for the rest."""
    # object dtype keeps metadata as given (an int column with gaps stays ints, not floats)
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    for name in _float_columns(columns):
        if name in frame.columns:
            frame[name] = frame[name].astype("float64")
    if "n_findings" in frame.columns:
        frame["n_findings"] = frame["n_findings"].astype("int64")
    return frame


def _float_columns(columns: list[str]) -> tuple[str, ...]:
    """The table's float columns; `coverage` only where it is the measured column, right after
    `score` (a metadata field of that name in a run without references stays as it is)."""
    measured = has_coverage_column(columns)
    return tuple(c for c in _FLOAT_COLUMNS if c != "coverage" or measured)


def findings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["line"] = frame["line"].astype("int64")
    return frame


def meta_columns_of(
    results: Iterable[SubmissionResult], registry: CheckTable, coverage: bool = False
) -> list[str]:
    """Metadata fields in order of first appearance, minus names the table already uses
    (its own columns, `coverage` in a run that measures it, and the registered check IDs)."""
    reserved = set(scores_columns([], registry, coverage))
    seen: dict[str, None] = {}
    for result in results:
        for key in result.meta:
            if key not in reserved:
                seen.setdefault(key, None)
    return list(seen)


def _rounded(value: float | None, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(value, digits)


# --- files -------------------------------------------------------------------------------------


class TableWriter:
    """Writes rows to ``<path>.<fmt>`` as they come, atomically (temporary file, then rename).

    Memory stays flat: CSV and JSONL rows go straight to disk, Parquet in row groups.
    `types` maps a column to "str", "int", "float" or "bool" (needed by Parquet).
    """

    _BATCH = 2048

    def __init__(
        self, path_without_suffix: Path, fmt: str, columns: list[str], types: dict[str, str]
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.path = path_without_suffix.with_suffix(f".{fmt}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fmt, self.columns, self.types = fmt, columns, types
        handle, self._temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}."
        )
        os.close(handle)
        self._batch: list[dict[str, Any]] = []
        self._parquet: Any = None
        self._text: Any = None
        if fmt == "csv":
            self._text = open(self._temporary, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._csv = csv.writer(self._text, lineterminator="\n")
            self._csv.writerow(columns)
        elif fmt == "jsonl":
            self._text = open(self._temporary, "w", encoding="utf-8")  # noqa: SIM115

    def write(self, row: dict[str, Any]) -> None:
        values = {c: _plain(row.get(c)) for c in self.columns}
        if self.fmt == "csv":
            self._csv.writerow(
                ["" if values[c] is None else _csv_text(values[c]) for c in self.columns]
            )
        elif self.fmt == "jsonl":
            self._text.write(json.dumps(values, ensure_ascii=False) + "\n")
        else:
            self._batch.append(values)
            if len(self._batch) >= self._BATCH:
                self._flush_parquet()

    def close(self) -> Path:
        if self.fmt == "parquet":
            self._flush_parquet(final=True)
            self._parquet.close()
        else:
            self._text.close()
        publish(self._temporary, self.path)
        return self.path

    def abort(self) -> None:
        if self._text is not None and not self._text.closed:
            self._text.close()
        if os.path.exists(self._temporary):
            os.unlink(self._temporary)

    def _flush_parquet(self, final: bool = False) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._batch and not (final and self._parquet is None):
            return
        schema = pa.schema([(c, _ARROW_TYPES[self.types.get(c, "str")]()) for c in self.columns])
        table = pa.Table.from_pylist(self._batch, schema=schema)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._temporary, schema)
        self._parquet.write_table(table)
        self._batch = []


def _arrow_types() -> dict[str, Any]:
    import pyarrow as pa

    return {"str": pa.string, "int": pa.int64, "float": pa.float64, "bool": pa.bool_}


class _LazyArrowTypes(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        self.update(_arrow_types())
        return self[key]


_ARROW_TYPES = _LazyArrowTypes()


def _plain(value: Any) -> Any:
    """NaN and pandas' missing values become None; numpy scalars become Python scalars."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def _csv_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def column_types(values_of: Callable[[str], Iterable[Any]], columns: list[str]) -> dict[str, str]:
    """The narrowest of bool/int/float/str that holds every value of each column."""
    types: dict[str, str] = {}
    for column in columns:
        values = [v for v in (_plain(v) for v in values_of(column)) if v is not None]
        types[column] = _narrowest(values)
    return types


def _narrowest(values: list[Any]) -> str:
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "float"
    return "str"


def write_table(frame: pd.DataFrame, path_without_suffix: Path, fmt: str) -> Path:
    """Write a DataFrame with the same writer that streaming runs use."""
    columns = [str(column) for column in frame.columns]
    types = column_types(lambda c: frame[c].tolist(), columns)
    writer = TableWriter(path_without_suffix, fmt, columns, types)
    try:
        for record in frame.to_dict(orient="records"):
            row = {str(k): v for k, v in record.items()}
            if fmt != "csv":
                row = {k: _typed(v, types[k]) for k, v in row.items()}
            writer.write(row)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _typed(value: Any, kind: str) -> Any:
    value = _plain(value)
    if value is None:
        return None
    if kind == "str" and not isinstance(value, str):
        return str(value)
    if kind == "float":
        return float(value)
    return value


def meta_types(scores: pd.DataFrame) -> dict[str, str]:
    """Kind (str/int/float/bool) of each metadata column, recorded in run.json so that a CSV
    reads back with the types it was written from (``"007"`` stays text)."""
    columns = list(scores.columns)
    meta = columns[1 : columns.index("status")] if "status" in columns else []
    return column_types(lambda c: scores[c].tolist(), meta)


def read_scores(directory: Path, types: dict[str, str] | None = None) -> pd.DataFrame:
    """The scores table of a run directory, with the dtypes of a freshly scored run.

    `types` gives metadata columns' kinds (run.json's ``column_types``); without one, a
    CSV column's type is what pandas infers (runs written before types were recorded).
    """
    rows, columns, fmt = _read_rows(directory / "scores")
    meta = columns[1 : columns.index("status")] if "status" in columns else []
    known = dict(types or {})
    fixed = {c: "str" for c in columns if c not in meta} | dict.fromkeys(_FLOAT_COLUMNS, "float")
    fixed["n_findings"] = "int"
    kinds = fixed | {c: known[c] for c in meta if c in known}
    typed = _typed_rows(rows, kinds, fmt)
    if "feedback" in columns:
        # CSV cannot tell an empty feedback from a missing one; a row's feedback is never None.
        for row in typed:
            row["feedback"] = row.get("feedback") or ""
    frame = typed_scores_frame(typed, columns)
    guessed = [c for c in meta if c not in known]
    if guessed and fmt == "csv":
        inferred = pd.read_csv(
            directory / "scores.csv", usecols=guessed, keep_default_na=False, na_values=[""]
        )
        for column in guessed:
            values = [_plain(v) for v in inferred[column].tolist()]
            frame[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def read_findings(directory: Path) -> pd.DataFrame:
    """The findings table of a run directory, with the dtypes of a freshly scored run."""
    rows, columns, fmt = _read_rows(directory / "findings")
    # A finding's text columns are never missing, only empty ("" file: the whole answer).
    kinds = {c: "text" for c in columns} | {"line": "int"}
    typed = _typed_rows(rows, kinds, fmt)
    if columns == FINDING_COLUMNS:
        return findings_frame(typed)
    return pd.DataFrame(typed, columns=columns)


def read_checks(directory: Path) -> pd.DataFrame:
    """The long check table of a run directory (`evalkit.results.summary`), typed as when scored."""
    rows, columns, fmt = _read_rows(directory / "checks")
    kinds = {c: "text" for c in columns} | {"weight": "float", "points_lost": "float"}
    frame = pd.DataFrame(_typed_rows(rows, kinds, fmt), columns=columns)
    for column in ("weight", "points_lost"):
        if column in frame:
            frame[column] = frame[column].astype("float64")
    return frame


def _read_rows(path_without_suffix: Path) -> tuple[list[dict[str, Any]], list[str], str]:
    """Rows as Python values, the column order, and the format found."""
    for fmt in FORMATS:
        path = path_without_suffix.with_suffix(f".{fmt}")
        if not path.exists():
            continue
        if fmt == "csv":
            with path.open(encoding="utf-8", newline="") as source:
                reader = csv.reader(source)
                columns = next(reader, [])
                return [dict(zip(columns, row, strict=False)) for row in reader], columns, fmt
        if fmt == "jsonl":
            with path.open(encoding="utf-8") as source:
                rows = [json.loads(line) for line in source if line.strip()]
            return rows, list(rows[0]) if rows else _header_of_empty(path), fmt
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        return table.to_pylist(), table.column_names, fmt
    raise FileNotFoundError(
        f"no {path_without_suffix.name}.csv/.jsonl/.parquet in {path_without_suffix.parent}"
    )


def _header_of_empty(path: Path) -> list[str]:
    return list(pd.read_json(path, orient="records", lines=True).columns)


def _typed_rows(
    rows: list[dict[str, Any]], kinds: dict[str, str], fmt: str
) -> list[dict[str, Any]]:
    convert = _from_text if fmt == "csv" else _from_value
    return [{k: convert(v, kinds.get(k)) for k, v in row.items()} for row in rows]


def _from_text(text: str, kind: str | None) -> Any:
    if kind == "text":
        return text
    if text == "":
        return None
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return text == "True"
    return text


def _from_value(value: Any, kind: str | None) -> Any:
    value = _plain(value)
    if value is None:
        return None
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def read_table(path_without_suffix: Path) -> tuple[pd.DataFrame, str]:
    for fmt in FORMATS:
        path = path_without_suffix.with_suffix(f".{fmt}")
        if path.exists():
            if fmt == "csv":
                return pd.read_csv(path, keep_default_na=False, na_values=[""]), fmt
            if fmt == "jsonl":
                return pd.read_json(path, orient="records", lines=True), fmt
            return pd.read_parquet(path), fmt
    raise FileNotFoundError(
        f"no {path_without_suffix.name}.csv/.jsonl/.parquet in {path_without_suffix.parent}"
    )


def publish(temporary: str | Path, path: Path) -> None:
    """Move a finished temporary file into place atomically, with ordinary permissions.

    Temporary files are created private (0600); the published file gets the mode any new
    file would get under the user's umask, so colleagues and pipelines can read it.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    os.replace(temporary, path)


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True)
        out.write("\n")
    publish(temporary, path)


# --- streaming a whole run ---------------------------------------------------------------------


class RunTally:
    """Counts gathered while the tables are written: the run summary without a DataFrame."""

    def __init__(self, registry: CheckTable) -> None:
        self.categories = {c.id: c.category for c in registry}
        self.status: dict[str, int] = dict.fromkeys(SUBMISSION_STATUSES, 0)
        self.submissions = 0
        self.findings = 0
        self.score_total = 0.0
        self.scored = 0
        self.coverage_total = 0.0
        self.covered = 0  # submissions with a defined coverage
        self.measures_coverage = False  # the table has the coverage column
        self.applies: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
        self.failed: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
        self.meta_types: dict[str, str] = {}

    def add(self, row: dict[str, Any]) -> None:
        self.submissions += 1
        self.status[row["status"]] = self.status.get(row["status"], 0) + 1
        self.findings += row["n_findings"]
        if row["score"] is not None:
            self.score_total += row["score"]
            self.scored += 1
        if self.measures_coverage and row.get("coverage") is not None:
            self.coverage_total += row["coverage"]
            self.covered += 1
        if row["status"] in ("error", "timeout"):
            return
        for category in CATEGORIES:
            ids = [cid for cid, cat in self.categories.items() if cat == category]
            verdicts = [row[cid] for cid in ids]
            if any(v != "n/a" for v in verdicts):
                self.applies[category] += 1
                if "fail" in verdicts:
                    self.failed[category] += 1

    @property
    def mean_score(self) -> float:
        return self.score_total / self.scored if self.scored else float("nan")

    @property
    def mean_coverage(self) -> float | None:
        """Mean coverage over submissions where it is defined; None when it is nowhere."""
        return self.coverage_total / self.covered if self.covered else None

    def failure_rates(self) -> pd.DataFrame:
        rows = [
            {
                "category": c,
                "n": self.applies[c],
                "failed": self.failed[c],
                "failure_rate": self.failed[c] / self.applies[c]
                if self.applies[c]
                else float("nan"),
            }
            for c in CATEGORIES
            if any(cat == c for cat in self.categories.values())
        ]
        return pd.DataFrame(rows, columns=["category", "n", "failed", "failure_rate"])


def write_run_tables(
    results: Callable[[], Iterable[SubmissionResult]],
    rubric: Rubric,
    registry: CheckTable,
    out: Path,
    fmt: str,
) -> RunTally:
    """Write scores and findings tables from re-iterable results, in two streaming passes.

    The first pass learns the metadata columns and their types (the column order depends on
    every record), the second writes rows; neither keeps results in memory.
    """
    meta_columns: dict[str, None] = {}
    meta_values: dict[str, list[Any]] = {}
    coverage = False
    for result in results():
        coverage = coverage or has_coverage(result, rubric)
        for column in meta_columns_of([result], registry):
            meta_columns.setdefault(column, None)
            value = _plain(result.meta.get(column))
            kinds = meta_values.setdefault(column, [])
            if value is not None and (not kinds or type(kinds[-1]) is not type(value)):
                kinds.append(value)
    columns_meta = [c for c in meta_columns if not (coverage and c == "coverage")]
    score_columns = scores_columns(columns_meta, registry, coverage)
    types = {c: "str" for c in score_columns}
    types.update({c: _narrowest(meta_values.get(c, [])) for c in columns_meta})
    types.update(dict.fromkeys(_float_columns(score_columns), "float"))
    types["n_findings"] = "int"
    finding_types = {c: "str" for c in FINDING_COLUMNS} | {"line": "int"}
    tally = RunTally(registry)
    tally.meta_types = {c: types[c] for c in columns_meta}
    tally.measures_coverage = coverage
    scores = TableWriter(out / "scores", fmt, score_columns, types)
    findings = TableWriter(out / "findings", fmt, FINDING_COLUMNS, finding_types)
    checks = TableWriter(out / "checks", fmt, CHECK_COLUMNS, CHECK_TYPES)
    try:
        for result in results():
            row = score_row(result, rubric, registry, columns_meta)
            tally.add(row)
            verdicts = {cid: row[cid] for cid in registry.ids()}
            if fmt != "csv":
                row = {k: _typed(v, types[k]) for k, v in row.items()}
            scores.write(row)
            for finding in finding_rows(result, rubric, registry):
                findings.write(finding)
            for check_row in check_rows(
                result.submission_id, result.status, verdicts, rubric, registry
            ):
                checks.write(check_row)
    except BaseException:
        scores.abort()
        findings.abort()
        checks.abort()
        raise
    scores.close()
    findings.close()
    checks.close()
    return tally
