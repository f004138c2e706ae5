"""What watches, alerts on and records a submission's resources: CloudWatch alarms and what
each watches (through its dimensions, `evalkit.aws.graph` edges), log groups, and modules
evalkit cannot read whose source says they may create such things.

Questions answer yes / no / unknown; an unknown (an alarm dimension that cannot be
resolved, a module evalkit cannot read) is never a reason to fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from evalkit.aws import catalog
from evalkit.aws.layer import AwsLayer, aws_of
from evalkit.aws.links import mentioned, resolved
from evalkit.aws.regions import same_region
from evalkit.aws.values import truth
from evalkit.aws.zones import has_known_instances
from evalkit.terraform.model import Body, ModuleCall, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.syntax import references
from evalkit.terraform.values import Unknown, iter_known_strings, walk_values


def opaque_calls(model: TerraformModel, pattern: re.Pattern[str]) -> list[ModuleCall]:
    """Calls of modules whose code evalkit cannot read (registry, git or URL sources, or a
    local directory the submission lacks) and whose source address matches `pattern`: the
    source names the code (terraform-aws-modules/cloudwatch creates CloudWatch resources),
    so what they create may be what a rule looks for.

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


# --- alarms: what they watch ------------------------------------------------------------------

METRIC_ALARM = "aws_cloudwatch_metric_alarm"
COMPOSITE_ALARM = "aws_cloudwatch_composite_alarm"
ALARM_TYPES = (METRIC_ALARM, COMPOSITE_ALARM)
LOG_GROUP = "aws_cloudwatch_log_group"

# How an alarm names each watched type in its dimensions ({r}: the resource).
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


def is_state_lock_table(resource: Resource) -> bool:
    """The DynamoDB table of Terraform's S3 backend: keyed on LockID, it holds no app data."""
    return resource.type == "aws_dynamodb_table" and resource.config.get("hash_key") == "LockID"


