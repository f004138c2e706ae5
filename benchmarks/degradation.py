"""Do degraded answers score lower? Real answers, their reference solutions, and what is left
when resources are deleted.

    .venv/bin/python benchmarks/degradation.py --limit 10 --jobs 2
    .venv/bin/python benchmarks/degradation.py DATASET_DIR          # every task

DATASET_DIR (default /work/shared/datasets/rlhf-dev) holds one folder per task with a model's
answer (MODEL_RESPONSE.md) and the task's reference solution (IDEAL_RESPONSE.md); both are read
at run time. From each answer's files, the benchmark builds:

  - ``no_resources``: every resource block deleted (variables, outputs, providers stay);
  - ``random_id``: a single ``random_id`` resource;
  - ``random_id_test``: a ``random_id`` and a stub ``.tftest.hcl`` that asserts on it;
  - ``half_types``: the resource blocks of half of the answer's resource types deleted (every
    second type in sorted order, so the choice is the same on every run).

Every variant is graded once with the reference; its score with coverage (the default rubric,
quality x coverage) and without it (the rubric's quality score, `coverage: column`) come from
the same results. Printed: mean scores per variant, the share of the first three degradations
scoring <= 10, and the share of half-deleted answers scoring below their original.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from statistics import mean
from typing import Any

import evalkit
from evalkit.checks import REGISTRY
from evalkit.dataset import extract_files
from evalkit.grading.rubric import load_rubric
from evalkit.results.run import build_run
from evalkit.terraform.parse import ParsedFile, parse_file

DEFAULT_DATASET = Path("/work/shared/datasets/rlhf-dev")
RANDOM_ID = 'resource "random_id" "suffix" {\n  byte_length = 4\n}\n'
STUB_TEST = """run "suffix_is_generated" {
  command = plan

  assert {
    condition     = random_id.suffix.byte_length == 4
    error_message = "the suffix has the wrong length"
  }
}
"""
VARIANTS = ("original", "no_resources", "random_id", "random_id_test", "half_types")
NOTHING_BUILT = ("no_resources", "random_id", "random_id_test")


def delete_resources(files: dict[str, str], doomed: set[str] | None) -> dict[str, str]:
    """`files` without the resource blocks of the `doomed` types (all types when None)."""
    kept: dict[str, str] = {}
    for name, text in files.items():
        if name.endswith(".tf.json"):
            kept[name] = _without_json_resources(text, doomed)
            continue
        if not name.endswith(".tf"):
            kept[name] = text
            continue
        parsed = parse_file(name, text)
        if not isinstance(parsed, ParsedFile):
            kept[name] = text  # left as it is: the answer does not parse either way
            continue
        lines = text.splitlines(keepends=True)
        dropped: set[int] = set()
        for block in parsed.blocks:
            if block.type == "resource" and (doomed is None or block.labels[0] in doomed):
                dropped.update(range(block.line - 1, block.end_line))
        kept[name] = "".join(line for n, line in enumerate(lines) if n not in dropped)
    return kept


def _without_json_resources(text: str, doomed: set[str] | None) -> str:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return text
    if not isinstance(document, dict) or not isinstance(document.get("resource"), dict):
        return text
    if doomed is None:
        document.pop("resource")
    else:
        document["resource"] = {
            kind: body for kind, body in document["resource"].items() if kind not in doomed
        }
    return json.dumps(document, indent=2)


def resource_types(files: dict[str, str]) -> list[str]:
    found: set[str] = set()
    for name, text in files.items():
        if name.endswith(".tf"):
            parsed = parse_file(name, text)
            if isinstance(parsed, ParsedFile):
                found.update(b.labels[0] for b in parsed.blocks if b.type == "resource")
    return sorted(found)


def variants(files: dict[str, str]) -> dict[str, dict[str, str]]:
    types = resource_types(files)
    return {
        "original": files,
        "no_resources": delete_resources(files, None),
        "random_id": {"main.tf": RANDOM_ID},
        "random_id_test": {"main.tf": RANDOM_ID, "tests/suffix.tftest.hcl": STUB_TEST},
        "half_types": delete_resources(files, set(types[::2])),
    }


def records(dataset: Path, limit: int | None) -> tuple[list[dict[str, object]], int]:
    rows: list[dict[str, object]] = []
    tasks = sorted(p for p in dataset.iterdir() if (p / "MODEL_RESPONSE.md").is_file())
    tasks = [p for p in tasks if (p / "IDEAL_RESPONSE.md").is_file()][:limit]
    for task in tasks:
        answer = extract_files((task / "MODEL_RESPONSE.md").read_text(encoding="utf-8"))
        reference = (task / "IDEAL_RESPONSE.md").read_text(encoding="utf-8")
        for variant, files in variants(answer).items():
            rows.append(
                {
                    "id": f"{task.name}/{variant}",
                    "task": task.name,
                    "variant": variant,
                    "files": files,
                    "reference": reference,
                }
            )
    return rows, len(tasks)


def share(values: list[bool]) -> str:
    return (
        f"{sum(values)}/{len(values)} ({100 * sum(values) / len(values):.0f}%)" if values else "-"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--limit", type=int, default=None, help="first N tasks only")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()

    rows, n_tasks = records(args.dataset, args.limit)
    run = evalkit.score(rows, jobs=args.jobs, reference_field="reference")
    assert run.results is not None
    column = replace(load_rubric(None, REGISTRY), coverage="column")
    quality = build_run(run.results, column, REGISTRY, {}).scores.set_index("submission_id")
    scores = run.scores.set_index("submission_id")
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        sid = str(row["id"])
        cell = {
            "status": scores.at[sid, "status"],
            "with": scores.at[sid, "score"],
            "without": quality.at[sid, "score"],
            "coverage": scores.at[sid, "coverage"],
        }
        table.setdefault(str(row["task"]), {})[str(row["variant"])] = cell
    defined = {
        t: v for t, v in table.items() if v["original"]["coverage"] == v["original"]["coverage"]
    }
    print(f"{n_tasks} tasks from {args.dataset}; {len(defined)} with a reference that builds")
    print("counted infrastructure (the others have coverage n/a and keep their quality score)\n")

    print(f"{'variant':<16} {'mean score':>11} {'without ref':>12} {'mean coverage':>14}")
    for variant in VARIANTS:
        cells = [v[variant] for v in defined.values()]
        with_ref = [c["with"] for c in cells if c["with"] == c["with"]]
        without = [c["without"] for c in cells if c["without"] == c["without"]]
        coverages = [c["coverage"] for c in cells if c["coverage"] == c["coverage"]]
        print(
            f"{variant:<16} {mean(with_ref) if with_ref else float('nan'):>11.1f} "
            f"{mean(without) if without else float('nan'):>12.1f} "
            f"{mean(coverages) if coverages else float('nan'):>14.2f}"
        )

    print("\ndegraded answers scoring <= 10 (with the reference; without it):")
    for variant in NOTHING_BUILT:
        cells = [v[variant] for v in defined.values()]
        low = [c["with"] is not None and c["with"] <= 10 for c in cells]
        low_plain = [c["without"] is not None and c["without"] <= 10 for c in cells]
        print(f"  {variant:<16} {share(low):>14}   {share(low_plain):>14}")
    every = [v[k]["with"] <= 10 for v in defined.values() for k in NOTHING_BUILT]
    print(f"  {'all three':<16} {share(every):>14}")

    # An original that scores 0 (it does not parse) has no room below it.
    graded = {t: v for t, v in defined.items() if v["original"]["with"] > 0}
    zero = sorted(set(defined) - set(graded))
    below = [v["half_types"]["with"] < v["original"]["with"] for v in graded.values()]
    below_plain = [v["half_types"]["without"] < v["original"]["without"] for v in graded.values()]
    print("\nhalf of the resource types deleted, scoring below an original that scores above 0:")
    print(f"  with the reference {share(below)}; without it {share(below_plain)}")
    if zero:
        statuses = ", ".join(f"{t} ({defined[t]['original']['status']})" for t in zero)
        print(f"  left out, the original scores 0: {statuses}")
    for task, pair in graded.items():
        original, half = pair["original"], pair["half_types"]
        if not half["with"] < original["with"]:
            print(
                f"  not below: {task}: score {original['with']:.1f} -> {half['with']:.1f}, "
                f"coverage {original['coverage']:.2f} -> {half['coverage']:.2f}"
            )


if __name__ == "__main__":
    main()
