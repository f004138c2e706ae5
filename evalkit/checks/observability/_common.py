"""How observability checks name resources in their messages."""

from __future__ import annotations

from collections.abc import Iterable

from evalkit.terraform.model import Resource


def _first(resources: Iterable[Resource]) -> Resource:
    """The resource written first, where a finding about a whole submission is reported."""
    return min(resources, key=lambda r: (r.file, r.line, r.address))


def _local_address(resource: Resource) -> str:
    """The address as the resource's own module writes it (``aws_sns_topic.alerts``)."""
    return f"{resource.type}.{resource.name}"
