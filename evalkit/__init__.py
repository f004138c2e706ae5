"""evalkit: grade model-written Terraform for AWS against a failure taxonomy.

The package is laid out by stage, in the order data flows through it: `dataset` loads
submissions, `grading` judges each one with the checks (`checks`, over `terraform` and
`aws`), `running` drives grading over a dataset, `results` turns graded submissions into
tables and run folders, `analysis` reads those back (charts, comparisons, reports, the
viewer) and `training` serves the grader to RL trainers.

The public names below are loaded on first use, so that ``import evalkit`` (and
``evalkit --version``) imports neither the checks nor pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_PUBLIC: dict[str, str] = {
    "Run": "evalkit.results.run",
    "failure_rates": "evalkit.results.run",
    "load_run": "evalkit.results.run",
    "load_runs": "evalkit.results.run",
    "score": "evalkit.running.pipeline",
    "make_reward_fn": "evalkit.training.reward",
}
# Modules reachable as attributes of `evalkit` (``evalkit.plots.category_rates(run)``); the
# stage packages are imported on first use, like any submodule.
_MODULES: dict[str, str] = {
    "compare": "evalkit.analysis.compare",
    "leaderboard": "evalkit.analysis.leaderboard",
    "notebook": "evalkit.analysis.notebook",
    "pairing": "evalkit.analysis.pairing",
    "passk": "evalkit.analysis.passk",
    "plots": "evalkit.analysis.plots",
    "report": "evalkit.analysis.report",
    "viewer": "evalkit.analysis.viewer",
    "summary": "evalkit.results.summary",
    "reward": "evalkit.reward",
}
_STAGES = ("analysis", "api", "cli", "dataset", "grading", "results", "running", "training")

__all__ = [
    "Run",
    "__version__",
    "failure_rates",
    "load_run",
    "load_runs",
    "make_reward_fn",
    "score",
]

if TYPE_CHECKING:
    from evalkit.results.run import Run, failure_rates, load_run, load_runs
    from evalkit.running.pipeline import score
    from evalkit.training.reward import make_reward_fn


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    elif name in _STAGES:
        value = importlib.import_module(f"evalkit.{name}")
    else:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC, *_MODULES})
