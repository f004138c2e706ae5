"""Turn what a user points evalkit at into a stream of `Submission`s.

Accepted inputs:

* a JSONL / JSON / CSV / Parquet file: one submission per record;
* a directory of submissions: each sub-directory is one, and so is each loose answer file
  (``.tf``, ``.tf.json``, ``.md``, ``.markdown``, ``.txt``) at its top level; record files
  there (``.jsonl``, ``.csv``, ``.parquet``, not plain ``.json``) are read as well;
* a directory of answer files: each file is one submission, its id the file stem;
* a directory that is one Terraform module: a single submission named after it;
* paths and glob patterns mixing the above.

How a directory is read is decided in this order: the ``layout`` argument, the ``format``
key of a ``dataset.yaml`` beside the data, then these rules:

1. Its top-level Terraform files look like the parts of one module -> ``single``. They do
   when, besides at least one other Terraform file, there is a conventional part name
   (``variables.tf``, ``outputs.tf``, ``providers.tf``, ``versions.tf``, ``locals.tf``,
   ``terraform.tfvars``, ...), or when at most one of several ``.tf`` files declares a
   ``provider`` or ``terraform`` block (separate answers each bring their own). Its
   sub-directories must then be module helpers (``modules/``, ``lambda/``, ``tests/``,
   ...) or be referenced as ``./name`` from the Terraform files.
2. It has sub-directories -> ``dirs``.
3. It holds only record files (``.jsonl``, ``.csv``, ...) -> those are read as tables.
4. Otherwise -> ``files``.

Directories matched by a glob pattern are each one submission. Everything is visited in
sorted order, ids are made unique (``~2``, ``~3``, with a note), and records are read
lazily so that a large JSONL file streams.
"""

from __future__ import annotations

import dataclasses
import difflib
import glob
import json
import math
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.dataset.config import (
    CONFIG_FILE_NAME,
    FORMATS,
    TABLE_FORMATS,
    DatasetConfig,
    DatasetError,
    load_dataset_config,
)
from evalkit.dataset.markdown import ExtractionError, extract_files, normalise_file_name
from evalkit.dataset.tables import RawRecord, count_records, iter_records, table_format
from evalkit.dataset.textfiles import (
    DEFAULT_MAX_FILE_BYTES,
    is_hidden,
    iter_visible_entries,
    not_graded_message,
    read_text_file,
    size_limit_hint,
    size_limit_note,
    utf8_size,
    walk_files,
)
from evalkit.records import Submission

__all__ = ["count_submissions", "iter_submissions", "submissions_from_records"]

DEFAULT_ID_FIELD = "id"
DEFAULT_TEXT_FIELD = "response"
FILES_FIELD = "files"

# A table is rejected when none of its first records carries the text field.
_RECORDS_CHECKED_FOR_TEXT_FIELD = 20

_ANSWER_SUFFIXES = (".md", ".markdown", ".txt")
_TERRAFORM_SUFFIXES = (".tf", ".tf.json")
_SUBMISSION_FILE_SUFFIXES = _TERRAFORM_SUFFIXES + _ANSWER_SUFFIXES
_MODULE_FILE_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
_STATE_FILE_SUFFIXES = (".tfstate", ".tfstate.backup")
_MODULE_PART_NAMES = frozenset(
    {
        "variables.tf",
        "outputs.tf",
        "output.tf",
        "providers.tf",
        "provider.tf",
        "versions.tf",
        "terraform.tf",
        "backend.tf",
        "locals.tf",
        "data.tf",
        "terraform.tfvars",
        "variables.tf.json",
        "outputs.tf.json",
    }
)
_MODULE_HELPER_DIRS = frozenset(
    {
        "modules",
        "module",
        "tests",
        "test",
        "templates",
        "template",
        "files",
        "scripts",
        "lambda",
        "lambdas",
        "functions",
        "src",
        "policies",
        "policy",
        "examples",
        "environments",
        "envs",
        "config",
        "configs",
        "docs",
        "assets",
        "userdata",
        "user_data",
        "bin",
    }
)
_ROOT_DECLARATION = re.compile(r"^(?:provider\s+\"|terraform\s*\{)", re.MULTILINE)
_GLOB_CHARS = re.compile(r"[*?\[]")
# Layout detection peeks into at most this many bytes per file.
_LAYOUT_PROBE_BYTES = 256 * 1024


