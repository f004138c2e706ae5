"""OBS-MISSING-LOGGING: Network, load balancer or API activity not logged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from evalkit.aws import aws_of, catalog, same_region
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    per_instance,
    resource_finding,
    truth,
    where,
)
from evalkit.checks.observability._common import _first, _opaque_calls
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import (
    Body,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.terraform.values import (
    Unknown,
    walk_values,
)


def _has_anonymous_unknown(value: Any) -> bool:
    """True when `value` holds an unknown that remembers no reference (an `each`/`count`)."""
    return any(isinstance(item, Unknown) and not item.refs for item in walk_values(value))


def _within_module(resource: Resource, address: str) -> str:
    """An instance address as the resource's own module writes it (no ``module.x.`` prefix)."""
    prefix = f"{resource.context.address}." if resource.context.address else ""
    return address.removeprefix(prefix)


# --- OBS-MISSING-LOGGING -----------------------------------------------------------------------

TRAIL_MODULE = re.compile(r"(?i)cloudtrail|audit")


@check(
    "OBS-MISSING-LOGGING",
    category="observability",
    severity="high",
    title="Network, load balancer or API activity not logged",
)
def missing_logging(model: TerraformModel) -> list[Finding] | None:
    """A VPC has no flow log, a load balancer does not write access logs, a CloudTrail trail
    covers one region or does not validate its log files, or VPCs are built with no trail.

    Each `aws_vpc` instance needs an `aws_flow_log` whose `vpc_id` refers to it, in the VPC's
    region (flow logs on a subnet or an ENI do not cover the VPC). Application and network
    load balancers (`aws_lb`/`aws_alb`) need `access_logs { enabled = true }`; classic ELBs
    need an `access_logs` block that is not disabled; gateway load balancers have no access
    logs and are exempt. Every `aws_cloudtrail` needs `is_multi_region_trail = true` and
    `enable_log_file_validation = true`. A submission with VPCs and no `aws_cloudtrail` at all
    is reported once, on its first VPC (unless a module evalkit cannot read whose source is a
    CloudTrail or audit module may build one; a module's name never counts). Values evalkit
    cannot resolve are not failures, and a flow log for a VPC looked up by a data source may
    cover any VPC of its region.

    Why: flow logs, access logs and CloudTrail are the record an incident responder needs:
    who connected, who called which API, in every region; without them an intrusion leaves
    no trace.

    Fix:

        resource "aws_flow_log" "main" {
          vpc_id          = aws_vpc.main.id
          traffic_type    = "ALL"
          log_destination = aws_cloudwatch_log_group.flow.arn
          iam_role_arn    = aws_iam_role.flow.arn
        }

        resource "aws_lb" "web" {
          access_logs {
            bucket  = aws_s3_bucket.lb_logs.id
            enabled = true
          }
        }

        resource "aws_cloudtrail" "main" {
          s3_bucket_name             = aws_s3_bucket.trail.id
          is_multi_region_trail      = true
          enable_log_file_validation = true
        }
    """
    vpcs = list(model.resources("aws_vpc"))
    balancers = list(model.resources(*catalog.ALL_LOAD_BALANCERS))
    trails = list(model.resources("aws_cloudtrail"))
    if not vpcs and not balancers and not trails:
        return None
    findings: list[Finding] = []
    findings.extend(_vpcs_without_flow_logs(model, vpcs))
    for balancer in balancers:
        findings.extend(_without_access_logs(balancer))
    for trail in trails:
        findings.extend(_trail_gaps(trail))
    if vpcs and not trails and not _opaque_calls(model, TRAIL_MODULE):
        first = _first(vpcs)
        findings.append(
            resource_finding(
                first,
                f"{first.address}{where(first)} is built with no CloudTrail trail recording "
                "API activity; add an aws_cloudtrail with is_multi_region_trail = true and "
                "enable_log_file_validation = true.",
            )
        )
    return findings


def _vpcs_without_flow_logs(model: TerraformModel, vpcs: list[Resource]) -> Iterator[Finding]:
    covered: set[str] = set()
    elsewhere: dict[str, Resource] = {}
    blind_regions: set[str] = set()
    edges = aws_of(model).edges("flow_log_vpc")
    for flow_log in model.resources(*catalog.FLOW_LOGS):
        targets = {m for e in edges if e.source.resource is flow_log for m in e.mentions}
        for target in sorted(targets, key=lambda i: i.address):
            if same_region(flow_log, target.resource):
                covered.add(target.address)
            else:
                elsewhere.setdefault(target.address, flow_log)
        if not targets and _targets_unknown_vpc(flow_log):
            blind_regions.add(flow_log.region)
    for vpc in vpcs:
        if vpc.region in blind_regions or "" in blind_regions:
            continue  # a flow log for a VPC evalkit cannot identify may well be this one
        failing = [i.address for i in vpc.instances if i.address not in covered]
        for address in instance_addresses(vpc, failing) if failing else []:
            yield resource_finding(
                vpc, _flow_log_message(address, vpc, elsewhere.get(address)), address=address
            )


def _targets_unknown_vpc(flow_log: Resource) -> bool:
    """The flow log is for a VPC evalkit cannot name, one looked up by a data source or
    computed by an expression it cannot evaluate; a variable without a default or a registry
    module output names a VPC from outside, not one the submission builds."""
    value = flow_log.config.get("vpc_id")
    return isinstance(value, Unknown) and (
        _has_anonymous_unknown(value) or any(ref.startswith("data.") for ref in value.refs)
    )


def _flow_log_message(address: str, vpc: Resource, other_region: Resource | None) -> str:
    if other_region is not None:
        return (
            f"{address}{where(vpc)} has no flow log in its own region: "
            f"{other_region.address} refers to it from {other_region.location}; give the "
            "flow log the VPC's provider."
        )
    return (
        f"{address}{where(vpc)} has no VPC flow log; add an aws_flow_log with vpc_id = "
        f'{_within_module(vpc, address)}.id and traffic_type = "ALL".'
    )


def _without_access_logs(balancer: Resource) -> list[Finding]:
    def without_access_logs(instance: ResourceInstance) -> Iterator[Problem]:
        line = _access_logs_gap(balancer, instance)
        if line is not None:
            yield (
                instance.file,
                line,
                "does not write access logs; add access_logs "
                "{ bucket = <S3 bucket>, enabled = true }.",
            )

    return per_instance(balancer, without_access_logs)


def _access_logs_gap(balancer: Resource, instance: Body) -> int | None:
    """The line to report when this load balancer instance writes no access logs, else None."""
    if balancer.type != "aws_elb" and instance.get("load_balancer_type") == "gateway":
        return None
    blocks = instance.blocks("access_logs")
    if not blocks:
        return instance.line
    # Classic ELBs log by default once the block is there; ALBs and NLBs only when enabled.
    default = balancer.type == "aws_elb"
    for block in blocks:
        enabled = truth(block.get("enabled", default))
        if enabled is None or enabled:
            return None
    return blocks[0].line_of("enabled")


def _trail_gaps(trail: Resource) -> Iterator[Finding]:
    config = trail.config
    gaps = (
        ("is_multi_region_trail", "records API calls in its own region only"),
        ("enable_log_file_validation", "does not validate its log files"),
    )
    for attribute, problem in gaps:
        if truth(config.get(attribute)) is False:
            yield resource_finding(
                trail,
                f"{trail.address}{where(trail)} {problem}; set {attribute} = true.",
                line=config.line_of(attribute),
            )
