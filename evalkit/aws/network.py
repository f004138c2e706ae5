"""A network view of a submission, shared by the networking checks.

VPCs with their evaluated CIDR blocks, subnets with their VPC, CIDR and route tables, route
tables with their routes classified by target, NAT and internet gateways. Everything is per
resource instance (`count`/`for_each` expanded) and linked by following references, never
by comparing names. What the code does not show (a subnet id from a registry module, a route
target held in a variable without default) is None, "unknown", which the checks never turn
into a failure.

A subnet is public when one of its route tables routes to an internet gateway, or when it
sets `map_public_ip_on_launch = true`. Its route tables are those of its
`aws_route_table_association`s, else its VPC's main route table (the implicit one with only
the local route, an `aws_default_route_table`, or the table an
`aws_main_route_table_association` names).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from evalkit.aws import catalog
from evalkit.aws.graph import Graph
from evalkit.aws.links import follow, lookup, names_instance
from evalkit.aws.regions import same_region
from evalkit.aws.values import truth
from evalkit.terraform.blocks import nested_bodies
from evalkit.terraform.model import (
    Body,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.terraform.values import Unknown, collect_refs, contains_unknown, known_parts

# Route targets, by what they mean for traffic leaving the subnet.
INTERNET_GATEWAY = "internet gateway"
NAT_GATEWAY = "NAT gateway"
NAT_INSTANCE = "NAT instance"
# A default route to a transit gateway, firewall or Gateway Load Balancer endpoint, or a
# Cloud WAN core network: egress is provided centrally, by another VPC or an appliance.
CENTRAL_EGRESS = "central egress"
OTHER_TARGET = "other"
UNKNOWN_TARGET = "unknown"
EGRESS_TARGETS = (NAT_GATEWAY, NAT_INSTANCE, CENTRAL_EGRESS)

_TARGET_ATTRIBUTES = (
    "gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "instance_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "vpc_peering_connection_id",
    "carrier_gateway_id",
    "local_gateway_id",
)
_CENTRAL_EGRESS_ATTRIBUTES = ("transit_gateway_id", "vpc_endpoint_id", "core_network_arn")
_MAIN_ROUTE_TABLE_ATTRIBUTES = ("main_route_table_id", "default_route_table_id")
_LITERAL_ID_TARGETS = {
    "igw-": INTERNET_GATEWAY,
    "nat-": NAT_GATEWAY,
    "tgw-": CENTRAL_EGRESS,
    "vpce-": CENTRAL_EGRESS,
    "eni-": NAT_INSTANCE,
    "i-": NAT_INSTANCE,
}


def any_true(values: Iterable[bool | None]) -> bool | None:
    """True when one value is True, else None when one is unknown, else False."""
    seen_unknown = False
    for value in values:
        if value is True:
            return True
        seen_unknown = seen_unknown or value is None
    return None if seen_unknown else False


def agreed(values: Iterable[bool | None]) -> bool | None:
    """The value every candidate agrees on; None when they differ, one is unknown or none."""
    found = set(values)
    return found.pop() if len(found) == 1 else None


# --- the views ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Route:
    owner: Resource
    body: Body
    target: str
    # Whether the IPv4 destination is 0.0.0.0/0 (None: not known).
    default_ipv4: bool | None
    # True for a route evalkit could not tie to one route table: it may be in any table of
    # its region, so it makes answers unknown rather than true.
    floating: bool = False


@dataclass(eq=False)
class RouteTable:
    address: str
    # The `aws_route_table`/`aws_default_route_table`, or None for a VPC's implicit main table.
    resource: Resource | None
    # The resource whose provider places the table in its region: the table, or its VPC.
    placed_by: Resource
    vpc_key: str | None
    routes: list[Route] = field(default_factory=list)
    # Routes written in a form evalkit cannot read (`route = var.routes`).
    unreadable_routes: bool = False

    @property
    def routes_to_internet_gateway(self) -> bool | None:
        if any(r.target == INTERNET_GATEWAY and not r.floating for r in self.routes):
            return True
        if self.unreadable_routes or any(
            r.target in (INTERNET_GATEWAY, UNKNOWN_TARGET) for r in self.routes
        ):
            return None
        return False

    @property
    def has_egress_route(self) -> bool | None:
        """A 0.0.0.0/0 route to a NAT gateway, a NAT instance, or central egress."""
        candidates = [r for r in self.routes if r.default_ipv4 is not False]
        if any(r.target in EGRESS_TARGETS and not r.floating for r in candidates):
            return True
        if self.unreadable_routes or any(
            r.target in (*EGRESS_TARGETS, UNKNOWN_TARGET) for r in candidates
        ):
            return None
        return False


@dataclass(frozen=True)
class CidrBlock:
    network: ipaddress.IPv4Network
    owner: Resource
    body: Body
    attribute: str

    @property
    def line(self) -> int:
        return self.body.line_of(self.attribute)


@dataclass(eq=False)
class Vpc:
    # The instance address of a declared VPC, or the reference text of one declared elsewhere.
    key: str
    location: str
    resource: Resource | None = None
    body: Body | None = None
    blocks: list[CidrBlock] = field(default_factory=list)
    # False when a CIDR block of this VPC cannot be evaluated (or the VPC is not declared).
    blocks_known: bool = True
    # None when the VPC is not declared here: its main route table is not known.
    main_route_table: RouteTable | None = None
    has_internet_gateway: bool = False

    @property
    def declared(self) -> bool:
        return self.resource is not None


# Words by which a subnet names itself a data tier: the "database", "intra" and "isolated"
# subnets of AWS's reference layouts hold databases and caches, which never call out.
_DATA_TIER_WORDS = frozenset(
    ["database", "databases", "db", "dbs", "data", "isolated", "intra", "rds", "cache"]
)
# Words of a tier that runs applications: "app-data" is an application subnet.
_APP_TIER_WORDS = frozenset(
    [
        "app",
        "apps",
        "application",
        "applications",
        "web",
        "compute",
        "worker",
        "workers",
        "service",
        "services",
        "backend",
        "frontend",
        "api",
        "eks",
        "ecs",
        "lambda",
        "kubernetes",
        "node",
        "nodes",
        "container",
        "containers",
        "batch",
        "jobs",
    ]
)
# Tags that name or classify one subnet; others (Project, Owner) describe the whole stack.
_TIER_TAGS = frozenset(
    {"name", "tier", "type", "layer", "role", "purpose", "usage", "subnettype", "kind"}
)


def _words(text: str) -> list[str]:
    """Lower-case words of an identifier or name: ``privateDb-subnet_1`` -> private, db,
    subnet."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text)]


