"""Cost of IAC-SCHEMA-VIOLATION: schema load time and the check's time per answer.

    .venv/bin/python benchmarks/schema_check.py --count 60
    .venv/bin/python benchmarks/schema_check.py --answers 'answers/*/MODEL_RESPONSE.md'

Prints the time a fresh process needs to load each shipped schema file, then, over a corpus
of generated multi-region submissions (or the markdown answers the glob names), the mean
milliseconds per answer of building the Terraform model, of all other checks, and of the
schema check, measured in this process with the schemas already loaded (a grading worker
loads them once).
"""

from __future__ import annotations

import argparse
import glob
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import corpus

from evalkit.aws.schema import SHIPPED_MAJORS, load_schema
from evalkit.checks import REGISTRY
from evalkit.dataset import extract_files
from evalkit.terraform.model import build_model

CHECK_ID = "IAC-SCHEMA-VIOLATION"


def cold_load_seconds(major: int, repeat: int) -> float:
    """The best of `repeat` fresh-process loads of one schema file (import time excluded)."""
    code = (
        "import time\nfrom evalkit.aws.schema import load_schema\n"
        f"t = time.perf_counter(); load_schema({major}); print(time.perf_counter() - t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    return min(runs)


def submissions(count: int, answers: str | None) -> list[dict[str, str]]:
    if answers:
        paths = sorted(glob.glob(answers))
        return [extract_files(Path(p).read_text(encoding="utf-8")) for p in paths]
    return corpus(count, 5, 60, seed=7)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--count", type=int, default=60, help="generated submissions")
    parser.add_argument("--answers", help="a glob of markdown answers instead")
    parser.add_argument("--repeat", type=int, default=3, help="cold loads per schema")
    args = parser.parse_args()

    for major in SHIPPED_MAJORS:
        print(
            f"schema aws-{major}: cold load {cold_load_seconds(major, args.repeat) * 1000:.1f} ms"
        )
    for major in SHIPPED_MAJORS:
        load_schema(major)

    schema_check = REGISTRY.get(CHECK_ID)
    others = [c for c in REGISTRY if c.id != CHECK_ID]
    model_s = others_s = schema_s = 0.0
    answers = submissions(args.count, args.answers)
    for files in answers:
        started = time.perf_counter()
        model = build_model(files)
        built = time.perf_counter()
        for other in others:
            other.run(model)
        checked = time.perf_counter()
        schema_check.run(model)
        schema_s += time.perf_counter() - checked
        others_s += checked - built
        model_s += built - started
        model.release()
    n = max(len(answers), 1)
    print(f"{len(answers)} answers, mean per answer:")
    print(f"  model (parse + modules): {model_s / n * 1000:8.2f} ms")
    print(f"  other {len(others)} checks:        {others_s / n * 1000:8.2f} ms")
    print(
        f"  {CHECK_ID}:    {schema_s / n * 1000:8.2f} ms "
        f"({schema_s / max(model_s + others_s, 1e-9):.1%} of the rest)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