# --------------------------------------------------------------------------------------
# Public API


def iter_submissions(
    paths: Sequence[str | Path],
    *,
    id_field: str = DEFAULT_ID_FIELD,
    text_field: str = DEFAULT_TEXT_FIELD,
    layout: str | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    reference_field: str | None = None,
    requires_field: str | None = None,
) -> Iterator[Submission]:
    """Yield one `Submission` per answer found under `paths`, lazily and in sorted order.

    `id_field` and `text_field` pick the id and the answer text in record files;
    `layout` (``dirs``, ``files``, ``single`` or a record format) overrides how a
    directory is read. Values other than the defaults win over a ``dataset.yaml``.
    Files larger than `max_file_bytes` are skipped with a note.

    Paths are resolved before this returns, so a missing path, a glob that matches
    nothing, an unsupported file type or a bad ``dataset.yaml`` raise `DatasetError`
    here. A table in which none of the first records has the text field raises
    `DatasetError` when iteration reaches it. Nothing else raises: unreadable records
    and files become submissions with ``load_error`` or ``problems`` set.

    `reference_field` names the record field holding a reference solution and
    `requires_field` the one listing required kinds (see `evalkit.grading.coverage`); a bad
    requirement anywhere in a table raises `DatasetError` here, before anything is graded.
    """
    options = _Options(
        id_field, text_field, layout, max_file_bytes, reference_field, requires_field
    )
    sources = _plan(paths, options)
    for source in sources:
        if isinstance(source, _TableSource):
            source.check_requirements()
    return _with_unique_ids(_chain(sources))


def count_submissions(
    paths: Sequence[str | Path],
    *,
    id_field: str = DEFAULT_ID_FIELD,
    text_field: str = DEFAULT_TEXT_FIELD,
    layout: str | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    reference_field: str | None = None,
    requires_field: str | None = None,
) -> int | None:
    """A cheap estimate of how many submissions `iter_submissions` will yield.

    Meant for a progress bar: exact for directories and Parquet, a line count for JSONL,
    and None when only a full parse would tell (large CSV or JSON files).
    """
    options = _Options(
        id_field, text_field, layout, max_file_bytes, reference_field, requires_field
    )
    sources = _plan(paths, options)
    total = 0
    for source in sources:
        count = source.count()
        if count is None:
            return None
        total += count
    return total


def submissions_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    id_field: str = DEFAULT_ID_FIELD,
    text_field: str = DEFAULT_TEXT_FIELD,
    source: str = "records",
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    reference_field: str | None = None,
    requires_field: str | None = None,
) -> Iterator[Submission]:
    """Turn in-memory records (dicts, DataFrame rows) into submissions, as for a JSONL file.

    A record without an id is named ``<source>-<n>``. Raises DatasetError when none of
    the first records has the text field (on first iteration). An answer text or file
    larger than `max_file_bytes` makes that record an error, as an oversized file would.
    """
    fields = _Fields(
        id_field, text_field, id_field != DEFAULT_ID_FIELD, reference_field, requires_field
    )
    raw = (
        RawRecord(number, dict(record))
        if isinstance(record, Mapping)
        else RawRecord(number, None, f"record {number} is not a mapping", f"{source}:{number}")
        for number, record in enumerate(records, start=1)
    )
    checked = _check_fields(raw, Path(source), fields)
    return _with_unique_ids(
        _submission_from_record(record, source, fields, max_file_bytes) for record in checked
    )


# --------------------------------------------------------------------------------------
# Planning: from paths to sources


@dataclass(frozen=True)
class _Options:
    id_field: str
    text_field: str
    layout: str | None
    max_file_bytes: int
    reference_field: str | None = None
    requires_field: str | None = None


@dataclass(frozen=True)
class _Fields:
    """The id and text field in effect for one table, after merging ``dataset.yaml``.

    `id_named` is True when the id field was asked for (an argument or ``dataset.yaml``):
    then a table none of whose first records has it is a mistake, not a table without ids.
    """

    id_field: str
    text_field: str
    id_named: bool = False
    reference_field: str | None = None
    requires_field: str | None = None

    def extras(self) -> tuple[str, ...]:
        """The reference and requirement fields: read, never carried as metadata."""
        return tuple(name for name in (self.reference_field, self.requires_field) if name)