@dataclass(eq=False)
class Subnet:
    resource: Resource
    body: ResourceInstance
    vpc: Vpc | None
    cidr: ipaddress.IPv4Network | None
    map_public_ip: bool | None
    # Each association's route table, as the tables it may be (None: cannot tell).
    associations: list[tuple[RouteTable, ...] | None] = field(default_factory=list)
    # An association evalkit could not tie to a subnet may be this subnet's.
    maybe_associated: bool = False

    @property
    def address(self) -> str:
        return self.body.address

    @property
    def location(self) -> str:
        return self.resource.location

    @property
    def ipv6_only(self) -> bool:
        """An IPv6-native subnet: it has no IPv4 traffic for a NAT gateway to translate."""
        return truth(self.body.get("ipv6_native", False)) is True

    @property
    def named_data_tier(self) -> bool:
        """Its label, `for_each` key, Name or tier tag call it a data tier (database, db,
        data, isolated, intra) and nothing in them an application tier."""
        texts = [self.resource.name]
        if isinstance(self.body.key, str):
            texts.append(self.body.key)
        tags = self.body.get("tags")
        if isinstance(tags, dict):
            texts.extend(
                part
                for key, value in tags.items()
                if re.sub(r"[^a-z]", "", str(key).lower()) in _TIER_TAGS
                for part in known_parts(value)
            )
        words = {word for text in texts for word in _words(text)}
        return bool(words & _DATA_TIER_WORDS) and not words & _APP_TIER_WORDS

    def route_tables(self) -> list[tuple[RouteTable, ...] | None] | None:
        """The route tables in effect, as candidates; None when they cannot be known."""
        if self.associations:
            return self.associations
        if self.maybe_associated or self.vpc is None or self.vpc.main_route_table is None:
            return None
        return [(self.vpc.main_route_table,)]

    def _over_route_tables(self, attribute: str) -> bool | None:
        tables = self.route_tables()
        if tables is None:
            return None
        return any_true(
            None if candidates is None else agreed(getattr(t, attribute) for t in candidates)
            for candidates in tables
        )

    @property
    def routes_to_internet_gateway(self) -> bool | None:
        return self._over_route_tables("routes_to_internet_gateway")

    @property
    def has_egress_route(self) -> bool | None:
        return self._over_route_tables("has_egress_route")

    @property
    def public(self) -> bool | None:
        if self.map_public_ip is True:
            return True
        internet = self.routes_to_internet_gateway
        if internet is True or internet is None:
            return internet
        return None if self.map_public_ip is None else False


