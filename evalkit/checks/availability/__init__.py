"""Availability checks: zones, database failover, scaling and health checks.

One module per check, named after its ID without the category prefix (HA-SINGLE-AZ
lives in `single_az.py`), a short rule over the AWS views of `evalkit.aws.availability`.
Importing this package registers the checks.
"""

from evalkit.checks.availability import (
    health_checks,
    no_autoscaling,
    rds_multi_az,
    single_az,
)

__all__ = [
    "health_checks",
    "no_autoscaling",
    "rds_multi_az",
    "single_az",
]