class _Source:
    """Something that yields submissions: a table, a directory, a single answer file."""

    def submissions(self) -> Iterator[Submission]:
        raise NotImplementedError

    def count(self) -> int | None:
        return 1


def _plan(paths: Sequence[str | Path], options: _Options) -> list[_Source]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if options.layout is not None and options.layout not in FORMATS:
        raise DatasetError(f"unknown layout {options.layout!r}; use one of {', '.join(FORMATS)}")
    if not paths:
        raise DatasetError("no input given")
    planner = _Planner(options)
    for raw in paths:
        planner.add(str(raw))
    return planner.finish()


class _Planner:
    """Collects sources in input order; answer files share one id scheme across inputs."""

    def __init__(self, options: _Options) -> None:
        self.options = options
        self.sources: list[_Source | list[Path]] = []
        self.answer_files: list[Path] = []
        self.seen: set[str] = set()
        self.configs: dict[Path, DatasetConfig | None] = {}

    def add(self, raw: str) -> None:
        path = Path(raw)
        if path.exists() or path.is_symlink():
            self._add_existing(path, from_glob=False)
            return
        if not _GLOB_CHARS.search(raw):
            raise DatasetError(f"{raw}: no such file or directory")
        matches = sorted(glob.glob(raw, recursive=True))
        usable = [Path(match) for match in matches if self._usable_match(Path(match))]
        if not usable:
            raise DatasetError(f"{raw}: the pattern matches no submissions")
        for match in usable:
            self._add_existing(match, from_glob=True)

    def _usable_match(self, path: Path) -> bool:
        # A pattern such as data/* should not pick up the dataset's own notes.
        if is_hidden(path.name) or path.name == CONFIG_FILE_NAME or _is_readme(path.name):
            return False
        return path.is_dir() or self._file_kind(path) is not None

    def _add_existing(self, path: Path, from_glob: bool) -> None:
        key = os.path.realpath(path)
        if key in self.seen:
            return
        self.seen.add(key)
        if path.is_dir():
            if from_glob:
                self._add_answer_placeholder(path)
            else:
                self.sources.extend(self._directory_sources(path))
            return
        kind = self._file_kind(path)
        if kind is None:
            raise DatasetError(
                f"{path}: unsupported file type; expected .jsonl, .json, .csv, .parquet, "
                ".tf, .tf.json, .md or .txt"
            )
        if kind == "answer":
            self._add_answer_placeholder(path)
        else:
            self.sources.append(self._table_source(path, kind))

    def _add_answer_placeholder(self, path: Path) -> None:
        # Ids of answer files and glob-matched directories depend on all of them, so they
        # are placed now and named in finish().
        if self.sources and isinstance(self.sources[-1], list):
            self.sources[-1].append(path)
        else:
            self.sources.append([path])
        self.answer_files.append(path)

    def _file_kind(self, path: Path) -> str | None:
        """``answer`` for a submission file, a record format for a table, None otherwise."""
        forced = self._forced_format(path.parent)
        if forced in TABLE_FORMATS:
            return forced
        name = path.name.lower()
        if name.endswith(_SUBMISSION_FILE_SUFFIXES):
            return "answer"
        return table_format(path)

    def _forced_format(self, directory: Path) -> str | None:
        if self.options.layout is not None:
            return self.options.layout
        config = self._config(directory)
        return config.format if config else None

    def _config(self, directory: Path) -> DatasetConfig | None:
        key = directory.resolve()
        if key not in self.configs:
            self.configs[key] = load_dataset_config(directory)
        return self.configs[key]

    def _fields(self, directory: Path) -> _Fields:
        """Explicit non-default arguments win over ``dataset.yaml``, which wins over defaults."""
        config = self._config(directory)
        id_field, text_field = self.options.id_field, self.options.text_field
        if config is not None:
            if id_field == DEFAULT_ID_FIELD and config.id_field:
                id_field = config.id_field
            if text_field == DEFAULT_TEXT_FIELD and config.text_field:
                text_field = config.text_field
        reference_field = self.options.reference_field or (config and config.reference_field)
        requires_field = self.options.requires_field or (config and config.requires_field)
        return _Fields(
            id_field,
            text_field,
            id_field != DEFAULT_ID_FIELD,
            reference_field or None,
            requires_field or None,
        )

    def _table_source(self, path: Path, fmt: str) -> _Source:
        return _TableSource(path, fmt, self._fields(path.parent), self.options.max_file_bytes)

    def _directory_sources(self, directory: Path) -> list[_Source]:
        layout = self._forced_format(directory) or _detect_layout(directory)
        if layout in TABLE_FORMATS:
            return self._directory_tables(directory, layout)
        max_bytes = self.options.max_file_bytes
        if layout == "single":
            return [_DirectorySource(directory, _directory_id(directory), directory, max_bytes)]
        return _listed_sources(directory, layout, max_bytes, self._table_source)

    def _directory_tables(self, directory: Path, fmt: str) -> list[_Source]:
        tables = [
            Path(entry.path)
            for entry in _list_entries(directory)
            if _is_file(entry) and table_format(Path(entry.path)) == fmt
        ]
        if not tables:
            raise DatasetError(f"{directory}: no {fmt} files found")
        return [self._table_source(path, fmt) for path in tables]

    def finish(self) -> list[_Source]:
        ids = _relative_ids(self.answer_files)
        sources: list[_Source] = []
        max_bytes = self.options.max_file_bytes
        for item in self.sources:
            if isinstance(item, list):
                for path in item:
                    if path.is_dir():
                        sources.append(_DirectorySource(path, ids[path], path, max_bytes))
                    else:
                        sources.append(_AnswerFileSource(path, ids[path], max_bytes))
            else:
                sources.append(item)
        return sources


