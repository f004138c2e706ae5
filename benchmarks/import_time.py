"""What importing evalkit costs: wall time and modules loaded, per entry point.

Each case runs in fresh interpreters (the best of `--repeat` runs is shown, since a loaded
machine only ever adds time) and reports the seconds the import took, the seconds the whole
process took, how many modules it loaded (all, and evalkit's own), and whether it loaded a
check rule module, the HCL parser (lark, hcl2), pandas or matplotlib.

    .venv/bin/python benchmarks/import_time.py [--repeat 5] [--source DIR] [--importtime N]

`--source DIR` measures the evalkit package found in DIR (another checkout) instead of the
installed one; `--importtime N` also lists the N slowest imports of each case, as
``python -X importtime`` measures them (cumulative microseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CASES = [
    ("import evalkit", "import evalkit"),
    ("import evalkit.results.rates", "import evalkit.results.rates"),
    ("import evalkit.results.run", "import evalkit.results.run"),
    ("import evalkit.analysis.plots", "import evalkit.analysis.plots"),
    ("import evalkit.checks (all rules)", "from evalkit.checks import REGISTRY"),
]
# A checkout from before the stage packages had these modules at the top.
OLD_NAMES = {
    "import evalkit.results.rates": "import evalkit.rates",
    "import evalkit.results.run": "import evalkit.api",
    "import evalkit.analysis.plots": "import evalkit.plots",
}

VERSION = "import sys; from evalkit.cli import main; sys.exit(main())"
PROBE = """
import sys, time, json
before = set(sys.modules)
started = time.perf_counter()
{statement}
seconds = time.perf_counter() - started
loaded = set(sys.modules) - before
rules = sorted(
    m for m in loaded
    if m.startswith("evalkit.checks.") and m.split(".")[2] not in ("metadata", "registry")
)
print(json.dumps({{
    "seconds": seconds,
    "modules": len(loaded),
    "evalkit_modules": sum(1 for m in loaded if m == "evalkit" or m.startswith("evalkit.")),
    "check_rules": len(rules),
    "lark": "lark" in loaded,
    "hcl2": "hcl2" in loaded,
    "pandas": "pandas" in loaded,
    "matplotlib": "matplotlib" in loaded,
}}))
"""


def measure(statement: str, env: dict[str, str], cwd: Path, repeat: int) -> dict[str, Any]:
    """The best of `repeat` fresh interpreters importing `statement`."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        output = subprocess.run(
            [sys.executable, "-c", PROBE.format(statement=statement)],
            env=env,
            cwd=cwd,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append(json.loads(output) | {"process_seconds": time.perf_counter() - started})
    return min(runs, key=lambda figures: figures["process_seconds"])


def version_seconds(env: dict[str, str], cwd: Path, repeat: int) -> float:
    """Wall time of ``evalkit --version`` (the best of `repeat`), through the module entry
    point the console script calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", VERSION, "--version"],
            env=env,
            cwd=cwd,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return min(times)


def slowest_imports(
    statement: str, env: dict[str, str], cwd: Path, count: int
) -> list[tuple[int, str]]:
    """The `count` imports with the largest cumulative time under ``-X importtime``, leaving
    out what the interpreter imports before running anything."""
    startup = {name for _, name in _import_times("pass", env, cwd)}
    rows = [row for row in _import_times(statement, env, cwd) if row[1] not in startup]
    return sorted(rows, reverse=True)[:count]


def _import_times(statement: str, env: dict[str, str], cwd: Path) -> list[tuple[int, str]]:
    report = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    rows = []
    for line in report.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            _self, cumulative, name = line.removeprefix("import time:").split("|")
            rows.append((int(cumulative), name.strip()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--source", type=Path, help="a checkout whose evalkit/ to measure")
    parser.add_argument("--importtime", type=int, default=0, metavar="N")
    args = parser.parse_args()
    env = dict(os.environ)
    # Run where `-c` finds the package to measure first: the checkout it belongs to.
    cwd = Path(__file__).resolve().parents[1]
    old_layout = False
    if args.source is not None:
        cwd = args.source.resolve()
        env["PYTHONPATH"] = str(cwd)
        old_layout = not (cwd / "evalkit" / "results" / "__init__.py").exists()
    header = f"{'case':<36} {'import s':>9} {'process s':>10} {'modules':>8} {'evalkit':>8} "
    print(header + f"{'rules':>6}  lark hcl2 pandas matplotlib")
    for label, statement in CASES:
        if old_layout:
            statement = OLD_NAMES.get(label, statement)
        figures = measure(statement, env, cwd, args.repeat)
        flags = "  ".join(
            f"{'yes' if figures[name] else 'no':>{len(name)}}"
            for name in ("lark", "hcl2", "pandas", "matplotlib")
        )
        print(
            f"{statement:<36} {figures['seconds']:>9.3f} {figures['process_seconds']:>10.3f} "
            f"{figures['modules']:>8} {figures['evalkit_modules']:>8} "
            f"{figures['check_rules']:>6}  {flags}"
        )
        for cumulative, name in slowest_imports(statement, env, cwd, args.importtime):
            print(f"    {cumulative / 1e6:8.3f} s  {name}")
    print(f"{'evalkit --version':<36} {'':>9} {version_seconds(env, cwd, args.repeat):>10.3f}")


if __name__ == "__main__":
    main()
