"""The `evalkit` command: score a dataset, list checks, explain one."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from evalkit import __version__
from evalkit.records import PARSER_NAMES

if TYPE_CHECKING:
    from evalkit.analysis.compare import Comparison
    from evalkit.results.tables import RunTally

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_FAIL_UNDER = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
OUTPUT_FORMATS = ("csv", "jsonl", "parquet", "sarif")
CORRECT_CHOICES = ("holm", "bh", "none")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalkit", description="Grade model-written Terraform for AWS."
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    score = commands.add_parser(
        "score",
        help="score a dataset and write scores, findings and run.json",
        description="Score submissions (directories of .tf, markdown answers, JSONL/JSON/CSV/"
        "Parquet records) and write DIR/scores.<fmt>, DIR/findings.<fmt> and DIR/run.json.",
    )
    score.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or globs")
    score.add_argument("--out", required=True, metavar="DIR", help="output directory")
    score.add_argument("--rubric", metavar="YAML", help="rubric file (default: aws-multi-region)")
    score.add_argument(
        "--format",
        default="csv",
        choices=OUTPUT_FORMATS,
        help="table format (default: csv); sarif writes CSV tables and findings.sarif",
    )
    score.add_argument(
        "--by", metavar="COLUMN", help="also give summary.json per group of a metadata column"
    )
    score.add_argument(
        "--fail-under",
        type=float,
        metavar="SCORE",
        help="exit 3 when the mean score is below SCORE",
    )
    score.add_argument("--id-field", default="id", help="record field holding the id")
    score.add_argument(
        "--text-field", default="response", help="record field holding the answer text"
    )
    score.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="grade in N processes (default: all cores)",
    )
    score.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run in DIR: grade only what is missing",
    )
    score.add_argument(
        "--overwrite",
        action="store_true",
        help="start over in a DIR that already holds a run (without it, such a DIR is refused)",
    )
    score.add_argument(
        "--cache",
        metavar="DIR",
        help="result cache directory (default: $EVALKIT_CACHE_DIR or ~/.cache/evalkit)",
    )
    score.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    score.add_argument(
        "--executor",
        default="local",
        choices=("local", "dask"),
        help="local processes (default) or a Dask cluster",
    )
    score.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local "
        "cluster with --jobs workers)",
    )
    score.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time limit per submission; over it the status is timeout (default: 60, 0 for none)",
    )
    score.add_argument(
        "--max-file-mb",
        type=float,
        default=5.0,
        metavar="MB",
        help="size limit per file and per answer text; a Terraform or answer "
        "file over it makes the submission an error (default: 5)",
    )
    score.add_argument(
        "--waivers",
        metavar="FILE.yaml",
        help="checks made n/a per record, keyed by a metadata column "
        "(`by: prompt_id` and `waivers: {p-17: [HA-NO-AUTOSCALING]}`)",
    )
    score.add_argument(
        "--waive-field",
        default="waive",
        metavar="NAME",
        help="record field listing check IDs waived for that record (default: waive)",
    )
    score.add_argument(
        "--parser",
        choices=PARSER_NAMES,
        help="HCL parser; both give the same results, tree-sitter is faster "
        "(default: $EVALKIT_PARSER, else the rubric's parser:, else tree-sitter)",
    )
    _add_coverage_arguments(score)
    score.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    rescore = commands.add_parser(
        "rescore",
        help="recompute a run's scores with another rubric, without re-parsing",
        description="Rewrite RUN_DIR's scores and findings tables from its results.jsonl with "
        "a new rubric.",
    )
    rescore.add_argument("run_dir", metavar="RUN_DIR")
    rescore.add_argument("--rubric", metavar="YAML", help="rubric file (default: aws-multi-region)")
    rescore.add_argument(
        "--format",
        default=None,
        choices=OUTPUT_FORMATS,
        help="table format (default: the run's format); sarif writes CSV tables and findings.sarif",
    )
    rescore.add_argument(
        "--by",
        metavar="COLUMN",
        help="also give summary.json per group of a metadata column (default: the run's own)",
    )
    rescore.add_argument(
        "--out",
        metavar="DIR",
        help="write the rescored run to DIR (with a copy of results.jsonl) and leave RUN_DIR "
        "as it is (default: rewrite RUN_DIR)",
    )
    rescore.add_argument(
        "--overwrite",
        action="store_true",
        help="let --out replace a run already in DIR",
    )
    rescore.add_argument(
        "--waivers",
        metavar="FILE.yaml",
        help="apply these waivers instead of the run's (the checks are not run again)",
    )
    rescore.add_argument(
        "--waive-field",
        metavar="NAME",
        help="read waived check IDs from this record field instead of the run's",
    )
    rescore.add_argument("--quiet", action="store_true", help="no summary")

    commands.add_parser("checks", help="list the checks with category and severity")
    explain = commands.add_parser("explain", help="show what a check looks for and how to fix it")
    explain.add_argument("check_id", metavar="ID")

    compare = commands.add_parser(
        "compare",
        help="compare two scored runs, or the groups of one run, with bootstrap intervals",
        description="Compare two runs written by `evalkit score`: mean score and per-category "
        "and per-check failure rates, differences RUN_B - RUN_A with bootstrap intervals. "
        "Runs sharing submission ids (or --on values) are compared pair by pair. With one run "
        "and --by COLUMN, every pair of its groups (e.g. models) is compared instead.",
    )
    compare.add_argument("run_a", metavar="RUN_A", help="directory of the first run")
    compare.add_argument(
        "run_b", metavar="RUN_B", nargs="?", help="directory of the second run (not with --by)"
    )
    compare.add_argument(
        "--by",
        metavar="COLUMN",
        help="compare the groups of RUN_A by this metadata column pairwise, e.g. model",
    )
    compare.add_argument(
        "--out",
        metavar="FILE",
        help="also write the comparison: FILE.csv one row per statistic, FILE.json the rows "
        "with how the runs were matched, any other name markdown",
    )
    compare.add_argument(
        "--on",
        default=None,
        metavar="COLUMN",
        help="column matching submissions, e.g. prompt_id (default: submission_id for two runs; "
        "with --by, none: the groups are not paired and the columns that could pair them are "
        "named)",
    )
    compare.add_argument(
        "--unpaired",
        action="store_true",
        help="resample the runs independently even when ids match",
    )
    compare.add_argument(
        "--correct",
        choices=CORRECT_CHOICES,
        default="holm",
        help="judge the category and check rows by p-values adjusted over those rows: holm "
        "(family-wise error, the default), bh (Benjamini-Hochberg, false discovery rate) or "
        "none (each row by its own interval)",
    )
    compare.add_argument(
        "--n-boot", type=int, default=2000, metavar="N", help="bootstrap resamples (default: 2000)"
    )
    compare.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")

    report = commands.add_parser(
        "report",
        help="write report.md with summary tables and charts for a run",
        description="Write DIR/report.md (counts, mean scores, failure rates with intervals, "
        "top failing checks, example findings) and the charts as PNG files beside it. Reads "
        "only the run's files, never the submissions.",
    )
    report.add_argument("run", metavar="RUN_DIR", help="directory written by `evalkit score`")
    report.add_argument("--by", metavar="COLUMN", help="group by a metadata column, e.g. model")
    report.add_argument("--out", metavar="DIR", help="output directory (default: RUN_DIR/report)")
    report.add_argument(
        "--rubric", metavar="YAML", help="rubric for the points-lost table (default: the run's own)"
    )
    report.add_argument(
        "--on",
        metavar="COLUMN",
        help="with --by: pair the groups' comparison on this column, e.g. prompt_id",
    )
    report.add_argument(
        "--correct",
        choices=CORRECT_CHOICES,
        default="holm",
        help="with --by: adjust the comparison's p-values over its category and check rows: "
        "holm (the default), bh (Benjamini-Hochberg) or none",
    )

    _add_passk_parser(commands)
    _add_leaderboard_parser(commands)

    view = commands.add_parser(
        "view",
        help="write a self-contained HTML page to browse a run's submissions and findings",
        description="Write one HTML file (no server, no network needed) with a sortable, "
        "filterable table of the run's submissions and, per submission, its feedback and its "
        "files as graded with every finding at its line.",
    )
    view.add_argument("run", metavar="RUN_DIR", help="directory written by `evalkit score`")
    view.add_argument("--out", metavar="FILE", help="output file (default: RUN_DIR/view.html)")
    view.add_argument(
        "--on",
        metavar="COLUMN",
        help="the column naming the prompt, to show answers to the same prompt side by side "
        "(default: prompt_id, prompt, task or question when the run has one)",
    )
    return parser


def _add_passk_parser(commands: Any) -> None:
    passk = commands.add_parser(
        "passk",
        help="pass@k per prompt over several answers per prompt (unbiased estimator)",
        description="pass@k: the chance that at least one of k answers to a prompt passes, "
        "from n answers per prompt of which c pass (1 - C(n-c,k)/C(n,k)), averaged over "
        "the prompts.",
    )
    passk.add_argument("run", metavar="RUN_DIR", help="directory written by `evalkit score`")
    passk.add_argument("--on", required=True, metavar="COLUMN", help="the prompt column")
    passk.add_argument("--k", default="1", metavar="K[,K...]", help="values of k (default: 1)")
    passk.add_argument("--by", metavar="COLUMN", help="per group of this column, e.g. model")
    passk.add_argument(
        "--pass",
        dest="rule",
        default="no-critical",
        metavar="RULE",
        help="what passes: no-critical (no failed check the rubric rates critical; default), "
        "no-high (neither critical nor high) or score>=X",
    )
    passk.add_argument("--out", metavar="FILE.csv", help="also write the table as CSV")


def _add_leaderboard_parser(commands: Any) -> None:
    board = commands.add_parser(
        "leaderboard",
        help="one table of several runs: mean score, scored share, category failure rates",
        description="Rank runs by mean score (95%% interval), with the share of submissions "
        "that could be scored and each category's failure rate with its Wilson interval.",
    )
    board.add_argument("runs", nargs="+", metavar="RUN_DIR")
    board.add_argument(
        "--sort",
        default="score",
        metavar="COLUMN",
        help="sort by score (default, highest first), scored, a category (lowest failure "
        "rate first) or run",
    )
    board.add_argument("--out", metavar="FILE", help="also write FILE.csv or FILE.md")


def _add_coverage_arguments(score: argparse.ArgumentParser) -> None:
    score.add_argument(
        "--reference-field",
        metavar="NAME",
        help="record field holding a reference solution (markdown, HCL or a files object); "
        "the score then measures coverage of it",
    )
    score.add_argument(
        "--references",
        metavar="PATH",
        help="a dataset of reference solutions, joined to the submissions by id",
    )
    score.add_argument(
        "--requires-field",
        metavar="NAME",
        help='record field listing required kinds, e.g. ["database@2", "cdn"]',
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            args = build_parser().parse_args(arguments)
        except SystemExit as stop:  # --help, --version and argparse's usage errors
            sys.stdout.flush()
            return stop.code if isinstance(stop.code, int) else EXIT_USAGE
        status = _dispatch(args, arguments)
        # Printed text sits in a buffer when stdout is a pipe: flush it here, where a
        # closed pipe can still be handled, not at interpreter exit.
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _closed_pipe()


def _dispatch(args: argparse.Namespace, arguments: list[str]) -> int:
    try:
        if args.command == "checks":
            return _list_checks()
        if args.command == "explain":
            return _explain(args.check_id)
        if args.command == "rescore":
            return _rescore(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "report":
            return _report(args)
        if args.command == "view":
            return _view(args)
        if args.command == "passk":
            return _passk(args)
        if args.command == "leaderboard":
            return _leaderboard(args)
        return _score(args)
    except KeyboardInterrupt:
        print(f"\nevalkit: interrupted{_resume_hint(args, arguments)}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _closed_pipe() -> int:
    """The reader of stdout went away (``evalkit explain X | head``): stop quietly.

    Files were written before anything was printed, so nothing is lost. Pointing stdout at
    /dev/null keeps Python from complaining when it flushes stdout again on exit.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_OK