def _relative_ids(paths: list[Path]) -> dict[Path, str]:
    """Ids for answer files: the path from their common parent, without the suffix.

    One file gets its stem; files from a pattern get e.g. ``Pr1286/MODEL_RESPONSE``,
    which stays unique and readable.
    """
    if not paths:
        return {}
    parents = [os.path.abspath(path if path.is_dir() else path.parent) for path in paths]
    if len(paths) == 1:
        only = paths[0]
        return {only: _directory_id(only) if only.is_dir() else _strip_suffix(only.name)}
    common = os.path.commonpath(parents)
    if all(path.is_dir() for path in paths) and common in parents:
        common = os.path.dirname(common)
    ids: dict[Path, str] = {}
    for path in paths:
        relative = Path(os.path.relpath(os.path.abspath(path), common)).as_posix()
        ids[path] = relative if path.is_dir() else _strip_suffix(relative)
    return ids


def _strip_suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in (".tf.json", *_ANSWER_SUFFIXES, ".tf"):
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _directory_id(directory: Path) -> str:
    return Path(os.path.abspath(directory)).name or str(directory)


# --------------------------------------------------------------------------------------
# Layout detection


def _list_entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        return list(iter_visible_entries(directory))
    except OSError as error:
        raise DatasetError(f"{directory}: cannot list ({error.strerror or error})") from error


def _detect_layout(directory: Path) -> str:
    """Decide how to read a directory; see the module docstring for the rules."""
    entries = _list_entries(directory)
    files = [entry for entry in entries if entry.name != CONFIG_FILE_NAME and _is_file(entry)]
    subdirs = [entry.name for entry in entries if _is_dir(entry)]
    if not files and not subdirs:
        raise DatasetError(f"{directory}: the directory holds no submissions")
    module_files = [Path(e.path) for e in files if e.name.lower().endswith(_MODULE_FILE_SUFFIXES)]
    if _looks_like_one_module(module_files) and _subdirs_belong_to_module(subdirs, module_files):
        return "single"
    if subdirs:
        return "dirs"
    names = [entry.name for entry in files]
    if names and all(table_format(Path(name)) for name in names if not _is_readme(name)):
        tables = {table_format(Path(name)) for name in names if table_format(Path(name))}
        if len(tables) == 1:
            return tables.pop() or "files"
    return "files"


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _looks_like_one_module(module_files: list[Path]) -> bool:
    """Whether top-level Terraform files are parts of one module rather than separate answers."""
    if len(module_files) < 2:
        return False
    names = {path.name.lower() for path in module_files}
    if names & _MODULE_PART_NAMES or any(name.endswith(".auto.tfvars") for name in names):
        return True
    tf_files = [path for path in module_files if path.name.lower().endswith((".tf", ".tf.json"))]
    roots = sum(1 for path in tf_files if _ROOT_DECLARATION.search(_probe(path)))
    return roots <= 1


