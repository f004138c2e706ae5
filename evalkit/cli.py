"""The `evalkit` command: score a dataset, list checks, explain one."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from evalkit import __version__

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_FAIL_UNDER = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalkit", description="Grade model-written Terraform for AWS.")
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    score = commands.add_parser(
        "score", help="score a dataset and write scores, findings and run.json",
        description="Score submissions (directories of .tf, markdown answers, JSONL/JSON/CSV/"
        "Parquet records) and write DIR/scores.<fmt>, DIR/findings.<fmt> and DIR/run.json.")
    score.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or globs")
    score.add_argument("--out", required=True, metavar="DIR", help="output directory")
    score.add_argument("--rubric", metavar="YAML", help="rubric file (default: aws-multi-region)")
    score.add_argument("--format", default="csv", choices=("csv", "jsonl", "parquet"),
                       help="table format (default: csv)")
    score.add_argument("--fail-under", type=float, metavar="SCORE",
                       help="exit 3 when the mean score is below SCORE")
    score.add_argument("--id-field", default="id", help="record field holding the id")
    score.add_argument("--text-field", default="response",
                       help="record field holding the answer text")
    score.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="grade in N processes (default: 1)")
    score.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                       help="time limit per submission; over it the status is timeout "
                       "(default: 60, 0 for none)")
    score.add_argument("--max-file-mb", type=float, default=5.0, metavar="MB",
                       help="skip files larger than this, with a note in run.json (default: 5)")
    score.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    commands.add_parser("checks", help="list the checks with category and severity")
    explain = commands.add_parser("explain", help="show what a check looks for and how to fix it")
    explain.add_argument("check_id", metavar="ID")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "checks":
            return _list_checks()
        if args.command == "explain":
            return _explain(args.check_id)
        return _score(args)
    except KeyboardInterrupt:
        print("evalkit: interrupted", file=sys.stderr)
        return 130


def _list_checks() -> int:
    from evalkit.checks import REGISTRY

    print(f"{'ID':<28} {'CATEGORY':<14} {'SEVERITY':<9} TITLE")
    for check in REGISTRY:
        print(f"{check.id:<28} {check.category:<14} {check.severity:<9} {check.title}")
    print(f"\n{len(REGISTRY)} checks")
    return EXIT_OK


def _explain(check_id: str) -> int:
    from evalkit.checks import REGISTRY
    from evalkit.checks.registry import UnknownCheckError

    try:
        check = REGISTRY.get(check_id.strip().upper())
    except UnknownCheckError as error:
        print(f"evalkit: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{check.id}  ({check.category}, {check.severity})\n{check.title}\n")
    print(check.doc)
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    from evalkit.api import score
    from evalkit.checks import REGISTRY
    from evalkit.dataset import DatasetError
    from evalkit.rubric import RubricError, load_rubric

    if args.jobs < 1:
        print("evalkit: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.timeout < 0 or args.max_file_mb <= 0:
        print("evalkit: --timeout must be >= 0 and --max-file-mb > 0", file=sys.stderr)
        return EXIT_USAGE
    try:
        rubric = load_rubric(args.rubric, REGISTRY)
        run = score(args.paths, rubric, jobs=args.jobs, id_field=args.id_field,
                    text_field=args.text_field, progress=None if not args.quiet else False,
                    time_limit=args.timeout or None,
                    max_file_bytes=int(args.max_file_mb * 1024 * 1024))
        run.save(args.out, args.format)
    except (DatasetError, RubricError) as error:
        print(f"evalkit: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(f"evalkit: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # noqa: BLE001 - report, never dump a traceback at users
        print(f"evalkit: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    if not args.quiet:
        print(summary(run, args.out, args.format))
    mean = run.scores["score"].mean()
    if args.fail_under is not None and (run.scores.empty or mean < args.fail_under):
        print(f"evalkit: mean score {mean:.1f} is under {args.fail_under:g}", file=sys.stderr)
        return EXIT_FAIL_UNDER
    return EXIT_OK


def summary(run: object, out: str, fmt: str) -> str:
    """A short human summary: counts by status, mean score, per-category failure rates."""
    scores = run.scores  # type: ignore[attr-defined]
    rates = run.failure_rates()  # type: ignore[attr-defined]
    counts = scores["status"].value_counts()
    status_text = ", ".join(f"{counts[s]} {s}" for s in sorted(counts.index))
    mean = scores["score"].mean()
    lines = [f"scored {len(scores)} submissions ({status_text or 'none'}); mean score "
             f"{mean:.1f}" if len(scores) else "scored 0 submissions", "",
             f"{'category':<15} {'applies':>7} {'failed':>7} {'rate':>7}"]
    for row in rates.itertuples():
        rate = "-" if row.n == 0 else f"{100 * row.failure_rate:.0f}%"
        lines.append(f"{row.category:<15} {row.n:>7} {row.failed:>7} {rate:>7}")
    lines.append("")
    lines.append(textwrap.fill(f"wrote {out}/scores.{fmt}, {out}/findings.{fmt}, {out}/run.json",
                               width=100))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
