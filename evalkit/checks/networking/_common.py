"""Helpers that several networking checks share."""

from __future__ import annotations

from evalkit.aws.network import Subnet
from evalkit.terraform.model import Resource, ResourceInstance


def _subnets(kind: str, addresses: list[str]) -> str:
    """``public subnet a`` or ``public subnets a, b``."""
    plural = "s" if len(set(addresses)) > 1 else ""
    return f"{kind} subnet{plural} {_names(addresses)}"


def _names(items: list[str], limit: int = 3) -> str:
    unique = list(dict.fromkeys(items))
    shown = ", ".join(unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")


def _declaration_order(resource: Resource, instance: ResourceInstance) -> tuple[str, int, int]:
    """Where an instance is declared: its resource's file and line, then its place among the
    resource's instances."""
    return (resource.file, resource.line, resource.instances.index(instance))


def _ordered(items: list[Subnet]) -> list[Subnet]:
    return sorted(items, key=lambda s: _declaration_order(s.resource, s.body))


def _in(location: str) -> str:
    return f" in {location}" if location else ""