@dataclass(eq=False)
class NatGateway:
    resource: Resource
    body: ResourceInstance
    subnets: tuple[Subnet, ...] | None

    @property
    def address(self) -> str:
        return self.body.address


# --- building the view -------------------------------------------------------------------------


class Network:
    """The network topology of one submission."""

    def __init__(self, model: TerraformModel, graph: Graph) -> None:
        self.model = model
        self.graph = graph
        self.vpcs: dict[str, Vpc] = {}
        self.subnets: list[Subnet] = []
        self.route_tables: list[RouteTable] = []
        self.nat_gateways: list[NatGateway] = []
        self._subnets_by_address: dict[str, Subnet] = {}
        self._tables_by_address: dict[str, RouteTable] = {}
        self._collect_vpcs()
        self._collect_secondary_cidr_blocks()
        self._collect_route_tables()
        self._collect_main_route_tables()
        self._collect_routes()
        self._collect_subnets()
        self._collect_associations()
        self._collect_gateways()

    # -- public questions ---------------------------------------------------------------------

    def resources(self, *types: str) -> Iterator[Resource]:
        return self.model.resources(*types)

    def subnet_candidates(self, body: Body, name: str) -> list[tuple[Subnet, ...] | None]:
        """The subnets a subnet id or list of ids refers to, element by element.

        Each element is the subnets it may be (several when a reference does not pick one
        instance), or None when it is not a subnet of this submission (a literal id, a
        registry module output, a variable without default).
        """
        if not body.has(name):
            return []
        return self._candidates(body, name, ("aws_subnet",), self._subnets_by_address, many=True)

    def users_of(self, subnet: Subnet) -> list[Resource]:
        """Resources that place something in the subnet or configure it.

        A resource that only copies one of the subnet's properties (a security group rule
        allowing its `cidr_block`, a tag) runs nothing there and is not a user.
        """
        found: list[Resource] = []
        for referrer, _ in self.model.referrers(subnet.resource.address):
            if referrer not in found and not _reads_only_properties(referrer, subnet.resource):
                found.append(referrer)
        return found

    def is_isolated_data_tier(self, subnet: Subnet) -> bool:
        """The subnet is the isolated data tier (as in AWS's own reference VPC layouts):
        nothing that runs code is placed in it, and either it hosts only managed databases and
        caches (they serve the VPC and never call out) or its name says it is a data tier."""
        users = self._user_types(subnet)
        if users & set(catalog.RUNS_IN_SUBNET):
            return False
        if subnet.named_data_tier:
            return True
        return bool(users & set(catalog.DATA_SUBNET_GROUPS)) and users <= {
            *catalog.DATA_SUBNET_GROUPS,
            *catalog.NETWORK_PLUMBING,
        }

    def _user_types(self, subnet: Subnet) -> set[str]:
        """The types of what refers to the subnet, and of what is placed in it through
        variables, locals and module inputs (a subnet group inside a module, say)."""
        users = {user.type for user in self.users_of(subnet)}
        users.update(self._placed_in.get(subnet.body, ()))
        return users

    @cached_property
    def _placed_in(self) -> dict[ResourceInstance, set[str]]:
        """The types of the resources whose `in_subnet` edges may point at each instance (as
        target, candidate or mention), read once rather than once per subnet."""
        placed: dict[ResourceInstance, set[str]] = {}
        for edge in self.graph.edges("in_subnet"):
            for instance in (edge.target, *edge.candidates, *edge.mentions):
                if instance is not None:
                    placed.setdefault(instance, set()).add(edge.source.resource.type)
        return placed

    def vpc_has_internet_path(self, vpc: Vpc) -> bool:
        """The VPC has an internet gateway, a route to one, or a NAT gateway in it."""
        if vpc.has_internet_gateway:
            return True
        if any(t.vpc_key == vpc.key and t.routes_to_internet_gateway for t in self.route_tables):
            return True
        return any(
            nat.subnets and all(s.vpc is vpc for s in nat.subnets) for nat in self.nat_gateways
        )

    # -- VPCs -----------------------------------------------------------------------------------

    def _collect_vpcs(self) -> None:
        for resource in self.resources("aws_vpc"):
            for instance in resource.instances:
                vpc = Vpc(instance.address, resource.location, resource, instance)
                vpc.main_route_table = RouteTable(
                    f"the main route table of {instance.address}", None, resource, vpc.key
                )
                self._add_block(vpc, resource, instance, "cidr_block")
                self.vpcs[vpc.key] = vpc
                self.route_tables.append(vpc.main_route_table)

    def _collect_secondary_cidr_blocks(self) -> None:
        for resource in self.resources("aws_vpc_ipv4_cidr_block_association"):
            for instance in resource.instances:
                vpc = self._vpc_of(instance, "vpc_id")
                if vpc is not None and vpc.declared:
                    self._add_block(vpc, resource, instance, "cidr_block")
                elif vpc is None:
                    # It may belong to any VPC: none of their ranges is fully known.
                    for candidate in self.vpcs.values():
                        if candidate.resource and same_region(candidate.resource, resource):
                            candidate.blocks_known = False

    @staticmethod
    def _add_block(vpc: Vpc, resource: Resource, body: Body, attribute: str) -> None:
        network = ipv4_network(body.get(attribute))
        if network is None:
            vpc.blocks_known = False
        else:
            vpc.blocks.append(CidrBlock(network, resource, body, attribute))

    def _vpc_of(self, body: Body, name: str) -> Vpc | None:
        """The VPC `body.name` refers to: declared here, or keyed by its reference."""
        value = body.get(name)
        if isinstance(value, Unknown):
            for ref in value.refs:
                found = self._lookup(ref, ("aws_vpc",), self.vpcs)
                if found is not None and len(found) == 1:
                    return found[0]
            if not value.refs:
                return None
            key = ",".join(value.refs)
        elif isinstance(value, str) and value:
            key = value
        else:
            return None
        location = self._location_of(body)
        key = f"{location}|{key}"
        return self.vpcs.setdefault(key, Vpc(key, location, blocks_known=False))

    def _location_of(self, body: Body) -> str:
        resource = getattr(body, "resource", None)
        return resource.location if isinstance(resource, Resource) else ""

    # -- route tables and routes ----------------------------------------------------------------

    def _collect_route_tables(self) -> None:
        for resource in self.resources("aws_route_table"):
            for instance in resource.instances:
                vpc = self._vpc_of(instance, "vpc_id")
                table = RouteTable(instance.address, resource, resource, vpc.key if vpc else None)
                self._read_inline_routes(table, resource, instance)
                self._add_table(table)

    def _collect_main_route_tables(self) -> None:
        for resource in self.resources("aws_default_route_table"):
            for instance in resource.instances:
                vpc = self._vpc_owning_main_table(instance, "default_route_table_id")
                table = RouteTable(instance.address, resource, resource, vpc.key if vpc else None)
                self._read_inline_routes(table, resource, instance)
                self._add_table(table)
                if vpc is not None and vpc.declared:
                    vpc.main_route_table = table
        for resource in self.resources("aws_main_route_table_association"):
            for instance in resource.instances:
                vpc = self._vpc_of(instance, "vpc_id")
                tables = self._table_candidates(instance, "route_table_id")
                if vpc is not None and vpc.declared:
                    vpc.main_route_table = tables[0] if tables and len(tables) == 1 else None

    def _vpc_owning_main_table(self, body: Body, name: str) -> Vpc | None:
        for ref in collect_refs(body.get(name)):
            found = self._lookup(ref, ("aws_vpc",), self.vpcs)
            if found is not None and len(found) == 1:
                return found[0]
        return None

    def _add_table(self, table: RouteTable) -> None:
        self.route_tables.append(table)
        self._tables_by_address[table.address] = table

    def _read_inline_routes(self, table: RouteTable, resource: Resource, body: Body) -> None:
        if body.has("route"):
            # `route = [...]` (attributes as blocks): only an empty list is readable.
            table.unreadable_routes = body.get("route") != []
        for route in body.blocks("route"):
            table.routes.append(self._route(resource, route, "cidr_block"))

    def _collect_routes(self) -> None:
        for resource in self.resources("aws_route"):
            for instance in resource.instances:
                route = self._route(resource, instance, "destination_cidr_block")
                tables = self._table_candidates(instance, "route_table_id")
                if tables is None:
                    # With references that name none of our tables it is a route of a table
                    # outside the submission; with none at all it may be in any of ours.
                    if not collect_refs(instance.get("route_table_id")):
                        self._add_floating_route(route, resource)
                    continue
                # An unpicked instance (`for_each = aws_route_table.private`) means each.
                for table in tables:
                    table.routes.append(route)

    def _add_floating_route(self, route: Route, owner: Resource) -> None:
        route.floating = True
        for table in self.route_tables:
            if same_region(table.placed_by, owner):
                table.routes.append(route)

    def _table_candidates(self, body: Body, name: str) -> tuple[RouteTable, ...] | None:
        """The route tables `body.name` refers to, including a VPC's main route table."""
        value = body.get(name)
        for ref in collect_refs(value):
            if ref.rsplit(".", 1)[-1] in _MAIN_ROUTE_TABLE_ATTRIBUTES:
                vpcs = self._lookup(ref, ("aws_vpc",), self.vpcs)
                if vpcs and all(v.main_route_table for v in vpcs):
                    return tuple(v.main_route_table for v in vpcs if v.main_route_table)
        found = self._candidates(
            body,
            name,
            ("aws_route_table", "aws_default_route_table"),
            self._tables_by_address,
            many=False,
        )
        return found[0] if found else None

    def _route(self, owner: Resource, body: Body, destination: str) -> Route:
        return Route(owner, body, self._route_target(body), _is_default_ipv4(body, destination))

    def _route_target(self, body: Body) -> str:
        if body.has("nat_gateway_id") and body.get("nat_gateway_id") is not None:
            return NAT_GATEWAY
        unknown = False
        for name in _TARGET_ATTRIBUTES:
            value = body.get(name)
            if value is None or name == "nat_gateway_id":
                continue
            target = _target_of(name, value)
            if target == UNKNOWN_TARGET:
                unknown = True
            else:
                return target
        return UNKNOWN_TARGET if unknown else OTHER_TARGET

    # -- subnets --------------------------------------------------------------------------------

    def _collect_subnets(self) -> None:
        for resource in self.resources("aws_subnet"):
            for instance in resource.instances:
                public_ip = instance.get("map_public_ip_on_launch", False)
                subnet = Subnet(
                    resource,
                    instance,
                    self._vpc_of(instance, "vpc_id"),
                    ipv4_network(instance.get("cidr_block")),
                    truth(public_ip),
                )
                self.subnets.append(subnet)
                self._subnets_by_address[subnet.address] = subnet

    def _collect_associations(self) -> None:
        for resource in self.resources("aws_route_table_association"):
            for instance in resource.instances:
                if not instance.has("subnet_id"):
                    continue  # an edge association with a gateway
                subnets = self._candidates(
                    instance, "subnet_id", ("aws_subnet",), self._subnets_by_address, many=False
                )
                tables = self._table_candidates(instance, "route_table_id")
                if not subnets or subnets[0] is None:
                    self._association_may_be_anywhere(instance, resource)
                    continue
                for subnet in subnets[0]:
                    subnet.associations.append(tables)

    def _association_may_be_anywhere(self, body: Body, owner: Resource) -> None:
        """An association whose subnet is not known may be that of any subnet it mentions,
        or, when it mentions nothing, of any subnet in its region."""
        refs = collect_refs(body.get("subnet_id"))
        if refs:
            # Refs that name no subnet of ours point outside the submission (a data source,
            # a registry module output, an input variable).
            mentioned = [
                s
                for ref in refs
                for s in self._lookup(ref, ("aws_subnet",), self._subnets_by_address) or []
            ]
        else:
            mentioned = [s for s in self.subnets if same_region(s.resource, owner)]
        for subnet in mentioned:
            subnet.maybe_associated = True

    # -- gateways -------------------------------------------------------------------------------

    def _collect_gateways(self) -> None:
        for resource in self.resources("aws_internet_gateway", "aws_internet_gateway_attachment"):
            for instance in resource.instances:
                vpc = self._vpc_of(instance, "vpc_id")
                if vpc is not None:
                    vpc.has_internet_gateway = True
        for resource in self.resources("aws_nat_gateway"):
            for instance in resource.instances:
                if instance.get("connectivity_type") == "private" or not instance.has("subnet_id"):
                    continue  # private NAT needs no internet route; regional NAT has no subnet
                found = self.subnet_candidates(instance, "subnet_id")
                self.nat_gateways.append(
                    NatGateway(resource, instance, found[0] if found else None)
                )

    # -- following references -------------------------------------------------------------------

    def _candidates(
        self, body: Body, name: str, types: tuple[str, ...], views: dict[str, Any], many: bool
    ) -> list[tuple[Any, ...] | None]:
        return [
            self._views(candidates, views)
            for candidates in follow(self.model, body, name, types, many=many)
        ]

    @staticmethod
    def _views(
        candidates: tuple[ResourceInstance, ...] | None, views: dict[str, Any]
    ) -> tuple[Any, ...] | None:
        # A literal id names something outside the submission: not a view of ours.
        found = [views[i.address] for i in candidates or () if i.address in views]
        return tuple(dict.fromkeys(found)) or None

    def _lookup(self, ref: str, types: tuple[str, ...], views: dict[str, Any]) -> list[Any] | None:
        """The views of the instance(s) `ref` names; all instances when it picks none."""
        instances = lookup(self.model, ref, types)
        found = [views[i.address] for i in instances or () if i.address in views]
        return found or None


