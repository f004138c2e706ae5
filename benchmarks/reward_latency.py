"""Reward latency per completion with each HCL parser, on one core.

    .venv/bin/python benchmarks/reward_latency.py              # 64 real answers, 3 repeats
    .venv/bin/python benchmarks/reward_latency.py --count 32 --repeats 5

The batch is `--count` real answers of ../shared/datasets/rlhf-dev (MODEL_RESPONSE.md and
IDEAL_RESPONSE.md, in a fixed order; generated multi-region answers when that folder is
absent). For each parser a fresh Python process (evalkit imported, nothing graded yet) makes
a reward function without any result cache and times, in wall and CPU time:
  - cold: the first call on the whole batch (parser tables, lazy imports, first use);
  - warm: the same batch through a second reward function without cache (steady state).
Every figure is the median over `--repeats` processes, divided by the batch size. The target
is a cold reward of at most 60 ms per completion on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import answer_paths, corpus

PARSERS = ("tree-sitter", "hcl2")
TARGET_MS = 60.0

_MEASURE = """
import json, sys, time
from evalkit.reward import make_reward_fn

texts = json.load(open(sys.argv[1], encoding="utf-8"))
figures = {}
for label in ("cold", "warm"):
    reward = make_reward_fn(parser=sys.argv[2], memory_cache=0, cache=False)
    wall, cpu = time.perf_counter(), time.process_time()
    rewards = reward(texts)
    figures[label] = (time.perf_counter() - wall, time.process_time() - cpu)
    reward.close()
figures["rewards"] = rewards
print(json.dumps(figures))
"""


def real_answers(count: int) -> tuple[list[str], str]:
    paths = answer_paths()
    if paths:
        texts = [p.read_text(encoding="utf-8") for p in paths]
        return (texts * (count // len(texts) + 1))[:count], f"rlhf-dev ({len(paths)} answers)"
    generated = [
        "\n".join(f"## {name}\n\n```hcl\n{text}```\n" for name, text in files.items())
        for files in corpus(count, 5, 30, 0)
    ]
    return generated, "generated answers (../shared/datasets/rlhf-dev is absent)"


def measure(batch: Path, parser: str) -> dict[str, object]:
    # One core: the reward runs in process, and the process is pinned where the OS allows it.
    pinnable = sys.platform.startswith("linux") and shutil.which("taskset") is not None
    pin = ["taskset", "-c", "0"] if pinnable else []
    result = subprocess.run(
        [*pin, sys.executable, "-c", _MEASURE, str(batch), parser],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, object] = json.loads(result.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    texts, source = real_answers(args.count)
    kb = sum(len(t) for t in texts) / 1024
    print(
        f"batch: {len(texts)} completions from {source}, {kb:,.0f} KB; "
        f"load average {os.getloadavg()[0]:.1f}; median of {args.repeats} processes"
    )
    rewards: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="evalkit-reward-latency-") as scratch:
        batch = Path(scratch) / "batch.json"
        batch.write_text(json.dumps(texts), encoding="utf-8")
        for name in PARSERS:
            runs = [measure(batch, name) for _ in range(args.repeats)]
            rewards[name] = runs[0]["rewards"]
            line = [f"{name:<11}"]
            for label in ("cold", "warm"):
                wall = statistics.median(r[label][0] for r in runs)  # type: ignore[index]
                cpu = statistics.median(r[label][1] for r in runs)  # type: ignore[index]
                line.append(
                    f"{label}: {1000 * wall / len(texts):6.1f} ms wall "
                    f"{1000 * cpu / len(texts):6.1f} ms CPU per completion"
                )
            print("  ".join(line))
    print(f"target: cold <= {TARGET_MS:.0f} ms per completion on one core")
    same = all(rewards[name] == rewards[PARSERS[0]] for name in PARSERS)
    print(f"same rewards with every parser: {same}")


if __name__ == "__main__":
    main()
