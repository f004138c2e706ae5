"""The Python API that notebooks and the CLI share: `score`, `Run`, `load_run`."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit import __version__
from evalkit.checks import REGISTRY
from evalkit.checks.registry import CheckRegistry
from evalkit.dataset import (
    DEFAULT_MAX_FILE_BYTES,
    count_submissions,
    iter_submissions,
    submissions_from_records,
)
from evalkit.engine import DEFAULT_TIME_LIMIT, SubmissionResult, grade
from evalkit.masking import mask_text
from evalkit.records import CATEGORIES, Submission
from evalkit.results import (
    finding_rows,
    findings_frame,
    meta_columns_of,
    read_table,
    score_row,
    scores_frame,
    write_json,
    write_table,
)
from evalkit.rubric import Rubric, load_rubric

Source = str | Path | Iterable[str | Path] | Iterable[dict[str, Any]] | Iterable[Submission] \
    | pd.DataFrame


@dataclass
class Run:
    """A scored dataset: one row per submission in `scores`, one per finding in `findings`."""

    scores: pd.DataFrame
    findings: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def failure_rates(self, by: str | None = None) -> pd.DataFrame:
        """Per category: among submissions where it applies, the share failing any check.

        With `by` (a metadata column such as ``model``) the rates are computed per group.
        Columns: [by,] category, n (applicable submissions), failed, failure_rate.
        """
        return failure_rates(self.scores, by=by)

    def save(self, directory: str | Path, fmt: str = "csv") -> Path:
        """Write scores, findings and run.json into `directory` (created if needed)."""
        out = Path(directory)
        write_table(self.scores, out / "scores", fmt)
        write_table(self.findings, out / "findings", fmt)
        write_json({**self.info, "format": fmt}, out / "run.json")
        return out

    def __repr__(self) -> str:
        return (f"<Run {len(self.scores)} submissions, {len(self.findings)} findings, "
                f"mean score {self.scores['score'].mean():.1f}>")


def failure_rates(scores: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    check_columns = [c for c in scores.columns if c in REGISTRY]
    categories = {c.id: c.category for c in REGISTRY}
    rows = []
    groups = [(None, scores)] if by is None else list(scores.groupby(by, sort=True, dropna=False))
    for key, group in groups:
        graded = group[group["status"].isin(["ok", "parse_error", "no_terraform"])]
        for category in CATEGORIES:
            ids = [c for c in check_columns if categories[c] == category]
            if not ids:
                continue
            statuses = graded[ids]
            applies = (statuses != "n/a").any(axis=1)
            failed = (statuses == "fail").any(axis=1) & applies
            n = int(applies.sum())
            row = {"category": category, "n": n, "failed": int(failed.sum()),
                   "failure_rate": (float(failed.sum()) / n) if n else float("nan")}
            rows.append(({by: key} if by else {}) | row)
    columns = ([by] if by else []) + ["category", "n", "failed", "failure_rate"]
    return pd.DataFrame(rows, columns=columns)


def score(source: Source, rubric: str | Path | Rubric | None = None, jobs: int | None = None,
          *, id_field: str = "id", text_field: str = "response", progress: bool | None = False,
          time_limit: float | None = DEFAULT_TIME_LIMIT,
          max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Run:
    """Grade a dataset and return a `Run`.

    `source` is a path, a glob, a list of them, a list of records (dicts with `id_field` and
    `text_field`), a DataFrame of such records, or a list of `Submission`s. `rubric` is a YAML
    path (the default rubric when None). `jobs` > 1 grades in that many processes; the result
    is the same whatever `jobs` is. `progress` shows a bar on stderr (None: only on a terminal).
    A submission taking longer than `time_limit` seconds gets status ``timeout``; files larger
    than `max_file_bytes` are skipped with a note in run.json.
    """
    active_rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric, REGISTRY)
    submissions, total, described = _submissions(source, id_field, text_field, max_file_bytes)
    started = time.perf_counter()
    results = list(_grade_all(submissions, active_rubric, jobs or 1, time_limit,
                              _progress(progress, total)))
    elapsed = time.perf_counter() - started
    return build_run(results, active_rubric, REGISTRY, {
        "input": described, "id_field": id_field, "text_field": text_field,
        "seconds": elapsed, "jobs": jobs or 1})


def build_run(results: list[SubmissionResult], rubric: Rubric, registry: CheckRegistry,
              context: dict[str, Any]) -> Run:
    meta_columns = meta_columns_of(results)
    score_rows = [score_row(r, rubric, registry, meta_columns) for r in results]
    found = [row for r in results for row in finding_rows(r, rubric, registry)]
    scores = scores_frame(score_rows, meta_columns, registry)
    findings = findings_frame(found)
    statuses = {s: int((scores["status"] == s).sum()) for s in
                ("ok", "parse_error", "no_terraform", "error", "timeout")}
    seconds = float(context.get("seconds", 0.0))
    info = {
        "evalkit_version": __version__,
        "rubric": {"name": rubric.name, "version": rubric.version, "sha256": rubric.sha256,
                   "source": rubric.source},
        "input": context.get("input"),
        "id_field": context.get("id_field"),
        "text_field": context.get("text_field"),
        "counts": {"submissions": len(results), "findings": len(findings), "status": statuses},
        "timings": {"total_seconds": round(seconds, 3), "jobs": context.get("jobs", 1),
                    "mean_seconds_per_submission": round(seconds / len(results), 4)
                    if results else 0.0},
        "problems": [{"submission_id": r.submission_id,
                      "problem": mask_text(problem, r.secrets)}
                     for r in results for problem in r.problems],
    }
    return Run(scores, findings, info)


def load_run(directory: str | Path) -> Run:
    """Read a run written by `Run.save` or `evalkit score --out`."""
    out = Path(directory)
    scores, _ = read_table(out / "scores")
    findings, _ = read_table(out / "findings")
    info_path = out / "run.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    return Run(scores, findings, info)


# --- internals ---------------------------------------------------------------------------------


def _submissions(source: Source, id_field: str, text_field: str, max_file_bytes: int
                 ) -> tuple[Iterable[Submission], int | None, Any]:
    if isinstance(source, pd.DataFrame):
        records = source.to_dict(orient="records")
        return (submissions_from_records(records, id_field=id_field, text_field=text_field),
                len(records), "records")
    if isinstance(source, str | Path):
        paths = [str(source)]
    else:
        items = list(source)
        if items and all(isinstance(i, Submission) for i in items):
            return items, len(items), "submissions"
        if items and all(isinstance(i, dict) for i in items):
            return (submissions_from_records(items, id_field=id_field, text_field=text_field),
                    len(items), "records")
        paths = [str(i) for i in items]
    total = count_submissions(paths, id_field=id_field, text_field=text_field,
                              max_file_bytes=max_file_bytes)
    return (iter_submissions(paths, id_field=id_field, text_field=text_field,
                             max_file_bytes=max_file_bytes), total, paths)


_WORKER: dict[str, Any] = {"checks": [], "time_limit": None}


def _init_worker(check_ids: list[str], time_limit: float | None) -> None:
    _WORKER["checks"] = [REGISTRY.get(cid) for cid in check_ids]
    _WORKER["time_limit"] = time_limit


def _grade_in_worker(submission: Submission) -> SubmissionResult:
    return grade(submission, _WORKER["checks"], _WORKER["time_limit"])


def _grade_all(submissions: Iterable[Submission], rubric: Rubric, jobs: int,
               time_limit: float | None, tick: Callable[[], None]
               ) -> Iterator[SubmissionResult]:
    checks = [c for c in REGISTRY if rubric.entries[c.id].enabled]
    if jobs <= 1:
        for submission in submissions:
            yield grade(submission, checks, time_limit)
            tick()
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    initargs = ([c.id for c in checks], time_limit)
    with context.Pool(jobs, initializer=_init_worker, initargs=initargs) as pool:
        # imap keeps input order, so output does not depend on the number of workers.
        for result in pool.imap(_grade_in_worker, submissions, chunksize=4):
            yield result
            tick()


def _progress(progress: bool | None, total: int | None) -> Callable[[], None]:
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="sub", file=sys.stderr, dynamic_ncols=True, leave=False,
               mininterval=0.5, disable=os.environ.get("EVALKIT_NO_PROGRESS") == "1")

    def tick() -> None:
        bar.update(1)
        if total is not None and bar.n >= total:
            bar.close()

    return tick
