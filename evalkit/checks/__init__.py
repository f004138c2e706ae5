"""evalkit's checks, one module per category; importing this package registers them all."""

from evalkit.checks import (
    availability,
    cost,
    documentation,
    iac,
    networking,
    observability,
    performance,
    schema,
    security,
    testing,
)
from evalkit.checks.registry import REGISTRY, Check, CheckRegistry, check, finding

__all__ = [
    "REGISTRY",
    "Check",
    "CheckRegistry",
    "availability",
    "check",
    "cost",
    "documentation",
    "finding",
    "iac",
    "networking",
    "observability",
    "performance",
    "schema",
    "security",
    "testing",
]
