"""What watches, alerts on and records a submission's resources: CloudWatch alarms and what
each watches (through its dimensions, `evalkit.aws.graph` edges), log groups, and modules
evalkit cannot read whose source says they may create such things.

Questions answer yes / no / unknown; an unknown (an alarm dimension that cannot be
resolved, a module evalkit cannot read) is never a reason to fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from evalkit.aws import catalog
from evalkit.aws.layer import AwsLayer, aws_of
from evalkit.aws.regions import same_region
from evalkit.aws.zones import has_known_instances
from evalkit.terraform.model import ModuleCall, Resource, TerraformModel
from evalkit.terraform.values import Unknown


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
        watched: set[Resource] = set()
        for alarm in self.model.resources(METRIC_ALARM):
            targets = _mentioned(self.layer, [alarm], "alarm_watches")
            watched |= {target for target in targets if same_region(alarm, target)}
        watched |= self._watched_through_links(watched)
        return watched | self.given_to_monitoring_modules

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
