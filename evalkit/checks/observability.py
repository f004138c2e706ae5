"""Observability checks: metric alarms and log groups, flow/access/API logging, alerting."""

from __future__ import annotations

import base64
import fnmatch
import re
from collections.abc import Iterable, Iterator
from typing import Any

from lark import Tree

from evalkit.aws import AwsLayer, aws_of, catalog, same_region
from evalkit.aws.links import addresses_behind, mentioned, resolved
from evalkit.aws.zones import has_known_instances
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
from evalkit.terraform.model import (
    Body,
    ModuleCall,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.terraform.policy import PolicyStatement, policy_documents
from evalkit.terraform.references import iter_references
from evalkit.terraform.values import (
    Unknown,
    iter_known_strings,
    known_text,
    walk_values,
)

METRIC_ALARM = "aws_cloudwatch_metric_alarm"
COMPOSITE_ALARM = "aws_cloudwatch_composite_alarm"
LOG_GROUP = "aws_cloudwatch_log_group"
SNS_TOPIC = "aws_sns_topic"


# --- what the AWS layer says ------------------------------------------------------------------


def _mentioned(layer: AwsLayer, sources: Iterable[Resource], kind: str) -> set[Resource]:
    """Resources that `kind` edges from `sources` may point at (read widely)."""
    wanted = set(sources)
    return {
        mention.resource
        for edge in layer.edges(kind)
        if edge.source.resource in wanted
        for mention in edge.mentions
    }


def _has_anonymous_unknown(value: Any) -> bool:
    """True when `value` holds an unknown that remembers no reference (an `each`/`count`)."""
    return any(isinstance(item, Unknown) and not item.refs for item in walk_values(value))


def _opaque_calls(model: TerraformModel, pattern: re.Pattern[str]) -> list[ModuleCall]:
    """Calls of modules whose code evalkit cannot read (registry, git or URL sources, or a
    local directory the submission lacks) and whose source address matches `pattern`: the
    source names the code (terraform-aws-modules/cloudwatch creates CloudWatch resources),
    so what they create may be what a check looks for.

    A module's name or label never tells what it creates: ``module "monitoring"`` may hold
    anything, and a local module is read for what it builds."""
    return [
        call
        for module in model.modules
        for call in module.module_calls.values()
        if call.child is None and pattern.search(_module_code(call.source))
    ]


def _module_code(source: str) -> str:
    """The part of a source address that names the code: its sub-directory when it has one
    (``terraform-aws-modules/cloudwatch/aws//modules/metric-alarm`` creates alarms, not log
    groups), else the whole address."""
    address = re.sub(r"^[A-Za-z0-9+.-]+::", "", source)
    address = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", address)
    _, separator, subdirectory = address.partition("//")
    return subdirectory.split("?", 1)[0] if separator and subdirectory else source


def _given_to(model: TerraformModel, calls: list[ModuleCall]) -> set[Resource]:
    """Resources that the arguments of `calls` are written from (through locals, inputs and
    module outputs): what an unreadable module is told about, so what it may act on."""
    wanted = {id(call) for call in calls}
    found: set[Resource] = set()
    for module in model.modules:
        for call in module.module_calls.values():
            if id(call) not in wanted:
                continue
            for attribute in call.block.attributes.values():
                for address in addresses_behind(attribute.expr, module):
                    resource = model.find_resource(address)
                    if resource is not None:
                        found.add(resource)
    return found


def _first(resources: Iterable[Resource]) -> Resource:
    return min(resources, key=lambda r: (r.file, r.line, r.address))


def _local_address(resource: Resource) -> str:
    return f"{resource.type}.{resource.name}"


def _within_module(resource: Resource, address: str) -> str:
    """An instance address as the resource's own module writes it (no ``module.x.`` prefix)."""
    prefix = f"{resource.context.address}." if resource.context.address else ""
    return address.removeprefix(prefix)


# --- OBS-MISSING-MONITORING --------------------------------------------------------------------

MONITORED_KINDS: dict[str, tuple[str, ...]] = {
    "compute": (
        "aws_instance",
        "aws_autoscaling_group",
        "aws_ecs_service",
        "aws_lambda_function",
        "aws_eks_cluster",
        "aws_ecs_express_gateway_service",
    ),
    "database": (
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_dynamodb_table",
        "aws_elasticache_replication_group",
        "aws_elasticache_cluster",
    ),
    "load balancer": ("aws_lb", "aws_alb", "aws_elb"),
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


# --- OBS-NO-ALERTING ---------------------------------------------------------------------------

ALARM_TYPES = (METRIC_ALARM, COMPOSITE_ALARM)
ALARM_ACTION_ATTRIBUTES = ("alarm_actions", "ok_actions", "insufficient_data_actions")
ALERT_NAME = re.compile(r"(?i)alert|alarm|notif")
# Besides topic subscriptions, AWS Chatbot channels subscribe themselves to the topics they name.
TOPIC_SUBSCRIBERS: dict[str, str] = {
    "aws_sns_topic_subscription": "topic_arn",
    "aws_chatbot_slack_channel_configuration": "sns_topic_arns",
    "aws_chatbot_teams_channel_configuration": "sns_topic_arns",
}
ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d+):")


@check(
    "OBS-NO-ALERTING",
    category="observability",
    severity="medium",
    title="Alarms that notify nobody",
)
def no_alerting(model: TerraformModel) -> list[Finding] | None:
    """A CloudWatch alarm has no `alarm_actions`, or an SNS topic for alerts has no subscriber.

    Metric and composite alarms fail when `alarm_actions` is missing or empty, when
    `actions_enabled = false`, or when every action is an SNS topic in another region (an
    alarm can only notify a topic in its own region). An SNS topic is for alerts when an
    alarm's actions refer to it or its name, label or tags say alert, alarm or notification;
    it fails when no `aws_sns_topic_subscription` (or AWS Chatbot channel) refers to it. A
    subscription whose `count`/`for_each` depends on a variable (an optional on-call address)
    counts even when the defaults create none. Actions evalkit cannot resolve are not failures.
    An alarm that an `aws_fis_experiment_template` uses as a stop condition (`source =
    "aws:cloudwatch:alarm"`, by reference or by its ARN) is acted upon: FIS halts the
    experiment when it fires, so it needs no actions of its own.

    Why: an alarm that notifies nobody changes state in a console no one watches; the outage
    is still found by users.

    Fix: point every alarm at an SNS topic in its region, and subscribe someone to the topic.

        resource "aws_cloudwatch_metric_alarm" "db_cpu" {
          alarm_actions = [aws_sns_topic.alerts.arn]
          ok_actions    = [aws_sns_topic.alerts.arn]
        }

        resource "aws_sns_topic_subscription" "oncall" {
          topic_arn = aws_sns_topic.alerts.arn
          protocol  = "email"
          endpoint  = var.oncall_email
        }
    """
    alarms = list(model.resources(*ALARM_TYPES))
    notified = _topics_notified_by_alarms(model, alarms)
    topics = [t for t in model.resources(SNS_TOPIC) if _is_alert_topic(t, notified)]
    if not alarms and not topics:
        return None
    findings: list[Finding] = []
    stopping = _experiment_stop_alarms(model)
    for alarm in alarms:
        findings.extend(_silent_alarm(model, alarm, stopping))
    subscribed = _subscribed_topics(model)
    for topic in topics:
        failing = [i.address for i in topic.instances if i.address not in subscribed]
        for address in instance_addresses(topic, failing) if failing else []:
            findings.append(
                resource_finding(
                    topic,
                    f"{address}{where(topic)} is meant for alerts but nothing subscribes to "
                    f"it; add an aws_sns_topic_subscription with topic_arn = "
                    f"{_local_address(topic)}.arn (email, SMS, chat or an incident tool).",
                    address=address,
                )
            )
    return findings


def _experiment_stop_alarms(model: TerraformModel) -> set[str]:
    """Addresses of the alarm instances that a FIS experiment template watches to stop the
    experiment."""
    found: set[str] = set()
    for template in model.resources("aws_fis_experiment_template"):
        for instance in template.instances:
            for stop in instance.blocks("stop_condition"):
                if stop.get("source") != "aws:cloudwatch:alarm":
                    continue
                found.update(
                    alarm.address
                    for alarm in mentioned(model, template, stop, "value", ALARM_TYPES)
                )
                value = stop.get("value")
                if isinstance(value, str) and ":alarm:" in value:
                    name = value.rpartition(":alarm:")[2]
                    found.update(
                        alarm.address
                        for resource in model.resources(*ALARM_TYPES)
                        for alarm in resource.instances
                        if alarm.get("alarm_name") == name
                    )
    return found


def _topics_notified_by_alarms(model: TerraformModel, alarms: list[Resource]) -> set[Resource]:
    return _mentioned(aws_of(model), alarms, "alarm_action_topic")


def _is_alert_topic(topic: Resource, notified: set[Resource]) -> bool:
    if topic in notified or ALERT_NAME.search(topic.name):
        return True
    config = topic.config
    names = [
        config.get("name"),
        config.get("name_prefix"),
        config.get("display_name"),
        config.get("tags"),
    ]
    return any(ALERT_NAME.search(text) for text in iter_known_strings(names))


def _silent_alarm(model: TerraformModel, alarm: Resource, stopping: set[str]) -> list[Finding]:
    def silent(instance: ResourceInstance) -> Iterator[Problem]:
        if instance.address in stopping:
            return  # FIS acts on it
        problem = _alarm_silence(model, alarm, instance)
        if problem is not None:
            yield instance.file, problem[0], problem[1]

    return per_instance(alarm, silent)


def _alarm_silence(
    model: TerraformModel, alarm: Resource, instance: Body
) -> tuple[int, str] | None:
    """The line and message when this alarm instance notifies nobody, else None."""
    if truth(instance.get("actions_enabled", True)) is False:
        return instance.line_of("actions_enabled"), (
            "has actions_enabled = false, so it notifies nobody; remove it or set it to true."
        )
    if not instance.has("alarm_actions"):
        return instance.line, (
            "has no alarm_actions, so it notifies nobody; add alarm_actions = "
            "[aws_sns_topic.<alerts>.arn] with a topic in the same region."
        )
    actions = instance.get("alarm_actions")
    if isinstance(actions, Unknown):
        return None
    listed = actions if isinstance(actions, list) else [actions]
    entries = [action for action in listed if action not in (None, "")]
    if not entries:
        return instance.line_of("alarm_actions"), (
            "has an empty alarm_actions list, so it notifies nobody; add an SNS topic in the "
            "same region."
        )
    regions = [_action_region(model, action) for action in entries]
    if alarm.region and all(region and region != alarm.region for region in regions):
        elsewhere = ", ".join(sorted(set(regions)))
        return instance.line_of("alarm_actions"), (
            f"sends its alarm actions to a topic in {elsewhere}, but an alarm can only notify "
            "an SNS topic in its own region; use a topic created with the alarm's provider."
        )
    return None


def _action_region(model: TerraformModel, action: Any) -> str:
    """The region of an alarm action (an SNS topic or ARN) when known, else ""."""
    if isinstance(action, str):
        match = ARN_REGION.match(action)
        return match.group(1) if match else ""
    topics = resolved(model, action, catalog.TOPICS)
    regions = {topic.resource.region for topic in topics or ()}
    return regions.pop() if len(regions) == 1 else ""


def _subscribed_topics(model: TerraformModel) -> set[str]:
    """Addresses of topic instances that a subscription or chat channel refers to."""
    subscribed = {m.address for e in aws_of(model).edges("subscription_topic") for m in e.mentions}
    topic_names = _topic_names(model)
    for resource_type, attribute in TOPIC_SUBSCRIBERS.items():
        for subscriber in model.resources(resource_type):
            instances = _declared_instances(subscriber)
            if instances and not subscriber.instances:
                found = mentioned(model, subscriber, instances[0], attribute, catalog.TOPICS)
                subscribed |= {topic.address for topic in found}
            for instance in instances:
                for arn in iter_known_strings(instance.get(attribute)):
                    subscribed |= {
                        address for address, name in topic_names if arn.endswith(f":{name}")
                    }
    return subscribed


def _declared_instances(subscriber: Resource) -> list[Body]:
    """A subscriber's instances; its configuration when its `count`/`for_each` leaves it out
    under the defaults of variables: an endpoint such as an on-call email address can only
    come from whoever deploys, so a subscription made optional on it still counts."""
    if subscriber.instances:
        return list(subscriber.instances)
    meta = [
        subscriber.block.attributes[m]
        for m in ("count", "for_each")
        if m in subscriber.block.attributes
    ]
    written = {r.root for a in meta for r in iter_references(a.expr)}
    return [subscriber.config] if "var" in written else []


def _topic_names(model: TerraformModel) -> list[tuple[str, str]]:
    """(instance address, name) of every SNS topic whose name is known."""
    return [
        (instance.address, name)
        for topic in model.resources(SNS_TOPIC)
        for instance in topic.instances
        if isinstance(name := instance.get("name"), str) and name
    ]


# --- OBS-NO-CLOUDWATCH-AGENT -------------------------------------------------------------------

EC2_LAUNCHERS = ("aws_instance", "aws_launch_template", "aws_launch_configuration")
# How the agent shows up in a boot script or an SSM document: its package, service and
# control script names, and the SSM package and document that install and run it.
AGENT_TEXT = re.compile(
    r"amazon-cloudwatch-agent|AmazonCloudWatchAgent|AmazonCloudWatch-ManageAgent", re.IGNORECASE
)
AGENT_MANAGED_POLICIES = re.compile(r"CloudWatchAgent(?:Server|Admin)Policy$")
INSTALL_DOCUMENT = "AWS-ConfigureAWSPackage"
MANAGE_DOCUMENT = "AmazonCloudWatch-ManageAgent"
PUBLISH_ACTION = "cloudwatch:putmetricdata"
# Module calls evalkit cannot read that may install or configure the agent.
AGENT_MODULE = re.compile(r"cloudwatch|cwagent|ssm", re.IGNORECASE)
BASE64_WRAPPERS = frozenset({"base64encode", "base64gzip"})
NOT_INSTALLED = (
    "no amazon-cloudwatch-agent in user_data, no SSM association installing "
    "AmazonCloudWatchAgent on it"
)
# The EKS add-on that runs the agent on every node (Container Insights).
AGENT_ADDON = "amazon-cloudwatch-observability"
AGENT_CHART = re.compile(r"cloudwatch", re.IGNORECASE)
EKS_INSTALL = (
    f"install it (the {AGENT_ADDON} EKS add-on, amazon-cloudwatch-agent in user_data, or an "
    "SSM association)"
)
# Resources that attach managed policies to a role: (type, role attribute, policy attribute).
ROLE_ATTACHMENTS = (
    ("aws_iam_role_policy_attachment", "role", "policy_arn"),
    ("aws_iam_policy_attachment", "roles", "policy_arn"),
    ("aws_iam_role_policy_attachments_exclusive", "role_name", "policy_arns"),
)


@check(
    "OBS-NO-CLOUDWATCH-AGENT",
    category="observability",
    severity="medium",
    title="EC2 without the CloudWatch agent",
)
def no_cloudwatch_agent(model: TerraformModel) -> list[Finding] | None:
    """EC2 instances, launch templates or launch configurations run without a CloudWatch
    agent that can publish.

    Two things are needed, and each is looked for:
    - the agent is installed: the boot script (`user_data`, `user_data_base64`, base64 or
      not; an instance launched from a template in the submission uses the template's) names
      `amazon-cloudwatch-agent`, or an `aws_ssm_association` in the same region runs
      `AWS-ConfigureAWSPackage` with the `AmazonCloudWatchAgent` package,
      `AmazonCloudWatch-ManageAgent`, or a document of the submission that installs it, and
      targets the instance (`InstanceIds` naming it or `*`, or a `tag:` / `tag-key` target
      its tags or the provider's `default_tags` match);
    - the agent may publish: the instance profile's role has `CloudWatchAgentServerPolicy`
      (or `CloudWatchAgentAdminPolicy`) attached (`aws_iam_role_policy_attachment`,
      `aws_iam_policy_attachment`, `managed_policy_arns`), or a policy of its own (inline,
      `aws_iam_role_policy`, an attached `aws_iam_policy`) allows `cloudwatch:PutMetricData`.
    A launch template used by an `aws_eks_node_group` is judged as the node group runs it:
    its nodes get the node group's `node_role_arn` role (EKS rejects an instance profile in
    the template), so the permission is that role's (not judged when the role is defined
    elsewhere, or when the add-on below publishes with a role of its own), and the
    `amazon-cloudwatch-observability` EKS add-on on the node group's cluster, or a Helm
    release of a CloudWatch agent chart, installs the agent. An instance profile the
    provider names from a `name_prefix` (its `name` left null) is an instance profile.
    It fails when either is known to be missing, and the message says which: an agent that
    is installed but has no permission (no instance profile, or a role without the policy)
    sends nothing, and a permission with no agent is unused. Unknowns never fail: a boot
    script read from a file (`file()`, `templatefile()`) or a variable, an instance profile
    or role defined outside the submission, or a policy evalkit cannot read leave that half
    unknown, and only a half known to be missing fails; so does a module evalkit cannot read
    whose source is a CloudWatch agent or SSM module (a module's name never counts). Instances
    that `count = 0` removes
    are not judged. n/a without instances, launch templates or launch configurations.

    Why: EC2's own metrics stop at the hypervisor: without the agent there is no memory,
    disk-space or process metric and no application or system log in CloudWatch, so the
    commonest outages (a full disk, a memory leak) go unseen by alarms.

    Fix: install the agent at boot and let the instance role publish.

        resource "aws_iam_role_policy_attachment" "cw_agent" {
          role       = aws_iam_role.app.name
          policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
        }

        resource "aws_launch_template" "app" {
          iam_instance_profile { name = aws_iam_instance_profile.app.name }
          user_data = base64encode(<<-EOT
            #!/bin/bash
            dnf install -y amazon-cloudwatch-agent
            /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl \\
              -a fetch-config -m ec2 -s -c ssm:${aws_ssm_parameter.cw_config.name}
          EOT
          )
        }
    """
    subjects = [r for r in model.resources(*EC2_LAUNCHERS) if r.instances]
    if not subjects:
        return None
    agent = _AgentEvidence(model)
    findings: list[Finding] = []
    for resource in subjects:
        findings.extend(per_instance(resource, agent.problems))
    return findings


class _AgentEvidence:
    """What the submission shows about the agent, asked one launcher instance at a time."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.associations = [
            instance
            for resource in model.resources("aws_ssm_association")
            for instance in resource.instances
        ]
        self.statements = _identity_statements(model)
        self.opaque_agent_module = bool(_opaque_calls(model, AGENT_MODULE))
        self.node_groups = _node_groups_by_template(model)
        self.addons = [
            instance
            for resource in model.resources("aws_eks_addon")
            for instance in resource.instances
            if instance.get("addon_name") == AGENT_ADDON
        ]
        # A Helm chart that runs the agent on the cluster's nodes (its DaemonSet).
        self.agent_chart = any(
            AGENT_CHART.search(known_text(instance.get(name)))
            for resource in model.resources("helm_release")
            for instance in resource.instances
            for name in ("chart", "name")
        )

    def problems(self, instance: ResourceInstance) -> Iterator[Problem]:
        node_groups = self.node_groups.get(instance.address, [])
        if node_groups:
            yield from self.node_group_problems(instance, node_groups)
            return
        template = _launch_template_of(self.model, instance)
        installed = self.installed(instance, template)
        permission = self.permission(instance, template)
        if installed is not False and permission is not False:
            return
        gap = _permission_gap(instance, template)
        install = "install it (amazon-cloudwatch-agent in user_data, or an SSM association)"
        allow = (
            "attach CloudWatchAgentServerPolicy to the instance profile's role"
            if _profile_value(instance, template) is not None
            else "give it an instance profile whose role has CloudWatchAgentServerPolicy"
        )
        yield _agent_problem(instance, installed, permission, gap, install, allow)

    def node_group_problems(
        self, template: ResourceInstance, node_groups: list[ResourceInstance]
    ) -> Iterator[Problem]:
        """A launch template of EKS managed node groups: its nodes get the node group's
        `node_role_arn` role (EKS rejects an instance profile in the template), and the agent
        may run as the EKS add-on."""
        installed = self.installed(template, None)
        if self.agent_chart or _any_true([self.addon_installs(g) for g in node_groups]):
            installed = True
        roles = [_linked(self.model, g.get("node_role_arn"), "aws_iam_role") for g in node_groups]
        if any(found is None for found in roles):
            permission: bool | None = None  # a node role defined elsewhere
        else:
            permission = _any_true([self.role_permits(r) for found in roles for r in found or ()])
        if permission is False and self.addon_has_own_role(node_groups):
            permission = None  # the add-on's service account may publish with its own role
        if installed is not False and permission is not False:
            return
        names = ", ".join(dict.fromkeys(r.resource.address for found in roles for r in found or ()))
        gap = (
            f"runs nodes with the node role {names}, which lacks CloudWatchAgentServerPolicy "
            "(or any grant of cloudwatch:PutMetricData), so an agent could not publish"
        )
        allow = f"attach CloudWatchAgentServerPolicy to {names}"
        missing = f"{NOT_INSTALLED}, no {AGENT_ADDON} add-on on its cluster"
        yield _agent_problem(template, installed, permission, gap, EKS_INSTALL, allow, missing)

    def addon_installs(self, node_group: ResourceInstance) -> bool | None:
        """The node group's cluster runs the CloudWatch observability add-on."""
        found: bool | None = False
        for addon in self.addons:
            linked = _same_cluster(self.model, addon.get("cluster_name"), node_group)
            if linked is True:
                return True
            if linked is None:
                found = None
        return found

    def addon_has_own_role(self, node_groups: list[ResourceInstance]) -> bool:
        return any(
            addon.get("service_account_role_arn") is not None
            or addon.blocks("pod_identity_association")
            for addon in self.addons
            if any(_same_cluster(self.model, addon.get("cluster_name"), g) for g in node_groups)
        )

    # -- installed -------------------------------------------------------------------------

    def installed(
        self, instance: ResourceInstance, template: ResourceInstance | None
    ) -> bool | None:
        script = _boot_script_evidence(instance)
        if script is False and template is not None:
            script = _boot_script_evidence(template)
        elif script is False and _launches_from_unknown_template(instance):
            script = None
        if script is True:
            return True
        by_ssm = self.installed_by_ssm(instance)
        if by_ssm is True:
            return True
        if template is not None and self.installed_by_ssm(template) is True:
            return True
        if self.opaque_agent_module:
            return None
        return False if script is False and by_ssm is False else None

    def installed_by_ssm(self, subject: ResourceInstance) -> bool | None:
        found: bool | None = False
        for association in self.associations:
            if not same_region(association.resource, subject.resource):
                continue
            installs = _association_installs_agent(self.model, association)
            if installs is False:
                continue
            reaches = _association_targets(self.model, association, subject)
            if installs and reaches:
                return True
            if reaches is not False:
                found = None
        return found

    # -- allowed to publish ---------------------------------------------------------------

    def permission(
        self, instance: ResourceInstance, template: ResourceInstance | None
    ) -> bool | None:
        profile_value = _profile_value(instance, template)
        if profile_value is None:
            return None if _launches_from_unknown_template(instance) and template is None else False
        profiles = _linked(self.model, profile_value, "aws_iam_instance_profile")
        if profiles is None:
            return None
        return _any_true([self.profile_permits(profile) for profile in profiles])

    def profile_permits(self, profile: ResourceInstance) -> bool | None:
        if not profile.has("role"):
            return False
        roles = _linked(self.model, profile.get("role"), "aws_iam_role")
        if roles is None:
            return None
        return _any_true([self.role_permits(role) for role in roles])

    def role_permits(self, role: ResourceInstance) -> bool | None:
        answers: list[bool | None] = [
            _managed_arns_permit(self.model, role.get("managed_policy_arns"), self.statements),
            _statements_permit(self.statements.get(("inline_policy", role.address))),
        ]
        for policy in self.model.resources("aws_iam_role_policy"):
            for item in policy.instances:
                if _points_at(self.model, item.get("role"), role) is not False:
                    answers.append(
                        _statements_permit(self.statements.get(("policy", item.address)), item)
                    )
        for kind, role_field, arn_field in ROLE_ATTACHMENTS:
            for attachment in self.model.resources(kind):
                for item in attachment.instances:
                    linked = _points_at(self.model, item.get(role_field), role)
                    if linked is False:
                        continue
                    permits = _managed_arns_permit(self.model, item.get(arn_field), self.statements)
                    answers.append(None if linked is None and permits else permits)
        return _any_true(answers)


def _agent_problem(
    instance: ResourceInstance,
    installed: bool | None,
    permission: bool | None,
    gap: str,
    install: str,
    allow: str,
    missing: str = NOT_INSTALLED,
) -> Problem:
    """The finding's text: what is missing (the agent, the permission or both) and the fix."""
    if installed is False and permission is False:
        text = f"runs no CloudWatch agent ({missing}) and {gap}; {install} and {allow}"
    elif installed is False:
        text = (
            f"runs no CloudWatch agent: {missing}, so memory, disk and log "
            f"metrics are never collected; {install}"
        )
    elif installed is True:
        text = f"installs the CloudWatch agent, but {gap}; {allow}"
    else:
        text = f"{gap}; {allow}"
    return instance.file, instance.line, f"{text}."


def _same_cluster(
    model: TerraformModel, cluster_name: Any, node_group: ResourceInstance
) -> bool | None:
    """Whether an add-on's `cluster_name` is the node group's cluster (the same name, or a
    reference to the same `aws_eks_cluster`); None when that cannot be known."""
    names = [cluster_name, node_group.get("cluster_name")]
    if all(isinstance(name, str) for name in names):
        return names[0] == names[1]
    clusters = [set(model.referenced_resources(name, "aws_eks_cluster")) for name in names]
    if clusters[0] and clusters[1]:
        return bool(clusters[0] & clusters[1])
    return None


def _node_groups_by_template(model: TerraformModel) -> dict[str, list[ResourceInstance]]:
    """EKS managed node groups by the address of the launch template instance they use."""
    found: dict[str, list[ResourceInstance]] = {}
    for resource in model.resources("aws_eks_node_group"):
        for group in resource.instances:
            for block in group.blocks("launch_template"):
                for name in ("id", "name"):
                    for template in _linked(model, block.get(name), "aws_launch_template") or ():
                        users = found.setdefault(template.address, [])
                        if group not in users:
                            users.append(group)
    return found


def _any_true(answers: list[bool | None]) -> bool | None:
    """True when one answer is, False when all are known and none is, else None."""
    if any(answer is True for answer in answers):
        return True
    return None if None in answers else False


def _permission_gap(instance: ResourceInstance, template: ResourceInstance | None) -> str:
    if _profile_value(instance, template) is None:
        return "has no IAM instance profile, so an agent could not publish to CloudWatch"
    return (
        "has an instance profile whose role lacks CloudWatchAgentServerPolicy (or any grant "
        "of cloudwatch:PutMetricData), so an agent could not publish"
    )


def _profile_value(instance: ResourceInstance, template: ResourceInstance | None) -> Any:
    """The instance profile the launcher's instances get: their own, else the template's."""
    value = _instance_profile_value(instance)
    if value is None and template is not None:
        value = _instance_profile_value(template)
    return value


def _launch_template_of(
    model: TerraformModel, instance: ResourceInstance
) -> ResourceInstance | None:
    """The launch template instance an `aws_instance` is launched from, when it is known."""
    if instance.resource.type != "aws_instance":
        return None
    for block in instance.blocks("launch_template"):
        for name in ("id", "name"):
            if block.has(name):
                found = _linked(model, block.get(name), "aws_launch_template")
                if found:
                    return found[0]
    return None


def _launches_from_unknown_template(instance: ResourceInstance) -> bool:
    return instance.resource.type == "aws_instance" and bool(instance.blocks("launch_template"))


def _boot_script_evidence(body: Body) -> bool | None:
    """True when the boot script installs the agent, False when it is known and does not,
    None when it cannot be read (a file, a variable) or may be set elsewhere."""
    texts = [_script_text(body, name) for name in ("user_data", "user_data_base64")]
    if any(text is not None and AGENT_TEXT.search(text) for text in texts):
        return True
    if any(
        body.has(name) and text is None
        for name, text in zip(("user_data", "user_data_base64"), texts, strict=True)
    ):
        return None
    return False


def _script_text(body: Body, name: str) -> str | None:
    """The readable text of a boot script attribute: decoded when it is base64, the literal
    segments of a template whose unknown parts are resource attributes (ids, names).
    None when the text is unknown."""
    if not body.has(name):
        return ""
    value = body.get(name)
    if isinstance(value, Unknown) and value.partial is None:
        argument = _base64_argument(body.block.attributes[name].expr)
        if argument is not None:
            value = body.context.evaluate(argument, body.scope)
    if isinstance(value, str):
        return _decoded(value)
    if isinstance(value, Unknown) and isinstance(value.partial, str):
        if AGENT_TEXT.search(value.partial):
            return value.partial
        if value.reason or any(ref.split(".")[0] in ("var", "module") for ref in value.refs):
            return None
        return value.partial
    return None


def _base64_argument(expr: Any) -> Any:
    node = expr
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if not (isinstance(node, Tree) and node.data == "function_call"):
        return None
    names = [
        str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "identifier"
    ]
    arguments = [c for c in node.children if isinstance(c, Tree) and c.data == "arguments"]
    if names[-1:] and names[-1] in BASE64_WRAPPERS and arguments and arguments[0].children:
        first = [c for c in arguments[0].children if isinstance(c, Tree)]
        return first[0] if first else None
    return None


def _decoded(text: str) -> str:
    """`text`, or what it decodes to when it is base64 of UTF-8 text."""
    compact = "".join(text.split())
    if len(compact) < 8 or len(compact) % 4 or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", compact):
        return text
    try:
        return base64.b64decode(compact, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return text


def _association_installs_agent(
    model: TerraformModel, association: ResourceInstance
) -> bool | None:
    name = association.get("name")
    if isinstance(name, Unknown):
        documents = _linked(model, name, "aws_ssm_document")
        if not documents:
            return None
        return any(AGENT_TEXT.search(known_text(d.get("content"))) for d in documents) or None
    if not isinstance(name, str):
        return False
    if name == MANAGE_DOCUMENT:
        return True
    if name == INSTALL_DOCUMENT:
        parameters = association.get("parameters")
        if not isinstance(parameters, dict):
            return None
        package = parameters.get("name")
        if isinstance(package, str):
            return bool(AGENT_TEXT.search(package))
        return None
    documents = [
        d
        for resource in model.resources("aws_ssm_document")
        for d in resource.instances
        if d.get("name") == name
    ]
    return any(AGENT_TEXT.search(known_text(d.get("content"))) for d in documents)


def _association_targets(
    model: TerraformModel, association: ResourceInstance, subject: ResourceInstance
) -> bool | None:
    """Whether an association reaches the launcher's instances; None when it may."""
    resource = subject.resource
    answers: list[bool | None] = []
    if association.has("instance_id"):
        answers.append(_points_at(model, association.get("instance_id"), resource))
    for target in association.blocks("targets"):
        key, values = target.get("key"), target.get("values")
        if not isinstance(key, str) or not isinstance(values, list):
            answers.append(None)
            continue
        if key == "InstanceIds":
            if "*" in values:
                answers.append(True)
            elif resource.type != "aws_instance":
                answers.append(False)
            else:
                answers.append(_points_at(model, values, resource))
        elif key.startswith("tag:") or key == "tag-key":
            answers.append(_tags_match(subject, key, values))
        else:
            answers.append(None)
    if any(answer is True for answer in answers):
        return True
    return None if None in answers else False


def _tags_match(subject: ResourceInstance, key: str, values: list[Any]) -> bool | None:
    tags = _instance_tags(subject)
    if tags is None:
        return None
    if key == "tag-key":
        return any(isinstance(v, str) and v in tags for v in values) or (
            None if any(not isinstance(v, str) for v in values) else False
        )
    value = tags.get(key.removeprefix("tag:"))
    if value is None:
        return False
    if isinstance(value, Unknown) or any(not isinstance(v, str) for v in values):
        return None
    return value in values


def _instance_tags(subject: ResourceInstance) -> dict[str, Any] | None:
    """The tags the launcher's EC2 instances get: their own (or a launch template's
    `tag_specifications` for instances) and the provider's `default_tags`; None when some
    are unknown or come from elsewhere (an Auto Scaling group)."""
    resource = subject.resource
    body = subject
    if resource.type == "aws_launch_configuration":
        return None
    if resource.type == "aws_launch_template":
        specs = [
            s for s in body.blocks("tag_specifications") if s.get("resource_type") == "instance"
        ]
        own = specs[0].get("tags", {}) if specs else {}
    else:
        own = body.get("tags", {})
    defaults: Any = {}
    provider = resource.context.provider_body(resource.provider_key)
    if provider is not None:
        blocks = provider.blocks("default_tags")
        defaults = blocks[0].get("tags", {}) if blocks else {}
    if not isinstance(own, dict) or not isinstance(defaults, dict):
        return None
    merged = {**defaults, **own}
    if resource.type == "aws_launch_template":
        # An Auto Scaling group may add tags to the instances it launches.
        return merged if merged else None
    return merged


def _instance_profile_value(body: ResourceInstance) -> Any:
    """What an instance, launch template or launch configuration names as its instance
    profile (a name or an ARN), or None when it has none."""
    if body.resource.type == "aws_launch_template":
        for block in body.blocks("iam_instance_profile"):
            for name in ("name", "arn"):
                if block.has(name):
                    return block.get(name)
        return None
    return body.get("iam_instance_profile")


def _linked(model: TerraformModel, value: Any, resource_type: str) -> list[ResourceInstance] | None:
    """The instances of `resource_type` that `value` names by reference, by name or by ARN;
    None when it names none the submission declares (unknown, or defined elsewhere)."""
    found: list[ResourceInstance] = []
    for resource in model.referenced_resources(value, resource_type):
        found.extend(resource.instances)
    if found:
        return found
    if isinstance(value, str):
        for resource in model.resources(resource_type):
            for instance in resource.instances:
                if _names(instance, value):
                    found.append(instance)
        return found if found else None
    return None


def _names(instance: ResourceInstance, value: str) -> bool:
    """`value` is the instance's name (or ends its ARN)."""
    name = instance.get("name")
    if not isinstance(name, str) or not name:
        return False
    return value == name or value.endswith(f"/{name}")


def _points_at(
    model: TerraformModel, value: Any, target: Resource | ResourceInstance
) -> bool | None:
    """Whether `value` (a role, instance id, or a list of them) names `target`."""
    resource = target.resource if isinstance(target, ResourceInstance) else target
    if resource in model.referenced_resources(value, resource.type):
        return True
    items = value if isinstance(value, list) else [value]
    named = [item for item in items if isinstance(item, str)]
    instances = [target] if isinstance(target, ResourceInstance) else resource.instances
    if any(_names(instance, item) for item in named for instance in instances):
        return True
    if any(isinstance(item, Unknown) and not model.referenced_resources(item) for item in items):
        return None
    return False


def _managed_arns_permit(
    model: TerraformModel, arns: Any, statements: dict[tuple[str, str], tuple[PolicyStatement, ...]]
) -> bool | None:
    if arns is None:
        return False
    answers: list[bool | None] = []
    for item in arns if isinstance(arns, list) else [arns]:
        if isinstance(item, str) and AGENT_MANAGED_POLICIES.search(item):
            return True
        policies = model.referenced_resources(item, "aws_iam_policy")
        for policy in policies:
            for instance in policy.instances:
                answers.append(_statements_permit(statements.get(("policy", instance.address))))
        if not policies and isinstance(item, Unknown):
            answers.append(_data_policy_permits(model, item))
    if any(answer is True for answer in answers):
        return True
    return None if None in answers else False


def _data_policy_permits(model: TerraformModel, item: Unknown) -> bool | None:
    """A `data "aws_iam_policy"` looked up by the agent policy's name or ARN permits."""
    for source in model.referenced_resources(item):
        if source.mode == "data" and source.type == "aws_iam_policy":
            for instance in source.instances:
                for name in ("name", "arn"):
                    text = instance.get(name)
                    if isinstance(text, str) and AGENT_MANAGED_POLICIES.search(text):
                        return True
    return None


def _identity_statements(
    model: TerraformModel,
) -> dict[tuple[str, str], tuple[PolicyStatement, ...]]:
    """Identity policy statements by (attribute, instance address): ``("policy",
    "aws_iam_policy.x")``, ``("inline_policy", "aws_iam_role.app")``."""
    found: dict[tuple[str, str], tuple[PolicyStatement, ...]] = {}
    for document in policy_documents(model):
        if document.kind == "identity":
            key = (document.attribute, document.address)
            found[key] = found.get(key, ()) + document.statements
    return found


def _statements_permit(
    statements: tuple[PolicyStatement, ...] | None, holder: Body | None = None
) -> bool | None:
    """Whether the statements allow cloudwatch:PutMetricData; None when they cannot be read
    (a `holder` whose policy was not read at all is unknown, not empty)."""
    if statements is None:
        return None if holder is not None else False
    if not statements:
        return None
    unknown = False
    for statement in statements:
        if statement.effect == "Deny":
            continue
        if statement.actions is None or not statement.effect:
            unknown = True
            continue
        if any(fnmatch.fnmatchcase(PUBLISH_ACTION, action.lower()) for action in statement.actions):
            return True
    return None if unknown else False
