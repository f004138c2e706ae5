"""The Python API that notebooks and the CLI share, in one place.

Each name lives in the stage that makes it: `score` runs the pipeline
(`evalkit.running.pipeline`), `Run`, `load_run`, `load_runs` and `failure_rates` hold and read
its results (`evalkit.results.run`). `import evalkit` gives the same names without importing
any of them until first use.
"""

from evalkit.results.run import Run, failure_rates, load_run, load_runs
from evalkit.running.pipeline import score

__all__ = ["Run", "failure_rates", "load_run", "load_runs", "score"]