class Monitoring:
    """Which resources CloudWatch alarms watch, and which log groups hold what."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.layer = aws_of(model)

    @cached_property
    def given_to_monitoring_modules(self) -> set[Resource]:
        """What a CloudWatch or monitoring module evalkit cannot read is given: it may watch
        those resources, nothing else."""
        return given_to(self.model, opaque_calls(self.model, MONITORING_MODULE))

    @cached_property
    def _named(self) -> dict[Resource, set[str]]:
        """Instance addresses each alarm in the same region names in its dimensions."""
        named: dict[Resource, set[str]] = {}
        for edge in self.layer.edges("alarm_watches"):
            for mention in edge.mentions:
                if same_region(edge.source.resource, mention.resource):
                    named.setdefault(mention.resource, set()).add(mention.address)
        return named

    @cached_property
    def _watched(self) -> set[Resource]:
        # `_named` holds what the metric alarms (the only sources of alarm_watches edges)
        # name in their region; `_linked` what is watched through those.
        return set(self._named) | self._linked | self.given_to_monitoring_modules

    def is_watched(self, resource: Resource) -> bool:
        """A metric alarm in its region watches it, directly or through a related resource
        (the Aurora cluster of a watched member, the services of a watched ECS cluster, the
        compute registered in a watched target group), or a monitoring module evalkit cannot
        read is given it. Alarm dimensions evalkit cannot resolve watch nothing."""
        return resource in self._watched

    def unwatched_instances(self, resource: Resource) -> tuple[list[str], list[str]]:
        """For a `count`/`for_each` resource some of whose instances alarms name: the
        addresses of the instances they leave out, and of those they name. Empty when every
        instance is watched (or the resource is watched through a related resource, a
        module, or has instances evalkit cannot count)."""
        addresses = self._named.get(resource)
        if (
            not addresses
            or resource in self.given_to_monitoring_modules
            or resource not in self._watched
            or resource in self._linked
            or not resource.is_expanded
            or not has_known_instances(resource)
        ):
            return [], []
        missing = [i.address for i in resource.instances if i.address not in addresses]
        return missing, sorted(addresses)

    @cached_property
    def _linked(self) -> set[Resource]:
        return self._watched_through_links(set(self._named))

    def _watched_through_links(self, watched: set[Resource]) -> set[Resource]:
        members = [r for r in watched if r.type in catalog.AURORA_MEMBERS]
        found = _mentioned(self.layer, members, "cluster_member")
        for link, member_link in MEMBER_LINKS:
            linked = {
                e.source.resource
                for e in self.layer.edges(link)
                if any(instance.resource in watched for instance in e.mentions)
            }
            found |= _mentioned(self.layer, linked, member_link) if member_link else linked
        return found

    # -- log groups --------------------------------------------------------------------------

    def has_application_log_group(self) -> bool | None:
        """A log group other than flow-log, CloudTrail, RDS, Route 53 or WAF groups exists;
        None when a logging module evalkit cannot read may create one."""
        if any(not self.is_audit_log_group(g) for g in self.model.resources(LOG_GROUP)):
            return True
        return None if opaque_calls(self.model, LOGGING_MODULE) else False

    def is_audit_log_group(self, group: Resource) -> bool:
        """A log group that receives network or audit logs: a flow log, trail or WAF writes to
        it, or its name says so."""
        if self.layer.mentioning(group, "log_destination"):
            return True
        name = group.config.get("name")
        return isinstance(name, str) and bool(AUDIT_LOG_GROUP_NAME.search(name))


def keeps_logs_forever(group: Resource) -> bool | None:
    """A log group without `retention_in_days`, or with 0 or null (never expire)."""
    if not group.config.has("retention_in_days"):
        return True
    days = group.config.get("retention_in_days")
    if days == 0 or days is None:
        return True
    return None if isinstance(days, Unknown) else False


def given_to(model: TerraformModel, calls: list[ModuleCall]) -> set[Resource]:
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


def _mentioned(layer: AwsLayer, sources: Iterable[Resource], kind: str) -> set[Resource]:
    """Resources that `kind` edges from `sources` may point at (read widely)."""
    wanted = set(sources)
    return {
        mention.resource
        for edge in layer.edges(kind)
        if edge.source.resource in wanted
        for mention in edge.mentions
    }


# --- alerting: alarm actions, topics, subscriptions -----------------------------------------

SNS_TOPIC = "aws_sns_topic"
ALERT_NAME = re.compile(r"(?i)alert|alarm|notif")
# Besides topic subscriptions, AWS Chatbot channels subscribe themselves to the topics they name.
TOPIC_SUBSCRIBERS: dict[str, str] = {
    "aws_sns_topic_subscription": "topic_arn",
    "aws_chatbot_slack_channel_configuration": "sns_topic_arns",
    "aws_chatbot_teams_channel_configuration": "sns_topic_arns",
}
ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d+):")


@dataclass(frozen=True)
class Silence:
    """Why an alarm notifies nobody, at `line`: ``"disabled"`` (`actions_enabled = false`),
    ``"no actions"``, ``"empty actions"``, or ``"other region"`` (every action is a topic
    in one of `regions`, and an alarm can only notify a topic in its own region)."""

    reason: str
    line: int
    regions: tuple[str, ...] = ()


class Alerting:
    """Who hears of alarms: their actions, the topics those name, the subscriptions."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.layer = aws_of(model)

    def alert_topics(self) -> list[Resource]:
        """SNS topics meant for alerts: an alarm's actions refer to them, or their name,
        label or tags say alert, alarm or notification."""
        notified = _mentioned(self.layer, self.model.resources(*ALARM_TYPES), "alarm_action_topic")
        return [t for t in self.model.resources(SNS_TOPIC) if _is_alert_topic(t, notified)]

    @cached_property
    def acted_upon(self) -> set[str]:
        """Addresses of the alarm instances that a FIS experiment template watches to stop
        the experiment (by reference or by ARN)."""
        found: set[str] = set()
        for template in self.model.resources("aws_fis_experiment_template"):
            for instance in template.instances:
                for stop in instance.blocks("stop_condition"):
                    if stop.get("source") == "aws:cloudwatch:alarm":
                        found |= self._stop_alarms(template, stop)
        return found

    def _stop_alarms(self, template: Resource, stop: Body) -> set[str]:
        found = {
            alarm.address for alarm in mentioned(self.model, template, stop, "value", ALARM_TYPES)
        }
        value = stop.get("value")
        if isinstance(value, str) and ":alarm:" in value:
            name = value.rpartition(":alarm:")[2]
            found.update(
                alarm.address
                for resource in self.model.resources(*ALARM_TYPES)
                for alarm in resource.instances
                if alarm.get("alarm_name") == name
            )
        return found

    def silence(self, alarm: ResourceInstance) -> Silence | None:
        """Why this alarm instance notifies nobody; None when it notifies someone, or its
        actions cannot be known."""
        if truth(alarm.get("actions_enabled", True)) is False:
            return Silence("disabled", alarm.line_of("actions_enabled"))
        if not alarm.has("alarm_actions"):
            return Silence("no actions", alarm.line)
        actions = alarm.get("alarm_actions")
        if isinstance(actions, Unknown):
            return None
        listed = actions if isinstance(actions, list) else [actions]
        entries = [action for action in listed if action not in (None, "")]
        if not entries:
            return Silence("empty actions", alarm.line_of("alarm_actions"))
        regions = [self._action_region(action) for action in entries]
        own = alarm.resource.region
        if own and all(region and region != own for region in regions):
            return Silence(
                "other region", alarm.line_of("alarm_actions"), tuple(sorted(set(regions)))
            )
        return None

    def _action_region(self, action: Any) -> str:
        """The region of an alarm action (an SNS topic or ARN) when known, else ""."""
        if isinstance(action, str):
            match = ARN_REGION.match(action)
            return match.group(1) if match else ""
        topics = resolved(self.model, action, catalog.TOPICS)
        regions = {topic.resource.region for topic in topics or ()}
        return regions.pop() if len(regions) == 1 else ""

    @cached_property
    def subscribed(self) -> set[str]:
        """Addresses of topic instances that a subscription or chat channel refers to."""
        subscribed = {m.address for e in self.layer.edges("subscription_topic") for m in e.mentions}
        topic_names = _topic_names(self.model)
        for resource_type, attribute in TOPIC_SUBSCRIBERS.items():
            for subscriber in self.model.resources(resource_type):
                instances = _declared_instances(subscriber)
                if instances and not subscriber.instances:
                    found = mentioned(
                        self.model, subscriber, instances[0], attribute, catalog.TOPICS
                    )
                    subscribed |= {topic.address for topic in found}
                for instance in instances:
                    for arn in iter_known_strings(instance.get(attribute)):
                        subscribed |= {
                            address for address, name in topic_names if arn.endswith(f":{name}")
                        }
        return subscribed


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
    written = {r.root for a in meta for r in references(a.expr)}
    return [subscriber.config] if "var" in written else []


