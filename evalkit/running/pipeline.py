"""Scoring a dataset from end to end: load the submissions, grade them (in processes, on
Dask, through the result cache), apply waivers, and build a `Run` or write a run folder.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit import __version__
from evalkit.checks import REGISTRY
from evalkit.dataset import (
    DEFAULT_MAX_FILE_BYTES,
    count_submissions,
    iter_submissions,
    submissions_from_records,
)
from evalkit.dataset.references import ReferenceJoin
from evalkit.grading.engine import DEFAULT_TIME_LIMIT
from evalkit.grading.rubric import Rubric, load_rubric
from evalkit.grading.waivers import DEFAULT_WAIVE_FIELD, Waivers, load_waivers, waiver_summary
from evalkit.records import Submission, SubmissionResult
from evalkit.results.journal import (
    JOURNAL_NAME,
    Journal,
    refuse_existing_run,
)
from evalkit.results.run import Run, build_run, remove_stale_report, write_run_directory
from evalkit.results.saved_files import clear_saved_files, has_saved_files, save_submission_files
from evalkit.results.tables import RunTally
from evalkit.running.cache import ResultCache, default_cache_dir
from evalkit.running.runner import Execution, default_jobs, grade_stream
from evalkit.terraform.parse import chosen_parser

Source = (
    str
    | Path
    | Iterable[str | Path]
    | Iterable[dict[str, Any]]
    | Iterable[Submission]
    | pd.DataFrame
)


def score(
    source: Source,
    rubric: str | Path | Rubric | None = None,
    jobs: int | None = None,
    *,
    id_field: str = "id",
    text_field: str = "response",
    progress: bool | None = False,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: bool | str | Path | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    waivers: str | Path | Waivers | None = None,
    waive_field: str = DEFAULT_WAIVE_FIELD,
    reference_field: str | None = None,
    requires_field: str | None = None,
    references: str | Path | None = None,
) -> Run:
    """Grade a dataset and return a `Run` (everything in memory: for notebooks).

    `source` is a path, a glob, a list of them, a list of records (dicts with `id_field` and
    `text_field`), a DataFrame of such records, or a list of `Submission`s. `rubric` is a YAML
    path (the default rubric when None). `jobs` > 1 grades in that many processes (None: all
    cores, at most one per submission); the result is the same whatever `jobs` is. `progress`
    shows a bar on stderr (None: only on a terminal). A submission taking longer than
    `time_limit` seconds gets status ``timeout``; files larger than `max_file_bytes` are
    skipped with a note in run.json. `cache` reuses results of unchanged submissions from the
    cache `evalkit score` fills (None or True: its default directory, $EVALKIT_CACHE_DIR or
    ~/.cache/evalkit; a path: that directory; False: none). When a check from outside the
    evalkit package is registered, the defaults (None) grade in this process without the
    cache, since neither the cache key nor a fresh worker process knows that check.
    `executor="dask"` grades on a Dask cluster (`scheduler` address, or a local cluster).
    Checks named in a record's `waive_field`, or for it in a `waivers` file (keyed by a
    metadata column), are `n/a` for that record (see `evalkit.grading.waivers`).
    `reference_field` (a record field holding a reference solution), `references` (a dataset
    of references joined by id) and `requires_field` (a field listing required kinds) make
    the score measure coverage (see `evalkit.grading.coverage`).
    """
    active_rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric, REGISTRY)
    active_waivers = as_waivers(waivers, waive_field)
    coverage_fields = {"reference_field": reference_field, "requires_field": requires_field}
    submissions, total, described = _submissions(
        source, id_field, text_field, max_file_bytes, coverage_fields
    )
    join = _reference_join(references, id_field, max_file_bytes)
    if join is not None:
        submissions = join.attach(submissions)
    jobs, cache = fast_defaults(jobs, cache, total)
    execution = Execution(
        jobs, time_limit, executor, scheduler, chosen_parser(active_rubric.parser)
    )
    started = time.perf_counter()
    # The results keep each submission's files as graded (secrets masked): `Run.save`
    # writes them to files/, so a view of the saved run shows the code of each finding.
    with _graded(submissions, execution, cache, active_waivers, progress, total) as graded:
        results = list(graded)
    elapsed = time.perf_counter() - started
    return build_run(
        results,
        active_rubric,
        REGISTRY,
        {
            "input": described,
            "id_field": id_field,
            "text_field": text_field,
            "seconds": elapsed,
            "jobs": execution.jobs,
            "executor": executor,
            "waiver_summary": waiver_summary(
                results, active_waivers.settings(), _file_keys(active_waivers)
            ),
            **_coverage_context(coverage_fields, references, join),
        },
    )


def fast_defaults(
    jobs: int | None, cache: bool | str | Path | None, total: int | None
) -> tuple[int, bool | str | Path]:
    """The processes and cache `score` uses when given None: all cores (no more than there
    are submissions) and the shared result cache, as `evalkit score` does.

    Both are safe only for checks that live in the evalkit package: the cache key hashes
    evalkit's own source, and a worker started afresh (the spawn start method) imports only
    the package's checks. With any other check registered, None means one process and no
    cache; explicit values are used as given.
    """
    foreign = [c.id for c in REGISTRY if not _module(c.function).startswith("evalkit.")]
    if jobs is None:
        jobs = 1 if foreign else default_jobs()
        if total is not None:
            jobs = max(1, min(jobs, total))
    if cache is None:
        cache = not foreign
    return jobs, cache


def _module(function: Any) -> str:
    return str(getattr(function, "__module__", "") or "")


def as_waivers(waivers: str | Path | Waivers | None, waive_field: str) -> Waivers:
    """`Waivers` from a waivers file path (or None) and the record field to read."""
    if isinstance(waivers, Waivers):
        return waivers
    return load_waivers(waivers, waive_field)


def _reference_join(
    references: str | Path | None, id_field: str, max_file_bytes: int
) -> ReferenceJoin | None:
    if references is None:
        return None
    return ReferenceJoin(references, id_field=id_field, max_file_bytes=max_file_bytes)


def _coverage_context(
    fields: dict[str, str | None], references: str | Path | None, join: ReferenceJoin | None
) -> dict[str, Any]:
    """What run.json says about where references and requirements came from."""
    settings = {k: v for k, v in fields.items() if v} | (
        {"references": str(references)} if references is not None else {}
    )
    context: dict[str, Any] = {"coverage_settings": settings} if settings else {}
    if join is not None:
        context["reference_problems"] = join.problems()
    return context


def _file_keys(waivers: Waivers) -> list[str] | None:
    return None if waivers.file is None else list(waivers.file.table)


def score_to_directory(
    paths: list[str],
    out: str | Path,
    rubric: Rubric,
    *,
    fmt: str = "csv",
    id_field: str = "id",
    text_field: str = "response",
    execution: Execution | None = None,
    progress: bool | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: bool | str | Path = True,
    resume: bool = False,
    waivers: str | Path | Waivers | None = None,
    waive_field: str = DEFAULT_WAIVE_FIELD,
    overwrite: bool = False,
    by: str | None = None,
    reference_field: str | None = None,
    requires_field: str | None = None,
    references: str | Path | None = None,
) -> RunTally:
    """Grade `paths` into `out` with flat memory: what `evalkit score` does.

    Results are journalled to ``out/results.jsonl`` as they complete; with `resume`, the
    submissions already there are not graded again, and the tables are the same as an
    uninterrupted run's. Each submission's files are saved under ``out/files/`` before its
    result is journalled. Tables, summary.json and run.json are written last, atomically. A
    directory that already holds a run raises `ExistingRun` unless `resume` or `overwrite` is
    given; `overwrite` also removes the old run's report, which would no longer match.
    `by` groups summary.json by a metadata column. `reference_field`, `requires_field` and
    `references` are as for `score`.
    """
    directory = Path(out)
    refuse_existing_run(directory, resume, overwrite)
    if overwrite:
        remove_stale_report(directory)
    execution = execution or Execution(default_jobs(), DEFAULT_TIME_LIMIT)
    if execution.parser is None:
        execution = replace(execution, parser=chosen_parser(rubric.parser))
    active_waivers = as_waivers(waivers, waive_field)
    header = {
        "input": [str(p) for p in paths],
        "id_field": id_field,
        "text_field": text_field,
        "max_file_bytes": max_file_bytes,
        "evalkit_version": __version__,
    }
    if active_waivers.settings() != {"field": DEFAULT_WAIVE_FIELD}:
        # Resuming with other waivers would mix two waiver sets in one run's tables.
        header["waivers"] = active_waivers.settings()
    coverage_fields = {"reference_field": reference_field, "requires_field": requires_field}
    coverage_context = _coverage_context(coverage_fields, references, None)
    if coverage_context:
        # Resuming with other references would mix two kinds of coverage in one run.
        header["coverage"] = coverage_context["coverage_settings"]
    # Read before anything is written: a bad requirement or references path is a usage error.
    submissions = iter_submissions(
        paths,
        id_field=id_field,
        text_field=text_field,
        max_file_bytes=max_file_bytes,
        **coverage_fields,
    )
    join = _reference_join(references, id_field, max_file_bytes)
    if join is not None:
        submissions = join.attach(submissions)
    journal = Journal(directory / JOURNAL_NAME, header, resume)
    if not journal.done:
        clear_saved_files(directory)
    total = count_submissions(
        paths, id_field=id_field, text_field=text_field, max_file_bytes=max_file_bytes
    )
    # A finished submission whose files are missing (journalled by an older evalkit) is
    # graded again for its files only; its journalled result stands.
    todo = (
        s for s in submissions if s.id not in journal.done or not has_saved_files(directory, s.id)
    )
    remaining = None if total is None else max(0, total - len(journal.done))
    started = time.perf_counter()
    with _graded(todo, execution, cache, active_waivers, progress, remaining, journal) as graded:
        for result in graded:
            save_submission_files(directory, result.submission_id, result.files)
            if result.submission_id not in journal.done:
                journal.append(result)
    graded_seconds = time.perf_counter() - started
    return write_run_directory(
        directory,
        rubric,
        fmt,
        {
            "input": header["input"],
            "id_field": id_field,
            "text_field": text_field,
            "seconds": graded_seconds,
            "jobs": execution.jobs,
            "executor": execution.executor,
            "resumed": sorted(journal.done) and len(journal.done),
            "waivers": active_waivers.settings(),
            "waiver_keys": _file_keys(active_waivers),
            **_coverage_context(coverage_fields, references, join),
        },
        by=by,
    )


def _submissions(
    source: Source,
    id_field: str,
    text_field: str,
    max_file_bytes: int,
    coverage_fields: dict[str, str | None] | None = None,
) -> tuple[Iterable[Submission], int | None, Any]:
    fields: dict[str, Any] = dict(coverage_fields or {})
    if isinstance(source, pd.DataFrame):
        records = [{str(k): v for k, v in r.items()} for r in source.to_dict(orient="records")]
        return (
            submissions_from_records(
                records,
                id_field=id_field,
                text_field=text_field,
                max_file_bytes=max_file_bytes,
                **fields,
            ),
            len(records),
            "records",
        )
    if isinstance(source, str | Path):
        paths = [str(source)]
    else:
        items = list(source)
        submissions = [i for i in items if isinstance(i, Submission)]
        if items and len(submissions) == len(items):
            return submissions, len(submissions), "submissions"
        dicts = [i for i in items if isinstance(i, dict)]
        if items and len(dicts) == len(items):
            return (
                submissions_from_records(
                    dicts,
                    id_field=id_field,
                    text_field=text_field,
                    max_file_bytes=max_file_bytes,
                    **fields,
                ),
                len(dicts),
                "records",
            )
        paths = [str(i) for i in items]
    total = count_submissions(
        paths, id_field=id_field, text_field=text_field, max_file_bytes=max_file_bytes
    )
    return (
        iter_submissions(
            paths,
            id_field=id_field,
            text_field=text_field,
            max_file_bytes=max_file_bytes,
            **fields,
        ),
        total,
        paths,
    )


@contextmanager
def _graded(
    submissions: Iterable[Submission],
    execution: Execution,
    cache: bool | str | Path,
    waivers: Waivers,
    progress: bool | None,
    total: int | None,
    journal: Journal | None = None,
) -> Iterator[Iterable[SubmissionResult]]:
    """The submissions' results, graded with the result cache `cache` names and with
    `waivers` applied. On the way out the grading stream is closed first, so an interrupted
    run stops its workers before it returns; then `journal` (when given), then the cache."""
    result_cache = _open_cache(cache)
    try:
        with closing(
            grade_stream(submissions, execution, result_cache, _progress(progress, total))
        ) as graded:
            yield waivers.apply_all(graded)
    finally:
        if journal is not None:
            journal.close()
        if result_cache is not None:
            result_cache.close()


def _open_cache(cache: bool | str | Path) -> ResultCache | None:
    if cache is False or cache is None:
        return None
    return ResultCache(default_cache_dir() if cache is True else Path(cache))


def _progress(progress: bool | None, total: int | None) -> Callable[[], None]:
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return lambda: None
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        unit="sub",
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
        mininterval=0.5,
        disable=os.environ.get("EVALKIT_NO_PROGRESS") == "1",
    )

    def tick() -> None:
        bar.update(1)
        if total is not None and bar.n >= total:
            bar.close()

    return tick
