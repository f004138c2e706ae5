"""Where things run and what survives a zone or instance failure: the zones a VPC, an Auto
Scaling group or a load balancer spreads over, and which databases keep a standby.

Every question answers yes / no / unknown: None means the code does not show enough (a
subnet whose zone is computed elsewhere, a `vpc_id` evalkit cannot follow, a variable without
default, a registry module that may add subnets or cluster instances), and a rule never fails
on None.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from evalkit.aws.layer import aws_of
from evalkit.aws.values import names_a_source, truth
from evalkit.aws.zones import (
    Placement,
    Zone,
    has_known_instances,
    subnets_in_value,
    subnets_named,
    zone_of,
    zone_of_value,
)
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown

# --- zones ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """What one VPC, group or load balancer is placed in: each subnet (noun ``"subnet"``) or
    listed zone name (noun ``"zone"``) with its zone, as written at `line`; `placed` is None
    when the code does not show every subnet."""

    placed: tuple[tuple[str, Zone | None], ...] | None
    noun: str
    line: int

    def single_zone(self) -> bool | None:
        """True when everything is in one zone (or there is a single subnet or zone), False
        when two placements are known to be in different zones, None when that cannot be told
        (a zone evalkit cannot know, or two zones written differently, such as a name and an
        expression, that may be the same)."""
        if not self.placed:
            return None
        if len(self.placed) == 1:
            return True
        zones = {zone for _, zone in self.placed}
        if None in zones:
            return None
        if len(zones) == 1:
            return True
        comparable: dict[tuple[str, ...], set[Zone]] = {}
        for zone in zones:
            if zone is not None and zone.kind != "expression":
                # Names with names, ids with ids, indexes of one data source with each other.
                kind = (zone.kind, zone.key[0]) if zone.kind == "indexed" else (zone.kind,)
                comparable.setdefault(kind, set()).add(zone)
        return False if any(len(same) > 1 for same in comparable.values()) else None

    @property
    def zone(self) -> Zone | None:
        """The one zone everything shares, when `single_zone` says so and it is known."""
        zones = {zone for _, zone in self.placed or ()}
        return zones.pop() if len(zones) == 1 else None


@dataclass(frozen=True)
class VpcSpread:
    """The subnets of one VPC instance, when the submission shows all of them."""

    vpc: Resource
    address: str
    spread: Spread


def vpc_spreads(model: TerraformModel) -> Iterator[VpcSpread]:
    """Every VPC instance whose subnets evalkit sees in full, with their zones.

    Left out: VPCs with a subnet whose `vpc_id` names the VPC resource without picking an
    instance, or a subnet of unknown count, or that a registry module receives (it may add
    subnets); all VPCs when some subnet's `vpc_id` cannot be followed (it may name any)."""
    members: dict[str, list[ResourceInstance]] = {}
    owners: dict[str, Resource] = {}
    undecided: set[str] = set()
    untraceable = False
    for subnet in model.resources("aws_subnet"):
        for instance in subnet.instances:
            target = _vpc_of(model, instance)
            if target is None:
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
    if untraceable:
        return
    for address, instances in members.items():
        vpc = owners[address]
        if address in undecided or passed_to_unseen_module(model, vpc):
            continue
        yield VpcSpread(vpc, address, Spread(_subnet_zones(instances), "subnet", vpc.line))


def group_spread(model: TerraformModel, group: ResourceInstance) -> Spread | None:
    """Where an Auto Scaling group launches: `vpc_zone_identifier` subnets or
    `availability_zones`; None when it says neither."""
    if group.has("vpc_zone_identifier"):
        return _subnet_spread(
            subnets_named(model, group, "vpc_zone_identifier"),
            group.line_of("vpc_zone_identifier"),
        )
    return _zone_list_spread(group)


def balancer_spread(model: TerraformModel, balancer: ResourceInstance) -> Spread | None:
    """Where a load balancer serves: `subnets`, `subnet_mapping` blocks (static or dynamic) or
    `availability_zones`; None when it says none of them."""
    if balancer.has("subnets"):
        return _subnet_spread(
            subnets_named(model, balancer, "subnets"), balancer.line_of("subnets")
        )
    if mappings := balancer.blocks("subnet_mapping"):
        return _subnet_spread(
            _mapped_subnets(model, balancer, mappings),
            _nested_block_line(balancer, "subnet_mapping"),
        )
    return _zone_list_spread(balancer)


def _vpc_of(model: TerraformModel, subnet: ResourceInstance) -> ResourceInstance | Resource | None:
    """The VPC instance of a subnet; the whole VPC resource when the code does not pick one
    of its instances."""
    for edge in aws_of(model).graph.edges_from(subnet, "subnet_vpc"):
        if edge.target is not None:
            return edge.target
        if edge.candidates:
            return edge.candidates[0].resource
    return None


def _is_untraceable(value: Any) -> bool:
    return isinstance(value, Unknown) and not value.refs


def _subnet_zones(subnets: list[ResourceInstance]) -> tuple[tuple[str, Zone | None], ...]:
    return tuple((subnet.address, zone_of(subnet)) for subnet in subnets)


