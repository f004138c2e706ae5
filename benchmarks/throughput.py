"""Throughput, cache, rescore and memory of `evalkit score`, against the python-hcl2 floor.

    .venv/bin/python benchmarks/throughput.py                # the full run (about 15 min)
    .venv/bin/python benchmarks/throughput.py --count 300 --rss-small 300 --rss-large 3000
    .venv/bin/python benchmarks/throughput.py --speed-corpus   # real answers against checkov

Builds a corpus of generated multi-region submissions (JSONL of markdown answers), then
prints, measured in one run:
  - the parse-only floor of each parser, on the same files, one process: python-hcl2's
    `parses_to_tree`, and tree-sitter with what evalkit builds from its tree (the block and
    attribute records, or python-hcl2's tree for a text with template directives);
  - `evalkit score --jobs 1` (loading, extraction, evaluation, all checks, tables) with each
    parser (`--parser`), side by side, in CPU seconds of the process (the floors are CPU
    seconds too; every other figure is wall time);
  - checkov on the same files written out as one directory per submission, if `checkov` is on
    the PATH (n/a otherwise), against `evalkit --jobs 1` with the default parser;
  - `evalkit score` on all cores;
  - a warm-cache re-run, and `evalkit rescore` with another rubric;
  - peak RSS of `evalkit score` at a small and a large corpus (small submissions);
and the ratios between them. Every evalkit figure is a separate `evalkit` process, timed
from the outside like a user would see it.

`--speed-corpus` measures on real model answers instead: every MODEL_RESPONSE.md and
IDEAL_RESPONSE.md of ../shared/datasets/rlhf-dev (or the folder given), their Terraform taken
by evalkit's markdown extraction. It prints the parse floors, `evalkit score --jobs 1` per
parser (CPU and wall seconds) and checkov over one directory per answer, with the ratio of
checkov's wall time to evalkit's (target >= 25).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import RLHF_DEV, answer_paths, corpus

EVALKIT = [sys.executable, "-m", "evalkit.cli"]


def write_corpus(path: Path, count: int, min_kb: int, max_kb: int, seed: int) -> float:
    """Write `count` answers as JSONL; returns the KB of HCL they hold."""
    total = 0
    with path.open("w", encoding="utf-8") as out:
        for index, files in enumerate(corpus(count, min_kb, max_kb, seed)):
            answer = "\n".join(f"## {name}\n\n```hcl\n{text}```\n" for name, text in files.items())
            total += sum(len(t) for t in files.values())
            out.write(
                json.dumps({"id": f"sub-{index:06d}", "model": f"m{index % 3}", "response": answer})
                + "\n"
            )
    return total / 1024


PARSERS = ("tree-sitter", "hcl2")
TABLES = ("scores.csv", "findings.csv", "checks.csv")

# What each parser's floor times: the call evalkit makes to get a file's syntax tree.
_PARSE_CALLS = {
    "hcl2": ("import hcl2", "hcl2.parses_to_tree"),
    # What evalkit builds from tree-sitter (see evalkit.terraform.parse.parse_file).
    "tree-sitter": (
        "from evalkit.terraform.parse import records_suffice\n"
        "from evalkit.terraform.parse_treesitter import file_records, lark_tree\n"
        "def read(text):\n"
        "    return file_records(text, 'main.tf') if records_suffice(text) else lark_tree(text)",
        "read",
    ),
}


def parse_floor(path: Path, parser: str) -> float:
    """CPU seconds `parser` needs to parse every HCL block of the corpus, in one process."""
    setup, call = _PARSE_CALLS[parser]
    code = f"""
import json, time
{setup}
from evalkit.dataset import extract_files
texts = []
for line in open({str(path)!r}, encoding="utf-8"):
    texts.extend(extract_files(json.loads(line)["response"]).values())
{call}("a = 1")
started = time.process_time()
for text in texts:
    try:
        {call}(text)
    except Exception:  # a real answer may not parse: the time to say so counts
        pass
print(time.process_time() - started)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return float(result.stdout.strip())


