"""HA-NO-AUTOSCALING: Compute that cannot scale or replace itself."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws.scaling import Scaling, scaled_compute_targets, tier_of
from evalkit.aws.zones import has_known_instances
from evalkit.checks._helpers import Problem, per_instance, resource_finding, where
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel


@check(
    "HA-NO-AUTOSCALING",
    category="availability",
    severity="high",
    title="Compute that cannot scale or replace itself",
)
def no_autoscaling(model: TerraformModel) -> list[Finding] | None:
    """An app tier runs on a fixed set of EC2 instances, or an Auto Scaling group never scales.

    Fails when `aws_instance`s registered with a load balancer (`aws_lb_target_group_attachment`,
    `aws_elb` `instances`, `aws_elb_attachment`), or named or tagged (`Name`, `Role`, `Tier`,
    `Component`) as a web, app, API or worker tier, run in a region where the submission has
    no Auto Scaling group, EKS node group or Application Auto Scaling target for ECS; and
    when an `aws_autoscaling_group` has `min_size == max_size` (evaluated) and no
    `aws_autoscaling_policy` or `aws_autoscaling_schedule` refers to it. Bastion, NAT,
    database and tool instances are not an app tier, even when a project name such as
    "webapp" is in their name. n/a when the submission has no EC2 compute (Lambda or
    Fargate-only designs), unless ECS services scale through Application Auto Scaling.

    Why: fixed instances are not replaced when they fail and cannot absorb load; an Auto
    Scaling group pinned to one size only replaces failed instances.

    Fix: run the tier as an Auto Scaling group from a launch template, with room to scale and
    a policy that scales it.

        resource "aws_autoscaling_group" "web" {
          min_size            = 2
          max_size            = 6
          vpc_zone_identifier = aws_subnet.private[*].id
          target_group_arns   = [aws_lb_target_group.web.arn]
          launch_template {
            id      = aws_launch_template.web.id
            version = "$Latest"
          }
        }

        resource "aws_autoscaling_policy" "web_cpu" {
          autoscaling_group_name = aws_autoscaling_group.web.name
          policy_type            = "TargetTrackingScaling"
          target_tracking_configuration {
            predefined_metric_specification {
              predefined_metric_type = "ASGAverageCPUUtilization"
            }
            target_value = 60
          }
        }
    """
    servers = list(model.resources("aws_instance"))
    groups = list(model.resources("aws_autoscaling_group"))
    if not (servers or groups or scaled_compute_targets(model)):
        return None
    scaling = Scaling(model)
    findings: list[Finding] = []
    for server in servers:
        findings.extend(_fixed_app_tier(scaling, server))
    for group in groups:
        findings.extend(per_instance(group, lambda instance: _pinned(scaling, instance)))
    return findings


def _fixed_app_tier(scaling: Scaling, server: Resource) -> Iterator[Finding]:
    if scaling.scales_in_region(server):
        return
    balancers, tier = scaling.registered_with(server), tier_of(server)
    if balancers:
        role = f"serves {balancers[0]}"
    elif tier.app and not tier.other:
        role = f"runs the {tier.app[0]} tier"
    else:
        return
    known = has_known_instances(server)
    count = (
        f"{len(server.instances)} fixed EC2 instances"
        if known and len(server.instances) > 1
        else "a single fixed EC2 instance"
        if known
        else "fixed EC2 instances"
    )
    yield resource_finding(
        server,
        f"{server.address}{where(server)} {role} from {count} with no Auto Scaling group "
        "in that region, so failed instances are not replaced and load cannot add capacity; "
        "run it as an aws_autoscaling_group from a launch template with a scaling policy.",
    )


def _pinned(scaling: Scaling, group: ResourceInstance) -> Iterator[Problem]:
    size = scaling.fixed_size(group)
    if size is not None and scaling.has_scaling_rule(group) is False:
        yield (
            group.file,
            group.line_of("max_size"),
            f"has min_size = max_size = {size} and no scaling policy, so it never "
            "scales with load; raise max_size and add an aws_autoscaling_policy "
            "(target tracking on CPU or request count).",
        )
