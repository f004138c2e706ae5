"""Reading evaluated values the way AWS reads them."""

from __future__ import annotations

from typing import Any

from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
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


def strings_in(value: Any) -> list[str]:
    """The known strings of a value that is a string or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def names_a_source(body: Body, name: str) -> bool:
    """Whether a replica's source attribute (`replicate_source_db`,
    `replication_source_identifier`) makes it a replica: set to something other than null or
    "" (a module's "no replica" default). An unknown value may name one."""
    value = body.get(name)
    return value is not None and value != ""


def named_instances(
    model: TerraformModel, value: Any, resource_type: str
) -> list[ResourceInstance] | None:
    """The instances of `resource_type` that `value` names by reference, by name or by ARN;
    None when it names none the submission declares (unknown, or defined elsewhere)."""
    found: list[ResourceInstance] = []
    for resource in model.referenced_resources(value, resource_type):
        found.extend(resource.instances)
    if found:
        return found
    if isinstance(value, str):
        for resource in model.resources(resource_type):
            found.extend(instance for instance in resource.instances if _named(instance, value))
        return found if found else None
    return None


def names(model: TerraformModel, value: Any, target: Resource | ResourceInstance) -> bool | None:
    """Whether `value` (a name, id, ARN or reference, or a list of them) names `target`:
    True, False, or None when an unknown part may."""
    resource = target.resource if isinstance(target, ResourceInstance) else target
    if resource in model.referenced_resources(value, resource.type):
        return True
    items = value if isinstance(value, list) else [value]
    written = [item for item in items if isinstance(item, str)]
    instances = [target] if isinstance(target, ResourceInstance) else resource.instances
    if any(_named(instance, item) for item in written for instance in instances):
        return True
    if any(isinstance(item, Unknown) and not model.referenced_resources(item) for item in items):
        return None
    return False


def _named(instance: ResourceInstance, value: str) -> bool:
    """`value` is the instance's name (or ends its ARN)."""
    name = instance.get("name")
    if not isinstance(name, str) or not name:
        return False
    return value == name or value.endswith(f"/{name}")