# Subnet attributes that describe it rather than identify it to place something in it.
_SUBNET_PROPERTIES = frozenset(
    {
        "cidr_block",
        "ipv6_cidr_block",
        "availability_zone",
        "availability_zone_id",
        "tags",
        "tags_all",
        "owner_id",
        "vpc_id",
    }
)


def _reads_only_properties(referrer: Resource, subnet: Resource) -> bool:
    """Whether every reference `referrer` makes to `subnet` reads one of its properties."""
    model = referrer.context.root
    for instance in referrer.instances:
        for body in nested_bodies(instance):
            for name, attribute in body.block.attributes.items():
                if subnet.address not in model.addresses_referenced_by(
                    attribute.expr, body.context
                ):
                    continue
                value = body.get(name)
                refs = [r for r in collect_refs(value) if names_instance(r, subnet.address)]
                if not refs and not contains_unknown(value):
                    continue  # a known value: a subnet's id is never known before apply
                if not refs or not all(_property_read(r, subnet.address) for r in refs):
                    return False
    return True


def _property_read(ref: str, address: str) -> bool:
    rest = ref[len(address) :]
    if rest.startswith("["):
        rest = rest[rest.find("]") + 1 :]
    return rest.startswith(".") and rest[1:].split(".")[0].split("[")[0] in _SUBNET_PROPERTIES


