"""Networking checks: CIDR overlaps, what sits in public subnets, egress through NAT."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.checks._helpers import instance_addresses, resource_finding, truth, where
from evalkit.checks._network import (
    CidrBlock,
    Network,
    Subnet,
    Vpc,
    agreed,
    names_instance,
    network_of,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import collect_refs

# A problem found on one instance: (instance address, line, what is wrong after the address).
Problem = tuple[str, int, str]


def _report(resource: Resource, problems: list[Problem]) -> list[Finding]:
    """Findings for a resource's instances, one for the resource when every instance fails."""
    grouped: dict[tuple[int, str], list[str]] = {}
    for address, line, text in problems:
        grouped.setdefault((line, text), []).append(address)
    findings = []
    for (line, text), addresses in grouped.items():
        for address in instance_addresses(resource, addresses):
            findings.append(
                resource_finding(
                    resource, f"{address}{where(resource)} {text}", line=line, address=address
                )
            )
    return findings


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
    network = network_of(model)
    vpcs = [v for v in network.vpcs.values() if v.declared]
    if not vpcs and not network.subnets:
        return None
    findings = list(_overlapping_vpcs(vpcs))
    findings.extend(_subnets_outside_their_vpc(network.subnets))
    findings.extend(_overlapping_subnets(network.subnets))
    return findings


def _overlapping_vpcs(vpcs: list[Vpc]) -> Iterator[Finding]:
    ordered = sorted(
        vpcs, key=lambda v: (v.resource.file, v.resource.line, v.resource.instances.index(v.body))
    )
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

# Data store type -> (its subnet group attribute, the subnet group types it may name).
_DATA_STORES: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws_db_instance": ("db_subnet_group_name", ("aws_db_subnet_group",)),
    "aws_rds_cluster": ("db_subnet_group_name", ("aws_db_subnet_group",)),
    "aws_docdb_cluster": (
        "db_subnet_group_name",
        ("aws_docdb_subnet_group", "aws_db_subnet_group"),
    ),
    "aws_neptune_cluster": (
        "neptune_subnet_group_name",
        ("aws_neptune_subnet_group", "aws_db_subnet_group"),
    ),
    "aws_elasticache_cluster": ("subnet_group_name", ("aws_elasticache_subnet_group",)),
    "aws_elasticache_replication_group": ("subnet_group_name", ("aws_elasticache_subnet_group",)),
    "aws_redshift_cluster": ("cluster_subnet_group_name", ("aws_redshift_subnet_group",)),
}
_PUBLICLY_ACCESSIBLE = ("aws_db_instance", "aws_rds_cluster_instance", "aws_redshift_cluster")
_LOAD_BALANCERS = ("aws_lb", "aws_alb", "aws_elb")


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
    network = network_of(model)
    stores = list(network.resources(*_DATA_STORES, "aws_rds_cluster_instance"))
    balancers = list(network.resources(*_LOAD_BALANCERS))
    if not stores and not balancers:
        return None
    findings: list[Finding] = []
    for resource in stores:
        problems = list(_publicly_accessible(resource))
        problems.extend(_in_public_subnets(network, resource))
        findings.extend(_report(resource, problems))
    for resource in balancers:
        findings.extend(_report(resource, list(_unreachable_load_balancer(network, resource))))
    return findings


def _publicly_accessible(resource: Resource) -> Iterator[Problem]:
    if resource.type not in _PUBLICLY_ACCESSIBLE:
        return
    for instance in resource.instances:
        if instance.has("publicly_accessible") and truth(instance.get("publicly_accessible")):
            yield (
                instance.address,
                instance.line_of("publicly_accessible"),
                "is publicly accessible; set publicly_accessible = false and reach it from "
                "inside the VPC.",
            )