def _resume_hint(args: argparse.Namespace, arguments: list[str]) -> str:
    """For an interrupted `score`: where the finished work is and the command to go on."""
    if args.command != "score":
        return ""
    from evalkit.results.journal import JOURNAL_NAME

    journal = os.path.join(args.out, JOURNAL_NAME)
    if not os.path.exists(journal):
        return ""
    kept = [a for a in arguments if a not in ("--resume", "--overwrite")]
    command = shlex.join(["evalkit", *kept, "--resume"])
    return f"; finished results are kept in {journal}. To continue:\n  {command}"


def _list_checks() -> int:
    from evalkit.checks.metadata import catalog

    checks = catalog()
    print(f"{'ID':<28} {'CATEGORY':<14} {'SEVERITY':<9} TITLE")
    for check in checks:
        print(f"{check.id:<28} {check.category:<14} {check.severity:<9} {check.title}")
    print(f"\n{len(checks)} checks")
    return EXIT_OK


def _explain(check_id: str) -> int:
    from evalkit.checks import REGISTRY
    from evalkit.checks.registry import UnknownCheckError

    try:
        check = REGISTRY.get(check_id.strip().upper())
    except UnknownCheckError:
        from evalkit.analysis.pairing import closest

        near = closest(check_id.strip(), REGISTRY.ids())
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        return _usage(
            f"unknown check ID {check_id!r}{hint} (`evalkit checks` lists all {len(REGISTRY)})"
        )
    print(f"{check.id}  ({check.category}, {check.severity})\n{check.title}\n")
    print(check.doc)
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    from evalkit.checks import REGISTRY
    from evalkit.grading.rubric import load_rubric
    from evalkit.running.pipeline import score_to_directory
    from evalkit.running.runner import Execution, default_jobs
    from evalkit.terraform.parse import use_parser

    jobs = args.jobs if args.jobs is not None else default_jobs()
    if jobs < 1:
        return _usage("--jobs must be at least 1")
    if args.parser is not None:
        use_parser(args.parser)
    if args.timeout < 0 or args.max_file_mb <= 0:
        return _usage("--timeout must be >= 0 and --max-file-mb > 0")

    if args.resume and args.overwrite:
        return _usage("--resume and --overwrite exclude each other")
    if args.by is not None:
        problem = _by_problem(args)
        if problem:
            return _usage(problem)

    def run() -> RunTally:
        rubric = load_rubric(args.rubric, REGISTRY)
        cache: bool | str = False if args.no_cache else (args.cache or True)
        execution = Execution(jobs, args.timeout or None, args.executor, args.scheduler)
        tally = score_to_directory(
            args.paths,
            args.out,
            rubric,
            fmt=args.format,
            id_field=args.id_field,
            text_field=args.text_field,
            execution=execution,
            progress=None if not args.quiet else False,
            max_file_bytes=int(args.max_file_mb * 1024 * 1024),
            cache=cache,
            resume=args.resume,
            waivers=args.waivers,
            waive_field=args.waive_field,
            overwrite=args.overwrite,
            by=args.by,
            reference_field=args.reference_field,
            requires_field=args.requires_field,
            references=args.references,
        )
        if args.waivers:
            _warn_about_waivers(args.out)
        return tally

    return _finish(run, args, args.out, args.format)


