"""HA-NO-AUTOSCALING: Compute that cannot scale or replace itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

from evalkit.aws import aws_of, catalog, same_region
from evalkit.aws.zones import (
    has_known_instances,
)
from evalkit.checks._helpers import (
    Problem,
    per_instance,
    resource_finding,
    where,
)
from evalkit.checks.availability._common import _number
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown, known_text

COMPUTE_NAMESPACES = ("ecs", "ec2")
APP_WORDS = frozenset(
    {
        "web",
        "webserver",
        "webservers",
        "websrv",
        "webapp",
        "www",
        "app",
        "apps",
        "application",
        "appserver",
        "api",
        "worker",
        "workers",
        "frontend",
        "backend",
    }
)
# Words that make an instance something other than an app tier (a bastion, a NAT, a
# self-managed database or tool), even when a project name such as "webapp" is in its name.
NOT_APP_WORDS = frozenset(
    {
        "bastion",
        "jump",
        "jumpbox",
        "jumphost",
        "nat",
        "vpn",
        "openvpn",
        "mgmt",
        "management",
        "db",
        "database",
        "mysql",
        "postgres",
        "postgresql",
        "mongo",
        "mongodb",
        "redis",
        "cache",
        "elasticsearch",
        "kafka",
        "zookeeper",
        "monitoring",
        "prometheus",
        "grafana",
        "jenkins",
        "ldap",
        "dns",
    }
)
# Tags that say what an instance does; project-wide tags (Project, Application) do not.
DESCRIPTIVE_TAGS = ("Name", "Role", "Tier", "Component")


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
    scaled_services = _scaled_compute_targets(model)
    if not (servers or groups or scaled_services):
        return None
    findings: list[Finding] = []
    scalers = [*model.resources(*catalog.SCALERS), *scaled_services]
    for server in servers:
        findings.extend(_fixed_app_tier(model, server, scalers))
    rules = _scaling_rules(model)
    for group in groups:
        findings.extend(_pinned_group(group, rules))
    return findings


def _scaled_compute_targets(model: TerraformModel) -> list[Resource]:
    """Application Auto Scaling targets that scale compute (ECS services, Spot Fleets)."""
    return [
        target
        for target in model.resources("aws_appautoscaling_target")
        if target.config.get("service_namespace") in COMPUTE_NAMESPACES
        or isinstance(target.config.get("service_namespace"), Unknown)
    ]


def _fixed_app_tier(
    model: TerraformModel, server: Resource, scalers: list[Resource]
) -> Iterator[Finding]:
    if any(same_region(server, scaler) for scaler in scalers):
        return
    balancers = _registered_with(model, server)
    words = _descriptive_words(server)
    if words & NOT_APP_WORDS and not balancers:
        return
    if balancers:
        role = f"serves {balancers[0]}"
    elif words & APP_WORDS:
        role = f"runs the {sorted(words & APP_WORDS)[0]} tier"
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


def _registered_with(model: TerraformModel, server: Resource) -> list[str]:
    """The load balancers (or target groups) the instances are registered with."""
    layer = aws_of(model)
    found: list[str] = []
    for kind, owner_kind in (
        ("attachment_target", "attachment_target_group"),
        ("elb_instance", "elb_instance_balancer"),
    ):
        for edge in layer.graph.edges_to(server, kind):
            registration = edge.source
            owners = (
                [registration]
                if registration.resource.type in catalog.CLASSIC_LOAD_BALANCERS
                else layer.targets(registration, owner_kind)
            )
            name = owners[0].resource.address if owners else registration.resource.address
            if name not in found:
                found.append(name)
    return found


def _descriptive_words(server: Resource) -> set[str]:
    texts = [server.name]
    tags = server.config.get("tags")
    if isinstance(tags, dict):
        texts.extend(known_text(tags.get(key)) for key in DESCRIPTIVE_TAGS)
    words: set[str] = set()
    for text in texts:
        spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
        words.update(w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w)
    return words


class _ScalingRules:
    """Which Auto Scaling groups have a scaling policy or schedule."""

    def __init__(self) -> None:
        self.groups: set[str] = set()
        self.unattributed = False


def _scaling_rules(model: TerraformModel) -> _ScalingRules:
    rules = _ScalingRules()
    for edge in aws_of(model).edges("scaling_rule_group"):
        if edge.target is not None:
            rules.groups.add(edge.target.address)
        elif edge.candidates:
            rules.groups.update(c.resource.address for c in edge.candidates)
        elif not edge.known:
            rules.unattributed = True
    return rules


def _pinned_group(group: Resource, rules: _ScalingRules) -> Iterator[Finding]:
    if rules.unattributed or group.address in rules.groups:
        return iter(())

    def pinned(instance: ResourceInstance) -> Iterator[Problem]:
        if instance.address in rules.groups:
            return
        low, high = _number(instance.get("min_size")), _number(instance.get("max_size"))
        if low is not None and high is not None and low == high:
            yield (
                instance.file,
                instance.line_of("max_size"),
                f"has min_size = max_size = {high} and no scaling policy, so it never "
                "scales with load; raise max_size and add an aws_autoscaling_policy "
                "(target tracking on CPU or request count).",
            )

    return iter(per_instance(group, pinned))
