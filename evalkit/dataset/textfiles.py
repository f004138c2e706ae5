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
    """Text read from a file, or None with the reason it could not be used.

    `over_limit` tells a file skipped for its size from one that is binary or unreadable,
    so that the message can say which setting to change.
    """

    text: str | None
    problems: list[str] = field(default_factory=list)
    over_limit: bool = False


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
        utf16 = _decode_utf16_without_bom(data)
        if utf16 is not None:
            note = f"{label}: read as UTF-16 without a byte-order mark"
            return DecodedText(normalise_newlines(utf16), [note])
        return DecodedText(None, [f"{label}: binary file skipped"])
    try:
        return DecodedText(normalise_newlines(data.decode("utf-8")))
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        note = f"{label}: not valid UTF-8 at byte offset {error.start}; bad bytes replaced"
        return DecodedText(normalise_newlines(text), [note])


def _decode_utf16_without_bom(data: bytes) -> str | None:
    """Text saved as UTF-16 with no byte-order mark (some Windows editors), else None.

    ASCII-heavy UTF-16 has a NUL in every other byte; binary formats do not keep that
    rhythm, so a file is only taken as UTF-16 when nearly every byte on one side is NUL,
    none on the other is, and the whole file decodes.
    """
    probe = data[:_BINARY_PROBE_BYTES]
    if len(data) % 2 or len(probe) < 2:
        return None
    for encoding, text_bytes, zero_bytes in (
        ("utf-16-le", probe[0::2], probe[1::2]),
        ("utf-16-be", probe[1::2], probe[0::2]),
    ):
        if b"\x00" in text_bytes or zero_bytes.count(0) < 0.95 * len(zero_bytes):
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            return None
        return None if "\x00" in text else text
    return None


def size_limit_hint(max_bytes: int) -> str:
    """How a user reads and changes the file size limit."""
    return f"the limit is {max_bytes / (1024 * 1024):g} MB; raise it with --max-file-mb"


def not_graded_message(notes: list[str], over_limit: bool, max_bytes: int) -> str:
    """The message of a submission whose Terraform could not all be read.

    Grading what is left would blame the answer for what the reader skipped (resources
    and variables declared in the missing file), so such a submission is not graded.
    """
    message = "not graded: " + "; ".join(notes)
    return f"{message} ({size_limit_hint(max_bytes)})" if over_limit else message


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
        return DecodedText(None, [size_limit_note(label, size, max_bytes)], over_limit=True)
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit in case the file grew since stat().
            data = handle.read(max_bytes + 1)
    except OSError as error:
        return DecodedText(None, [f"{label}: cannot read ({_reason(error)})"])
    if len(data) > max_bytes:
        note = f"{label}: over the {max_bytes}-byte file size limit; skipped"
        return DecodedText(None, [note], over_limit=True)
    return decode_bytes(data, label)


def size_limit_note(label: str, size: int, max_bytes: int) -> str:
    return f"{label}: {size} bytes is over the {max_bytes}-byte file size limit; skipped"


def utf8_size(text: str) -> int:
    """Bytes `text` takes as UTF-8, without encoding it when the answer is obvious."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", errors="surrogatepass"))


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
    # Directories that could not be listed: Terraform in them may be missing.
    unlisted: list[str] = field(default_factory=list)


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
        note = f"{prefix.rstrip('/') or '.'}: cannot list ({_reason(error)})"
        walk.problems.append(note)
        walk.unlisted.append(note)
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
