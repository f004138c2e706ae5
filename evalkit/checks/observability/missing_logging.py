"""OBS-MISSING-LOGGING: Network, load balancer or API activity not logged."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import catalog
from evalkit.aws.monitoring import FlowLogs, may_build_trail, writes_access_logs
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    per_instance,
    resource_finding,
    truth,
    where,
)
from evalkit.checks.observability._common import _first
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel

TRAIL_GAPS = (
    ("is_multi_region_trail", "records API calls in its own region only"),
    ("enable_log_file_validation", "does not validate its log files"),
)


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
    flow_logs = FlowLogs(model)
    findings: list[Finding] = []
    for vpc in vpcs:
        findings.extend(_without_flow_log(flow_logs, vpc))
    for balancer in balancers:
        findings.extend(per_instance(balancer, _without_access_logs))
    for trail in trails:
        findings.extend(
            resource_finding(
                trail,
                f"{trail.address}{where(trail)} {problem}; set {attribute} = true.",
                line=trail.config.line_of(attribute),
            )
            for attribute, problem in TRAIL_GAPS
            if truth(trail.config.get(attribute)) is False
        )
    if vpcs and not trails and not may_build_trail(model):
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


def _without_flow_log(flow_logs: FlowLogs, vpc: Resource) -> Iterator[Finding]:
    if flow_logs.may_cover_any(vpc):
        return
    failing = [i.address for i in vpc.instances if not flow_logs.covers(i.address)]
    for address in instance_addresses(vpc, failing) if failing else []:
        other_region = flow_logs.from_other_region(address)
        if other_region is not None:
            message = (
                f"{address}{where(vpc)} has no flow log in its own region: "
                f"{other_region.address} refers to it from {other_region.location}; give the "
                "flow log the VPC's provider."
            )
        else:
            local = address.removeprefix(f"{vpc.context.address}." if vpc.context.address else "")
            message = (
                f"{address}{where(vpc)} has no VPC flow log; add an aws_flow_log with vpc_id = "
                f'{local}.id and traffic_type = "ALL".'
            )
        yield resource_finding(vpc, message, address=address)


def _without_access_logs(balancer: ResourceInstance) -> Iterator[Problem]:
    if writes_access_logs(balancer) is False:
        blocks = balancer.blocks("access_logs")
        yield (
            balancer.file,
            blocks[0].line_of("enabled") if blocks else balancer.line,
            "does not write access logs; add access_logs { bucket = <S3 bucket>, enabled = true }.",
        )
