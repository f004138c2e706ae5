"""HA-SINGLE-AZ: Everything in one availability zone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evalkit.aws import aws_of, catalog
from evalkit.aws.zones import (
    Placement,
    Zone,
    has_known_instances,
    subnets_in_value,
    subnets_named,
    zone_of,
    zone_of_value,
)
from evalkit.checks._helpers import (
    instance_addresses,
    resource_finding,
    where,
)
from evalkit.checks.availability._common import _passed_to_unseen_module
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown


@check(
    "HA-SINGLE-AZ",
    category="availability",
    severity="high",
    title="Everything in one availability zone",
)
def single_az(model: TerraformModel) -> list[Finding] | None:
    """A VPC, an Auto Scaling group or a load balancer sits in a single availability zone.

    Fails when all subnets of a VPC declared in the submission are in one zone (or it has a
    single subnet), when an Auto Scaling group's `vpc_zone_identifier` subnets or
    `availability_zones` are all in one zone, or when a load balancer's `subnets` /
    `subnet_mapping` are. Zones are evaluated per subnet instance: literal names and ids,
    `data.aws_availability_zones` elements picked by `count.index` or `element()` (different
    indexes are different zones), variables, locals, maps and `for_each`. Subnets whose zone
    cannot be known do not count against the design; a VPC is not judged when a registry
    module receives it or a subnet's `vpc_id` cannot be followed, since it may have subnets
    evalkit cannot see. Each VPC, in each region, is judged on its own.

    Why: a zone outage takes down everything placed only in that zone; AWS designs for
    availability assume at least two zones.

    Fix: spread every tier over at least two zones and give groups and load balancers a
    subnet in each.

        resource "aws_subnet" "private" {
          count             = 2
          vpc_id            = aws_vpc.main.id
          cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
          availability_zone = data.aws_availability_zones.available.names[count.index]
        }
    """
    subnets = list(model.resources("aws_subnet"))
    groups = list(model.resources("aws_autoscaling_group"))
    balancers = list(model.resources(*catalog.ALL_LOAD_BALANCERS))
    if not (subnets or groups or balancers):
        return None
    findings = list(_single_zone_vpcs(model, subnets))
    for group in groups:
        findings.extend(
            _single_zone_placements(
                group, _group_placements(model, group), "launches its instances"
            )
        )
    for balancer in balancers:
        findings.extend(
            _single_zone_placements(
                balancer, _balancer_placements(model, balancer), "serves traffic"
            )
        )
    return findings


def _single_zone_vpcs(model: TerraformModel, subnets: list[Resource]) -> Iterator[Finding]:
    members: dict[str, list[ResourceInstance]] = {}
    owners: dict[str, Resource] = {}
    undecided: set[str] = set()
    untraceable = False
    for subnet in subnets:
        for instance in subnet.instances:
            target = _vpc_of(model, instance)
            if target is None:
                # A vpc_id evalkit could not follow may name any VPC: judge none of them.
                untraceable = untraceable or _is_untraceable(instance.get("vpc_id"))
                continue
            vpc = target if isinstance(target, Resource) else target.resource
            addresses = (
                [i.address for i in vpc.instances]
                if isinstance(target, Resource)
                else [target.address]
            )
            for address in addresses:
                owners[address] = vpc
                members.setdefault(address, []).append(instance)
                if isinstance(target, Resource) or not has_known_instances(subnet):
                    undecided.add(address)
    for address, instances in members.items():
        vpc = owners[address]
        if untraceable or address in undecided or _passed_to_unseen_module(model, vpc):
            continue
        problem = _single_zone_problem(_subnet_zones(instances), "subnet")
        if problem:
            yield resource_finding(
                vpc,
                f"{address}{where(vpc)} {problem}; add subnets in at least a second "
                "availability zone for each tier.",
                address=address,
            )


def _is_untraceable(value: Any) -> bool:
    return isinstance(value, Unknown) and not value.refs


def _vpc_of(model: TerraformModel, subnet: ResourceInstance) -> ResourceInstance | Resource | None:
    """The VPC instance of a subnet; the whole VPC resource when the code does not pick one
    of its instances."""
    for edge in aws_of(model).graph.edges_from(subnet, "subnet_vpc"):
        if edge.target is not None:
            return edge.target
        if edge.candidates:
            return edge.candidates[0].resource
    return None


def _single_zone_problem(placed: list[tuple[str, Zone | None]], noun: str) -> str:
    """Why placements (each a name and its zone) share one zone; "" when not or unknown."""
    if len(placed) == 1:
        if noun == "zone":
            return f"lists only one availability zone ({placed[0][0]})"
        return f"has a single subnet ({placed[0][0]}), so it lives in one availability zone"
    zones = {zone for _, zone in placed}
    if len(zones) != 1 or None in zones:
        return ""
    zone = zones.pop()
    assert zone is not None
    if zone.kind == "expression":
        return (
            f"puts all of its {len(placed)} {noun}s in the zone of one expression "
            f"({zone.describe()})"
        )
    return f"puts all of its {len(placed)} {noun}s in availability zone {zone.describe()}"


def _subnet_zones(subnets: list[ResourceInstance]) -> list[tuple[str, Zone | None]]:
    return [(subnet.address, zone_of(subnet)) for subnet in subnets]


def _listed_zones(value: Any) -> list[tuple[str, Zone | None]] | None:
    """The zones of a known list of zone names (`availability_zones`); None when unknown."""
    if not isinstance(value, list):
        return None
    return [
        (zone.describe() if (zone := zone_of_value(item)) else "a zone", zone) for item in value
    ]


FIX_BY_NOUN = {
    "subnet": "give it subnets in at least two availability zones",
    "zone": "list at least two availability zones",
}
# A placement: the resource instance, the line that places it, and its subnets or zones as
# (name, zone) pairs, or None when the code does not show them all.
Placed = tuple[ResourceInstance, int, "list[tuple[str, Zone | None]] | None", str]


def _group_placements(model: TerraformModel, group: Resource) -> Iterator[Placed]:
    for instance in group.instances:
        if instance.has("vpc_zone_identifier"):
            placement = subnets_named(model, instance, "vpc_zone_identifier")
            yield (
                instance,
                instance.line_of("vpc_zone_identifier"),
                _placement_zones(placement),
                "subnet",
            )
        elif instance.has("availability_zones"):
            yield (
                instance,
                instance.line_of("availability_zones"),
                _listed_zones(instance.get("availability_zones")),
                "zone",
            )


def _balancer_placements(model: TerraformModel, balancer: Resource) -> Iterator[Placed]:
    for instance in balancer.instances:
        if instance.has("subnets"):
            placement = subnets_named(model, instance, "subnets")
            yield instance, instance.line_of("subnets"), _placement_zones(placement), "subnet"
        elif mappings := instance.blocks("subnet_mapping"):
            placement = _mapped_subnets(model, instance, mappings)
            line = _nested_block_line(instance, "subnet_mapping")
            yield instance, line, _placement_zones(placement), "subnet"
        elif instance.has("availability_zones"):
            yield (
                instance,
                instance.line_of("availability_zones"),
                _listed_zones(instance.get("availability_zones")),
                "zone",
            )


def _nested_block_line(body: Body, block_type: str) -> int:
    """The line of the first `block_type` block, or of the `dynamic` block that makes it."""
    for block in body.block.blocks:
        if block.type == block_type or (block.type == "dynamic" and block.labels == [block_type]):
            return block.line
    return body.line


def _placement_zones(placement: Placement) -> list[tuple[str, Zone | None]] | None:
    return _subnet_zones(placement.subnets) if placement.complete else None


def _mapped_subnets(
    model: TerraformModel, balancer: ResourceInstance, mappings: list[Body]
) -> Placement:
    found: list[ResourceInstance] = []
    for mapping in mappings:
        placement = subnets_named(model, mapping, "subnet_id")
        if not placement.complete:
            return _dynamic_mapping_subnets(model, balancer)
        found.extend(s for s in placement.subnets if s not in found)
    return Placement(found, True)


def _dynamic_mapping_subnets(model: TerraformModel, balancer: ResourceInstance) -> Placement:
    """`dynamic "subnet_mapping"` over subnets evalkit could not iterate: judge its for_each."""
    found: list[ResourceInstance] = []
    for block in balancer.block.blocks:
        if block.type != "dynamic" or block.labels != ["subnet_mapping"]:
            continue
        source = block.attributes.get("for_each")
        if source is None:
            return Placement([], False)
        holder = Body(block, balancer.context, balancer.scope, balancer.address)
        placement = subnets_in_value(model, holder.get("for_each"), balancer.context, source.expr)
        if not placement.complete:
            return placement
        found.extend(s for s in placement.subnets if s not in found)
    return Placement(found, bool(found))


def _single_zone_placements(
    resource: Resource, placements: Iterator[Placed], what: str
) -> Iterator[Finding]:
    failing: dict[tuple[int, str, str], list[str]] = {}
    for instance, line, zones, noun in placements:
        problem = _single_zone_problem(zones, noun) if zones else ""
        if problem:
            failing.setdefault((line, problem, noun), []).append(instance.address)
    for (line, problem, noun), addresses in failing.items():
        for address in instance_addresses(resource, addresses):
            yield resource_finding(
                resource,
                f"{address}{where(resource)} {what} in one availability zone: it "
                f"{problem}; {FIX_BY_NOUN[noun]}.",
                line=line,
                address=address,
            )