def _by_problem(args: argparse.Namespace) -> str:
    """Why --by cannot work, found from the records before anything is graded or written."""
    from evalkit.dataset import DatasetError
    from evalkit.results.rates import UnknownColumn
    from evalkit.running.preflight import check_by_column

    try:
        check_by_column(
            args.paths,
            args.by,
            id_field=args.id_field,
            text_field=args.text_field,
            max_file_bytes=int(args.max_file_mb * 1024 * 1024),
        )
    except UnknownColumn as error:
        return f"--by: {error}; nothing was graded"
    except DatasetError as error:
        return str(error)
    return ""


def _warn_about_waivers(out: str) -> None:
    """Say on stderr when a waivers file matched nothing: a mistyped `by` column or keys
    would otherwise waive nothing without a word."""
    import json
    from pathlib import Path

    info = json.loads((Path(out) / "run.json").read_text(encoding="utf-8")).get("waivers", {})
    if info.get("problem"):
        print(f"evalkit: warning: {info['problem']}; nothing was waived by it", file=sys.stderr)
    elif info.get("unmatched_keys"):
        keys = ", ".join(map(str, info["unmatched_keys"][:10]))
        more = len(info["unmatched_keys"]) - 10
        suffix = f" (+{more} more)" if more > 0 else ""
        print(
            f"evalkit: warning: waivers for {info.get('by')} {keys}{suffix} matched no submission",
            file=sys.stderr,
        )


