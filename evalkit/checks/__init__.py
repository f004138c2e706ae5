"""evalkit's checks, one module per category; importing this package registers them all."""

from evalkit.checks import iac, security
from evalkit.checks.registry import REGISTRY, Check, CheckRegistry, check, finding

__all__ = ["REGISTRY", "Check", "CheckRegistry", "check", "finding", "iac", "security"]
