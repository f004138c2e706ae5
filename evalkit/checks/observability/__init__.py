"""Observability checks: metric alarms and log groups, flow/access/API logging, alerting.

One module per check, named after its ID without the category prefix (OBS-NO-ALERTING lives in
`no_alerting.py`), a short rule over the views of `evalkit.aws.monitoring` and
`evalkit.aws.agent`; `_common.py` names resources in messages. Importing this package registers
the checks.
"""

from evalkit.checks.observability import (
    missing_logging,
    missing_monitoring,
    no_alerting,
    no_cloudwatch_agent,
)

__all__ = [
    "missing_logging",
    "missing_monitoring",
    "no_alerting",
    "no_cloudwatch_agent",
]