def _rescore(args: argparse.Namespace) -> int:
    import json
    import shutil
    from pathlib import Path

    from evalkit.checks.metadata import catalog
    from evalkit.grading.rubric import load_rubric
    from evalkit.grading.waivers import DEFAULT_WAIVE_FIELD, load_waivers
    from evalkit.results.journal import JOURNAL_NAME, refuse_existing_run
    from evalkit.results.run import remove_stale_report, rewaive_journal, write_run_directory
    from evalkit.results.saved_files import copy_saved_files

    directory = Path(args.run_dir)
    if not (directory / JOURNAL_NAME).exists():
        return _usage(
            f"{directory}: no {JOURNAL_NAME}; is it a directory written by `evalkit score`?"
        )
    info_path = directory / "run.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    fmt = args.format or info.get("format", "csv")
    out = Path(args.out) if args.out else directory
    elsewhere = not (out.exists() and out.resolve() == directory.resolve())
    args.fail_under = None

    def run() -> RunTally:
        rubric = load_rubric(args.rubric, catalog())
        if elsewhere:
            refuse_existing_run(out, False, args.overwrite)
            out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(directory / JOURNAL_NAME, out / JOURNAL_NAME)
            copy_saved_files(directory, out)
        # A report drawn from the old scores would contradict the new tables.
        remove_stale_report(out)
        context = {
            "input": info.get("input"),
            "id_field": info.get("id_field"),
            "text_field": info.get("text_field"),
            "jobs": 0,
            "seconds": 0.0,
            # Waivers were applied when grading and are in the journal; keep their source.
            "waivers": info.get("waivers"),
            # Coverage was measured when grading; keep where its references came from.
            "coverage_settings": {
                k: v
                for k, v in (info.get("coverage") or {}).items()
                if k in ("reference_field", "requires_field", "references")
            },
            "reference_problems": [
                p for p in info.get("problems", []) if p.get("source") == "references"
            ],
        }
        if args.waivers is not None or args.waive_field is not None:
            waivers = load_waivers(args.waivers, args.waive_field or DEFAULT_WAIVE_FIELD)
            rewaive_journal(out / JOURNAL_NAME, waivers)
            context["waivers"] = waivers.settings()
            context["waiver_keys"] = None if waivers.file is None else list(waivers.file.table)
        return write_run_directory(out, rubric, fmt, context, by=args.by or info.get("by"))

    return _finish(run, args, str(out), fmt)


