"""OBS-MISSING-MONITORING: Resources without alarms or application logs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from evalkit.aws import AwsLayer, aws_of, catalog, same_region
from evalkit.aws.zones import has_known_instances
from evalkit.checks._helpers import (
    resource_finding,
    where,
)
from evalkit.checks.observability._common import (
    METRIC_ALARM,
    _first,
    _local_address,
    _mentioned,
    _opaque_calls,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import (
    ModuleCall,
    Resource,
    ResourceInstance,
    TerraformModel,
)

LOG_GROUP = "aws_cloudwatch_log_group"


def _given_to(model: TerraformModel, calls: list[ModuleCall]) -> set[Resource]:
    """Resources that the arguments of `calls` are written from (through locals, inputs and
    module outputs): what an unreadable module is told about, so what it may act on."""
    wanted = {id(call) for call in calls}
    found: set[Resource] = set()
    for module in model.modules:
        for call in module.module_calls.values():
            if id(call) not in wanted:
                continue
            expressions = [attribute.expr for attribute in call.block.attributes.values()]
            for address in model.dependencies.resources_reached(expressions, module):
                resource = model.find_resource(address)
                if resource is not None:
                    found.add(resource)
    return found


# --- OBS-MISSING-MONITORING --------------------------------------------------------------------

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

# How an alarm names each monitored type in its dimensions ({r}: the resource), for messages.
ALARM_DIMENSION = {
    "aws_instance": "InstanceId = {r}.id",
    "aws_autoscaling_group": "AutoScalingGroupName = {r}.name",
    "aws_ecs_service": "ClusterName = <its cluster's name>, ServiceName = {r}.name",
    "aws_lambda_function": "FunctionName = {r}.function_name",
    "aws_eks_cluster": "ClusterName = {r}.name",
    "aws_ecs_express_gateway_service": (
        "ClusterName = <its cluster's name>, ServiceName = {r}.service_name"
    ),
    "aws_db_instance": "DBInstanceIdentifier = {r}.identifier",
    "aws_rds_cluster": "DBClusterIdentifier = {r}.cluster_identifier",
    "aws_dynamodb_table": "TableName = {r}.name",
    "aws_elasticache_replication_group": "CacheClusterId = tolist({r}.member_clusters)[0]",
    "aws_elasticache_cluster": "CacheClusterId = {r}.cluster_id",
    "aws_lb": "LoadBalancer = {r}.arn_suffix",
    "aws_alb": "LoadBalancer = {r}.arn_suffix",
    "aws_elb": "LoadBalancerName = {r}.name",
}
# (member kind of edge, parent kind of edge): a member whose parent is watched is watched.
# An ECS service runs in a watched cluster, compute registered in a watched target group.
MEMBER_LINKS = (
    ("service_cluster", ""),
    ("attachment_target_group", ""),
    ("attachment_target_group", "attachment_target"),
    ("attachment_target_group", "attachment_group"),
)
# Sources of unreadable modules that may create alarms, and ones that may create log groups.
MONITORING_MODULE = re.compile(r"(?i)monitor|alarm|alert|observab|cloudwatch")
LOGGING_MODULE = re.compile(r"(?i)monitor|observab|cloudwatch|log")
# Log groups that receive network or audit logs rather than what applications write.
AUDIT_LOG_GROUP_NAME = re.compile(
    r"(?i)flow[-_ ]?logs?|cloudtrail|/aws/rds/|/aws/route53|aws-waf-logs"
)


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
    monitored = [r for r in model.resources(*MONITORED_TYPES) if not _is_state_lock_table(r)]
    log_groups = list(model.resources(LOG_GROUP))
    if not monitored and not log_groups:
        return None
    findings: list[Finding] = []
    if monitored:
        # A registry CloudWatch module may watch what it is given, nothing else.
        given = _given_to(model, _opaque_calls(model, MONITORING_MODULE))
        watched = _watched_resources(model) | given
        for kind, types in MONITORED_KINDS.items():
            members = [r for r in monitored if r.type in types]
            if members and not any(r in watched for r in members):
                findings.extend(_unwatched(resource, kind) for resource in members)
        alarmed = [r for r in monitored if r not in given]
        findings.extend(_partly_watched(model, alarmed, watched))
    compute = [r for r in monitored if r.type in MONITORED_KINDS["compute"]]
    if (
        compute
        and not _has_application_log_group(model, log_groups)
        and not _opaque_calls(model, LOGGING_MODULE)
    ):
        first = _first(compute)
        findings.append(
            resource_finding(
                first,
                f"{first.address}{where(first)} runs application code, but no CloudWatch log "
                "group is declared for application logs; add an aws_cloudwatch_log_group with "
                "retention_in_days and send the application's logs to it.",
            )
        )
    for group in log_groups:
        findings.extend(_unbounded_retention(group))
    return findings


def _is_state_lock_table(resource: Resource) -> bool:
    """The DynamoDB table of Terraform's S3 backend: keyed on LockID, it holds no app data."""
    return resource.type == "aws_dynamodb_table" and resource.config.get("hash_key") == "LockID"


