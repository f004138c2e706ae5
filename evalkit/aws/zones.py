"""Where things are placed: the availability zone of a subnet, and the subnets a value names.

A zone is known when the code writes it (``"us-east-1a"``, an AZ id), when it is an element
of ``data.aws_availability_zones.x.names`` picked by a known index (different indexes of one
data source are different zones), or when several placements evaluate the very same
expression in the same module without depending on ``count``/``for_each`` (then they share
one zone, whatever it is). Anything else is unknown, and unknown never counts as a problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from evalkit.terraform.model import (
    Body,
    ModuleContext,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.terraform.syntax import references, written_text
from evalkit.terraform.values import Unknown

# `data.aws_availability_zones.<name>.names[<i>]` (or `.zone_ids[<i>]`), possibly inside a
# module: the i-th zone of that data source's region.
_INDEXED_ZONE = re.compile(
    r"^((?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*data\.aws_availability_zones\.[^.\[]+)"
    r"\.(?:names|zone_ids)\[(\d+)\]$"
)
_INSTANCE_SCOPES = frozenset({"count", "each"})


@dataclass(frozen=True)
class Zone:
    """One availability zone, as precisely as the code identifies it."""

    kind: str  # "name" | "id" | "indexed" | "expression"
    key: tuple[str, ...]

    def describe(self) -> str:
        if self.kind in ("name", "id"):
            return f'"{self.key[0]}"'
        if self.kind == "indexed":
            return f"{self.key[0]}.names[{self.key[1]}]"
        return self.key[-1]


def zone_of(placed: Body) -> Zone | None:
    """The zone of a subnet (or instance) body: `availability_zone`, else its zone id."""
    for attribute, kind in (("availability_zone", "name"), ("availability_zone_id", "id")):
        if not placed.has(attribute):
            continue
        value = placed.get(attribute)
        if isinstance(value, str) and value:
            return Zone(kind, (value,))
        if isinstance(value, Unknown):
            return _indexed_zone(value) or _shared_expression_zone(placed, attribute, value)
        return None
    return None  # AWS picks a zone at apply time


def zone_of_value(value: Any) -> Zone | None:
    """The zone named by one element of a list of zone names (`availability_zones`)."""
    if isinstance(value, str) and value:
        return Zone("name", (value,))
    if isinstance(value, Unknown):
        return _indexed_zone(value)
    return None


def _indexed_zone(value: Unknown) -> Zone | None:
    if len(value.refs) != 1:
        return None
    match = _INDEXED_ZONE.match(value.refs[0])
    return Zone("indexed", (match.group(1), match.group(2))) if match else None


def _shared_expression_zone(placed: Body, attribute: str, value: Unknown) -> Zone | None:
    """Placements that evaluate one instance-independent expression share a zone."""
    if not value.refs or value.reason.startswith("error") or in_expanded_module(placed.context):
        return None
    source = placed.attribute(attribute)
    if source is None or any(
        reference.root in _INSTANCE_SCOPES for reference in references(source.expr)
    ):
        return None
    text = written_text(source.expr, placed.context.root.files.get(source.file, ""))
    if text is None:
        return None
    return Zone("expression", (placed.context.address, attribute, text))


def in_expanded_module(context: ModuleContext) -> bool:
    """True inside a module called with `count`/`for_each`: evalkit sees only one copy of it,
    so how many resources it really creates is unknown."""
    current: ModuleContext | None = context
    while current is not None and current.call is not None:
        if {"count", "for_each"} & set(current.call.block.attributes):
            return True
        current = current.parent
    return False


def has_known_instances(resource: Resource) -> bool:
    """True when the number of instances of `resource` is known."""
    if in_expanded_module(resource.context):
        return False
    return not (resource.is_expanded and any(i.key is None for i in resource.instances))


# --- following references to resource instances -----------------------------------------------


def instance_for_ref(
    model: TerraformModel, ref: str, *types: str
) -> ResourceInstance | Resource | None:
    """The resource instance a reference such as ``aws_subnet.a[1].id`` names.

    Returns the whole `Resource` when the reference names an expanded resource without
    picking an instance, and None when it names nothing of the given types.
    """
    resource = model.find_resource(ref)
    if resource is None or (types and resource.type not in types):
        return None
    if not resource.is_expanded:
        return resource.instances[0]
    rest = ref[len(resource.address) :] if ref.startswith(resource.address) else ""
    if not rest.startswith("["):
        return resource
    wanted = resource.address + rest[: rest.find("]") + 1]
    for instance in resource.instances:
        if instance.address == wanted:
            return instance
    return resource


@dataclass
class Placement:
    """The subnets (or zone names) a resource is placed in, when the code shows all of them."""

    subnets: list[ResourceInstance]
    complete: bool


def subnets_named(model: TerraformModel, body: Body, attribute: str) -> Placement:
    """The `aws_subnet` instances that attribute `attribute` of `body` lists."""
    if not body.has(attribute):
        return Placement([], True)
    source = body.attribute(attribute)
    return subnets_in_value(
        model, body.get(attribute), body.context, source.expr if source else None
    )


def subnets_in_value(
    model: TerraformModel, value: Any, context: ModuleContext, expr: Any
) -> Placement:
    found: list[ResourceInstance] = []
    for element in _elements(value):
        subnets = _subnets_of_element(model, element)
        if subnets is None:
            # Evaluation could not follow the expression (a `for` over a resource, say):
            # fall back to every instance of the subnet resources it names, if that is all
            # it names. Counting too many subnets can only make a placement look wider.
            return _subnets_named_by_expression(model, context, expr)
        found.extend(s for s in subnets if s not in found)
    return Placement(found, True)


def _elements(value: Any) -> Iterator[Any]:
    if isinstance(value, list | tuple):
        for item in value:
            yield from _elements(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _elements(item)
    elif value is not None:
        yield value


def _subnets_of_element(model: TerraformModel, element: Any) -> list[ResourceInstance] | None:
    if not isinstance(element, Unknown) or not element.refs:
        return None  # a literal subnet id, or a value evalkit could not follow
    subnets: list[ResourceInstance] = []
    for ref in element.refs:
        target = instance_for_ref(model, ref, "aws_subnet")
        if isinstance(target, ResourceInstance) and has_known_instances(target.resource):
            subnets.append(target)
        else:
            return None
    return subnets


def _subnets_named_by_expression(
    model: TerraformModel, context: ModuleContext, expr: Any
) -> Placement:
    if expr is None:
        return Placement([], False)
    subnets: list[ResourceInstance] = []
    for reference in references(expr):
        if reference.root in _INSTANCE_SCOPES:
            continue
        if reference.root != "aws_subnet" or not reference.names:
            return Placement([], False)
        resource = context.resource("managed", "aws_subnet", reference.names[0])
        if resource is None or not has_known_instances(resource):
            return Placement([], False)
        subnets.extend(i for i in resource.instances if i not in subnets)
    return Placement(subnets, bool(subnets))