def _subdirs_belong_to_module(subdirs: list[str], module_files: list[Path]) -> bool:
    unknown = [name for name in subdirs if name.lower() not in _MODULE_HELPER_DIRS]
    if not unknown:
        return True
    text = "\n".join(_probe(path) for path in module_files)
    return all(f"./{name}" in text for name in unknown)


def _probe(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(_LAYOUT_PROBE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _is_readme(name: str) -> bool:
    return name.lower().split(".", 1)[0] == "readme"


def _listed_sources(
    directory: Path, layout: str, max_bytes: int, table: Callable[[Path, str], _Source]
) -> list[_Source]:
    """Sources for the ``dirs`` and ``files`` layouts, in name order.

    Record files lying beside the submissions (``answers.jsonl``, ``runs.csv``, ...) are
    read too, so one directory can mix all input forms. Plain ``.json`` files are left
    out: beside submissions they are more often metadata than records.
    """
    sources: list[_Source] = []
    for entry in _list_entries(directory):
        path = Path(entry.path)
        if entry.name == CONFIG_FILE_NAME or _is_readme(entry.name):
            continue
        fmt = table_format(path)
        if entry.is_symlink() and not _inside(path, directory):
            sources.append(_OutsideLinkSource(_strip_suffix(entry.name)))
        elif _is_dir(entry):
            if layout == "dirs":
                sources.append(_DirectorySource(path, entry.name, directory, max_bytes))
        elif entry.name.lower().endswith(_SUBMISSION_FILE_SUFFIXES):
            sources.append(_AnswerFileSource(path, _strip_suffix(entry.name), max_bytes))
        elif fmt is not None and fmt != "json":
            sources.append(table(path, fmt))
    if not sources:
        raise DatasetError(
            f"{directory}: no submissions found (expected sub-directories, record files or "
            ".tf, .tf.json, .md, .txt files)"
        )
    return sources


def _inside(path: Path, root: Path) -> bool:
    real, root_real = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([real, root_real]) == root_real


# --------------------------------------------------------------------------------------
# Sources


@dataclass
class _OutsideLinkSource(_Source):
    """A top-level symlink leading out of the dataset: reported, never followed."""

    submission_id: str

    def submissions(self) -> Iterator[Submission]:
        error = "symlink points outside the dataset directory; not followed"
        yield Submission(id=self.submission_id, files={}, load_error=error)


@dataclass
class _AnswerFileSource(_Source):
    """One file that is a whole submission: Terraform, or a markdown/plain-text answer."""

    path: Path
    submission_id: str
    max_bytes: int

    def submissions(self) -> Iterator[Submission]:
        decoded = read_text_file(self.path, self.path.name, self.max_bytes)
        if decoded.text is None:
            error = not_graded_message(decoded.problems, decoded.over_limit, self.max_bytes)
            yield Submission(self.submission_id, {}, load_error=error)
            return
        problems = list(decoded.problems)
        name = self.path.name
        if name.lower().endswith(_TERRAFORM_SUFFIXES):
            files = {name: decoded.text}
        else:
            files, error = _extract(decoded.text)
            if error:
                yield Submission(self.submission_id, {}, problems=tuple(problems), load_error=error)
                return
            if not files:
                problems.append(f"{name}: no code found in the answer")
        yield Submission(self.submission_id, files, problems=tuple(problems))


@dataclass
class _DirectorySource(_Source):
    """A directory that is one submission. Answer documents inside it are extracted and
    merged when it holds no Terraform file of its own; beside Terraform they are its
    documentation and kept as they are."""

    directory: Path
    submission_id: str
    dataset_root: Path
    max_bytes: int

    def submissions(self) -> Iterator[Submission]:
        walk = walk_files(self.directory, self.dataset_root, frozenset({CONFIG_FILE_NAME}))
        problems = list(walk.problems)
        missing = list(walk.unlisted)
        over_limit = False
        files: dict[str, str] = {}
        answers: list[tuple[str, str]] = []
        # Beside Terraform of its own, a document (UPGRADE.md, CHANGELOG.md, docs/*.md) is
        # documentation: its usage examples are not part of the configuration.
        documentation = any(_is_terraform_name(walked.relative) for walked in walk.files)
        for walked in walk.files:
            if walked.relative.lower().endswith(_STATE_FILE_SUFFIXES):
                problems.append(f"{walked.relative}: Terraform state file skipped")
                continue
            decoded = read_text_file(walked.path, walked.relative, self.max_bytes)
            problems.extend(decoded.problems)
            is_answer = not documentation and _is_answer_document(walked.relative)
            if decoded.text is None:
                if is_answer or _is_module_file(walked.relative):
                    missing.extend(decoded.problems)
                    over_limit = over_limit or decoded.over_limit
                continue
            if is_answer:
                answers.append((walked.relative, decoded.text))
            else:
                files[walked.relative] = decoded.text
        for relative, text in answers:
            _merge_answer(files, relative, text, problems)
        error = not_graded_message(missing, over_limit, self.max_bytes) if missing else ""
        yield Submission(
            self.submission_id,
            dict(sorted(files.items())),
            problems=tuple(problems),
            load_error=error,
        )


def _is_terraform_name(relative: str) -> bool:
    return relative.lower().endswith(_TERRAFORM_SUFFIXES)


def _is_module_file(relative: str) -> bool:
    """Terraform and tfvars files: with the answer documents of a submission that is an
    answer, the files a grade depends on."""
    return relative.lower().endswith(_MODULE_FILE_SUFFIXES)


def _is_answer_document(relative: str) -> bool:
    name = posixpath.basename(relative)
    return name.lower().endswith(_ANSWER_SUFFIXES) and not _is_readme(name)


def _merge_answer(files: dict[str, str], relative: str, text: str, problems: list[str]) -> None:
    """Add the files an answer document describes, beside it; real files win on clashes.

    A document with no code in it is kept as the document itself.
    """
    extracted, error = _extract(text)
    if error:
        problems.append(f"{relative}: {error}")
    if not extracted:
        files.setdefault(relative, text)
        return
    base = posixpath.dirname(relative)
    for name, content in extracted.items():
        target = posixpath.join(base, name) if base else name
        if target in files:
            problems.append(f"{relative}: {target} is already in the submission; kept that one")
            continue
        files[target] = content


@dataclass
class _TableSource(_Source):
    """A record file: JSONL, JSON, CSV or Parquet."""

    path: Path
    fmt: str
    fields: _Fields
    max_bytes: int

    def submissions(self) -> Iterator[Submission]:
        records = iter_records(self.path, self.fmt)
        checked = _check_fields(records, self.path, self.fields)
        for record in checked:
            yield _submission_from_record(record, self.path.stem, self.fields, self.max_bytes)

    def count(self) -> int | None:
        return count_records(self.path, self.fmt)

    def check_requirements(self) -> None:
        """Read every record's requirements once, before grading: a mistake is a usage error
        that must stop the run before hours of grading, not halfway through."""
        name = self.fields.requires_field
        if not name:
            return
        for record in iter_records(self.path, self.fmt):
            if record.data is not None:
                _requirements(record.data, self.path.stem, record.number, self.fields)


def _check_fields(records: Iterator[RawRecord], path: Path, fields: _Fields) -> Iterator[RawRecord]:
    """Raise DatasetError if none of the first records has the text field, or the id field
    when one was named; else pass the records through.

    A wrong ``--text-field`` would otherwise turn every record into an error row, and a wrong
    ``--id-field`` would silently number the records, so that joins on the id go wrong.
    """
    head: list[RawRecord] = []
    parsed = 0
    has_text = has_id = False
    extras_seen: set[str] = set()
    for record in records:
        head.append(record)
        if record.data is None:
            continue
        parsed += 1
        has_text = has_text or fields.text_field in record.data or FILES_FIELD in record.data
        has_id = has_id or fields.id_field in record.data
        extras_seen.update(name for name in fields.extras() if name in record.data)
        extras_found = len(extras_seen) == len(fields.extras())
        if has_text and (has_id or not fields.id_named) and extras_found:
            break
        if parsed >= _RECORDS_CHECKED_FOR_TEXT_FIELD:
            break
    if parsed and not has_text:
        _raise_missing_field(head, path, "text", fields.text_field)
    if parsed and fields.id_named and not has_id:
        _raise_missing_field(head, path, "id", fields.id_field)
    for kind, name in (("reference", fields.reference_field), ("requires", fields.requires_field)):
        if parsed and name and name not in extras_seen:
            _raise_missing_field(head, path, kind, name)
    yield from head
    yield from records


def _raise_missing_field(head: list[RawRecord], path: Path, kind: str, name: str) -> None:
    seen: list[str] = []
    for record in head:
        for key in record.data or {}:
            if str(key) not in seen:
                seen.append(str(key))
    parsed = sum(1 for record in head if record.data is not None)
    raise DatasetError(
        f"{path}: none of the first {parsed} records has the {kind} field {name!r}"
        f"{_closest_hint(name, seen, kind)}; fields seen: {', '.join(seen) or '(none)'}"
    )


def _closest_hint(name: str, seen: list[str], kind: str) -> str:
    """``" (did you mean --id-field prompt_uid?)"`` when a seen field is close to `name`."""
    lowered = {field.lower(): field for field in seen}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean --{kind}-field {lowered[close[0]]}?)" if close else ""


# --------------------------------------------------------------------------------------
# Records to submissions


def _submission_from_record(
    record: RawRecord, stem: str, fields: _Fields, max_bytes: int
) -> Submission:
    """The record's answer, with its reference and requirements when fields name them."""
    submission = _answer_from_record(record, stem, fields, max_bytes)
    if record.data is None or not fields.extras():
        return submission
    requires = _requirements(record.data, stem, record.number, fields)
    reference: dict[str, str] | None = None
    notes: list[str] = []
    if fields.reference_field:
        reference, notes = reference_files(record.data.get(fields.reference_field), max_bytes)
    return dataclasses.replace(
        submission,
        reference=reference,
        requires=requires,
        problems=submission.problems + tuple(notes),
    )


def reference_files(value: Any, max_bytes: int) -> tuple[dict[str, str] | None, list[str]]:
    """A reference solution's files from a record value in any form an answer takes (a
    markdown answer, bare HCL, a ``files`` object or JSON text of one); None when the record
    has none (missing or empty), with notes on what could not be read."""
    value = _plain(value)
    if _is_missing(value) or value == "":
        return None, []
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values()):
            value = parsed
    if isinstance(value, dict | list):
        files, problems = _files_from_record(value)
        notes = [f"reference: {problem}" for problem in problems]
        if files is None or _oversized_files(files, max_bytes):
            return None, [*notes, "reference: not read (not files, or over the size limit)"]
        return files, notes
    text = value if isinstance(value, str) else _meta_text(value)
    if utf8_size(text) > max_bytes:
        return None, [f"reference: not read, over the {max_bytes}-byte file size limit"]
    files, error = _extract(text)
    if error:
        return None, [f"reference: {error}"]
    return files, []


