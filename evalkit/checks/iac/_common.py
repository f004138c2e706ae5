"""Helpers that several iac checks share."""

from __future__ import annotations

import re
from typing import Any

from evalkit.aws.catalog import REGION_FIXED_SERVICE_PREFIXES
from evalkit.terraform.model import (
    Resource,
)
from evalkit.terraform.syntax import written_value

# --- shared by the naming and hardcoded-values checks ------------------------------------------

AWS_REGION = re.compile(
    r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?"
    r"-(?:east|west|north|south|central|northeast|southeast|northwest|southwest)-\d"
)


# `count.index` and `each` are bound by the caller (they belong to the resource itself);
# variables, locals, resources, data sources and module outputs stay unknown, because a value
# that comes from them is configured somewhere else.
def _written_value(expr: Any, scope: dict[str, Any] | None = None) -> Any:
    """The value of an expression without looking up any name it mentions."""
    return written_value(expr, scope)


def _is_global_service(resource: Resource) -> bool:
    if resource.type.startswith(REGION_FIXED_SERVICE_PREFIXES):
        return True
    return resource.type == "aws_wafv2_web_acl" and resource.config.get("scope") == "CLOUDFRONT"


def _strings(value: Any) -> list[str]:
    """The known strings of a value that is a string or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]
