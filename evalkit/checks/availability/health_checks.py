"""HA-HEALTH-CHECKS: Traffic sent to targets nobody health-checks."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import catalog
from evalkit.aws.health import (
    needs_health_check,
    record_check,
    routing_policies,
    target_check,
    traffic_source,
    uses_ec2_checks,
)
from evalkit.checks._helpers import Problem, per_instance
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import ResourceInstance, TerraformModel


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
    records = [r for r in model.resources("aws_route53_record") if routing_policies(r.config)]
    if not (target_groups or groups or records):
        return None
    findings: list[Finding] = []
    for target_group in target_groups:
        findings.extend(per_instance(target_group, _unchecked_target_group))
    for group in groups:
        findings.extend(per_instance(group, lambda instance: _on_ec2_checks(model, instance)))
    for record in records:
        findings.extend(per_instance(record, lambda instance: _unchecked_record(model, instance)))
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


def _unchecked_target_group(target_group: ResourceInstance) -> Iterator[Problem]:
    health = target_check(target_group)
    if health is not None and not health.declared:
        yield target_group.file, target_group.line, NO_TARGET_CHECK
    for line in health.disabled_lines if health else ():
        yield target_group.file, line, DISABLED_TARGET_CHECK


def _on_ec2_checks(model: TerraformModel, group: ResourceInstance) -> Iterator[Problem]:
    source = traffic_source(model, group)
    if source is not None and uses_ec2_checks(group):
        yield (
            group.file,
            group.line_of("health_check_type"),
            f"receives traffic from {source} but uses EC2 health checks, so instances "
            "whose application fails the load balancer's check are never replaced; set "
            'health_check_type = "ELB".',
        )


def _unchecked_record(model: TerraformModel, record: ResourceInstance) -> Iterator[Problem]:
    if not needs_health_check(record):
        return
    health = record_check(model, record)
    if not health.present:
        problem = "has no health_check_id"
        fix = (
            "point health_check_id at an aws_route53_health_check (or use an alias with "
            "evaluate_target_health = true)"
        )
    elif health.disabled is not None:
        problem = f"its health check {health.disabled.address} is disabled"
        fix = f"remove disabled = true from {health.disabled.address}"
    else:
        return
    kind = routing_policies(record)[0].replace("_routing_policy", "")
    yield (
        record.file,
        record.line_of("health_check_id"),
        f"uses {kind} routing but {problem}, so Route 53 keeps answering with an "
        f"endpoint that is down; {fix}.",
    )
