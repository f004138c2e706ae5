"""What can scale or replace itself: Auto Scaling groups and their scaling rules, EKS node
groups, Application Auto Scaling targets of ECS services, and what a fixed EC2 instance is
for (the load balancers it is registered with, the tier its name or tags say it runs).

Answers are True / False / None, None meaning unknown (a scaling policy whose group cannot
be followed, a size read from a variable without default): a rule never fails on None.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.aws import catalog, naming
from evalkit.aws.availability import number
from evalkit.aws.layer import aws_of
from evalkit.aws.regions import same_region
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


def scaled_compute_targets(model: TerraformModel) -> list[Resource]:
    """Application Auto Scaling targets that scale compute (ECS services, Spot Fleets), and
    those whose namespace is unknown."""
    return [
        target
        for target in model.resources("aws_appautoscaling_target")
        if target.config.get("service_namespace") in COMPUTE_NAMESPACES
        or isinstance(target.config.get("service_namespace"), Unknown)
    ]


class Scaling:
    """What scales in one submission, asked one resource at a time."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.scalers = [*model.resources(*catalog.SCALERS), *scaled_compute_targets(model)]
        self.ruled: set[str] = set()
        self.unattributed = False
        for edge in aws_of(model).edges("scaling_rule_group"):
            if edge.target is not None:
                self.ruled.add(edge.target.address)
            elif edge.candidates:
                self.ruled.update(c.resource.address for c in edge.candidates)
            elif not edge.known:
                self.unattributed = True

    def scales_in_region(self, resource: Resource) -> bool:
        """An Auto Scaling group, EKS node group or compute scaling target shares the
        region of `resource`."""
        return any(same_region(resource, scaler) for scaler in self.scalers)

    def has_scaling_rule(self, group: ResourceInstance) -> bool | None:
        """An `aws_autoscaling_policy` or `aws_autoscaling_schedule` names the group; None when
        one names a group evalkit cannot identify."""
        if group.address in self.ruled or group.resource.address in self.ruled:
            return True
        return None if self.unattributed else False

    def fixed_size(self, group: ResourceInstance) -> int | None:
        """The size of a group whose `min_size` equals its `max_size`; None when they differ
        or are unknown."""
        low, high = number(group.get("min_size")), number(group.get("max_size"))
        return high if low is not None and low == high else None

    def registered_with(self, server: Resource) -> list[str]:
        """The load balancers (or target groups) the instances of `server` are registered
        with: target group attachments, `aws_elb` `instances`, `aws_elb_attachment`."""
        layer = aws_of(self.model)
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


@dataclass(frozen=True)
class Tier:
    """What a fixed EC2 instance is for, by its name and descriptive tags: `app` holds the
    app-tier words found (web, api, worker...), `other` is True when a word makes it
    something else (a bastion, a NAT, a database, a tool)."""

    app: tuple[str, ...]
    other: bool


def tier_of(server: Resource) -> Tier:
    """The tier `server`'s label and `Name`/`Role`/`Tier`/`Component` tags describe."""
    texts = [server.name]
    tags = server.config.get("tags")
    if isinstance(tags, dict):
        texts.extend(known_text(tags.get(key)) for key in DESCRIPTIVE_TAGS)
    words = {word for text in texts for word in naming.words(text)}
    return Tier(tuple(sorted(words & APP_WORDS)), bool(words & NOT_APP_WORDS))
