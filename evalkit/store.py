"""What a run keeps on disk besides its tables: the results journal and the result cache.

`DIR/results.jsonl` holds one graded submission per line (per-check statuses and findings,
already masked) in input order. It is appended as results complete, so an interrupted run can
resume, and it is what `evalkit rescore` recomputes scores from without parsing anything.

The cache maps a submission's content (its files, evalkit's code and the parser version) to
its per-check results, so a re-run over mostly unchanged data skips parsing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from evalkit.engine import SubmissionResult, masked
from evalkit.records import CheckResult, Finding, Submission
from evalkit.terraform.parse import default_parser

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
    return data | _with_coverage(result)


def _with_coverage(result: SubmissionResult) -> dict[str, Any]:
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
    from evalkit.results import publish

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


# --- the cache ---------------------------------------------------------------------------------


@cache
def code_fingerprint() -> str:
    """Hash of evalkit's own source and the parser version: a cache entry made by other code
    must never be reused."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")) + sorted(package.rglob("*.yaml")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for distribution in ("python-hcl2", "lark"):
        try:
            digest.update(f"{distribution}={metadata.version(distribution)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(distribution.encode())
    return digest.hexdigest()


def content_key(submission: Submission) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    for name in sorted(submission.files):
        digest.update(b"\0" + name.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(submission.files[name].encode("utf-8", "surrogatepass"))
    # A record's reference and requirements are part of its result (its coverage).
    if submission.reference is not None:
        for name in sorted(submission.reference):
            digest.update(b"\1" + name.encode("utf-8", "surrogatepass") + b"\0")
            digest.update(submission.reference[name].encode("utf-8", "surrogatepass"))
    if submission.requires is not None:
        digest.update(b"\2" + json.dumps(list(submission.requires)).encode())
    # Both parsers give the same results; a result is still kept apart by the one that made it.
    digest.update(b"\3" + default_parser().encode())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    configured = os.environ.get("EVALKIT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evalkit"


class ResultCache:
    """Per-check results by content key, in one SQLite file that several runs may share.

    The file is in WAL mode, so reading never waits for a writer, and writes are short: new
    entries are buffered and written in one brief transaction every `_FLUSH_EVERY` entries or
    `_FLUSH_SECONDS`. When another run holds the write lock past `timeout` seconds, the
    entries stay buffered and are written at the next flush, and `close` retries before it
    gives up on them, saying how many were not cached. Only a cache that cannot be used at
    all (an unreadable, read-only or corrupt file) is dropped, once, with a note on stderr:
    the cache only ever saves time.
    """

    _FLUSH_EVERY = 256
    _FLUSH_SECONDS = 5.0
    _MAX_BUFFERED = 20_000  # entries held while the file stays locked, before giving up
    _CLOSE_ATTEMPTS = 4

    def __init__(self, directory: Path, timeout: float = 10.0) -> None:
        self._db: sqlite3.Connection | None = None
        self._buffer: dict[str, str] = {}
        self._flushed = time.monotonic()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # Autocommit: a transaction is open only while a flush writes, never in between.
            self._db = sqlite3.connect(
                directory / "results.sqlite3", timeout=timeout, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            if not self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'results'"
            ).fetchone():
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT)"
                )
        except (OSError, sqlite3.Error) as error:
            self._give_up(error)

    def get(self, key: str) -> dict[str, Any] | None:
        if self._db is None:
            return None
        if key in self._buffer:
            return json.loads(self._buffer[key])
        try:
            row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
            return json.loads(row[0]) if row else None
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                return None  # a miss costs one grading; the cache stays in use
            self._give_up(error)
            return None
        except (sqlite3.Error, json.JSONDecodeError) as error:
            self._give_up(error)
            return None

    def put(self, key: str, result: SubmissionResult) -> None:
        if self._db is None:
            return
        value = {
            "status": result.status,
            "message": result.message,
            "checks": result_to_dict(result)["checks"],
            "files": result.files,
        } | _with_coverage(result)
        self._buffer[key] = json.dumps(value, sort_keys=True)
        due = time.monotonic() - self._flushed > self._FLUSH_SECONDS
        if len(self._buffer) >= self._FLUSH_EVERY or due:
            self.flush()

    def flush(self) -> bool:
        """Write buffered entries; False when the file stayed locked (they stay buffered)."""
        if self._db is None or not self._buffer:
            return True
        self._flushed = time.monotonic()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO results VALUES (?, ?)", list(self._buffer.items())
            )
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as error:
            self._rollback()
            if not _is_busy(error):
                self._give_up(error)
                return False
            if len(self._buffer) > self._MAX_BUFFERED:
                self._give_up(error)
            return False
        except sqlite3.Error as error:
            self._rollback()
            self._give_up(error)
            return False
        self._buffer.clear()
        return True

    def close(self) -> None:
        if self._db is None:
            return
        for _ in range(self._CLOSE_ATTEMPTS):
            if self.flush() or self._db is None:
                break
        if self._buffer and self._db is not None:
            print(
                f"evalkit: result cache busy (another run holds its lock); "
                f"{len(self._buffer)} results of this run were not cached",
                file=sys.stderr,
            )
        self._buffer.clear()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    def _rollback(self) -> None:
        if self._db is not None and self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def _give_up(self, error: BaseException) -> None:
        print(f"evalkit: result cache unavailable, continuing without it: {error}", file=sys.stderr)
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None
        self._buffer.clear()


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def cached_result(submission: Submission, value: dict[str, Any]) -> SubmissionResult:
    """A result for `submission` from a cache entry made for the same content."""
    data = {
        "id": submission.id,
        "meta": dict(submission.meta),
        "seconds": 0.0,
        "problems": list(submission.problems),
        **value,
    }
    return masked(replace(result_from_dict(data), files=value.get("files", {})), ())
