"""Networking checks: CIDR overlaps, what sits in public subnets, egress through NAT."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import AwsLayer, aws_of, catalog
from evalkit.aws.network import CidrBlock, NatGateway, Network, Subnet, Vpc, agreed
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    per_instance,
    resource_finding,
    truth,
    where,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel


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


# --- NET-CIDR-OVERLAP --------------------------------------------------------------------------


@check(
    "NET-CIDR-OVERLAP",
    category="networking",
    severity="critical",
    title="Overlapping or misplaced CIDR blocks",
)
def cidr_overlap(model: TerraformModel) -> list[Finding] | None:
    """Two VPCs overlap, a subnet lies outside its VPC, or two subnets of one VPC overlap.

    VPC ranges are the primary `cidr_block` and every `aws_vpc_ipv4_cidr_block_association`;
    VPCs are compared across regions and provider aliases, instance by instance (`count`,
    `for_each`, module calls). CIDRs are evaluated through variables, `.tfvars`, locals, maps
    keyed by region and `cidrsubnet()`. A VPC or subnet whose range cannot be known (an
    input without default, an IPAM pool) is not judged.

    Why: overlapping VPCs can never be peered or joined by a transit gateway, which is what
    multi-region and disaster-recovery designs need; AWS rejects a subnet outside its VPC or
    overlapping a sibling, so the apply fails.

    Fix: plan one non-overlapping range per VPC (per region and environment) and carve the
    subnets from it.

        variable "vpc_cidrs" {
          default = { "us-east-1" = "10.0.0.0/16", "us-west-2" = "10.1.0.0/16" }
        }
        resource "aws_subnet" "private" {
          count      = 2
          vpc_id     = aws_vpc.main.id
          cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index + 10)
        }
    """
    network = aws_of(model).network
    vpcs = [v for v in network.vpcs.values() if v.declared]
    if not vpcs and not network.subnets:
        return None
    findings = list(_overlapping_vpcs(vpcs))
    findings.extend(_subnets_outside_their_vpc(network.subnets))
    findings.extend(_overlapping_subnets(network.subnets))
    return findings


def _declaration_order(vpc: Vpc) -> tuple[str, int, int]:
    resource, body = vpc.resource, vpc.body
    if resource is None or not isinstance(body, ResourceInstance):
        return ("", 0, 0)  # only declared VPCs are compared, and they all have both
    return (resource.file, resource.line, resource.instances.index(body))


def _overlapping_vpcs(vpcs: list[Vpc]) -> Iterator[Finding]:
    ordered = sorted(vpcs, key=_declaration_order)
    for position, vpc in enumerate(ordered):
        for block in vpc.blocks:
            clash = _first_overlap(block, ordered[:position])
            if clash is not None:
                yield _vpc_overlap_finding(block, *clash)


def _first_overlap(block: CidrBlock, earlier: list[Vpc]) -> tuple[Vpc, CidrBlock] | None:
    for other in earlier:
        for other_block in other.blocks:
            if block.network.overlaps(other_block.network):
                return other, other_block
    return None


def _vpc_overlap_finding(block: CidrBlock, other: Vpc, other_block: CidrBlock) -> Finding:
    owner = block.owner
    return resource_finding(
        owner,
        f"{block.body.address}{where(owner)} uses {block.network}, which overlaps "
        f"{other.key} ({other_block.network}{_in(other.location)}); give every VPC its own "
        "non-overlapping range so that they can be peered or joined by a transit gateway.",
        line=block.line,
        address=block.body.address,
    )


def _subnets_outside_their_vpc(subnets: list[Subnet]) -> Iterator[Finding]:
    for subnet in _ordered(subnets):
        vpc = subnet.vpc
        if subnet.cidr is None or vpc is None or not vpc.declared:
            continue
        if not vpc.blocks_known or not vpc.blocks:
            continue
        if any(subnet.cidr.subnet_of(block.network) for block in vpc.blocks):
            continue
        ranges = ", ".join(str(block.network) for block in vpc.blocks)
        yield resource_finding(
            subnet.resource,
            f"{subnet.address}{where(subnet.resource)} uses {subnet.cidr}, "
            f"which is outside its VPC {vpc.key} ({ranges}); carve the subnet from the VPC "
            "range, e.g. with cidrsubnet() of the VPC's cidr_block.",
            line=subnet.body.line_of("cidr_block"),
            address=subnet.address,
        )


def _overlapping_subnets(subnets: list[Subnet]) -> Iterator[Finding]:
    seen: dict[str, list[Subnet]] = {}
    for subnet in _ordered(subnets):
        if subnet.cidr is None or subnet.vpc is None:
            continue
        siblings = seen.setdefault(subnet.vpc.key, [])
        clash = next((s for s in siblings if s.cidr and s.cidr.overlaps(subnet.cidr)), None)
        siblings.append(subnet)
        if clash is None:
            continue
        yield resource_finding(
            subnet.resource,
            f"{subnet.address}{where(subnet.resource)} uses {subnet.cidr}, "
            f"which overlaps {clash.address} ({clash.cidr}) in the same VPC; give each subnet "
            "its own range, e.g. cidrsubnet(<vpc cidr>, 8, <distinct number>).",
            line=subnet.body.line_of("cidr_block"),
            address=subnet.address,
        )


# --- NET-SUBNET-PLACEMENT ----------------------------------------------------------------------


@check(
    "NET-SUBNET-PLACEMENT",
    category="networking",
    severity="critical",
    title="Database in a public subnet, or public load balancer in private subnets",
)
def subnet_placement(model: TerraformModel) -> list[Finding] | None:
    """A database or cache sits in a public subnet or is publicly accessible, or an
    internet-facing load balancer has only private subnets.

    Follows RDS/Aurora/DocumentDB/Neptune `db_subnet_group_name`, ElastiCache
    `subnet_group_name` and Redshift `cluster_subnet_group_name` to the subnet group, its
    `subnet_ids` to the subnets, and each subnet to its route tables: a subnet is public when
    a route table in effect for it routes to an internet gateway or it sets
    `map_public_ip_on_launch = true`. `publicly_accessible = true` on an RDS instance, Aurora
    instance or Redshift cluster fails by itself. A load balancer with `internal` false or
    unset (not a Gateway Load Balancer) fails when every one of its subnets is private.
    Subnets evalkit cannot see (registry module outputs, inputs without default) are not
    judged.

    Why: a database in a public subnet is one security group rule away from the internet;
    an internet-facing load balancer in private subnets cannot be reached at all.

    Fix: build subnet groups from private subnets, keep `publicly_accessible = false`, and
    put internet-facing load balancers in public subnets.

        resource "aws_db_subnet_group" "db" {
          subnet_ids = aws_subnet.private[*].id   # subnets routed through a NAT gateway
        }
        resource "aws_lb" "web" {
          internal = false
          subnets  = aws_subnet.public[*].id      # subnets routed to the internet gateway
        }
    """
    layer = aws_of(model)
    network = layer.network
    stores = list(model.resources(*catalog.SUBNET_GROUP_OF_STORE, "aws_rds_cluster_instance"))
    balancers = list(model.resources(*catalog.ALL_LOAD_BALANCERS))
    if not stores and not balancers:
        return None
    findings: list[Finding] = []
    for resource in stores:
        findings.extend(per_instance(resource, _publicly_accessible))
        findings.extend(per_instance(resource, lambda i: _in_public_subnets(layer, i)))
    for resource in balancers:
        findings.extend(per_instance(resource, lambda i: _unreachable_load_balancer(network, i)))
    return findings


def _publicly_accessible(instance: ResourceInstance) -> Iterator[Problem]:
    if instance.resource.type not in catalog.PUBLICLY_ACCESSIBLE_STORES:
        return
    if instance.has("publicly_accessible") and truth(instance.get("publicly_accessible")):
        yield (
            instance.file,
            instance.line_of("publicly_accessible"),
            "is publicly accessible; set publicly_accessible = false and reach it from "
            "inside the VPC.",
        )


def _in_public_subnets(layer: AwsLayer, instance: ResourceInstance) -> Iterator[Problem]:
    for group in _subnet_groups(layer, instance):
        public = _public_subnets(layer.network, group)
        if public:
            yield (
                instance.file,
                instance.line_of(catalog.SUBNET_GROUP_OF_STORE[instance.resource.type][0]),
                f"is placed through {group.address} in {_subnets('public', public)}; "
                f"build {group.address} from private subnets only (no route to an "
                "internet gateway, no public IPs).",
            )


def _public_subnets(network: Network, group: ResourceInstance) -> list[str]:
    public: list[str] = []
    for candidates in network.subnet_candidates(group, "subnet_ids"):
        if candidates and agreed(s.public for s in candidates) is True:
            public.extend(s.address for s in candidates)
    return public


def _subnet_groups(layer: AwsLayer, store: ResourceInstance) -> list[ResourceInstance]:
    """The subnet group(s) a data store may be placed through."""
    found: list[ResourceInstance] = []
    for edge in layer.graph.edges_from(store, "store_subnet_group"):
        found.extend(edge.candidates)
    return list(dict.fromkeys(found))


def _unreachable_load_balancer(network: Network, instance: ResourceInstance) -> Iterator[Problem]:
    if instance.get("load_balancer_type") == "gateway":
        return
    if truth(instance.get("internal", False)) is not False:
        return  # internal, or not known
    elements = network.subnet_candidates(instance, "subnets")
    line = instance.line_of("subnets")
    for mapping in instance.blocks("subnet_mapping"):
        elements.extend(network.subnet_candidates(mapping, "subnet_id"))
        line = line if instance.has("subnets") else mapping.line
    if not elements or any(c is None or agreed(s.public for s in c) is not False for c in elements):
        return
    names = _names([s.address for c in elements if c for s in c])
    yield (
        instance.file,
        line,
        f"is internet-facing but all its subnets ({names}) are private, with no route "
        "to an internet gateway, so it cannot be reached; place it in public subnets "
        "or set internal = true.",
    )


# --- NET-MISSING-NAT ---------------------------------------------------------------------------


@check(
    "NET-MISSING-NAT",
    category="networking",
    severity="high",
    title="Private subnets without a NAT route, or a NAT gateway in a private subnet",
)
def missing_nat(model: TerraformModel) -> list[Finding] | None:
    """A private subnet has no 0.0.0.0/0 route to a NAT gateway or NAT instance, or a NAT
    gateway sits in a subnet that has no route to an internet gateway.

    A subnet is private when no route table in effect for it routes to an internet gateway
    and it does not map public IPs. Its route tables are those of its associations, or the
    VPC's main route table (the implicit one, an `aws_default_route_table`, or the one an
    `aws_main_route_table_association` names). A default route to a transit gateway, a
    firewall/Gateway Load Balancer endpoint or a Cloud WAN core network counts as egress:
    the NAT lives in a central egress VPC. NAT gateways with `connectivity_type = "private"`
    are exempt from the placement rule.

    A VPC with neither an internet gateway nor a NAT gateway is isolated by design (reached
    through VPC endpoints, a VPN or peering); its subnets are not judged, since a NAT there
    could not reach the internet anyway. The isolated data tier is not judged either (RDS,
    ElastiCache and the like never open connections out): subnets in which nothing that runs
    code is placed (instances, Auto Scaling groups, Lambda functions, ECS services, EKS nodes,
    launch templates and the like, followed through variables, locals and module inputs),
    and that either serve only database/cache subnet groups (declared here or inside a
    module) or are named as a data tier by their label, `for_each` key, `Name` or tier tag
    (database, db, data, isolated, intra; not when the name also says app, web, worker and
    the like). IPv6-native subnets have no IPv4 traffic to translate and are not judged
    either. n/a when there are no private subnets.

    Why: instances in a private subnet without NAT cannot install updates, pull images or
    call AWS APIs without VPC endpoints; a NAT gateway in a private subnet has no path to the
    internet, so every subnet routed through it is cut off.

    Fix: one NAT gateway per AZ in a public subnet, and a default route to it from each
    private route table.

        resource "aws_nat_gateway" "main" {
          count         = 2
          allocation_id = aws_eip.nat[count.index].id
          subnet_id     = aws_subnet.public[count.index].id
        }
        resource "aws_route_table" "private" {
          count  = 2
          vpc_id = aws_vpc.main.id
          route {
            cidr_block     = "0.0.0.0/0"
            nat_gateway_id = aws_nat_gateway.main[count.index].id
          }
        }
    """
    layer = aws_of(model)
    network = layer.network
    private = [s for s in network.subnets if s.public is False]
    nat_findings = list(_nat_in_private_subnet(network))
    if not private and not nat_findings:
        return None
    findings = _private_subnets_without_egress(layer, private)
    return findings + nat_findings


def _private_subnets_without_egress(layer: AwsLayer, private: list[Subnet]) -> list[Finding]:
    # A subnet holding a NAT gateway needs an internet gateway route, not a NAT route: the
    # placement finding says so.
    network = layer.network
    hosting_nat = {s for nat in network.nat_gateways for s in nat.subnets or ()}
    tables: dict[Resource, dict[str, list[Subnet]]] = {}
    findings: list[Finding] = []
    for subnet in _ordered(private):
        if subnet in hosting_nat or not _judged_for_egress(layer, subnet):
            continue
        for candidates in subnet.route_tables() or []:
            for table in candidates or ():
                if table.resource is None:
                    findings.append(_implicit_main_table_finding(subnet))
                else:
                    served = tables.setdefault(table.resource, {})
                    served.setdefault(table.address, []).append(subnet)
    for resource, served in tables.items():
        findings.extend(_route_tables_without_egress(resource, served))
    return findings


def _judged_for_egress(layer: AwsLayer, subnet: Subnet) -> bool:
    """A private subnet known to lack egress, in a VPC that is not isolated by design, and
    not an isolated data tier."""
    network = layer.network
    if subnet.ipv6_only or subnet.vpc is None or not network.vpc_has_internet_path(subnet.vpc):
        return False
    return subnet.has_egress_route is False and not _data_tier(layer, subnet)


def _data_tier(layer: AwsLayer, subnet: Subnet) -> bool:
    """Whether the subnet is the isolated data tier (as in AWS's own reference VPC layouts):
    nothing that runs code is placed in it, and either it hosts only managed databases and
    caches (they serve the VPC and never call out) or its name says it is a data tier."""
    users = _user_types(layer, subnet)
    if users & set(catalog.RUNS_IN_SUBNET):
        return False
    if subnet.named_data_tier:
        return True
    return bool(users & set(catalog.DATA_SUBNET_GROUPS)) and users <= {
        *catalog.DATA_SUBNET_GROUPS,
        *catalog.NETWORK_PLUMBING,
    }


def _user_types(layer: AwsLayer, subnet: Subnet) -> set[str]:
    """The types of what refers to the subnet, and of what is placed in it through
    variables, locals and module inputs (a subnet group inside a module, say)."""
    users = {user.type for user in layer.network.users_of(subnet)}
    for edge in layer.edges("in_subnet"):
        if any(i is subnet.body for i in (edge.target, *edge.candidates, *edge.mentions)):
            users.add(edge.source.resource.type)
    return users


def _implicit_main_table_finding(subnet: Subnet) -> Finding:
    vpc = subnet.vpc.key if subnet.vpc else "its VPC"
    return resource_finding(
        subnet.resource,
        f"{subnet.address}{where(subnet.resource)} is a private subnet with no "
        f"route table association, so it uses the main route table of {vpc}, which has no "
        "0.0.0.0/0 route to a NAT gateway; associate it with a route table whose default "
        "route goes to a NAT gateway in a public subnet.",
        line=subnet.resource.line,
        address=subnet.address,
    )


def _route_tables_without_egress(
    resource: Resource, tables: dict[str, list[Subnet]]
) -> list[Finding]:
    findings = []
    for address in instance_addresses(resource, list(tables)):
        subnets = tables.get(address) or [s for group in tables.values() for s in group]
        findings.append(
            resource_finding(
                resource,
                f"{address}{where(resource)} is the route table of "
                f"{_subnets('private', [s.address for s in subnets])} but has no 0.0.0.0/0 "
                "route to a NAT gateway or NAT instance; add a default route with "
                "nat_gateway_id pointing to a NAT gateway in a public subnet.",
                address=address,
            )
        )
    return findings


def _nat_in_private_subnet(network: Network) -> Iterator[Finding]:
    by_resource: dict[Resource, dict[str, NatGateway]] = {}
    for nat in network.nat_gateways:
        by_resource.setdefault(nat.resource, {})[nat.address] = nat

    def in_private_subnet(instance: ResourceInstance) -> Iterator[Problem]:
        nat = by_resource[instance.resource].get(instance.address)
        if nat is None or not nat.subnets:
            return
        if agreed(s.routes_to_internet_gateway for s in nat.subnets) is not False:
            return
        yield (
            instance.file,
            instance.line_of("subnet_id"),
            f"sits in {_names([s.address for s in nat.subnets])}, which has no route to an "
            "internet gateway, so the NAT gateway cannot reach the internet; place it in a "
            'public subnet or set connectivity_type = "private".',
        )

    for resource in by_resource:
        yield from per_instance(resource, in_private_subnet)
