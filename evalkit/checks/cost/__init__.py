"""Cost checks: S3 lifecycle rules, spot capacity for stateless workers.

One module per check, named after its ID without the category prefix (COST-NO-S3-LIFECYCLE
lives in `no_s3_lifecycle.py`). Importing this package registers the checks.
"""

from evalkit.checks.cost import (
    no_s3_lifecycle,
    no_spot,
)

__all__ = [
    "no_s3_lifecycle",
    "no_spot",
]
