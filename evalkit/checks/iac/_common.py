"""Helpers that several iac checks share."""

from __future__ import annotations

from typing import Any

from evalkit.aws.regions import AWS_REGION as AWS_REGION
from evalkit.aws.regions import regionless
from evalkit.terraform.syntax import written_value

# --- shared by the naming and hardcoded-values checks ------------------------------------------


# `count.index` and `each` are bound by the caller (they belong to the resource itself);
# variables, locals, resources, data sources and module outputs stay unknown, because a value
# that comes from them is configured somewhere else.
def _written_value(expr: Any, scope: dict[str, Any] | None = None) -> Any:
    """The value of an expression without looking up any name it mentions."""
    return written_value(expr, scope)


_is_global_service = regionless


def _strings(value: Any) -> list[str]:
    """The known strings of a value that is a string or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]
