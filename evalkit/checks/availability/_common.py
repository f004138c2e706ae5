"""Helpers that several availability checks share."""

from __future__ import annotations

from typing import Any

from evalkit.terraform.model import Resource, TerraformModel


def _passed_to_unseen_module(model: TerraformModel, resource: Resource) -> bool:
    """True when a module evalkit cannot read (a registry module) receives `resource`: it may
    add what the check counts (subnets of a VPC, instances of a cluster)."""
    return any(call.child is None for call in model.module_calls_referencing(resource.address))


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