def _requirements(
    data: Mapping[str, Any], stem: str, number: int, fields: _Fields
) -> tuple[str, ...] | None:
    """The record's required kinds, validated; a mistake raises `DatasetError` naming the
    record and the entry."""
    name = fields.requires_field
    value = _plain(data.get(name)) if name else None
    if not name or _is_missing(value) or value == "":
        return None
    from evalkit.grading.coverage import RequirementError, parse_requirements

    try:
        required = parse_requirements(value)
    except RequirementError as error:
        record_id = _record_id(data.get(fields.id_field), stem, number)
        raise DatasetError(
            f"{stem}: record {record_id!r} (#{number}): {name}: {error}; see docs/rubrics.md, "
            "section Coverage of a reference, for the syntax"
        ) from None
    return tuple(f"{kind}@{regions}" for kind, regions in required.items())


def _answer_from_record(
    record: RawRecord, stem: str, fields: _Fields, max_bytes: int
) -> Submission:
    problems = tuple(record.problems)
    if record.data is None:
        return Submission(record.error_id, {}, problems=problems, load_error=record.error)
    data = record.data
    submission_id = _record_id(data.get(fields.id_field), stem, record.number)
    meta = {
        str(key): _meta_value(value)
        for key, value in data.items()
        if key not in (fields.id_field, fields.text_field, FILES_FIELD, *fields.extras())
    }
    if data.get(FILES_FIELD) not in (None, ""):
        files, file_problems = _files_from_record(data[FILES_FIELD])
        if files is not None:
            error = _oversized_files(files, max_bytes)
            return Submission(
                submission_id,
                {} if error else files,
                meta,
                problems + tuple(file_problems),
                load_error=error,
            )
        problems += tuple(file_problems)
    text = data.get(fields.text_field)
    if _is_missing(text):
        available = ", ".join(str(key) for key in data) or "(none)"
        state = "is empty" if fields.text_field in data else "is missing"
        error = f"text field {fields.text_field!r} {state}; available fields: {available}"
        return Submission(submission_id, {}, meta, problems, load_error=error)
    if not isinstance(text, str):
        text = _meta_text(text)
    size = utf8_size(text)
    if size > max_bytes:
        # The same limit as for a file: a huge answer would stall the batch just the same.
        error = (
            f"not graded: the answer text is {size} bytes, over the {max_bytes}-byte "
            f"file size limit ({size_limit_hint(max_bytes)})"
        )
        return Submission(submission_id, {}, meta, problems, load_error=error)
    files, error = _extract(text)
    if error:
        return Submission(submission_id, {}, meta, problems, load_error=error)
    if not files and text.strip():
        problems += ("no code found in the answer",)
    return Submission(submission_id, files, meta, problems)