def _in_public_subnets(network: Network, resource: Resource) -> Iterator[Problem]:
    if resource.type not in _DATA_STORES:
        return
    attribute, group_types = _DATA_STORES[resource.type]
    for instance in resource.instances:
        if not instance.has(attribute):
            continue
        for group in _subnet_groups(network, instance, attribute, group_types):
            public = _public_subnets(network, group)
            if public:
                yield (
                    instance.address,
                    instance.line_of(attribute),
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


def _subnet_groups(
    network: Network, body: ResourceInstance, attribute: str, types: tuple[str, ...]
) -> list[ResourceInstance]:
    """The subnet group(s) a data store names: by reference, else by its `name`."""
    groups = [i for r in network.resources(*types) for i in r.instances]
    value = body.get(attribute)
    refs = collect_refs(value)
    picked = [g for g in groups if any(names_instance(ref, g.address) for ref in refs)]
    if picked:
        return picked
    if isinstance(value, str):
        # Subnet group names are per region: a group of another region is not this one.
        return [
            g
            for g in groups
            if _same_name(g.get("name"), value) and _same_region(g.resource, body.resource)
        ]
    expression = body.attribute(attribute)
    if expression is None:
        return []
    referenced = network.model.addresses_referenced_by(expression.expr, body.context)
    return [g for g in groups if g.resource.address in referenced]


def _same_region(one: Resource, other: Resource) -> bool:
    return not one.location or not other.location or one.location == other.location


def _same_name(name: object, wanted: str) -> bool:
    # RDS and ElastiCache store subnet group names in lower case.
    return isinstance(name, str) and name.lower() == wanted.lower()


def _unreachable_load_balancer(network: Network, resource: Resource) -> Iterator[Problem]:
    for instance in resource.instances:
        if instance.get("load_balancer_type") == "gateway":
            continue
        if truth(instance.get("internal", False)) is not False:
            continue  # internal, or not known
        elements = network.subnet_candidates(instance, "subnets")
        line = instance.line_of("subnets")
        for mapping in instance.blocks("subnet_mapping"):
            elements.extend(network.subnet_candidates(mapping, "subnet_id"))
            line = line if instance.has("subnets") else mapping.line
        if not elements or any(
            c is None or agreed(s.public for s in c) is not False for c in elements
        ):
            continue
        names = _names([s.address for c in elements if c for s in c])
        yield (
            instance.address,
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
    could not reach the internet anyway. Subnets used only by database/cache subnet groups
    are the isolated data tier (RDS, ElastiCache and the like never open connections out)
    and are not judged either. IPv6-native subnets have no IPv4 traffic to
    translate and are not judged either. n/a when there are no private subnets.

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
    network = network_of(model)
    private = [s for s in network.subnets if s.public is False]
    nat_findings = list(_nat_in_private_subnet(network))
    if not private and not nat_findings:
        return None
    findings = _private_subnets_without_egress(network, private)
    return findings + nat_findings


def _private_subnets_without_egress(network: Network, private: list[Subnet]) -> list[Finding]:
    # A subnet holding a NAT gateway needs an internet gateway route, not a NAT route: the
    # placement finding says so.
    hosting_nat = {s for nat in network.nat_gateways for s in nat.subnets or ()}
    tables: dict[Resource, dict[str, list[Subnet]]] = {}
    findings: list[Finding] = []
    for subnet in _ordered(private):
        if subnet in hosting_nat or not _judged_for_egress(network, subnet):
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


def _judged_for_egress(network: Network, subnet: Subnet) -> bool:
    """A private subnet known to lack egress, in a VPC that is not isolated by design, and
    not an isolated data tier."""
    if subnet.ipv6_only or subnet.vpc is None or not network.vpc_has_internet_path(subnet.vpc):
        return False
    return subnet.has_egress_route is False and not _data_tier_only(network, subnet)


# Subnet groups of managed data stores, which need no route to the internet.
_DATA_SUBNET_GROUPS = frozenset(
    {
        "aws_db_subnet_group",
        "aws_elasticache_subnet_group",
        "aws_redshift_subnet_group",
        "aws_docdb_subnet_group",
        "aws_neptune_subnet_group",
        "aws_memorydb_subnet_group",
        "aws_dms_replication_subnet_group",
    }
)
# Resources that shape a subnet's network rather than run anything in it.
_NETWORK_PLUMBING = frozenset(
    {
        "aws_route_table_association",
        "aws_network_acl",
        "aws_network_acl_association",
        "aws_vpc_endpoint",
        "aws_vpc_endpoint_subnet_association",
        "aws_nat_gateway",
        "aws_ec2_transit_gateway_vpc_attachment",
        "aws_ram_resource_association",
        "aws_flow_log",
    }
)


def _data_tier_only(network: Network, subnet: Subnet) -> bool:
    """Whether the subnet hosts only managed databases/caches (the isolated database tier,
    as in AWS's own reference VPC layouts): they serve the VPC and never call out."""
    if subnet.resource is None:
        return False
    users = {referrer.type for referrer, _ in network.model.referrers(subnet.resource.address)}
    return bool(users & _DATA_SUBNET_GROUPS) and users <= _DATA_SUBNET_GROUPS | _NETWORK_PLUMBING


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
    problems: dict[Resource, list[Problem]] = {}
    for nat in network.nat_gateways:
        if (
            not nat.subnets
            or agreed(s.routes_to_internet_gateway for s in nat.subnets) is not False
        ):
            continue
        subnet = _names([s.address for s in nat.subnets])
        problems.setdefault(nat.resource, []).append(
            (
                nat.address,
                nat.body.line_of("subnet_id"),
                f"sits in {subnet}, which has no route to an internet gateway, so the NAT "
                "gateway cannot reach the internet; place it in a public subnet or set "
                'connectivity_type = "private".',
            )
        )
    for resource, found in problems.items():
        yield from _report(resource, found)
