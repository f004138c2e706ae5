"""The result cache: per-check results by a submission's content, shared by runs.

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
import time
from dataclasses import replace
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from evalkit.masking import masked
from evalkit.records import Submission, SubmissionResult
from evalkit.results.journal import coverage_field, result_from_dict, result_to_dict


@cache
def code_fingerprint() -> str:
    """Hash of evalkit's own source and the parser version: a cache entry made by other code
    must never be reused."""
    digest = hashlib.sha256()
    package = Path(__file__).parents[1]  # the evalkit package, whatever stage holds this module
    for path in sorted(package.rglob("*.py")) + sorted(package.rglob("*.yaml")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    # Imported here: reading results back (rescore, report) must not load the parser.
    from evalkit.terraform.parse import PARSER_DISTRIBUTIONS

    for distribution in PARSER_DISTRIBUTIONS:
        try:
            digest.update(f"{distribution}={metadata.version(distribution)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(distribution.encode())
    return digest.hexdigest()


def content_key(
    submission: Submission, parser: str | None = None, across_processes: bool = True
) -> str:
    """The key of `submission`'s result graded with `parser` (None: the process default).

    A key kept only in this process (`across_processes` False) leaves out the code's
    fingerprint: the code cannot change while the process runs, and hashing it (some 20 ms)
    is a cost a reward function without a disk cache need not pay."""
    digest = hashlib.sha256(code_fingerprint().encode() if across_processes else b"")
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
    from evalkit.terraform.parse import default_parser

    digest.update(b"\3" + (parser or default_parser()).encode())
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
        } | coverage_field(result)
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
