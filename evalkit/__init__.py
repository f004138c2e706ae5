"""evalkit: grade model-written Terraform for AWS against a failure taxonomy."""

__version__ = "0.1.0"

from evalkit.api import Run, failure_rates, load_run, load_runs, score

__all__ = ["Run", "__version__", "failure_rates", "load_run", "load_runs", "score"]
