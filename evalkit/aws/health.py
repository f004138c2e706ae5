"""What health-checks what: target group health checks, the load balancer traffic an Auto
Scaling group receives and whether it replaces instances on the load balancer's check, and
the health checks of Route 53 records that route by policy.

Unknown values (a `target_type` or `health_check_type` from a variable without default)
answer None, and a rule never fails on None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalkit.aws import catalog
from evalkit.aws.layer import AwsLayer, aws_of
from evalkit.aws.values import truth
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown

ROUTING_POLICIES = ("failover_routing_policy", "latency_routing_policy", "weighted_routing_policy")


@dataclass(frozen=True)
class TargetCheck:
    """The `health_check` of a target group: whether a block is declared, and the lines of
    the blocks that disable it (`enabled = false`)."""

    declared: bool
    disabled_lines: tuple[int, ...]


def target_check(target_group: ResourceInstance) -> TargetCheck | None:
    """The health check of a target group; None for Lambda targets (invoked, not probed) and
    a `target_type` evalkit cannot know."""
    target_type = target_group.get("target_type", "instance")
    if not isinstance(target_type, str) or target_type == "lambda":
        return None
    checks = target_group.blocks("health_check")
    disabled = tuple(
        check.line_of("enabled")
        for check in checks
        if check.has("enabled") and truth(check.get("enabled")) is False
    )
    return TargetCheck(bool(checks), disabled)


def uses_ec2_checks(group: ResourceInstance) -> bool | None:
    """Whether an Auto Scaling group replaces instances on EC2 status checks only
    (`health_check_type = "EC2"`, the default) rather than the load balancer's."""
    check_type = group.get("health_check_type", "EC2")
    return check_type.upper() == "EC2" if isinstance(check_type, str) else None


def traffic_source(model: TerraformModel, group: ResourceInstance) -> str | None:
    """What load balancer sends traffic to an Auto Scaling group, in words (``aws_lb.web via
    aws_lb_target_group.web``, an attachment, "the load balancers in target_group_arns");
    None when nothing does."""
    layer = aws_of(model)
    for name, kind in (
        ("target_group_arns", "attachment_target_group"),
        ("load_balancers", "group_classic_lb"),
        ("traffic_source", ""),
    ):
        value = group.get(name)
        if name == "traffic_source":
            value = [block.get("identifier") for block in group.blocks(name)]
        if not _non_empty(value):
            continue
        targets = layer.targets(group, kind) if kind else []
        if targets:
            return _describe_target(layer, targets[0])
        if not isinstance(value, Unknown):
            return f"the load balancers in {name}"
    for edge in layer.graph.edges_to(group.resource, "attachment_group"):
        attachment = edge.source
        for kind in ("attachment_target_group", "attachment_classic_lb"):
            targets = layer.targets(attachment, kind)
            if targets:
                return _describe_target(layer, targets[0])
        if any(
            attachment.get(name) is not None
            for name in ("lb_target_group_arn", "alb_target_group_arn", "elb")
        ) or attachment.blocks("traffic_source"):
            return attachment.resource.address
    return None


def _non_empty(value: Any) -> bool:
    if isinstance(value, list):
        return any(item is not None for item in value)
    return isinstance(value, Unknown) and bool(value.refs) and not value.reason


def _describe_target(layer: AwsLayer, target: ResourceInstance) -> str:
    """``aws_lb.web via aws_lb_target_group.web``: follow target group -> listener -> LB."""
    resource = target.resource
    if resource.type not in catalog.TARGET_GROUPS:
        return resource.address
    listeners = layer.sources(resource, "listener_target_group")
    for rule in layer.sources(resource, "rule_target_group"):
        listeners.extend(layer.targets(rule, "rule_listener"))
    for listener in listeners:
        balancers = layer.targets(listener, "listener_lb")
        if balancers:
            return f"{balancers[0].resource.address} via {resource.address}"
    return resource.address


# --- Route 53 ---------------------------------------------------------------------------------


def routing_policies(record: Body) -> list[str]:
    """The routing policy blocks a Route 53 record declares (failover, latency, weighted)."""
    return [name for name in ROUTING_POLICIES if record.blocks(name)]


def needs_health_check(record: ResourceInstance) -> bool:
    """A record that routes by policy and whose health Route 53 cannot learn otherwise: not
    a SECONDARY failover record (only failed over to), not an alias that evaluates its
    target's health."""
    return bool(routing_policies(record)) and not (
        _is_secondary(record) or _evaluates_alias_target(record)
    )


def _is_secondary(record: ResourceInstance) -> bool:
    return any(
        isinstance(kind := policy.get("type"), str) and kind.upper() == "SECONDARY"
        for policy in record.blocks("failover_routing_policy")
    )


def _evaluates_alias_target(record: ResourceInstance) -> bool:
    return any(
        truth(alias.get("evaluate_target_health")) is not False for alias in record.blocks("alias")
    )


@dataclass(frozen=True)
class RecordCheck:
    """The health check of a Route 53 record: `present` False when it has no
    `health_check_id`; `disabled`, the `aws_route53_health_check` it names that is
    disabled."""

    present: bool
    disabled: Resource | None = None


def record_check(model: TerraformModel, record: ResourceInstance) -> RecordCheck:
    """The record's `health_check_id`, and whether the health check it names is disabled."""
    value = record.get("health_check_id")
    if value is None or value == "":
        return RecordCheck(False)
    for health_check in model.referenced_resources(value, "aws_route53_health_check"):
        if truth(health_check.config.get("disabled")) is True:
            return RecordCheck(True, health_check)
    return RecordCheck(True)