def _watched_resources(model: TerraformModel) -> set[Resource]:
    """Monitored resources that some metric alarm in their region watches."""
    layer = aws_of(model)
    watched: set[Resource] = set()
    for alarm in model.resources(METRIC_ALARM):
        targets = _mentioned(layer, [alarm], "alarm_watches")
        watched |= {target for target in targets if same_region(alarm, target)}
    watched |= _watched_through_links(layer, watched)
    return watched


def _watched_through_links(layer: AwsLayer, watched: set[Resource]) -> set[Resource]:
    """Monitored resources that an alarm watches through a related resource: the Aurora
    cluster of a watched member instance, the ECS services of a watched cluster, and the
    compute registered in a watched target group (its healthy-host alarm watches them)."""
    members = [r for r in watched if r.type in catalog.AURORA_MEMBERS]
    found = _mentioned(layer, members, "cluster_member")
    for link, member_link in MEMBER_LINKS:
        linked = {e.source.resource for e in layer.edges(link) if _any_in(e.mentions, watched)}
        if not member_link:
            found |= linked
        else:
            found |= _mentioned(layer, linked, member_link)
    return found


def _partly_watched(
    model: TerraformModel, monitored: list[Resource], watched: set[Resource]
) -> Iterator[Finding]:
    """Instances of a `count`/`for_each` resource left out by the alarms that watch some of
    its other instances: an alarm naming ``aws_instance.web[0].id`` watches web[0] only, one
    whose `for_each` filters out a key leaves that instance unwatched."""
    layer = aws_of(model)
    named: dict[Resource, set[str]] = {}
    for edge in layer.edges("alarm_watches"):
        for mention in edge.mentions:
            if same_region(edge.source.resource, mention.resource):
                named.setdefault(mention.resource, set()).add(mention.address)
    # Watched through a cluster, a target group or a member: every instance is watched.
    linked = _watched_through_links(layer, set(named))
    for resource in monitored:
        addresses = named.get(resource)
        if (
            not addresses
            or resource not in watched
            or resource in linked
            or not resource.is_expanded
            or not has_known_instances(resource)
        ):
            continue
        missing = [i.address for i in resource.instances if i.address not in addresses]
        if missing:
            yield from _unwatched_instances(resource, missing, sorted(addresses))


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


def _any_in(instances: Iterable[ResourceInstance], resources: set[Resource]) -> bool:
    return any(instance.resource in resources for instance in instances)


def _unwatched(resource: Resource, kind: str) -> Finding:
    dimensions = ALARM_DIMENSION[resource.type].format(r=_local_address(resource))
    return resource_finding(
        resource,
        f"{resource.address}{where(resource)} has no CloudWatch metric alarm watching it, and "
        f"no other {kind} has one either; add an aws_cloudwatch_metric_alarm in its region with "
        f"dimensions = {{ {dimensions} }}.",
    )


def _has_application_log_group(model: TerraformModel, log_groups: list[Resource]) -> bool:
    return any(not _is_audit_log_group(model, group) for group in log_groups)


def _is_audit_log_group(model: TerraformModel, group: Resource) -> bool:
    if aws_of(model).mentioning(group, "log_destination"):
        return True
    name = group.config.get("name")
    return isinstance(name, str) and bool(AUDIT_LOG_GROUP_NAME.search(name))


def _unbounded_retention(group: Resource) -> Iterator[Finding]:
    config = group.config
    if not config.has("retention_in_days"):
        yield resource_finding(
            group,
            f"{group.address}{where(group)} keeps its logs forever (no "
            "retention_in_days); set retention_in_days, e.g. 30 or 90.",
        )
        return
    days = config.get("retention_in_days")
    if days == 0 or days is None:
        yield resource_finding(
            group,
            f"{group.address}{where(group)} sets retention_in_days to "
            f"{'0' if days == 0 else 'null'}, which keeps logs forever; set a retention period "
            "such as 30 or 90 days.",
            line=config.line_of("retention_in_days"),
        )
