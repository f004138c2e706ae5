"""NET-CIDR-OVERLAP: Overlapping or misplaced CIDR blocks."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import aws_of
from evalkit.aws.network import CidrBlock, Subnet, Vpc
from evalkit.checks._helpers import (
    resource_finding,
    where,
)
from evalkit.checks.networking._common import _declaration_order, _in, _ordered
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import ResourceInstance, TerraformModel


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


def _vpc_declaration_order(vpc: Vpc) -> tuple[str, int, int]:
    resource, body = vpc.resource, vpc.body
    if resource is None or not isinstance(body, ResourceInstance):
        return ("", 0, 0)  # only declared VPCs are compared, and they all have both
    return _declaration_order(resource, body)


def _overlapping_vpcs(vpcs: list[Vpc]) -> Iterator[Finding]:
    ordered = sorted(vpcs, key=_vpc_declaration_order)
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