def _finish(run: Callable[[], RunTally], args: argparse.Namespace, out: str, fmt: str) -> int:
    from evalkit.dataset import DatasetError
    from evalkit.grading.rubric import RubricError
    from evalkit.grading.waivers import WaiverError
    from evalkit.results.journal import ExistingRun, JournalMismatch
    from evalkit.results.rates import UnknownColumn

    errors: tuple[type[Exception], ...] = (
        DatasetError,
        RubricError,
        JournalMismatch,
        WaiverError,
        ExistingRun,
    )
    try:
        tally = run()
    except UnknownColumn as error:
        return _usage(
            f"--by: {error}; the tables are written, run `evalkit rescore {out} --by COLUMN`"
        )
    except errors + _runner_errors() as error:
        return _usage(str(error))
    except OSError as error:
        return _usage(f"{error.filename or ''}: {error.strerror}")
    except Exception as error:  # noqa: BLE001 - report, never dump a traceback at users
        print(f"evalkit: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    if not args.quiet:
        print(summary(tally, out, fmt))
        _print_groups(out)
    mean = tally.mean_score
    if args.fail_under is not None and not mean >= args.fail_under:
        reason = (
            f"mean score {mean:.1f} is under {args.fail_under:g}"
            if mean == mean
            else f"no submission was scored, so the mean cannot reach {args.fail_under:g}"
        )
        print(f"evalkit: {reason}", file=sys.stderr)
        return EXIT_FAIL_UNDER
    return EXIT_OK


def _runner_errors() -> tuple[type[Exception], ...]:
    """The runner's usage errors, once it is loaded: only grading raises them, and rescoring
    should not import the grader just to name them."""
    runner = sys.modules.get("evalkit.running.runner")
    return () if runner is None else (runner.ExecutorUnavailable,)


def _print_groups(out: str) -> None:
    from pathlib import Path

    from evalkit.results.summary import SUMMARY_NAME
    from evalkit.running.preflight import group_lines

    lines = group_lines(Path(out) / SUMMARY_NAME)
    if lines:
        print(f"\n{lines}")


def _usage(message: str) -> int:
    print(f"evalkit: {message}", file=sys.stderr)
    return EXIT_USAGE


def _compare(args: argparse.Namespace) -> int:
    from evalkit.analysis.compare import compare_groups
    from evalkit.results.run import load_run

    if args.n_boot < 1:
        return _usage("--n-boot must be at least 1")
    if (args.run_b is None) == (args.by is None):
        return _usage("give either two runs (RUN_A RUN_B) or one run with --by COLUMN")
    options = {"n_boot": args.n_boot, "seed": args.seed, "correct": args.correct}
    try:
        if args.by is not None:
            run = load_run(args.run_a)
            paired = False if args.unpaired else None
            grouped = compare_groups(run, args.by, on=args.on, paired=paired, **options)
            name = os.path.basename(os.path.abspath(args.run_a))
            title = f"# Comparison of the {args.by} groups of {name}"
            text = grouped.summary()
        else:
            result = _compare_runs(args, options)
            title = f"# Comparison of {result.labels[1]} with {result.labels[0]}"
            text = result.summary()
    except (FileNotFoundError, KeyError, ValueError) as error:
        return _usage(str(error.args[0] if error.args else error))
    if args.out:
        from evalkit.analysis.compare_export import write_comparison

        try:
            write_comparison(grouped if args.by is not None else result, args.out, title)
        except OSError as error:
            return _usage(f"{args.out}: {error.strerror}")
    print(text)
    return EXIT_OK


def _compare_runs(args: argparse.Namespace, options: dict[str, Any]) -> Comparison:
    """Two runs compared; without --on, matched as `evalkit.analysis.pairing.detect_pairing` finds
    (shared ids, a shared column such as prompt_id, or ids without the run's name), and
    the report says how, or which --on columns there are."""
    from dataclasses import replace

    from evalkit.analysis.compare import compare
    from evalkit.analysis.pairing import Pairing, detect_pairing
    from evalkit.results.run import load_run

    run_a, run_b = load_run(args.run_a), load_run(args.run_b)
    if args.on or args.unpaired:
        pairing = Pairing(args.on or "submission_id", (run_a, run_b), "")
    else:
        pairing = detect_pairing(run_a, run_b)
    result = compare(
        *pairing.runs,
        on=pairing.on or "submission_id",
        paired=False if args.unpaired else None,
        labels=_run_labels(args.run_a, args.run_b),
        **options,
    )
    return replace(result, notes=(pairing.note, *result.notes)) if pairing.note else result


def _run_labels(path_a: str, path_b: str) -> tuple[str, str]:
    """Short names for two run directories: their last path parts, unless those are equal."""
    from pathlib import Path

    a, b = Path(path_a).resolve(), Path(path_b).resolve()
    return (a.name, b.name) if a.name != b.name else (str(path_a), str(path_b))


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from evalkit.analysis.report import write_report
    from evalkit.grading.rubric import RubricError
    from evalkit.results.run import load_run

    out = Path(args.out) if args.out else Path(args.run) / "report"
    try:
        run = load_run(args.run)
        path = write_report(
            run,
            out,
            by=args.by,
            rubric=args.rubric,
            title=f"evalkit report: {Path(args.run).resolve().name}",
            on=args.on,
            correct=args.correct,
        )
    except (FileNotFoundError, KeyError, RubricError) as error:
        return _usage(str(error.args[0] if error.args else error))
    except OSError as error:
        return _usage(f"{error.filename or ''}: {error.strerror}")
    except Exception as error:  # noqa: BLE001 - report, never dump a traceback at users
        print(f"evalkit: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    charts = len(list(path.parent.glob("*.png")))
    print(f"wrote {path} and {charts} charts beside it")
    return EXIT_OK


def _passk(args: argparse.Namespace) -> int:
    from evalkit.analysis.passk import format_table, pass_at_k
    from evalkit.results.run import load_run

    try:
        ks = [int(k) for k in args.k.split(",") if k.strip()]
    except ValueError:
        return _usage(f"--k takes whole numbers separated by commas, not {args.k!r}")
    if not ks or min(ks) < 1:
        return _usage("--k needs values of at least 1")
    try:
        table = pass_at_k(load_run(args.run), args.on, ks, rule=args.rule, by=args.by)
    except (FileNotFoundError, KeyError, ValueError) as error:
        return _usage(str(error.args[0] if error.args else error))
    print(f"pass@k over {args.on} (pass: {args.rule})")
    print(format_table(table, args.by))
    if args.out:
        table.to_csv(args.out, index=False)
    return EXIT_OK


def _leaderboard(args: argparse.Namespace) -> int:
    from evalkit.analysis.leaderboard import leaderboard, to_markdown

    try:
        table = leaderboard(args.runs, sort=args.sort)
    except (FileNotFoundError, KeyError, ValueError) as error:
        return _usage(str(error.args[0] if error.args else error))
    text = to_markdown(table)
    print(text)
    if args.out:
        if args.out.lower().endswith(".csv"):
            table.to_csv(args.out, index=False)
        else:
            with open(args.out, "w", encoding="utf-8") as out:
                out.write(text + "\n")
    return EXIT_OK


def _view(args: argparse.Namespace) -> int:
    from pathlib import Path

    from evalkit.analysis.viewer import write_view

    try:
        path = write_view(args.run, args.out, pair_on=args.on)
    except (FileNotFoundError, KeyError) as error:
        return _usage(str(error.args[0] if error.args else error))
    except OSError as error:
        return _usage(f"{error.filename or ''}: {error.strerror}")
    except Exception as error:  # noqa: BLE001 - report, never dump a traceback at users
        print(f"evalkit: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    print(f"wrote {path} (open it in a browser: {Path(path).resolve().as_uri()})")
    return EXIT_OK


def summary(tally: RunTally, out: str, fmt: str) -> str:
    """A short human summary: counts by status, mean score, per-category failure rates."""
    counts = {k: v for k, v in tally.status.items() if v}
    status_text = ", ".join(f"{counts[s]} {s}" for s in sorted(counts)) or "none"
    total = tally.submissions
    mean = tally.mean_score
    covered = tally.mean_coverage
    coverage_text = "" if covered is None else f"; mean coverage {covered:.2f}"
    lines = [
        f"scored {total} submissions ({status_text}); mean score {mean:.1f}{coverage_text}"
        if total
        else "scored 0 submissions",
        "",
        f"{'category':<15} {'applies':>7} {'failed':>7} {'rate':>7}",
    ]
    row: Any  # a named tuple of failure_rates() columns
    for row in tally.failure_rates().itertuples():
        rate = "-" if row.n == 0 else f"{100 * row.failure_rate:.0f}%"
        lines.append(f"{row.category:<15} {row.n:>7} {row.failed:>7} {rate:>7}")
    lines.append("")
    table = "csv" if fmt == "sarif" else fmt
    lines.append(
        textwrap.fill(
            f"wrote {out}/scores.{table}, {out}/findings.{table}, {out}/checks.{table}, "
            + (f"{out}/findings.sarif, " if fmt == "sarif" else "")
            + f"{out}/summary.json, {out}/run.json, {out}/results.jsonl, {out}/files/",
            width=100,
        )
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
