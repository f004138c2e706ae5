"""Reading submission files safely: decoding, size limits and symlink-aware walking.

Submitted files are data from outside, so nothing here trusts them: a file may be
binary, huge, undecodable, unreadable, or a symlink pointing out of the dataset or back
into itself. Each of those becomes a short note a user can act on, never an exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024

# How far into a file to look for NUL bytes when telling text from binary.
_BINARY_PROBE_BYTES = 8192

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Directories that belong to tools, not to the submitted configuration.
SKIPPED_DIRECTORY_NAMES = frozenset({".terraform", ".git", "__pycache__", "node_modules"})


@dataclass
class DecodedText:
    """Text read from a file, or None with the reason it could not be used."""

    text: str | None
    problems: list[str] = field(default_factory=list)


def bom_encoding(data: bytes) -> tuple[str | None, int]:
    """The encoding announced by a byte-order mark and the mark's length, if there is one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None, 0


def decode_bytes(data: bytes, label: str) -> DecodedText:
    """Decode file contents to text with LF line ends.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are decoded; a NUL byte in the
    first 8 KB of anything else marks the file as binary. Invalid UTF-8 is decoded with
    replacement characters and a note, so one bad byte does not lose a submission.
    """
    encoding, bom_length = bom_encoding(data)
    if encoding is not None:
        try:
            text = data[bom_length:].decode(encoding)
        except UnicodeDecodeError as error:
            text = data[bom_length:].decode(encoding, errors="replace")
            note = f"{label}: not valid {encoding} at byte offset {error.start}; bad bytes replaced"
            return DecodedText(normalise_newlines(text), [note])
        return DecodedText(normalise_newlines(text))
    if b"\x00" in data[:_BINARY_PROBE_BYTES]:
        return DecodedText(None, [f"{label}: binary file skipped"])
    try:
        return DecodedText(normalise_newlines(data.decode("utf-8")))
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        note = f"{label}: not valid UTF-8 at byte offset {error.start}; bad bytes replaced"
        return DecodedText(normalise_newlines(text), [note])


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so line numbers agree whatever system wrote the file."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text_file(path: Path, label: str, max_bytes: int) -> DecodedText:
    """Read and decode one file, turning every failure into a note."""
    try:
        size = path.stat().st_size
    except OSError as error:
        return DecodedText(None, [f"{label}: cannot read ({_reason(error)})"])
    if size > max_bytes:
        note = f"{label}: {size} bytes is over the {max_bytes}-byte file size limit; skipped"
        return DecodedText(None, [note])
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit in case the file grew since stat().
            data = handle.read(max_bytes + 1)
    except OSError as error:
        return DecodedText(None, [f"{label}: cannot read ({_reason(error)})"])
    if len(data) > max_bytes:
        return DecodedText(None, [f"{label}: over the {max_bytes}-byte file size limit; skipped"])
    return decode_bytes(data, label)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def is_hidden(name: str) -> bool:
    return name.startswith(".")


def is_inside(path: str, root: str) -> bool:
    """Whether the resolved `path` lies within the resolved `root`."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        # Different drives on Windows: certainly not inside.
        return False


@dataclass
class WalkedFile:
    """A regular file met while walking a submission, with its path relative to the walk root."""

    path: Path
    relative: str


@dataclass
class Walk:
    """Files found under a directory, plus notes about what was skipped and why."""

    files: list[WalkedFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def walk_files(
    directory: Path, dataset_root: Path, skip_names: frozenset[str] = frozenset()
) -> Walk:
    """List the files under `directory` in sorted order, without leaving `dataset_root`.

    Hidden entries and tool directories are skipped. A symlink is followed only when it
    resolves inside the dataset root, and a directory is never entered twice, so a
    symlink cycle ends the walk instead of looping.
    """
    walk = Walk()
    root_real = os.path.realpath(dataset_root)
    visited: set[str] = set()
    _walk_into(directory, "", root_real, visited, skip_names, walk)
    return walk


def _walk_into(
    directory: Path,
    prefix: str,
    root_real: str,
    visited: set[str],
    skip_names: frozenset[str],
    walk: Walk,
) -> None:
    real = os.path.realpath(directory)
    if real in visited:
        note = "directory already walked (symlink loop or second link); not entered again"
        walk.problems.append(f"{prefix.rstrip('/') or '.'}: {note}")
        return
    visited.add(real)
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        walk.problems.append(f"{prefix.rstrip('/') or '.'}: cannot list ({_reason(error)})")
        return
    for entry in entries:
        name = entry.name
        relative = f"{prefix}{name}"
        if is_hidden(name) or name in SKIPPED_DIRECTORY_NAMES or name in skip_names:
            continue
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not is_inside(target, root_real):
                walk.problems.append(
                    f"{relative}: symlink points outside the dataset; not followed"
                )
                continue
            if not os.path.exists(target):
                walk.problems.append(f"{relative}: broken symlink skipped")
                continue
        try:
            is_directory = entry.is_dir()
            is_file = entry.is_file()
        except OSError as error:
            walk.problems.append(f"{relative}: cannot read ({_reason(error)})")
            continue
        if is_directory:
            _walk_into(Path(entry.path), f"{relative}/", root_real, visited, frozenset(), walk)
        elif is_file:
            walk.files.append(WalkedFile(Path(entry.path), relative))
        else:
            walk.problems.append(f"{relative}: not a regular file; skipped")


def iter_visible_entries(directory: Path) -> Iterator[os.DirEntry[str]]:
    """Top-level entries of a dataset directory, sorted, without hidden or tool entries."""
    entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    for entry in entries:
        if not is_hidden(entry.name) and entry.name not in SKIPPED_DIRECTORY_NAMES:
            yield entry