def write_directories(path: Path, root: Path) -> None:
    """The corpus as one directory of .tf files per submission (what checkov reads)."""
    from evalkit.dataset import extract_files

    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        folder = root / record["id"]
        for name, text in extract_files(record["response"]).items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def checkov_seconds(root: Path) -> float | None:
    """Wall seconds of checkov over every submission directory, None if it is not installed."""
    program = shutil.which("checkov")
    if program is None:
        return None
    started = time.perf_counter()
    subprocess.run(
        [program, "-d", str(root), "--framework", "terraform", "--quiet", "--compact"],
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started


def median_of(repeats: int, measure: object) -> float:
    """The median of `repeats` measurements: the machine may be shared."""
    return statistics.median(measure() for _ in range(repeats))  # type: ignore[operator]


def evalkit(*args: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB) of one `evalkit` command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    process = subprocess.run([*EVALKIT, *args, "--quiet"], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"evalkit {' '.join(args)} failed:\n{process.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def peak_rss(data: Path, out: Path, cache: Path) -> int:
    """Peak RSS in KB of a whole `evalkit score` process tree, workers included."""
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    command = [
        *EVALKIT,
        "score",
        str(data),
        "--out",
        str(out),
        "--no-cache",
        "--quiet",
        "--jobs",
        "1",
    ]
    result = subprocess.run(
        [sys.executable, "-c", code, *command], check=True, capture_output=True, text=True
    )
    return int(result.stdout.strip())


def write_real_corpus(path: Path, folder: Path) -> tuple[int, float]:
    """The real answers under `folder` as JSONL; returns their count and the KB of HCL."""
    from evalkit.dataset import extract_files

    count, total = 0, 0
    with path.open("w", encoding="utf-8") as out:
        for answer in answer_paths(folder):
            text = answer.read_text(encoding="utf-8")
            total += sum(len(t) for t in extract_files(text).values())
            record = {
                "id": f"{answer.parent.name}-{answer.stem.lower()}",
                "model": answer.stem.lower(),
                "response": text,
            }
            out.write(json.dumps(record) + "\n")
            count += 1
    return count, total / 1024


def evalkit_one(data: Path, out: Path, parser: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of `evalkit score --jobs 1 --no-cache` with
    `parser`: on a shared machine its wall time measures the other users as much as evalkit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _ = evalkit(
        "score",
        str(data),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--no-cache",
        "--overwrite",
        "--parser",
        parser,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def same_tables(runs: list[Path], names: tuple[str, ...] = TABLES) -> bool:
    """Whether every run folder of `runs` holds the same bytes as the first in each table."""
    first, *others = runs
    return all(
        (first / n).read_bytes() == (other / n).read_bytes() for other in others for n in names
    )


def speed_corpus(folder: Path, repeats: int) -> None:
    """Side-by-side figures on the real answers under `folder`, against checkov."""
    if not folder.is_dir():
        print(f"speed corpus: {folder} is absent; nothing measured")
        return
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as scratch:
        root = Path(scratch)
        data = root / "answers.jsonl"
        count, kb = write_real_corpus(data, folder)
        print(
            f"speed corpus: {count} real answers of {folder}, {kb:,.0f} KB of HCL, "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
            f"median of {repeats} runs"
        )
        floors = {p: median_of(repeats, lambda p=p: parse_floor(data, p)) for p in PARSERS}
        ones: dict[str, tuple[float, float]] = {}
        for name in PARSERS:
            runs = [evalkit_one(data, root / f"one-{name}", name) for _ in range(repeats)]
            ones[name] = (
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
            )
        agree = same_tables([root / f"one-{p}" for p in PARSERS])
        write_directories(data, root / "dirs")
        checkov = checkov_seconds(root / "dirs")
    for name in PARSERS:
        seconds = floors[name]
        print(f"parse-only floor, {name:<11} (1 process):  {seconds:8.2f} s CPU")
    for name in PARSERS:
        wall, cpu = ones[name]
        print(f"evalkit --jobs 1 --parser {name:<11}:  {wall:8.2f} s wall  {cpu:8.2f} s CPU")
    if checkov is None:
        print("checkov (same files, directories):           n/a (not on the PATH)")
        return
    print(f"checkov (same files, directories):           {checkov:8.2f} s wall")
    for name in PARSERS:
        wall, cpu = ones[name]
        print(
            f"checkov / --jobs 1 --parser {name:<11}: {checkov / wall:5.1f} wall, "
            f"{checkov / cpu:5.1f} against CPU   (target >= 25)"
        )
    print(f"--jobs 1 tables identical with every parser: {agree}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--min-kb", type=int, default=5)
    parser.add_argument("--max-kb", type=int, default=60)
    parser.add_argument("--rss-small", type=int, default=1000)
    parser.add_argument("--rss-large", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="median of this many runs")
    parser.add_argument(
        "--speed-corpus",
        nargs="?",
        const=RLHF_DEV,
        type=Path,
        metavar="FOLDER",
        help="measure on real answers (default ../shared/datasets/rlhf-dev) against checkov",
    )
    args = parser.parse_args()
    if args.speed_corpus is not None:
        speed_corpus(args.speed_corpus, args.repeats)
        return

    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as scratch:
        root = Path(scratch)
        data = root / "answers.jsonl"
        kb = write_corpus(data, args.count, args.min_kb, args.max_kb, args.seed)
        cache = root / "cache"
        os.environ["EVALKIT_CACHE_DIR"] = str(cache)
        print(
            f"corpus: {args.count} submissions, {kb:,.0f} KB of HCL "
            f"({args.min_kb}-{args.max_kb} KB each), {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f}, median of {args.repeats} runs"
        )

        floors = {p: median_of(args.repeats, lambda p=p: parse_floor(data, p)) for p in PARSERS}
        ones = {
            p: median_of(args.repeats, lambda p=p: evalkit_one(data, root / f"one-{p}", p)[1])
            for p in PARSERS
        }
        floor, one_cpu = floors[PARSERS[0]], ones[PARSERS[0]]
        # Wall time of the default parser's run, for the ratios to the other wall times.
        one, _ = evalkit(
            "score", str(data), "--out", str(root / "one-wall"), "--jobs", "1", "--no-cache"
        )
        parsers_agree = same_tables([root / f"one-{p}" for p in PARSERS])
        write_directories(data, root / "dirs")
        checkov = checkov_seconds(root / "dirs")
        cold, _ = evalkit("score", str(data), "--out", str(root / "all"), "--cache", str(cache))
        warm, _ = evalkit("score", str(data), "--out", str(root / "warm"), "--cache", str(cache))
        rubric = root / "rubric.yaml"
        rubric.write_text("name: other\nversion: 2\nseverity_weights: {critical: 20}\n")
        rescore, _ = evalkit("rescore", str(root / "all"), "--rubric", str(rubric))
        same = same_tables(
            [root / f"one-{PARSERS[0]}", root / "warm"], ("scores.csv", "findings.csv")
        )

        small = root / "small.jsonl"
        large = root / "large.jsonl"
        write_corpus(small, args.rss_small, 2, 4, args.seed + 1)
        write_corpus(large, args.rss_large, 2, 4, args.seed + 1)
        rss_small = peak_rss(small, root / "rss-small", cache)
        rss_large = peak_rss(large, root / "rss-large", cache)

    for name in PARSERS:
        seconds = floors[name]
        print(
            f"parse-only floor, {name:<11} (1 process):  {seconds:8.2f} s  {kb / seconds:6.0f} KB/s"
        )
    for name in PARSERS:
        seconds = ones[name]
        print(
            f"evalkit --jobs 1 --parser {name:<11}:  {seconds:8.2f} s CPU  {kb / seconds:6.0f} KB/s"
        )
    if checkov is None:
        print("checkov (same files, directories):                 n/a (not installed)")
    else:
        print(
            f"checkov (same files, directories):           {checkov:8.1f} s"
            f"  {kb / checkov:6.0f} KB/s"
        )
    print(f"evalkit, all cores (cold cache):              {cold:8.1f} s  {kb / cold:6.0f} KB/s")
    print(f"evalkit, warm cache re-run:                   {warm:8.1f} s")
    print(f"evalkit rescore (other rubric):               {rescore:8.1f} s")
    print(f"peak RSS, {args.rss_small:>6} small submissions:            {rss_small / 1024:8.0f} MB")
    print(f"peak RSS, {args.rss_large:>6} small submissions:            {rss_large / 1024:8.0f} MB")
    print()
    speedups = ", ".join(f"{name} {ones[name] / one_cpu:.2f}" for name in PARSERS[1:])
    print(f"--jobs 1 per parser / {PARSERS[0]}: {speedups}")
    if checkov is not None:
        print(f"checkov / --jobs 1 wall: {checkov / one:5.1f}   (target >= 25)")
    print(f"--jobs 1 CPU / floor:    {one_cpu / floor:5.2f}   (target <= 1.5)")
    print(f"--jobs 1 / all cores:    {one / cold:5.2f}   (target >= 1.8 on 2 cores)")
    print(f"warm / cold:             {warm / cold:5.2f}   (target <= 0.2)")
    print(f"rescore / cold:          {rescore / cold:5.2f}   (target <= 0.05)")
    print(f"RSS large / small:       {rss_large / rss_small:5.2f}   (target <= 1.3)")
    print(f"--jobs 1 and warm-cache tables identical: {same}")
    print(f"--jobs 1 tables identical with every parser: {parsers_agree}")


if __name__ == "__main__":
    main()