def _oversized_files(files: dict[str, str], max_bytes: int) -> str:
    """The load error for a record whose ``files`` hold one over the size limit, else ""."""
    sizes = {name: utf8_size(text) for name, text in files.items()}
    notes = [
        size_limit_note(name, size, max_bytes) for name, size in sizes.items() if size > max_bytes
    ]
    return not_graded_message(notes, True, max_bytes) if notes else ""


def _extract(text: str) -> tuple[dict[str, str], str]:
    """The answer's files, or an error message when extraction itself failed."""
    try:
        return extract_files(text), ""
    except ExtractionError as error:
        return {}, str(error)


def _is_missing(value: Any) -> bool:
    """None, NaN and pandas' NA/NaT all mean "no value" in a record."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _record_id(value: Any, stem: str, number: int) -> str:
    value = _plain(value)
    if _is_missing(value):
        return f"{stem}-{number}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else _meta_text(value)
    return text.strip() or f"{stem}-{number}"


def _meta_value(value: Any) -> Any:
    """JSON scalars are kept; anything else becomes deterministic text."""
    value = _plain(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if _is_missing(value):
        return None
    return _meta_text(value)


def _plain(value: Any) -> Any:
    """NumPy scalars (from DataFrames and Parquet) as the Python values they hold."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def _meta_text(value: Any) -> str:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return str(isoformat())
    return str(value)


