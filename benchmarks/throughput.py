"""Throughput of evalkit against the python-hcl2 parse floor, on a generated corpus.

    .venv/bin/python benchmarks/throughput.py [--count 200] [--min-kb 5] [--max-kb 60]

Prints, measured in one run: the parse-only floor (python-hcl2 `parses_to_tree` on the same
files, one process), evalkit with one process (loading, evaluation, all checks, tables), and
the ratio between them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import hcl2

sys.path.insert(0, str(Path(__file__).parent))

from corpus import corpus  # noqa: E402

import evalkit  # noqa: E402
from evalkit.records import Submission  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--min-kb", type=int, default=5)
    parser.add_argument("--max-kb", type=int, default=60)
    args = parser.parse_args()

    submissions = corpus(args.count, args.min_kb, args.max_kb)
    total_kb = sum(len(t) for s in submissions for t in s.values()) / 1024
    hcl2.parses_to_tree("a = 1")  # parser tables loaded before timing

    started = time.perf_counter()
    for files in submissions:
        for text in files.values():
            hcl2.parses_to_tree(text)
    floor = time.perf_counter() - started

    records = [Submission(f"s{i:05d}", files) for i, files in enumerate(submissions)]
    started = time.perf_counter()
    run = evalkit.score(records)
    graded = time.perf_counter() - started

    print(f"corpus: {len(submissions)} submissions, {total_kb:,.0f} KB of HCL")
    print(f"parse-only floor (parses_to_tree): {floor:8.2f} s  {total_kb / floor:8.0f} KB/s")
    print(f"evalkit --jobs 1:                  {graded:8.2f} s  {total_kb / graded:8.0f} KB/s")
    print(f"ratio evalkit / floor:             {graded / floor:8.2f}")
    print(f"findings: {len(run.findings)}, mean score {run.scores['score'].mean():.1f}")


if __name__ == "__main__":
    main()
