"""Helpers that several networking checks share."""

from __future__ import annotations

from evalkit.aws.network import Subnet


def _subnets(kind: str, addresses: list[str]) -> str:
    """``public subnet a`` or ``public subnets a, b``."""
    plural = "s" if len(set(addresses)) > 1 else ""
    return f"{kind} subnet{plural} {_names(addresses)}"


def _names(items: list[str], limit: int = 3) -> str:
    unique = list(dict.fromkeys(items))
    shown = ", ".join(unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")


def _ordered(items: list[Subnet]) -> list[Subnet]:
    return sorted(
        items, key=lambda s: (s.resource.file, s.resource.line, s.resource.instances.index(s.body))
    )


def _in(location: str) -> str:
    return f" in {location}" if location else ""
