"""OBS-MISSING-MONITORING: Resources without alarms or application logs."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import catalog
from evalkit.aws.monitoring import (
    ALARM_DIMENSION,
    LOG_GROUP,
    Monitoring,
    is_state_lock_table,
    keeps_logs_forever,
)
from evalkit.checks._helpers import resource_finding, where
from evalkit.checks.observability._common import _first, _local_address
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, TerraformModel

MONITORED_KINDS: dict[str, tuple[str, ...]] = {
    "compute": catalog.COMPUTE,
    "database": (
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_dynamodb_table",
        "aws_elasticache_replication_group",
        "aws_elasticache_cluster",
    ),
    "load balancer": catalog.ALL_LOAD_BALANCERS,
}
MONITORED_TYPES = tuple(t for types in MONITORED_KINDS.values() for t in types)


@check(
    "OBS-MISSING-MONITORING",
    category="observability",
    severity="high",
    title="Resources without alarms or application logs",
)
def missing_monitoring(model: TerraformModel) -> list[Finding] | None:
    """Compute, databases or load balancers run with no CloudWatch alarm watching them, there
    is no log group for application logs, or a log group keeps its logs forever.

    Resources are grouped in three kinds: compute (EC2 instances, Auto Scaling groups, ECS
    services and Express services, Lambda functions, EKS clusters), databases (RDS instances
    and clusters, DynamoDB tables, ElastiCache replication groups and clusters) and load
    balancers. A kind fails when none of its
    resources is watched by an `aws_cloudwatch_metric_alarm` in the same region, found by
    following the alarm's `dimensions` (and `metric_query` metrics) to the resources they name,
    by reference or by the resource's configured name; each of its resources is reported.
    An alarm on an Aurora member instance, an ECS cluster or a target group also watches the
    Aurora cluster, the cluster's services and the compute registered in the group.
    Coverage is per instance within a `count`/`for_each` resource: an alarm naming
    `aws_instance.web[0].id` watches web[0] only, and an alarm whose `for_each` filters out
    some keys leaves those instances unwatched, each reported when the alarms watch others
    of the same resource; an alarm with `count = length(aws_instance.web)` indexed by
    `count.index` watches all of them, and one whose instances cannot be known watches all.
    Terraform state lock tables (DynamoDB keyed on `LockID`) are not databases here.
    Compute with no `aws_cloudwatch_log_group` other than flow-log or CloudTrail groups fails,
    and so does each log group without `retention_in_days` (or with 0, never expire). Alarm
    dimensions evalkit cannot resolve watch nothing. A module's name or label never counts:
    a local module is read for what it builds, and a module evalkit cannot read (registry,
    git or URL, or a local directory the submission lacks) whose source is a CloudWatch or
    monitoring module may watch the resources its arguments are written from (nothing
    else), and one whose source is a logging module may hold the application log group.

    Why: without alarms an outage, a full disk or a throttled table is noticed by users first;
    without application logs it cannot be diagnosed; logs kept forever cost money and hold
    personal data longer than needed.

    Fix: give every tier at least one alarm on its key metric, in the resource's region, and
    send application logs to a log group with a retention period.

        resource "aws_cloudwatch_metric_alarm" "db_cpu" {
          namespace   = "AWS/RDS"
          metric_name = "CPUUtilization"
          dimensions  = { DBInstanceIdentifier = aws_db_instance.main.identifier }
          # ... threshold, period, alarm_actions
        }

        resource "aws_cloudwatch_log_group" "app" {
          name              = "/app/web"
          retention_in_days = 30
        }
    """
    monitored = [r for r in model.resources(*MONITORED_TYPES) if not is_state_lock_table(r)]
    log_groups = list(model.resources(LOG_GROUP))
    if not monitored and not log_groups:
        return None
    monitoring = Monitoring(model)
    findings: list[Finding] = []
    for kind, types in MONITORED_KINDS.items():
        members = [r for r in monitored if r.type in types]
        if members and not any(monitoring.is_watched(r) for r in members):
            findings.extend(_unwatched(resource, kind) for resource in members)
    for resource in monitored:
        findings.extend(_unwatched_instances(resource, *monitoring.unwatched_instances(resource)))
    compute = [r for r in monitored if r.type in MONITORED_KINDS["compute"]]
    if compute and monitoring.has_application_log_group() is False:
        first = _first(compute)
        findings.append(
            resource_finding(
                first,
                f"{first.address}{where(first)} runs application code, but no CloudWatch log "
                "group is declared for application logs; add an aws_cloudwatch_log_group with "
                "retention_in_days and send the application's logs to it.",
            )
        )
    findings.extend(_unbounded_retention(g) for g in log_groups if keeps_logs_forever(g))
    return findings


def _unwatched(resource: Resource, kind: str) -> Finding:
    dimensions = ALARM_DIMENSION[resource.type].format(r=_local_address(resource))
    return resource_finding(
        resource,
        f"{resource.address}{where(resource)} has no CloudWatch metric alarm watching it, and "
        f"no other {kind} has one either; add an aws_cloudwatch_metric_alarm in its region with "
        f"dimensions = {{ {dimensions} }}.",
    )


def _unwatched_instances(
    resource: Resource, missing: list[str], covered: list[str]
) -> Iterator[Finding]:
    local = _local_address(resource)
    if "count" in resource.block.attributes:
        repeat = f"count = length({local})"
        dimensions = ALARM_DIMENSION[resource.type].format(r=f"{local}[count.index]")
    else:
        repeat = f"for_each = {local}"
        dimensions = ALARM_DIMENSION[resource.type].format(r="each.value")
    for address in missing:
        yield resource_finding(
            resource,
            f"{address}{where(resource)} has no CloudWatch metric alarm watching it: the "
            f"alarms on {local} name only {', '.join(covered)}; give every instance its own "
            f"alarm ({repeat}, dimensions = {{ {dimensions} }}).",
            address=address,
        )


def _unbounded_retention(group: Resource) -> Finding:
    if not group.config.has("retention_in_days"):
        return resource_finding(
            group,
            f"{group.address}{where(group)} keeps its logs forever (no "
            "retention_in_days); set retention_in_days, e.g. 30 or 90.",
        )
    days = group.config.get("retention_in_days")
    return resource_finding(
        group,
        f"{group.address}{where(group)} sets retention_in_days to "
        f"{'0' if days == 0 else 'null'}, which keeps logs forever; set a retention period "
        "such as 30 or 90 days.",
        line=group.config.line_of("retention_in_days"),
    )
