"""Typed relations between the resource instances of a submission.

An `Edge` says that one instance's attribute points at another instance: a subnet at its VPC,
an alarm at the SNS topic it notifies. Edges are built from the `EDGE_KINDS` table, one row
per relation, the first time a check asks for that kind, and kept for the other checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from evalkit.aws import catalog
from evalkit.aws.links import (
    Candidates,
    follow,
    from_refs,
    instances_named,
    mentioned,
    written_from,
)
from evalkit.aws.regions import may_link
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown


@dataclass(frozen=True)
class EdgeKind:
    """One relation: which attribute of which source types names which target types.

    `path` is the attribute, after the nested blocks that hold it (``access_logs.bucket``).
    `by_name` lists the target attributes a literal string may equal, for relations AWS
    makes by name (``bucket = "my-logs"``, ``db_subnet_group_name = "main"``); `name_prefix`
    is what AWS writes before that name (``cluster:`` in an Application Auto Scaling
    resource id). With `written_from`, a value built from a target's literal attributes
    (``"cluster:${aws_rds_cluster.x.cluster_identifier}"``, ``format()``, a local) points
    at the resources its expression is written from, followed through locals and inputs.
    """

    name: str
    sources: tuple[str, ...]
    path: str
    targets: tuple[str, ...]
    by_name: tuple[str, ...] = ()
    name_prefix: str = ""
    written_from: bool = False


@dataclass(frozen=True, eq=False)
class Edge:
    """`source` points at `target` through `attribute` (written at `line`).

    `known` is False when the code does not show what it points at (an input without a
    default, a registry module output, a `count` evalkit cannot expand); `target` is then
    None, or the instance it would be if only one is possible. A known edge with no target
    points outside the submission (a literal id or name that nothing here has).
    `candidates` are the instances an edge may point at when the code picks one of several.
    `mentions` are all the instances it may point at, read widely (see `links.mentioned`):
    for questions such as "does any alarm watch this", where an unresolved reference must
    not hide what it names.
    """

    kind: str
    source: ResourceInstance
    attribute: str
    line: int
    target: ResourceInstance | None
    known: bool
    candidates: tuple[ResourceInstance, ...] = ()
    mentions: tuple[ResourceInstance, ...] = ()


_SUBNET_PLACEMENT: tuple[tuple[tuple[str, ...], str], ...] = (
    (("aws_instance", "aws_network_interface", "aws_efs_mount_target"), "subnet_id"),
    (catalog.NAT_GATEWAYS, "subnet_id"),
    (catalog.ALL_LOAD_BALANCERS, "subnets"),
    (catalog.LOAD_BALANCERS, "subnet_mapping.subnet_id"),
    (("aws_autoscaling_group",), "vpc_zone_identifier"),
    (("aws_lambda_function",), "vpc_config.subnet_ids"),
    (("aws_eks_cluster",), "vpc_config.subnet_ids"),
    (("aws_eks_node_group",), "subnet_ids"),
    (("aws_ecs_service", "aws_ecs_express_gateway_service"), "network_configuration.subnets"),
    (("aws_vpc_endpoint",), "subnet_ids"),
    (catalog.DATA_SUBNET_GROUPS, "subnet_ids"),
)
_ALARM_ACTIONS = ("alarm_actions", "ok_actions", "insufficient_data_actions")

EDGE_KINDS: tuple[EdgeKind, ...] = (
    EdgeKind("subnet_vpc", catalog.SUBNETS, "vpc_id", catalog.VPCS),
    EdgeKind("association_subnet", ("aws_route_table_association",), "subnet_id", catalog.SUBNETS),
    EdgeKind(
        "association_route_table",
        ("aws_route_table_association",),
        "route_table_id",
        catalog.ROUTE_TABLES,
    ),
    EdgeKind("route_nat", ("aws_route",), "nat_gateway_id", catalog.NAT_GATEWAYS),
    EdgeKind("route_nat", ("aws_route_table",), "route.nat_gateway_id", catalog.NAT_GATEWAYS),
    EdgeKind(
        "route_gateway",
        ("aws_route",),
        "gateway_id",
        (*catalog.INTERNET_GATEWAYS, *catalog.NAT_GATEWAYS),
    ),
    EdgeKind(
        "route_gateway",
        ("aws_route_table",),
        "route.gateway_id",
        (*catalog.INTERNET_GATEWAYS, *catalog.NAT_GATEWAYS),
    ),
    EdgeKind("route_route_table", ("aws_route",), "route_table_id", catalog.ROUTE_TABLES),
    *(EdgeKind("in_subnet", sources, path, catalog.SUBNETS) for sources, path in _SUBNET_PLACEMENT),
    *(
        EdgeKind(
            "store_subnet_group",
            (store,),
            attribute,
            groups,
            by_name=("name",),
        )
        for store, (attribute, groups) in catalog.SUBNET_GROUP_OF_STORE.items()
    ),
    EdgeKind("flow_log_vpc", catalog.FLOW_LOGS, "vpc_id", catalog.VPCS),
    EdgeKind(
        "access_log_bucket",
        catalog.ALL_LOAD_BALANCERS,
        "access_logs.bucket",
        catalog.BUCKETS,
        by_name=("bucket",),
    ),
    EdgeKind(
        "attachment_target_group",
        catalog.TARGET_GROUP_ATTACHMENTS,
        "target_group_arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind(
        "attachment_target_group",
        catalog.AUTOSCALING_ATTACHMENTS,
        "lb_target_group_arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind(
        "attachment_target_group",
        catalog.AUTOSCALING_ATTACHMENTS,
        "alb_target_group_arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind(
        "attachment_target_group",
        ("aws_autoscaling_group",),
        "target_group_arns",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind(
        "attachment_target_group",
        ("aws_ecs_service",),
        "load_balancer.target_group_arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind(
        "attachment_group",
        catalog.AUTOSCALING_ATTACHMENTS,
        "autoscaling_group_name",
        ("aws_autoscaling_group",),
        by_name=("name",),
    ),
    EdgeKind(
        "attachment_target",
        catalog.TARGET_GROUP_ATTACHMENTS,
        "target_id",
        (*catalog.COMPUTE, "aws_lambda_function"),
    ),
    EdgeKind("listener_lb", catalog.LISTENERS, "load_balancer_arn", catalog.LOAD_BALANCERS),
    EdgeKind(
        "listener_target_group",
        catalog.LISTENERS,
        "default_action.target_group_arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind(
        "listener_target_group",
        catalog.LISTENERS,
        "default_action.forward.target_group.arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind("rule_listener", catalog.LISTENER_RULES, "listener_arn", catalog.LISTENERS),
    EdgeKind(
        "rule_target_group",
        catalog.LISTENER_RULES,
        "action.target_group_arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind(
        "rule_target_group",
        catalog.LISTENER_RULES,
        "action.forward.target_group.arn",
        catalog.TARGET_GROUPS,
    ),
    EdgeKind("elb_instance", catalog.CLASSIC_LOAD_BALANCERS, "instances", ("aws_instance",)),
    EdgeKind("elb_instance", ("aws_elb_attachment",), "instance", ("aws_instance",)),
    EdgeKind(
        "elb_instance_balancer",
        ("aws_elb_attachment",),
        "elb",
        catalog.CLASSIC_LOAD_BALANCERS,
        by_name=("name",),
    ),
    EdgeKind(
        "group_classic_lb",
        ("aws_autoscaling_group",),
        "load_balancers",
        catalog.CLASSIC_LOAD_BALANCERS,
        by_name=("name",),
    ),
    EdgeKind(
        "attachment_classic_lb",
        catalog.AUTOSCALING_ATTACHMENTS,
        "elb",
        catalog.CLASSIC_LOAD_BALANCERS,
        by_name=("name",),
    ),
    EdgeKind(
        "scaling_rule_group",
        catalog.SCALING_RULES,
        "autoscaling_group_name",
        ("aws_autoscaling_group",),
        by_name=("name",),
    ),
    EdgeKind(
        "bucket_companion",
        catalog.BUCKET_COMPANIONS,
        "bucket",
        catalog.BUCKETS,
        by_name=("bucket",),
    ),
    *(
        EdgeKind("iam_attachment", (attachment,), attribute, catalog.IAM_PRINCIPALS, ("name",))
        for attachment, attributes in catalog.IAM_ATTACHMENTS.items()
        for attribute in attributes
    ),
    EdgeKind(
        "subscription_topic",
        catalog.TOPIC_SUBSCRIPTIONS,
        "topic_arn",
        catalog.TOPICS,
        by_name=("arn",),
    ),
    EdgeKind(
        "subscription_topic",
        catalog.CHAT_CHANNELS,
        "sns_topic_arns",
        catalog.TOPICS,
        by_name=("arn",),
    ),
    EdgeKind("api_entry", ("aws_apigatewayv2_route",), "api_id", ("aws_apigatewayv2_api",)),
    EdgeKind(
        "api_entry", ("aws_api_gateway_method",), "rest_api_id", ("aws_api_gateway_rest_api",)
    ),
    EdgeKind(
        "capacity_provider_group",
        ("aws_ecs_capacity_provider",),
        "auto_scaling_group_provider.auto_scaling_group_arn",
        ("aws_autoscaling_group",),
    ),
    EdgeKind(
        "cluster_capacity_provider",
        ("aws_ecs_cluster_capacity_providers", "aws_ecs_cluster"),
        "capacity_providers",
        ("aws_ecs_capacity_provider",),
        by_name=("name",),
    ),
    *(
        EdgeKind("log_destination", (writer,), attribute, catalog.LOG_GROUPS, by_name=("name",))
        for writer, attribute in (
            ("aws_flow_log", "log_destination"),
            ("aws_flow_log", "log_group_name"),
            ("aws_cloudtrail", "cloud_watch_logs_group_arn"),
            ("aws_route53_query_log", "cloudwatch_log_group_arn"),
            ("aws_wafv2_web_acl_logging_configuration", "log_destination_configs"),
        )
    ),
    EdgeKind(
        "service_cluster",
        ("aws_ecs_service", "aws_ecs_express_gateway_service"),
        "cluster",
        ("aws_ecs_cluster",),
    ),
    *(
        EdgeKind("alarm_action_topic", catalog.ALARMS, attribute, catalog.TOPICS, ("arn",))
        for attribute in _ALARM_ACTIONS
    ),
    EdgeKind(
        "alarm_watches",
        catalog.METRIC_ALARMS,
        "dimensions",
        (
            *catalog.COMPUTE,
            *catalog.DATA_STORES,
            *catalog.ALL_LOAD_BALANCERS,
            *catalog.TARGET_GROUPS,
            "aws_ecs_cluster",
        ),
    ),
    EdgeKind(
        "alarm_watches",
        catalog.METRIC_ALARMS,
        "metric_query.metric.dimensions",
        (
            *catalog.COMPUTE,
            *catalog.DATA_STORES,
            *catalog.ALL_LOAD_BALANCERS,
            *catalog.TARGET_GROUPS,
            "aws_ecs_cluster",
        ),
    ),
    EdgeKind(
        "cluster_member",
        catalog.AURORA_MEMBERS,
        "cluster_identifier",
        ("aws_rds_cluster",),
        by_name=("cluster_identifier",),
    ),
    EdgeKind(
        "replica_scaling",
        ("aws_appautoscaling_target",),
        "resource_id",
        ("aws_rds_cluster",),
        by_name=("cluster_identifier",),
        name_prefix="cluster:",
        written_from=True,
    ),
)
KINDS = tuple(dict.fromkeys(kind.name for kind in EDGE_KINDS))


class Graph:
    """The edges of one submission, built per kind on first use."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self._edges: dict[str, list[Edge]] = {}

    def edges(self, kind: str) -> list[Edge]:
        if kind not in KINDS:
            raise KeyError(f"unknown edge kind {kind!r}; known: {', '.join(KINDS)}")
        if kind not in self._edges:
            self._edges[kind] = [
                edge for spec in EDGE_KINDS if spec.name == kind for edge in self._build(spec)
            ]
        return self._edges[kind]

    def edges_from(self, source: Resource | ResourceInstance, kind: str) -> list[Edge]:
        return [e for e in self.edges(kind) if _is(e.source, source)]

    def edges_to(self, target: Resource | ResourceInstance, kind: str) -> list[Edge]:
        """Edges that point (or may point) at `target`."""
        return [
            e
            for e in self.edges(kind)
            if (e.target is not None and _is(e.target, target))
            or any(_is(c, target) for c in e.candidates)
        ]

    def targets(self, source: Resource | ResourceInstance, kind: str) -> list[ResourceInstance]:
        """The instances `source` is known to point at through `kind` edges."""
        found = [e.target for e in self.edges_from(source, kind) if e.known and e.target]
        return list(dict.fromkeys(found))

    def sources(self, target: Resource | ResourceInstance, kind: str) -> list[ResourceInstance]:
        """The instances known to point at `target` through `kind` edges."""
        found = [e.source for e in self.edges_to(target, kind) if e.known]
        return list(dict.fromkeys(found))

    def _build(self, spec: EdgeKind) -> Iterator[Edge]:
        *blocks, attribute = spec.path.split(".")
        for resource in self.model.resources(*spec.sources):
            for instance in resource.instances:
                for body in _nested(instance, blocks):
                    if body.has(attribute):
                        yield from self._edges_of(spec, resource, instance, body, attribute)

    def _edges_of(
        self,
        spec: EdgeKind,
        resource: Resource,
        instance: ResourceInstance,
        body: Body,
        attribute: str,
    ) -> Iterator[Edge]:
        line = body.line_of(attribute)
        wide: tuple[ResourceInstance, ...] | None = None
        for candidates in self._follow(spec, resource, body, attribute):
            if candidates is not None and len(candidates) <= 1:
                target = candidates[0] if candidates else None
                mentions = (target,) if target else ()
                yield Edge(spec.name, instance, attribute, line, target, True, candidates, mentions)
                continue
            if wide is None:
                wide = mentioned(self.model, resource, body, attribute, spec.targets)
            yield Edge(
                spec.name,
                instance,
                attribute,
                line,
                None,
                False,
                candidates or instances_named(self.model, body.get(attribute), spec.targets),
                wide,
            )

    def _follow(
        self, spec: EdgeKind, resource: Resource, body: Body, attribute: str
    ) -> list[Candidates]:
        if _is_map_attribute(spec):
            return _map_values(self.model, body, attribute, spec, resource)
        found = follow(
            self.model,
            body,
            attribute,
            spec.targets,
            by_name=spec.by_name,
            owner=resource,
            name_prefix=spec.name_prefix,
        )
        if spec.written_from and found and not any(found):
            # The value lost its references (it reads a literal attribute of the target):
            # what the expression is written from is what it names.
            behind = written_from(self.model, resource, body, attribute, spec.targets)
            if behind:
                return [behind]
        return found


