"""HA-SINGLE-AZ: Everything in one availability zone."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from evalkit.aws import catalog
from evalkit.aws.availability import Spread, balancer_spread, group_spread, vpc_spreads
from evalkit.checks._helpers import Problem, per_instance, resource_finding, where
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel


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
    findings = [
        resource_finding(
            vpc.vpc,
            f"{vpc.address}{where(vpc.vpc)} {problem}; add subnets in at least a second "
            "availability zone for each tier.",
            address=vpc.address,
        )
        for vpc in vpc_spreads(model)
        if (problem := _single_zone_problem(vpc.spread))
    ]
    for group in groups:
        findings.extend(_single_zone(model, group, group_spread, "launches its instances"))
    for balancer in balancers:
        findings.extend(_single_zone(model, balancer, balancer_spread, "serves traffic"))
    return findings


FIX_BY_NOUN = {
    "subnet": "give it subnets in at least two availability zones",
    "zone": "list at least two availability zones",
}


def _single_zone_problem(spread: Spread) -> str:
    """Why everything shares one zone, in words; "" when it does not or cannot be told."""
    if spread.single_zone() is not True or spread.placed is None:
        return ""
    count, noun = len(spread.placed), spread.noun
    if count == 1 and noun == "zone":
        return f"lists only one availability zone ({spread.placed[0][0]})"
    if count == 1:
        return f"has a single subnet ({spread.placed[0][0]}), so it lives in one availability zone"
    zone = spread.zone
    assert zone is not None
    if zone.kind == "expression":
        return f"puts all of its {count} {noun}s in the zone of one expression ({zone.describe()})"
    return f"puts all of its {count} {noun}s in availability zone {zone.describe()}"


def _single_zone(
    model: TerraformModel,
    resource: Resource,
    spread_of: Callable[[TerraformModel, ResourceInstance], Spread | None],
    what: str,
) -> list[Finding]:
    def in_one_zone(instance: ResourceInstance) -> Iterator[Problem]:
        spread = spread_of(model, instance)
        if spread is not None and (problem := _single_zone_problem(spread)):
            yield (
                instance.file,
                spread.line,
                f"{what} in one availability zone: it {problem}; {FIX_BY_NOUN[spread.noun]}.",
            )

    return per_instance(resource, in_one_zone)
