"""evalkit's checks, one module per category; `REGISTRY` holds them all.

The rule modules are imported, and so registered, on first use of `REGISTRY` (or of another
name below), not when a submodule is: `evalkit.checks.metadata` tells the checks' IDs,
categories, severities and titles without importing any of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_RULE_MODULES = (
    "availability",
    "cost",
    "documentation",
    "iac",
    "networking",
    "observability",
    "performance",
    "schema",
    "security",
    "testing",
)
_REGISTRY_NAMES = ("REGISTRY", "Check", "CheckRegistry", "check", "finding")

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

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name in _REGISTRY_NAMES:
        for module in _RULE_MODULES:
            importlib.import_module(f"{__name__}.{module}")
        value = getattr(importlib.import_module(f"{__name__}.registry"), name)
    elif name in _RULE_MODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