def _subnet_spread(placement: Placement, line: int) -> Spread:
    placed = _subnet_zones(placement.subnets) if placement.complete else None
    return Spread(placed, "subnet", line)


def _zone_list_spread(body: Body) -> Spread | None:
    """The zones of `availability_zones` when it is a known list."""
    if not body.has("availability_zones"):
        return None
    value = body.get("availability_zones")
    placed = (
        tuple(
            (zone.describe() if (zone := zone_of_value(item)) else "a zone", zone) for item in value
        )
        if isinstance(value, list)
        else None
    )
    return Spread(placed, "zone", body.line_of("availability_zones"))


def _nested_block_line(body: Body, block_type: str) -> int:
    """The line of the first `block_type` block, or of the `dynamic` block that makes it."""
    for block in body.block.blocks:
        if block.type == block_type or (block.type == "dynamic" and block.labels == [block_type]):
            return block.line
    return body.line


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
    """`dynamic "subnet_mapping"` over subnets evalkit could not iterate: read its for_each."""
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


def passed_to_unseen_module(model: TerraformModel, resource: Resource) -> bool:
    """True when a module evalkit cannot read (a registry module) receives `resource`: it may
    add to it (subnets of a VPC, instances of a cluster)."""
    return any(call.child is None for call in model.module_calls_referencing(resource.address))


def number(value: Any) -> int | None:
    """A whole number written as a number or a string of ASCII digits (the only digits
    Terraform reads in a number); None otherwise, an infinite or NaN number included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return int(text)
    return None


# --- databases --------------------------------------------------------------------------------


def is_standalone_database(database: ResourceInstance) -> bool:
    """An `aws_db_instance` that is its own primary: not an Aurora cluster member and not a
    read replica (`replicate_source_db` set to anything but null or "")."""
    engine = database.get("engine")
    return not (
        database.get("cluster_identifier") is not None
        or names_a_source(database, "replicate_source_db")
        or (isinstance(engine, str) and engine.startswith("aurora"))
    )


def has_standby(database: ResourceInstance) -> bool | None:
    """Whether RDS keeps a standby in another zone (`multi_az`, false when not set)."""
    return truth(database.get("multi_az"))


def fails_over_to_members(cluster: ResourceInstance) -> bool | None:
    """True when an `aws_rds_cluster` can only fail over to another cluster instance (Aurora,
    provisioned or Serverless v2, standard scalability); False when it fails over by itself
    (Serverless v1, Limitless, Multi-AZ DB clusters of MySQL or PostgreSQL); None unknown."""
    engine = cluster.get("engine", "aurora")  # the provider's historical default
    mode = cluster.get("engine_mode", "provisioned")
    if not isinstance(engine, str) or not isinstance(mode, str):
        return None
    if mode == "serverless":
        return False  # Serverless v1 fails over across zones by itself
    scalability = cluster.get("cluster_scalability_type", "standard")
    if not isinstance(scalability, str):
        return None
    if scalability.lower() == "limitless":
        return False  # Limitless: shard groups, not cluster instances, carry the load
    return engine.startswith("aurora")


READ_REPLICA_COUNT = "rds:cluster:ReadReplicaCount"


@dataclass
class ClusterMembers:
    """How many Aurora instances each `aws_rds_cluster` instance always has: its
    `aws_rds_cluster_instance`s and the readers Aurora Auto Scaling keeps at minimum."""

    count: dict[str, int] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)
    undecided: set[str] = field(default_factory=set)
    unattributed: bool = False

    def of(self, cluster: str) -> int | None:
        """The number of instances of the cluster instance at address `cluster`; None when a
        member may belong to it without evalkit knowing (unknown count or cluster)."""
        if cluster in self.undecided or self.unattributed:
            return None
        return self.count.get(cluster, 0)

    def add(self, cluster: str, name: str, number: int, exact: bool) -> None:
        self.count[cluster] = self.count.get(cluster, 0) + number
        names = self.names.setdefault(cluster, [])
        if name not in names:
            names.append(name)
        if not exact:
            self.undecided.add(cluster)


def cluster_members(model: TerraformModel) -> ClusterMembers:
    """Cluster instances, and read replicas that Aurora Auto Scaling keeps at all times."""
    members = ClusterMembers()
    layer = aws_of(model)
    for edge in layer.edges("cluster_member"):
        member = edge.source.resource
        if edge.target is None and not edge.candidates:
            members.unattributed = True
            continue
        exact = edge.known and has_known_instances(member)
        for cluster in edge.candidates:
            members.add(cluster.address, member.address, 1, exact)
    for edge in layer.edges("replica_scaling"):
        scaling = edge.source
        if scaling.get("scalable_dimension") != READ_REPLICA_COUNT:
            continue
        minimum = number(scaling.get("min_capacity"))
        for cluster in edge.candidates:
            if minimum is None:
                members.undecided.add(cluster.address)
            elif minimum >= 1:
                exact = edge.known and has_known_instances(scaling.resource)
                members.add(cluster.address, scaling.resource.address, minimum, exact)
    return members