def _is_map_attribute(spec: EdgeKind) -> bool:
    return spec.path.endswith("dimensions")


def _map_values(
    model: TerraformModel, body: Body, attribute: str, spec: EdgeKind, owner: Resource
) -> list[Candidates]:
    """Alarm dimensions: each value of the map is followed on its own, a literal by the
    name the dimension gives (``DBInstanceIdentifier = "main"``)."""
    value = body.get(attribute)
    if not isinstance(value, dict):
        return [None] if isinstance(value, Unknown) else []
    found: list[Candidates] = []
    for key, item in value.items():
        if isinstance(item, Unknown) and item.refs:
            found.append(from_refs(model, item.refs, spec.targets))
        elif isinstance(item, Unknown):
            found.append(None)
        elif isinstance(item, str) and item:
            found.append(_named_in_dimension(model, str(key), item, owner))
    return found


def _named_in_dimension(
    model: TerraformModel, dimension: str, value: str, owner: Resource
) -> Candidates:
    found: list[ResourceInstance] = []
    for resource_type, attribute in catalog.NAMED_BY_DIMENSION.get(dimension, ()):
        for resource in model.resources(resource_type):
            if not may_link(owner, resource):
                continue
            found.extend(
                instance
                for instance in resource.instances
                if isinstance(name := instance.get(attribute), str)
                and dimension_names(dimension, value, name)
            )
    return tuple(dict.fromkeys(found))


def dimension_names(dimension: str, value: str, name: str) -> bool:
    """Whether a dimension's literal `value` names the resource called `name`."""
    if value == name:
        return True
    if dimension in ("LoadBalancer", "TargetGroup"):  # ARN suffixes: app/<name>/<id>
        parts = value.split("/")
        return len(parts) >= 3 and parts[1] == name
    if dimension == "CacheClusterId":  # member clusters are named <group>-001, <group>-002
        return re.fullmatch(rf"{re.escape(name)}-\d{{3}}", value) is not None
    return False


def _nested(body: Body, blocks: Sequence[str]) -> list[Body]:
    found = [body]
    for block_type in blocks:
        found = [nested for current in found for nested in current.blocks(block_type)]
    return found


def _is(instance: ResourceInstance, wanted: Resource | ResourceInstance) -> bool:
    if isinstance(wanted, ResourceInstance):
        return instance is wanted or instance.address == wanted.address
    return instance.resource is wanted
