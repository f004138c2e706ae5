"""PERF-INSTANCE-SIZING: Instance class does not fit the environment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from evalkit.checks._helpers import (
    Problem,
    nested_bodies,
    per_instance,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform import literal_origin
from evalkit.terraform.model import Body, ModuleContext, Resource, ResourceInstance, TerraformModel

# Attributes that pick an instance size, at any depth of a resource (launch template, ASG
# mixed-instances overrides, EKS node groups, OpenSearch cluster_config, ...).
SIZE_ATTRIBUTES = frozenset(
    {
        "instance_type",
        "instance_types",
        "instance_class",
        "node_type",
        "db_cluster_instance_class",
        "host_instance_type",
        "dedicated_master_type",
        "warm_type",
    }
)
LARGE_SIZE = re.compile(r"(?:^|\.)(\d+)xlarge(?:\.|$)")
METAL_SIZE = re.compile(r"(?:^|\.)metal(?:-\d+xl)?(?:\.|$)")
OVERSIZED_FROM = 8  # 8xlarge and up
TINY_DATABASE = re.compile(r"^(?:db|cache)\.t\d+[a-z]*\.(?:micro|nano)$")

ENVIRONMENT_NAMES = ("environment", "env", "stage", "environment_name", "env_name")
PRODUCTION_WORDS = frozenset({"prod", "production", "prd", "live"})
NON_PRODUCTION_WORDS = frozenset(
    {
        "dev",
        "development",
        "develop",
        "test",
        "testing",
        "qa",
        "staging",
        "stage",
        "stg",
        "sandbox",
        "sbx",
        "uat",
        "demo",
        "nonprod",
        "preprod",
        "perf",
        "ci",
        "lab",
        "poc",
        "integration",
        "local",
        "preview",
        "trial",
    }
)


@check(
    "PERF-INSTANCE-SIZING",
    category="performance",
    severity="medium",
    title="Instance class does not fit the environment",
)
def instance_sizing(model: TerraformModel) -> list[Finding] | None:
    """An instance class is oversized for a non-production environment, or a production
    database runs on a micro/nano class.

    Sizes are read from `instance_type(s)`, `instance_class`, `node_type` and similar, at any
    depth (launch templates, ASG mixed-instances overrides, node groups). Oversized means
    `*.metal` or `8xlarge` and up while the environment is known and not production;
    under-provisioned means `db.t*.micro`/`nano` or `cache.t*.micro`/`nano` while it is
    production (prod, production, prd, live).

    The environment is the resource's `Environment`/`Env`/`Stage` tag (provider
    `default_tags` included), else a variable or local named `environment`, `env` or `stage`
    of its module or a calling module. Values are resolved through variables, locals and
    maps keyed by environment, in each deployment (every `-var-file` the submission ships,
    such as `prod.tfvars`, over the auto-loaded `.tfvars`). An unknown
    environment or size is not judged. n/a when nothing is sized.

    Why: a dev stack on 8xlarge instances burns money around the clock; a production
    database on a burstable micro class runs out of CPU credits and memory under real load.

    Fix: size per environment.

        variable "db_instance_class" {
          type    = map(string)
          default = { dev = "db.t3.small", prod = "db.r6g.large" }
        }

        resource "aws_db_instance" "main" {
          instance_class = var.db_instance_class[var.environment]
        }
    """
    sized = [resource for resource in model.resources() if _sized_bodies(resource.config)]
    if not sized:
        return None
    findings: list[Finding] = []
    for resource in sized:
        findings.extend(per_instance(resource, partial(_sizing_problems, resource)))
    return findings


def _sized_bodies(body: Body) -> list[Body]:
    return [
        nested for nested in nested_bodies(body) if SIZE_ATTRIBUTES & nested.block.attributes.keys()
    ]


def _sizing_problems(resource: Resource, instance: ResourceInstance) -> Iterator[Problem]:
    environment = _environment(resource, instance)
    kind = _environment_kind(environment)
    if kind is None:
        return
    for body in _sized_bodies(instance):
        for name in sorted(SIZE_ATTRIBUTES & body.block.attributes.keys()):
            for size in _sizes(body.get(name)):
                file, line = literal_origin(body, name)
                if kind == "non-production" and _is_oversized(size):
                    yield (
                        file,
                        line,
                        f"uses {size} although its environment is {environment!r}; "
                        "metal and 8xlarge+ sizes are for production load, pick a smaller "
                        "class outside production.",
                    )
                elif kind == "production" and TINY_DATABASE.match(size):
                    yield (
                        file,
                        line,
                        f"runs a production {_store(size)} (environment {environment!r}) on "
                        f"{size}; burstable micro/nano classes run out of CPU credits "
                        "and memory under production load, use a larger (m- or r-family) class.",
                    )


def _store(size: str) -> str:
    return "cache" if size.startswith("cache.") else "database"


def _sizes(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [item.strip() for item in values if isinstance(item, str)]


def _is_oversized(size: str) -> bool:
    if METAL_SIZE.search(size):
        return True
    match = LARGE_SIZE.search(size)
    return match is not None and int(match.group(1)) >= OVERSIZED_FROM


def _environment(resource: Resource, instance: ResourceInstance) -> str | None:
    """The environment a resource belongs to, as written in the code, or None if unknown."""
    # Auto Scaling groups write tags as `tag { key = ..., value = ... }` blocks.
    tag_blocks = {tag.get("key"): tag.get("value") for tag in instance.blocks("tag")}
    for tags in (instance.get("tags"), tag_blocks, _default_tags(resource)):
        found = _environment_tag(tags)
        if found is not None:
            return found
    module: ModuleContext | None = resource.context
    while module is not None:
        for name in ENVIRONMENT_NAMES:
            for value in (
                module.variable_value(name) if name in module.variables else None,
                module.local_value(name) if name in module.locals else None,
            ):
                if isinstance(value, str) and value.strip():
                    return value.strip()
        module = module.parent
    return None


def _default_tags(resource: Resource) -> Any:
    provider = resource.context.provider_body(resource.provider_key)
    if provider is None:
        return None
    for block in provider.blocks("default_tags"):
        return block.get("tags")
    return None


def _environment_tag(tags: Any) -> str | None:
    if not isinstance(tags, dict):
        return None
    for key, value in tags.items():
        if (
            isinstance(key, str)
            and key.lower() in ("environment", "env", "stage")
            and isinstance(value, str)
            and (value.strip())
        ):
            return value.strip()
    return None


def _environment_kind(environment: str | None) -> str | None:
    """Whether the name means "production" or "non-production"; None when it does not say."""
    if environment is None:
        return None
    lowered = environment.lower()
    words = [w for w in re.split(r"[^a-z0-9]+", lowered) if w]
    if re.search(r"(?:non|pre)[-_ ]?prod", lowered) or NON_PRODUCTION_WORDS & set(words):
        return "non-production"
    if PRODUCTION_WORDS & set(words):
        return "production"
    return None