def _topic_names(model: TerraformModel) -> list[tuple[str, str]]:
    """(instance address, name) of every SNS topic whose name is known."""
    return [
        (instance.address, name)
        for topic in model.resources(SNS_TOPIC)
        for instance in topic.instances
        if isinstance(name := instance.get("name"), str) and name
    ]


# --- activity logs: flow logs, access logs, CloudTrail ----------------------------------------

TRAIL_MODULE = re.compile(r"(?i)cloudtrail|audit")


class FlowLogs:
    """Which VPC instances an `aws_flow_log` in their region covers (flow logs on a subnet or
    an ENI do not cover the VPC)."""

    def __init__(self, model: TerraformModel) -> None:
        self.covered: set[str] = set()
        self.elsewhere: dict[str, Resource] = {}
        self.blind_regions: set[str] = set()
        edges = aws_of(model).edges("flow_log_vpc")
        for flow_log in model.resources(*catalog.FLOW_LOGS):
            targets = {m for e in edges if e.source.resource is flow_log for m in e.mentions}
            for target in sorted(targets, key=lambda i: i.address):
                if same_region(flow_log, target.resource):
                    self.covered.add(target.address)
                else:
                    self.elsewhere.setdefault(target.address, flow_log)
            if not targets and _targets_unknown_vpc(flow_log):
                self.blind_regions.add(flow_log.region)

    def may_cover_any(self, vpc: Resource) -> bool:
        """A flow log for a VPC evalkit cannot identify (looked up by a data source, computed
        by an expression it cannot evaluate) is in the VPC's region: it may be this one."""
        return vpc.region in self.blind_regions or "" in self.blind_regions

    def covers(self, address: str) -> bool:
        """A flow log in its region refers to the VPC instance at `address`."""
        return address in self.covered

    def from_other_region(self, address: str) -> Resource | None:
        """A flow log that refers to the VPC instance from another region (it covers nothing)."""
        return self.elsewhere.get(address)


def _targets_unknown_vpc(flow_log: Resource) -> bool:
    """The flow log is for a VPC evalkit cannot name, one looked up by a data source or
    computed by an expression it cannot evaluate; a variable without a default or a registry
    module output names a VPC from outside, not one the submission builds."""
    value = flow_log.config.get("vpc_id")
    return isinstance(value, Unknown) and (
        any(isinstance(item, Unknown) and not item.refs for item in walk_values(value))
        or any(ref.startswith("data.") for ref in value.refs)
    )


def writes_access_logs(balancer: ResourceInstance) -> bool | None:
    """Whether a load balancer writes access logs: an `access_logs` block, enabled (ALBs and
    NLBs need `enabled = true`; classic ELBs log once the block is there). None for gateway
    load balancers, which have none, and for an `enabled` evalkit cannot know."""
    classic = balancer.resource.type == "aws_elb"
    if not classic and balancer.get("load_balancer_type") == "gateway":
        return None
    blocks = balancer.blocks("access_logs")
    answers = [truth(block.get("enabled", classic)) for block in blocks]
    if True in answers:
        return True
    return None if None in answers else False


def may_build_trail(model: TerraformModel) -> bool:
    """A CloudTrail or audit module evalkit cannot read may build a trail."""
    return bool(opaque_calls(model, TRAIL_MODULE))
