"""Reading evaluated values the way AWS reads them."""

from __future__ import annotations

from typing import Any

from evalkit.terraform.values import Unknown


def truth(value: Any) -> bool | None:
    """True/False for a known boolean-ish value (``true``, ``"true"``), None when unknown."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    if value is None:
        return False
    return None
