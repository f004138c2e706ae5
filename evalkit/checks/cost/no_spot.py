"""COST-NO-SPOT: Stateless workers on on-demand capacity only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from evalkit.aws import aws_of
from evalkit.checks._helpers import (
    resource_finding,
    where,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, TerraformModel
from evalkit.terraform.values import Unknown, iter_known_strings

WORKER_WORDS = re.compile(r"(?<![a-z])(?:worker|batch|queue|job|processor|consumer)s?(?![a-z])")
# Capacity that keeps state or identity; spot interruptions would hurt it.
STATEFUL_WORDS = re.compile(
    r"(?<![a-z])(?:bastion|jump(?:box|host)?|nat|vpn|proxy|db|database|kafka|zookeeper"
    r"|elasticsearch|cassandra|mongo(?:db)?|redis|etcd|consul|vault|ldap)s?(?![a-z])"
)
CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@check(
    "COST-NO-SPOT",
    category="cost",
    severity="low",
    title="Stateless workers on on-demand capacity only",
)
def no_spot(model: TerraformModel) -> list[Finding] | None:
    """A stateless worker or batch Auto Scaling group runs only on on-demand instances.

    An ASG is a worker group when it has no load balancer attached (no `target_group_arns`,
    `load_balancers`, `traffic_source` or attachment resource) and either its label,
    `name`/`name_prefix` or tags say worker, batch, queue, job, processor or consumer, or it
    is the submission's only ASG and does not back an ECS capacity provider. A group behind a
    load balancer serves requests whatever its name; names that say bastion, NAT, proxy,
    database and similar stateful roles are never workers.

    It uses spot when: a `mixed_instances_policy` has an `instances_distribution` with
    `on_demand_percentage_above_base_capacity` below 100 or a `spot_allocation_strategy`;
    its launch template sets `instance_market_options { market_type = "spot" }`; its launch
    configuration sets `spot_price`; or it backs an ECS capacity provider of a cluster that
    also offers `FARGATE_SPOT`. Values that cannot be known count as spot. n/a when there is
    no worker ASG.

    Why: queue consumers and batch jobs tolerate interruption; spot capacity costs up to 90%
    less than on-demand for the same work.

    Fix: let a mixed-instances policy draw most of the group from spot.

        resource "aws_autoscaling_group" "workers" {
          mixed_instances_policy {
            instances_distribution {
              on_demand_base_capacity                  = 0
              on_demand_percentage_above_base_capacity = 20
              spot_allocation_strategy                 = "price-capacity-optimized"
            }
            launch_template {
              launch_template_specification {
                launch_template_id = aws_launch_template.workers.id
              }
              override { instance_type = "m6i.large" }
              override { instance_type = "m5.large" }
            }
          }
        }
    """
    groups = list(model.resources("aws_autoscaling_group"))
    workers = [
        (group, reason)
        for group in groups
        if (reason := _worker_reason(model, group, len(groups))) is not None
    ]
    if not workers:
        return None
    return [
        resource_finding(
            group,
            f"{group.address}{where(group)} runs {reason} on on-demand capacity only; add a "
            "mixed_instances_policy whose instances_distribution draws most instances from spot "
            "(on_demand_percentage_above_base_capacity below 100, spot_allocation_strategy = "
            '"price-capacity-optimized").',
        )
        for group, reason in workers
        if _spot_use(model, group) is False
    ]


def _worker_reason(model: TerraformModel, group: Resource, group_count: int) -> str | None:
    """Why the group counts as stateless workers, or None when it does not.

    A group behind a load balancer serves requests, whatever its name; a group that backs
    an ECS capacity provider hosts whatever services the cluster places on it.
    """
    names = " ".join(_identity_strings(group)).lower()
    if STATEFUL_WORDS.search(names) or _has_load_balancer(model, group):
        return None
    match = WORKER_WORDS.search(names)
    if match:
        return f"{match.group(0)} capacity"
    if group_count == 1 and not aws_of(model).mentioning(group, "capacity_provider_group"):
        return "stateless capacity with no load balancer"
    return None


def _identity_strings(group: Resource) -> list[str]:
    """The group's label, name and tag keys/values, split into words."""
    config = group.config
    values = [group.name, config.get("name"), config.get("name_prefix"), config.get("tags")]
    values.extend([tag.get("key"), tag.get("value")] for tag in config.blocks("tag"))
    found = [text for value in values for text in iter_known_strings(_with_partial(value))]
    return [CAMEL_BOUNDARY.sub(" ", text).replace("-", " ").replace("_", " ") for text in found]