def _target_of(name: str, value: Any) -> str:
    if name in _CENTRAL_EGRESS_ATTRIBUTES:
        return CENTRAL_EGRESS
    if name in ("network_interface_id", "instance_id"):
        return NAT_INSTANCE
    if name != "gateway_id":
        return OTHER_TARGET
    if isinstance(value, str):
        if value == "local":
            return OTHER_TARGET
        for prefix, target in _LITERAL_ID_TARGETS.items():
            if value.startswith(prefix):
                return target
        return OTHER_TARGET
    types = {_referenced_type(ref) for ref in collect_refs(value)}
    if "aws_internet_gateway" in types:
        return INTERNET_GATEWAY
    if "aws_nat_gateway" in types:
        return NAT_GATEWAY  # accepted by AWS, though nat_gateway_id is the proper argument
    if types and None not in types:
        return OTHER_TARGET  # a virtual private gateway or another declared target
    return UNKNOWN_TARGET


def _referenced_type(ref: str) -> str | None:
    """The resource or data source type a reference names, None for var/local/module."""
    parts = ref.split(".")
    while len(parts) >= 2 and parts[0] == "module":
        parts = parts[2:]
    if parts[:1] == ["data"] and len(parts) >= 2:
        return parts[1].split("[")[0]
    if len(parts) >= 2 and parts[0].startswith("aws_"):
        return parts[0]
    return None


def _is_default_ipv4(body: Body, name: str) -> bool | None:
    if not body.has(name):
        return False
    value = body.get(name)
    if isinstance(value, Unknown):
        return None
    return isinstance(value, str) and value.strip() == "0.0.0.0/0"


def ip_network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network a known CIDR string (or address) names, surrounding whitespace ignored
    and host bits allowed (``10.0.1.5/16``); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def ipv4_network(value: Any) -> ipaddress.IPv4Network | None:
    """An IPv4 network from a known CIDR string, None otherwise."""
    network = ip_network(value)
    return network if isinstance(network, ipaddress.IPv4Network) else None
