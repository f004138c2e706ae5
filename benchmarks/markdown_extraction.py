"""Time to extract the files of a large markdown answer (evalkit.dataset.markdown).

    .venv/bin/python benchmarks/markdown_extraction.py
    .venv/bin/python benchmarks/markdown_extraction.py --sections 5000 --repeat 5

Builds an answer of `--sections` parts (a heading naming the file, a sentence, one fenced
HCL block of about 600 bytes; 1700 parts are just over 1 MB) and prints the best of
`--repeat` extractions. The target is about 50 ms for the default answer on an idle laptop;
extraction must stay linear in the size of the answer (compare `--sections 5100`).
"""

from __future__ import annotations

import argparse
import time

from evalkit.dataset.markdown import extract_files

SECTION = (
    "## File: lib/module_{n}.tf\n\nThis part holds the storage for tenant {n}.\n\n"
    '```hcl\nresource "aws_s3_bucket" "b{n}" {{\n  bucket = "tenant-{n}"\n'
    '  tags = {{\n    Name = "tenant-{n}"\n  }}\n}}\n' + "# padding line\n" * 40 + "```\n\n"
)


def answer(sections: int) -> str:
    return "".join(SECTION.format(n=n) for n in range(sections))


def best_seconds(text: str, repeat: int) -> tuple[float, int]:
    """The fastest of `repeat` extractions, and how many files it found."""
    best = float("inf")
    found = 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = len(extract_files(text))
        best = min(best, time.perf_counter() - started)
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=1700)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = answer(args.sections)
    seconds, found = best_seconds(text, args.repeat)
    megabytes = len(text.encode("utf-8")) / 1_000_000
    print(f"answer: {megabytes:.2f} MB, {args.sections} fenced files; extracted {found}")
    milliseconds = seconds * 1000
    print(f"best of {args.repeat}: {milliseconds:.1f} ms ({milliseconds / megabytes:.1f} ms/MB)")


if __name__ == "__main__":
    main()
