"""Streaming readers for record files: JSONL, JSON, CSV and Parquet.

Each reader yields `RawRecord`s one at a time so a large file is never held in memory
(JSON arrays excepted: the format has no record boundaries to stream on). A record that
cannot be parsed becomes a `RawRecord` with an error, and the rest of the file is still
read; only a file that cannot be opened as its format at all raises `DatasetError`.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from evalkit.dataset.config import DatasetError
from evalkit.dataset.textfiles import bom_encoding, decode_bytes

TABLE_SUFFIXES: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Counting records means reading the whole file for CSV and JSON; past this size the
# count is left unknown rather than delaying the start of a run.
_COUNT_READ_LIMIT_BYTES = 64 * 1024 * 1024
_PARQUET_BATCH_ROWS = 256
_UNDECODABLE = "\ufffd"
# Codecs that consume the byte-order mark, so it never sticks to the first field name.
_BOM_READING_CODECS = {
    "utf-8": "utf-8-sig",
    "utf-16-le": "utf-16",
    "utf-16-be": "utf-16",
    "utf-32-le": "utf-32",
    "utf-32-be": "utf-32",
}


@dataclass
class RawRecord:
    """One record as read from a file, before it becomes a `Submission`.

    `number` is the record's position: the line number in JSONL, the data row in CSV,
    the index (from 1) in JSON and Parquet. `error` is set when the record could not be
    parsed; `error_id` is then the id to report it under.
    """

    number: int
    data: dict[str, Any] | None
    error: str = ""
    error_id: str = ""
    problems: list[str] = field(default_factory=list)


def table_format(path: Path) -> str | None:
    """The record format implied by a file name, or None (``main.tf.json`` is not a table)."""
    name = path.name.lower()
    if name.endswith(".tf.json") or name.endswith(".tfvars.json"):
        return None
    return TABLE_SUFFIXES.get(path.suffix.lower())


def iter_records(path: Path, fmt: str) -> Iterator[RawRecord]:
    """Stream the records of `path` read as `fmt` (jsonl, json, csv or parquet)."""
    readers = {"jsonl": _iter_jsonl_file, "json": _iter_json, "csv": _iter_csv}
    if fmt == "parquet":
        return _iter_parquet(path)
    return readers[fmt](path)


def count_records(path: Path, fmt: str) -> int | None:
    """A cheap record count for a progress bar; None when it would cost a full parse."""
    try:
        if fmt == "jsonl":
            return _count_lines(path)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if path.stat().st_size > _COUNT_READ_LIMIT_BYTES:
            return None
        return sum(1 for _ in iter_records(path, fmt))
    except (OSError, DatasetError, ValueError):
        return None


# --------------------------------------------------------------------------------------
# JSONL


def _open_binary(path: Path) -> IO[bytes]:
    return path.open("rb")


def _iter_jsonl_file(path: Path) -> Iterator[RawRecord]:
    try:
        handle = _open_binary(path)
    except OSError as error:
        raise DatasetError(f"{path}: cannot read ({error.strerror or error})") from error
    with handle:
        yield from iter_jsonl_records(handle, path.stem)


def iter_jsonl_records(stream: IO[bytes], stem: str) -> Iterator[RawRecord]:
    """Yield the records of a JSONL byte stream, reading it line by line.

    A line that is not a JSON object becomes an error record with id ``<stem>:line-<n>``;
    reading goes on with the next line.
    """
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    encoding, _ = bom_encoding(head)
    if encoding and encoding != "utf-8":
        # UTF-16/32 lines cannot be split on b"\n"; let the codec find line ends.
        codec = _BOM_READING_CODECS[encoding]
        text_lines: Iterable[str] = io.TextIOWrapper(stream, encoding=codec, errors="replace")
        for number, line in enumerate(text_lines, start=1):
            yield from _jsonl_line(line, number, stem, [])
        return
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text, problems = _decode_line(raw, number)
        yield from _jsonl_line(text, number, stem, problems)


def _decode_line(raw: bytes, number: int) -> tuple[str, list[str]]:
    """Decode one UTF-8 line; bad bytes are replaced so the rest of the record survives."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as error:
        note = f"line {number}: not valid UTF-8 at byte offset {error.start}; bad bytes replaced"
        return raw.decode("utf-8", errors="replace"), [note]


