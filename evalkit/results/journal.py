"""What a run keeps on disk besides its tables: the results journal.

`DIR/results.jsonl` holds one graded submission per line (per-check statuses and findings,
already masked) in input order. It is appended as results complete, so an interrupted run can
resume, and it is what `evalkit rescore` recomputes scores from without parsing anything. The
result cache (`evalkit.running.cache`) stores results in the same form.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from evalkit.records import CheckResult, Finding, SubmissionResult

JOURNAL_NAME = "results.jsonl"
_FSYNC_EVERY_SECONDS = 2.0


# --- serialisation -----------------------------------------------------------------------------


def result_to_dict(result: SubmissionResult) -> dict[str, Any]:
    data = {
        "id": result.submission_id,
        "meta": result.meta,
        "status": result.status,
        "message": result.message,
        "seconds": round(result.seconds, 6),
        "problems": list(result.problems),
        "checks": [_check_to_dict(r) for r in result.results],
    } | ({"waived": list(result.waived)} if result.waived else {})
    return data | coverage_field(result)


def coverage_field(result: SubmissionResult) -> dict[str, Any]:
    return {} if result.coverage is None else {"coverage": result.coverage}


def journal_line(result: SubmissionResult) -> str:
    """One journal line: keys sorted, except that the metadata keeps the record's field order,
    which is the order of the metadata columns in the scores table."""
    data = result_to_dict(result)
    meta = json.dumps(data.pop("meta"), ensure_ascii=False)
    rest = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return '{"meta": ' + meta + ", " + rest[1:]


def _check_to_dict(result: CheckResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": result.check_id, "status": result.status}
    if result.findings:
        entry["findings"] = [
            [f.file, f.line, f.resource, f.region, f.message] for f in result.findings
        ]
    if result.note:
        entry["note"] = result.note
    return entry


def result_from_dict(data: dict[str, Any]) -> SubmissionResult:
    checks = tuple(
        CheckResult(
            c["id"],
            c["status"],
            tuple(
                Finding(c["id"], file, line, resource, message, region)
                for file, line, resource, region, message in c.get("findings", [])
            ),
            c.get("note", ""),
        )
        for c in data["checks"]
    )
    return SubmissionResult(
        data["id"],
        data.get("meta", {}),
        data["status"],
        data.get("message", ""),
        checks,
        data.get("seconds", 0.0),
        tuple(data.get("problems", [])),
        tuple(data.get("waived", [])),
        data.get("coverage"),
    )


# --- the journal -------------------------------------------------------------------------------


class Journal:
    """Append-only results file; survives `kill -9` up to the last complete line."""

    def __init__(self, path: Path, header: dict[str, Any], resume: bool) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = read_journal_header(path) if resume and path.exists() else None
        if existing is not None and existing != header:
            raise JournalMismatch(
                f"{path} was written for other input or settings; run without --resume "
                "to start over, or repeat the original command"
            )
        if existing is None:
            with path.open("w", encoding="utf-8") as out:
                out.write(json.dumps({"header": header}, sort_keys=True) + "\n")
        else:
            _truncate_partial_line(path)
        self.done = {r.submission_id for r in iter_journal(path)} if existing else set()
        self._out: TextIO = path.open("a", encoding="utf-8")
        self._synced = time.monotonic()

    def append(self, result: SubmissionResult) -> None:
        self._out.write(journal_line(result) + "\n")
        self._out.flush()
        if time.monotonic() - self._synced > _FSYNC_EVERY_SECONDS:
            os.fsync(self._out.fileno())
            self._synced = time.monotonic()

    def close(self) -> None:
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()


class JournalMismatch(ValueError):
    pass


class ExistingRun(ValueError):
    """The output directory already holds a run, and neither resuming nor overwriting it was
    asked for: writing there would throw the finished work away."""


RUN_FILES = ("run.json", "scores.csv", "scores.jsonl", "scores.parquet")


def holds_run(directory: Path) -> bool:
    """Whether `directory` holds results of a run (finished or interrupted)."""
    journal = directory / JOURNAL_NAME
    if journal.is_file():
        with journal.open("rb") as source:
            source.readline()  # the header alone: a run that stopped before any result
            if source.readline():
                return True
    return any((directory / name).is_file() for name in RUN_FILES)


def refuse_existing_run(directory: Path, resume: bool, overwrite: bool) -> None:
    if resume or overwrite or not holds_run(directory):
        return
    raise ExistingRun(
        f"{directory} already holds a run; use --resume to continue it, or --overwrite to "
        "start over"
    )


def write_journal(path: Path, header: dict[str, Any], results: Iterator[SubmissionResult]) -> None:
    """A complete journal at `path`, written aside and moved into place (the results may be
    read from the file being replaced)."""
    from evalkit.results.tables import publish

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(json.dumps({"header": header}, sort_keys=True) + "\n")
            for result in results:
                out.write(journal_line(result) + "\n")
    except BaseException:
        os.unlink(temporary)
        raise
    publish(temporary, path)


def read_journal_header(path: Path) -> dict[str, Any] | None:
    with path.open(encoding="utf-8") as source:
        first = source.readline()
    try:
        return json.loads(first).get("header")
    except (json.JSONDecodeError, AttributeError):
        return None


def iter_journal(path: Path) -> Iterator[SubmissionResult]:
    """Results in the journal, in order; a torn last line (a crash mid-write) is ignored."""
    with path.open(encoding="utf-8") as source:
        source.readline()
        for line in source:
            if not line.endswith("\n"):
                break
            yield result_from_dict(json.loads(line))


def _truncate_partial_line(path: Path) -> None:
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with path.open("r+b") as out:
            out.truncate(end)
