"""NET-MISSING-NAT: Private subnets without a NAT route, or a NAT gateway in a private subnet."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import AwsLayer, aws_of
from evalkit.aws.network import NatGateway, Network, Subnet, agreed
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    per_instance,
    resource_finding,
    where,
)
from evalkit.checks.networking._common import _names, _ordered, _subnets
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel


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
    return subnet.has_egress_route is False and not network.is_isolated_data_tier(subnet)


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
