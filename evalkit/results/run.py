"""A scored run in memory (`Run`), and the folder a run is written to and read from.

`Run` holds a run's tables as DataFrames; `load_run` and `load_runs` read a folder written by
`Run.save` or `evalkit score --out`, and `write_run_directory` writes the tables, summary.json
and run.json of a folder from its results journal.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit import __version__
from evalkit.checks.metadata import CheckTable, catalog
from evalkit.grading.rubric import Rubric, load_rubric
from evalkit.grading.waivers import DEFAULT_WAIVE_FIELD, Waivers, waiver_summary
from evalkit.records import SubmissionResult
from evalkit.results.journal import (
    JOURNAL_NAME,
    iter_journal,
    read_journal_header,
    write_journal,
)
from evalkit.results.saved_files import (
    FILES_DIR,
    clear_saved_files,
    has_saved_files,
    save_submission_files,
    submission_dir,
)
from evalkit.results.summary import SUMMARY_NAME, checks_frame, summary
from evalkit.results.tables import (
    RunTally,
    finding_rows,
    findings_frame,
    has_coverage,
    meta_columns_of,
    meta_types,
    read_checks,
    read_findings,
    read_scores,
    score_row,
    scores_frame,
    write_json,
    write_run_tables,
    write_table,
)

if TYPE_CHECKING:
    from evalkit.analysis.compare import Comparison


@dataclass
class Run:
    """A scored dataset: one row per submission in `scores`, one per finding in `findings`.

    `results` holds the per-check results of a run scored in memory and `source` the folder
    a loaded run came from; `save` uses either to write ``results.jsonl``, which `evalkit
    rescore` needs.
    """

    scores: pd.DataFrame
    findings: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    results: list[SubmissionResult] | None = field(default=None, repr=False, compare=False)
    source: Path | None = field(default=None, repr=False, compare=False)
    check_table: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def checks(self) -> pd.DataFrame:
        """One row per submission and check: submission_id, check_id, category, severity,
        weight, status (pass/fail/n/a) and points_lost (the score points the check cost).

        Read from ``checks.<fmt>`` for a run loaded from disk, else derived from `scores`
        with the rubric that scored the run (see `evalkit.analysis.plots.rubric_for`).
        """
        if self.check_table is None:
            from evalkit.results.rates import rubric_for

            self.check_table = checks_frame(self.scores, rubric_for(self), catalog())
        return self.check_table

    def failure_rates(self, by: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """Per category: among submissions where it applies, the share failing any check,
        with a Wilson interval (as `evalkit.analysis.plots.category_rates`).

        With `by` (a metadata column such as ``model``) the rates are computed per group;
        submissions without a value form the group ``(no <by>)``. Columns: [by,] category,
        n (applicable submissions), failed, failure_rate, ci_low, ci_high. An unknown `by`
        raises `evalkit.analysis.plots.UnknownColumn` (a KeyError) naming the columns there are.
        """
        return failure_rates(self.scores, by=by, confidence=confidence)

    def compare(self, other: Run, **options: Any) -> Comparison:
        """Compare `other` with this run (differences are other − self) with bootstrap
        intervals; options as for `evalkit.analysis.compare.compare` (n_boot, seed, on,
        paired, ...)."""
        from evalkit.analysis.compare import compare

        return compare(self, other, **options)

    def save(self, directory: str | Path, fmt: str = "csv") -> Path:
        """Write scores, findings, checks, run.json, summary.json, results.jsonl and the
        graded files (files/) into `directory` (created if needed), as `evalkit score` would,
        so that `evalkit.load_run`, `evalkit report`, `evalkit view` (with each finding at its
        line) and `evalkit rescore` work on it."""
        out = Path(directory)
        write_table(self.scores, out / "scores", fmt)
        write_table(self.findings, out / "findings", fmt)
        write_table(self.checks, out / "checks", fmt)
        self._save_journal(out)
        self._save_files(out)
        info = {**self.info, "format": fmt, "column_types": meta_types(self.scores)}
        write_json(summary(self.scores, info), out / SUMMARY_NAME)
        write_json(info, out / "run.json")
        _remove_other_formats(out, fmt)
        return out

    def rescore(self, rubric: str | Path | Rubric | None = None) -> Run:
        """This run's verdicts weighed with another rubric (a YAML path, or the default when
        None), without grading again: what `evalkit rescore` does, in memory. Needs the
        per-check results: a run scored in memory, or loaded from a folder with
        results.jsonl."""
        active = rubric if isinstance(rubric, Rubric) else load_rubric(rubric, catalog())
        results = self._results()
        if results is None:
            raise ValueError("rescore needs the run's results.jsonl (or a run scored in memory)")
        kept = set(self.scores["submission_id"].astype(str))
        context = {
            **{k: self.info.get(k) for k in ("input", "id_field", "text_field")},
            "jobs": 0,
            "seconds": 0.0,
        }
        return build_run(
            [r for r in results if r.submission_id in kept], active, catalog(), context
        )

    def _results(self) -> Iterable[SubmissionResult] | None:
        journal = None if self.source is None else self.source / JOURNAL_NAME
        if self.results is not None:
            return self.results
        if journal is not None and journal.is_file():
            return iter_journal(journal)
        return None

    def _save_files(self, out: Path) -> None:
        """files/ as `evalkit score` writes it: each kept submission's files as graded, from
        the results of a run scored in memory or from the folder a run was loaded from."""
        kept = set(self.scores["submission_id"].astype(str))
        if self.results is not None:
            clear_saved_files(out)
            for result in self.results:
                if result.submission_id in kept:
                    save_submission_files(out, result.submission_id, result.files)
        elif self.source is not None and (self.source / FILES_DIR).is_dir():
            if self.source.resolve() == out.resolve():
                return
            clear_saved_files(out)
            for submission_id in sorted(kept):
                if has_saved_files(self.source, submission_id):
                    shutil.copytree(
                        submission_dir(self.source, submission_id),
                        submission_dir(out, submission_id),
                        symlinks=True,
                    )

    def _save_journal(self, out: Path) -> None:
        journal = None if self.source is None else self.source / JOURNAL_NAME
        if self.results is not None:
            results: Iterable[SubmissionResult] = self.results
        elif journal is not None and journal.is_file():
            results = iter_journal(journal)
        else:
            return
        header = read_journal_header(journal) if journal and journal.is_file() else None
        header = header or {
            "input": self.info.get("input"),
            "id_field": self.info.get("id_field"),
            "text_field": self.info.get("text_field"),
            "evalkit_version": self.info.get("evalkit_version", __version__),
        }
        kept = set(self.scores["submission_id"].astype(str))
        write_journal(out / JOURNAL_NAME, header, (r for r in results if r.submission_id in kept))

    def __repr__(self) -> str:
        return (
            f"<Run {len(self.scores)} submissions, {len(self.findings)} findings, "
            f"mean score {self.scores['score'].mean():.1f}>"
        )


def failure_rates(
    scores: pd.DataFrame, by: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    from evalkit.results.rates import category_rates

    return category_rates(scores, by=by, confidence=confidence)


def _coverage_info(rubric: Rubric, context: dict[str, Any], tally: RunTally) -> dict[str, Any]:
    settings = context.get("coverage_settings") or {}
    if not settings and not tally.covered and rubric.coverage == "multiply":
        return {}
    mean = tally.mean_coverage
    return {
        "coverage": {
            **settings,
            "mode": rubric.coverage,
            "n_defined": tally.covered,
            "mean": None if mean is None else round(mean, 4),
        }
    }


def rewaive_journal(path: Path, waivers: Waivers) -> None:
    """Apply other waivers to a run's journal (`evalkit rescore --waivers`).

    The checks' verdicts stay as graded; only which of them are waived changes, replacing the
    waivers the run had. The journal is replaced whole, and left as it was on an error."""
    header = {k: v for k, v in (read_journal_header(path) or {}).items() if k != "waivers"}
    if waivers.settings() != {"field": DEFAULT_WAIVE_FIELD}:
        header["waivers"] = waivers.settings()
    write_journal(path, header, iter(waivers.apply_all(iter_journal(path))))


def write_run_directory(
    directory: Path, rubric: Rubric, fmt: str, context: dict[str, Any], by: str | None = None
) -> RunTally:
    """Tables, summary.json and run.json from the journal in `directory` (also what
    `rescore` does). With `fmt` ``sarif`` the tables are CSV and ``findings.sarif`` is added.
    """
    journal_path = directory / JOURNAL_NAME
    table_fmt = table_format(fmt)
    checks = catalog()
    tally = write_run_tables(
        lambda: iter_journal(journal_path), rubric, checks, directory, table_fmt
    )
    context = context | {
        "waiver_summary": waiver_summary(
            iter_journal(journal_path), context.get("waivers"), context.get("waiver_keys")
        )
    }
    _remove_other_formats(directory, table_fmt)
    problems = [
        {"submission_id": r.submission_id, "problem": problem}
        for r in iter_journal(journal_path)
        for problem in r.problems
    ] + list(context.get("reference_problems") or [])
    info = run_info(rubric, context, tally, problems, fmt)
    if by is not None:
        info["by"] = by
    if fmt == "sarif":
        # SARIF rules carry each check's documentation: its docstring, in the registry.
        from evalkit.checks import REGISTRY
        from evalkit.results.sarif import SARIF_NAME, write_sarif

        write_sarif(
            (row for r in iter_journal(journal_path) for row in finding_rows(r, rubric, checks)),
            rubric,
            REGISTRY,
            directory / SARIF_NAME,
        )
    else:
        (directory / "findings.sarif").unlink(missing_ok=True)  # from an earlier SARIF run
    scores = read_scores(directory, info.get("column_types"))
    write_json(summary(scores, info, by), directory / SUMMARY_NAME)
    write_json(info, directory / "run.json")
    return tally


def _remove_other_formats(directory: Path, fmt: str) -> None:
    """Tables of an earlier run in another format would be read instead of the new ones."""
    from evalkit.results.tables import FORMATS

    for other in FORMATS:
        if other != fmt:
            for name in ("scores", "findings", "checks"):
                (directory / f"{name}.{other}").unlink(missing_ok=True)


def remove_stale_report(directory: Path) -> None:
    """Remove ``directory/report`` written by `evalkit report`, and the ``view.html`` page of
    `evalkit view`, for results that are about to change; only a folder that holds a
    report.md is removed."""
    import shutil

    report = directory / "report"
    if (report / "report.md").is_file() and not report.is_symlink():
        shutil.rmtree(report)
    # The viewer page shows the old scores too; `evalkit view` draws it again.
    view = directory / "view.html"
    if view.is_file() and not view.is_symlink():
        view.unlink()


def table_format(fmt: str) -> str:
    """The format of the tables for an output format: SARIF runs keep CSV tables."""
    return "csv" if fmt == "sarif" else fmt


def run_info(
    rubric: Rubric,
    context: dict[str, Any],
    tally: RunTally,
    problems: list[dict[str, str]],
    fmt: str,
) -> dict[str, Any]:
    seconds = float(context.get("seconds", 0.0))
    return (
        {
            "evalkit_version": __version__,
            "rubric": {
                "name": rubric.name,
                "version": rubric.version,
                "sha256": rubric.sha256,
                "source": rubric.source,
            },
            "input": context.get("input"),
            "id_field": context.get("id_field"),
            "text_field": context.get("text_field"),
            "format": fmt,
            "counts": {
                "submissions": tally.submissions,
                "findings": tally.findings,
                "status": dict(tally.status),
            },
            "timings": {
                "grading_seconds": round(seconds, 3),
                "jobs": context.get("jobs", 1),
                "executor": context.get("executor", "local"),
                "resumed_submissions": context.get("resumed") or 0,
            },
            "problems": problems,
            "column_types": dict(tally.meta_types),
        }
        | ({"waivers": context["waiver_summary"]} if context.get("waiver_summary") else {})
        | (_coverage_info(rubric, context, tally))
    )


def build_run(
    results: list[SubmissionResult],
    rubric: Rubric,
    registry: CheckTable,
    context: dict[str, Any],
) -> Run:
    coverage = any(has_coverage(r, rubric) for r in results)
    meta_columns = meta_columns_of(results, registry, coverage)
    score_rows = [score_row(r, rubric, registry, meta_columns) for r in results]
    found = [row for r in results for row in finding_rows(r, rubric, registry)]
    scores = scores_frame(score_rows, meta_columns, registry, coverage)
    findings = findings_frame(found)
    tally = RunTally(registry)
    tally.measures_coverage = coverage
    for row in score_rows:
        tally.add(row)
    problems = [
        {"submission_id": r.submission_id, "problem": problem}
        for r in results
        for problem in r.problems
    ] + list(context.get("reference_problems") or [])
    info = run_info(rubric, context, tally, problems, "csv") | {"column_types": meta_types(scores)}
    return Run(scores, findings, info, results=list(results))


def load_run(directory: str | Path) -> Run:
    """Read a run written by `Run.save` or `evalkit score --out`."""
    out = Path(directory)
    info_path = out / "run.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    scores = read_scores(out, info.get("column_types"))
    findings = read_findings(out)
    try:
        checks: pd.DataFrame | None = read_checks(out)
    except FileNotFoundError:
        checks = None  # a run written before checks tables existed: derived when asked
    return Run(scores, findings, info, source=out, check_table=checks)


def load_runs(directories: Iterable[str | Path], names: Iterable[str] | None = None) -> Run:
    """Several runs as one, each row tagged with its run in a first column ``run``.

    `names` label the runs (default: each directory's name, or its full path when two names
    are equal). Scores, findings and checks are concatenated; a metadata column missing from
    a run is empty in its rows. `info` keeps each run's run.json under ``info["runs"]``.
    """
    paths = [Path(d) for d in directories]
    if not paths:
        raise ValueError("load_runs needs at least one run directory")
    labels = list(names) if names is not None else _run_names(paths)
    if len(labels) != len(paths) or len(set(labels)) != len(labels):
        raise ValueError("load_runs needs one distinct name per run directory")
    runs = [load_run(p) for p in paths]

    def tagged(frames: list[pd.DataFrame]) -> pd.DataFrame:
        parts = [
            f.assign(run=label)[["run", *f.columns]]
            for f, label in zip(frames, labels, strict=True)
        ]
        return pd.concat(parts, ignore_index=True, sort=False)

    return Run(
        tagged([r.scores for r in runs]),
        tagged([r.findings for r in runs]),
        {"runs": {label: r.info for label, r in zip(labels, runs, strict=True)}},
        check_table=tagged([r.checks for r in runs]),
    )


def _run_names(paths: list[Path]) -> list[str]:
    names = [p.resolve().name for p in paths]
    return names if len(set(names)) == len(names) else [str(p) for p in paths]