def _files_from_record(value: Any) -> tuple[dict[str, str] | None, list[str]]:
    """Read a ``files`` value: an object, a list of pairs (Parquet maps) or JSON text of one."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None, [f"{FILES_FIELD!r} is not a JSON object; ignored"]
    if isinstance(value, list) and all(
        isinstance(item, (list, tuple)) and len(item) == 2 for item in value
    ):
        value = dict(value)
    if not isinstance(value, dict):
        return None, [f"{FILES_FIELD!r} is not an object of file names to text; ignored"]
    files: dict[str, str] = {}
    problems: list[str] = []
    for raw_name, content in sorted(value.items(), key=lambda item: str(item[0])):
        name = normalise_file_name(str(raw_name))
        if name is None:
            problems.append(f"file name {str(raw_name)!r} is not usable; file skipped")
            continue
        if content is None:
            problems.append(f"{name}: no content; file skipped")
            continue
        if name != str(raw_name):
            problems.append(f"file name {str(raw_name)!r} was changed to {name!r}")
        files[name] = content if isinstance(content, str) else _meta_text(content)
    return files, problems


# --------------------------------------------------------------------------------------
# Stitching sources together


def _chain(sources: Iterable[_Source]) -> Iterator[Submission]:
    for source in sources:
        yield from source.submissions()


def _with_unique_ids(submissions: Iterable[Submission]) -> Iterator[Submission]:
    """Rename repeated ids to ``id~2``, ``id~3`` with a note, so no result is overwritten."""
    taken: set[str] = set()
    repeats: dict[str, int] = {}
    for submission in submissions:
        original = submission.id
        if original not in taken:
            taken.add(original)
            yield submission
            continue
        number = repeats.get(original, 1)
        candidate = original
        while candidate in taken:
            number += 1
            candidate = f"{original}~{number}"
        repeats[original] = number
        taken.add(candidate)
        note = f"duplicate id {original!r}; renamed to {candidate!r}"
        yield dataclasses.replace(submission, id=candidate, problems=(*submission.problems, note))
