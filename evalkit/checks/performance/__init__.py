"""Performance checks: instance sizes that fit the environment, a CDN for multi-region tiers.

One module per check, named after its ID without the category prefix (PERF-INSTANCE-SIZING
lives in `instance_sizing.py`). Importing this package registers the checks.
"""

from evalkit.checks.performance import (
    instance_sizing,
    no_cdn,
)

__all__ = [
    "instance_sizing",
    "no_cdn",
]
