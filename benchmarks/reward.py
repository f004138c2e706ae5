"""Throughput of the reward function as a GRPO-style trainer calls it.

    .venv/bin/python benchmarks/reward.py                    # 64 completions, groups of 8
    .venv/bin/python benchmarks/reward.py --count 128 --jobs 2

Generates multi-region answers (the generator of `throughput.py`) and times, per batch of
`--group` completions (one prompt's group in GRPO):
  - a cold call in process (every completion parsed and checked);
  - the same batch again (the in-memory cache);
  - a new reward function over the on-disk cache another one filled;
  - a cold call with `--jobs` worker processes (pool start-up excluded, reported apart);
and checks that every variant returns the same rewards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import corpus

from evalkit.training.reward import make_reward_fn


def answers(count: int, min_kb: int, max_kb: int, seed: int) -> list[str]:
    return [
        "\n".join(f"## {name}\n\n```hcl\n{text}```\n" for name, text in files.items())
        for files in corpus(count, min_kb, max_kb, seed)
    ]


def timed(call: object, batches: list[list[str]]) -> tuple[float, list[float]]:
    started = time.perf_counter()
    rewards = [value for batch in batches for value in call(batch)]  # type: ignore[operator]
    return time.perf_counter() - started, rewards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--min-kb", type=int, default=5)
    parser.add_argument("--max-kb", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    texts = answers(args.count, args.min_kb, args.max_kb, args.seed)
    batches = [texts[i : i + args.group] for i in range(0, len(texts), args.group)]
    kb = sum(len(t) for t in texts) / 1024
    with tempfile.TemporaryDirectory(prefix="evalkit-reward-bench-") as cache:
        in_process = make_reward_fn(cache=Path(cache))
        cold, expected = timed(in_process, batches)
        warm, again = timed(in_process, batches)
        in_process.close()
        from_disk = make_reward_fn(cache=Path(cache), memory_cache=0)
        disk, on_disk = timed(from_disk, batches)
        from_disk.close()
    pooled = make_reward_fn(jobs=args.jobs, memory_cache=0)
    started = time.perf_counter()
    pooled(['variable "a" {}', 'variable "b" {}'])  # starts the workers
    startup = time.perf_counter() - started
    parallel, in_pool = timed(pooled, batches)
    pooled.close()

    n = len(texts)
    print(f"corpus: {n} completions, {kb:,.0f} KB, batches of {args.group}")
    print(f"cold, in process:          {cold:7.2f} s  {n / cold:7.1f} completions/s")
    print(f"in-memory cache:           {warm:7.3f} s  {n / warm:7.0f} completions/s")
    print(f"on-disk cache (new fn):    {disk:7.3f} s  {n / disk:7.0f} completions/s")
    print(
        f"cold, {args.jobs} workers:          {parallel:7.2f} s  {n / parallel:7.1f} "
        f"completions/s (pool start-up {startup:.1f} s, once)"
    )
    print(f"same rewards everywhere:   {expected == again == on_disk == in_pool}")


if __name__ == "__main__":
    main()
