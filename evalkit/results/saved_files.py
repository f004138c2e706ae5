"""The extracted files a run keeps: ``DIR/files/<id>/<path>``, exactly as they were graded.

A finding names a file and a line; these copies let anyone check it against the text evalkit
read (after markdown extraction), with secrets masked as in every other output.

Submission ids and file names come from the data, so they are encoded before they touch the
file system: ASCII letters, digits, ``.``, ``_`` and ``-`` stay as they are, every other byte
of the UTF-8 name becomes ``~XX`` (``~`` itself included), and a leading ``.`` is encoded too,
so no name is ``.``, ``..`` or hidden. The encoding is one-to-one, so two ids never share a
folder, and a name never contains ``/``, so nothing is written outside ``DIR/files``. Names
longer than 120 bytes keep their first 100 bytes and end in ``=`` and 16 hex digits of their
SHA-256 (``=`` appears in no other encoded name). ``Pr1286/MODEL_RESPONSE`` is saved under
``files/Pr1286~2FMODEL_RESPONSE/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

FILES_DIR = "files"
_PLAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_MAX_NAME_BYTES = 120
_KEPT_BYTES = 100


def encode_name(name: str) -> str:
    """One path part (an id, a folder or a file name) as a safe, collision-free file name."""
    data = name.encode("utf-8", "surrogatepass")
    parts = [
        chr(byte) if byte in _PLAIN and not (i == 0 and byte == ord(".")) else f"~{byte:02X}"
        for i, byte in enumerate(data)
    ]
    encoded = "".join(parts) or "~"
    if len(encoded) <= _MAX_NAME_BYTES:
        return encoded
    digest = hashlib.sha256(data).hexdigest()[:16]
    head = encoded[:_KEPT_BYTES]
    cut = head.find("~", len(head) - 2)  # never end inside a ~XX escape
    return f"{head if cut == -1 else head[:cut]}={digest}"


def decode_name(encoded: str) -> str:
    """The name `encode_name` encoded; a shortened name comes back as it is on disk."""
    if "=" in encoded:
        return encoded
    if encoded == "~":
        return ""
    data = bytearray()
    i = 0
    while i < len(encoded):
        if encoded[i] == "~" and i + 3 <= len(encoded):
            try:
                data.append(int(encoded[i + 1 : i + 3], 16))
                i += 3
                continue
            except ValueError:
                pass
        data.extend(encoded[i].encode())
        i += 1
    return data.decode("utf-8", "replace")


def submission_dir(run_dir: Path, submission_id: str) -> Path:
    return run_dir / FILES_DIR / encode_name(submission_id)


def saved_path(file_name: str) -> str:
    """Where a submission's file is saved, relative to its folder (``/``-separated)."""
    return "/".join(encode_name(part) for part in file_name.split("/") if part)


def save_submission_files(run_dir: Path, submission_id: str, files: Mapping[str, str]) -> Path:
    """Write one submission's (already masked) files under ``run_dir/files``.

    The files go to a temporary folder that then replaces the submission's folder, so a crash
    leaves either the old copy or the new one. A file whose path runs through another file's
    name (``a`` and ``a/b.tf`` in one record) cannot exist on disk and is left out.
    """
    root = run_dir / FILES_DIR
    root.mkdir(parents=True, exist_ok=True)
    target = submission_dir(run_dir, submission_id)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".saving-"))
    try:
        for name in sorted(files):
            relative = saved_path(name)
            if not relative:
                continue
            path = staging / relative
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("x", encoding="utf-8", errors="surrogateescape") as out:
                    out.write(files[name])
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                continue
        os.chmod(staging, 0o777 & ~_umask())
        _remove(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def has_saved_files(run_dir: Path, submission_id: str) -> bool:
    path = submission_dir(run_dir, submission_id)
    return path.is_dir() and not path.is_symlink()


def iter_saved_files(run_dir: Path, submission_id: str) -> Iterator[tuple[str, Path]]:
    """A submission's saved files as (original name, path), in name order."""
    folder = submission_dir(run_dir, submission_id)
    if not has_saved_files(run_dir, submission_id):
        return
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            relative = path.relative_to(folder).parts
            found.append(("/".join(decode_name(part) for part in relative), path))
    yield from sorted(found)


def clear_saved_files(run_dir: Path) -> None:
    """Remove the files of an earlier run in `run_dir` (a fresh run starts empty)."""
    _remove(run_dir / FILES_DIR)


def copy_saved_files(source_run: Path, target_run: Path) -> None:
    """Give a run written elsewhere (``rescore --out``) the files it was graded from."""
    source = source_run / FILES_DIR
    if not source.is_dir() or source.resolve() == (target_run / FILES_DIR).resolve():
        return
    _remove(target_run / FILES_DIR)
    shutil.copytree(source, target_run / FILES_DIR, symlinks=True)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
