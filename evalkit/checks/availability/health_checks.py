"""HA-HEALTH-CHECKS: Traffic sent to targets nobody health-checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evalkit.aws import AwsLayer, aws_of, catalog
from evalkit.checks._helpers import (
    Problem,
    per_instance,
    truth,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown

ROUTING_POLICIES = ("failover_routing_policy", "latency_routing_policy", "weighted_routing_policy")


@check(
    "HA-HEALTH-CHECKS",
    category="availability",
    severity="high",
    title="Traffic sent to targets nobody health-checks",
)
def health_checks(model: TerraformModel) -> list[Finding] | None:
    """Load balancing or DNS routing does not check the health of what it routes to.

    Fails when a target group (`aws_lb_target_group`, `aws_alb_target_group`; Lambda target
    groups exempt) has no `health_check` block or disables it; when an Auto Scaling group that
    receives load balancer traffic (`target_group_arns`, `load_balancers`, or an
    `aws_autoscaling_attachment`) keeps `health_check_type = "EC2"` (the default); and when a
    Route 53 record with a failover, latency or weighted routing policy has no
    `health_check_id` (or one pointing at a disabled `aws_route53_health_check`), unless it is
    an alias with `evaluate_target_health = true`. A SECONDARY failover record may omit the
    health check: Route 53 only fails over to it, so the primary's check is what matters.

    Why: without health checks a load balancer or DNS keeps sending users to dead targets,
    and an Auto Scaling group on EC2 checks keeps instances whose application has crashed.

    Fix: declare the health check at every layer that routes traffic.

        resource "aws_lb_target_group" "web" {
          health_check {
            path    = "/health"
            matcher = "200"
          }
        }

        resource "aws_autoscaling_group" "web" {
          health_check_type         = "ELB"
          health_check_grace_period = 300
        }
    """
    target_groups = list(model.resources(*catalog.TARGET_GROUPS))
    groups = list(model.resources("aws_autoscaling_group"))
    records = [r for r in model.resources("aws_route53_record") if _routing_policies(r.config)]
    if not (target_groups or groups or records):
        return None
    findings: list[Finding] = []
    for target_group in target_groups:
        findings.extend(_unchecked_target_group(target_group))
    for group in groups:
        findings.extend(_group_on_ec2_checks(model, group))
    for record in records:
        findings.extend(_unchecked_record(model, record))
    return findings


NO_TARGET_CHECK = (
    "has no health_check block, so it relies on AWS's default probe, which does not test "
    "what the application serves; declare health_check with the application's health path, "
    "matcher and thresholds."
)
DISABLED_TARGET_CHECK = (
    "disables its health check, so the load balancer keeps routing to targets that stopped "
    "serving; set enabled = true."
)


def _unchecked_target_group(target_group: Resource) -> Iterator[Finding]:
    def unchecked(instance: ResourceInstance) -> Iterator[Problem]:
        target_type = instance.get("target_type", "instance")
        if not isinstance(target_type, str) or target_type == "lambda":
            return
        checks = instance.blocks("health_check")
        if not checks:
            yield instance.file, instance.line, NO_TARGET_CHECK
        for health_check in checks:
            if health_check.has("enabled") and truth(health_check.get("enabled")) is False:
                yield instance.file, health_check.line_of("enabled"), DISABLED_TARGET_CHECK

    return iter(per_instance(target_group, unchecked))


def _group_on_ec2_checks(model: TerraformModel, group: Resource) -> Iterator[Finding]:
    layer = aws_of(model)

    def on_ec2_checks(instance: ResourceInstance) -> Iterator[Problem]:
        source = _traffic_source(layer, instance)
        check_type = instance.get("health_check_type", "EC2")
        if source is not None and isinstance(check_type, str) and check_type.upper() == "EC2":
            yield (
                instance.file,
                instance.line_of("health_check_type"),
                f"receives traffic from {source} but uses EC2 health checks, so instances "
                "whose application fails the load balancer's check are never replaced; set "
                'health_check_type = "ELB".',
            )

    return iter(per_instance(group, on_ec2_checks))


def _traffic_source(layer: AwsLayer, group: ResourceInstance) -> str | None:
    """What load balancer sends traffic to this group, in words; None when nothing does."""
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


def _routing_policies(body: Body) -> list[str]:
    return [name for name in ROUTING_POLICIES if body.blocks(name)]


def _unchecked_record(model: TerraformModel, record: Resource) -> Iterator[Finding]:
    def unchecked(instance: ResourceInstance) -> Iterator[Problem]:
        policies = _routing_policies(instance)
        if not policies or _is_secondary(instance) or _evaluates_alias_target(instance):
            return
        problem = _missing_health_check(model, instance)
        if problem:
            kind = policies[0].replace("_routing_policy", "")
            yield (
                instance.file,
                instance.line_of("health_check_id"),
                f"uses {kind} routing but {problem[0]}, so Route 53 keeps answering with an "
                f"endpoint that is down; {problem[1]}.",
            )

    return iter(per_instance(record, unchecked))


def _is_secondary(record: ResourceInstance) -> bool:
    return any(
        isinstance(kind := policy.get("type"), str) and kind.upper() == "SECONDARY"
        for policy in record.blocks("failover_routing_policy")
    )


def _evaluates_alias_target(record: ResourceInstance) -> bool:
    return any(
        truth(alias.get("evaluate_target_health")) is not False for alias in record.blocks("alias")
    )


def _missing_health_check(
    model: TerraformModel, record: ResourceInstance
) -> tuple[str, str] | None:
    """What is wrong with the record's health check, and the fix; None when it has one."""
    value = record.get("health_check_id")
    if value is None or value == "":
        return (
            "has no health_check_id",
            "point health_check_id at an "
            "aws_route53_health_check (or use an alias with evaluate_target_health = true)",
        )
    for health_check in model.referenced_resources(value, "aws_route53_health_check"):
        if truth(health_check.config.get("disabled")) is True:
            return (
                f"its health check {health_check.address} is disabled",
                f"remove disabled = true from {health_check.address}",
            )
    return None