def _jsonl_line(line: str, number: int, stem: str, problems: list[str]) -> Iterator[RawRecord]:
    if not line.strip():
        return
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        message = f"line {number} is not valid JSON: {error.msg} (column {error.colno})"
        yield RawRecord(number, None, message, f"{stem}:line-{number}", problems)
        return
    if not isinstance(value, dict):
        message = f"line {number} is a JSON {_json_type(value)}, not an object"
        yield RawRecord(number, None, message, f"{stem}:line-{number}", problems)
        return
    yield RawRecord(number, value, problems=problems)


def _count_lines(path: Path) -> int | None:
    with path.open("rb") as handle:
        head = handle.read(4)
        encoding, _ = bom_encoding(head)
        if encoding and encoding != "utf-8":
            return None
        count = 0
        last = head
        count += head.count(b"\n")
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk
        if last and not last.endswith(b"\n"):
            count += 1
        return count


# --------------------------------------------------------------------------------------
# JSON


def _iter_json(path: Path) -> Iterator[RawRecord]:
    text, problems = _read_whole_text(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise DatasetError(
            f"{path}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise DatasetError(f"{path}: expected a JSON array of objects, found a {_json_type(value)}")
    for number, item in enumerate(value, start=1):
        if isinstance(item, dict):
            yield RawRecord(number, item, problems=list(problems))
        else:
            message = f"item {number} is a JSON {_json_type(item)}, not an object"
            yield RawRecord(number, None, message, f"{path.stem}:item-{number}")


def _read_whole_text(path: Path) -> tuple[str, list[str]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DatasetError(f"{path}: cannot read ({error.strerror or error})") from error
    decoded = decode_bytes(data, path.name)
    if decoded.text is None:
        raise DatasetError(f"{path}: binary data, not JSON text")
    return decoded.text, decoded.problems


def _json_type(value: object) -> str:
    names = {list: "array", dict: "object", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


# --------------------------------------------------------------------------------------
# CSV


def _raise_csv_field_limit() -> None:
    """Model answers easily exceed csv's default 128 KB field limit."""
    limit = min(sys.maxsize, 2**31 - 1)
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


def _iter_csv(path: Path) -> Iterator[RawRecord]:
    _raise_csv_field_limit()
    try:
        raw = path.open("rb")
    except OSError as error:
        raise DatasetError(f"{path}: cannot read ({error.strerror or error})") from error
    encoding, _ = bom_encoding(raw.peek(4)[:4])
    encoding = _BOM_READING_CODECS.get(encoding or "utf-8", "utf-8-sig")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="") as text:
        reader = csv.DictReader(text, delimiter=delimiter)
        yield from _csv_rows(reader, path.stem)


def _csv_rows(reader: csv.DictReader[str], stem: str) -> Iterator[RawRecord]:
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = f"row {number} cannot be read as CSV: {error}"
            yield RawRecord(number, None, message, f"{stem}:row-{number}")
            continue
        yield _csv_record(row, number)


def _csv_record(row: dict[Any, Any], number: int) -> RawRecord:
    problems: list[str] = []
    extra = row.pop(None, None)
    if extra:
        problems.append(f"row {number} has {len(extra)} more value(s) than the header; ignored")
    if any(isinstance(value, str) and _UNDECODABLE in value for value in row.values()):
        problems.append(f"row {number} holds bytes that are not valid text; they were replaced")
    return RawRecord(number, dict(row), problems=problems)


# --------------------------------------------------------------------------------------
# Parquet


def _iter_parquet(path: Path) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as error:
        raise DatasetError(f"{path}: cannot read as Parquet ({error})") from error
    number = 0
    with parquet:
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                yield RawRecord(number, row)