def _with_partial(value: Any) -> Any:
    # "${var.project}-workers" is still known to name workers.
    return value.partial if isinstance(value, Unknown) else value


def _has_load_balancer(model: TerraformModel, group: Resource) -> bool:
    config = group.config
    for name in ("target_group_arns", "load_balancers"):
        value = config.get(name)
        if isinstance(value, Unknown) or (isinstance(value, list) and value):
            return True
    if config.blocks("traffic_source"):
        return True
    return bool(aws_of(model).mentioning(group, "attachment_group"))


def _spot_use(model: TerraformModel, group: Resource) -> bool | None:
    """True when the group can run on spot, False when it cannot, None when unknowable."""
    config = group.config
    verdicts = [
        _distribution_allows_spot(policy) for policy in config.blocks("mixed_instances_policy")
    ]
    verdicts.extend(_template_is_spot(model, body) for body in _template_references(config))
    if config.has("launch_configuration"):
        verdicts.append(_configuration_is_spot(model, config.get("launch_configuration")))
    verdicts.append(_cluster_offers_fargate_spot(model, group))
    if True in verdicts:
        return True
    if None in verdicts:
        return None
    return False


def _distribution_allows_spot(policy: Body) -> bool | None:
    for distribution in policy.blocks("instances_distribution"):
        if distribution.has("spot_allocation_strategy"):
            return True
        share = distribution.get("on_demand_percentage_above_base_capacity", 100)
        if isinstance(share, Unknown):
            return None
        if isinstance(share, int | float) and share < 100:
            return True
    return False


def _template_references(config: Body) -> Iterator[Body]:
    """The blocks that name the group's launch template(s)."""
    yield from config.blocks("launch_template")
    for policy in config.blocks("mixed_instances_policy"):
        for template in policy.blocks("launch_template"):
            yield from template.blocks("launch_template_specification")
            for override in template.blocks("override"):
                yield from override.blocks("launch_template_specification")


def _template_is_spot(model: TerraformModel, reference: Body) -> bool | None:
    values = [
        reference.get(name)
        for name in ("id", "name", "launch_template_id", "launch_template_name")
        if reference.has(name)
    ]
    templates = [
        t for value in values for t in model.referenced_resources(value, "aws_launch_template")
    ]
    if not templates:
        # Named by a literal or something evalkit cannot follow: judge what can be found.
        templates = [
            t
            for t in model.resources("aws_launch_template")
            if any(isinstance(v, str) and v == t.config.get("name") for v in values)
        ]
        if not templates:
            return None
    verdicts = [_market_is_spot(template) for template in templates]
    return True if True in verdicts else (None if None in verdicts else False)


def _market_is_spot(template: Resource) -> bool | None:
    for options in template.config.blocks("instance_market_options"):
        market = options.get("market_type")
        if isinstance(market, Unknown):
            return None
        if isinstance(market, str) and market.lower() == "spot":
            return True
    return False


def _configuration_is_spot(model: TerraformModel, value: Any) -> bool | None:
    configurations = model.referenced_resources(value, "aws_launch_configuration")
    if not configurations:
        return None
    return any(c.config.has("spot_price") for c in configurations)


def _cluster_offers_fargate_spot(model: TerraformModel, group: Resource) -> bool:
    layer = aws_of(model)
    for provider in layer.mentioning(group, "capacity_provider_group"):
        for holder in layer.mentioning(provider, "cluster_capacity_provider"):
            if "FARGATE_SPOT" in iter_known_strings(holder.config.get("capacity_providers")):
                return True
    return False
