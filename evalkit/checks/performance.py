"""Performance checks: instance sizes that fit the environment, a CDN for multi-region tiers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from evalkit.aws import aws_of, catalog
from evalkit.checks._helpers import (
    Problem,
    literal_origin,
    nested_bodies,
    per_instance,
    resource_finding,
    truth,
    where,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, ModuleContext, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.policy import PolicyStatement, statements_from_document, statements_from_json
from evalkit.terraform.values import Unknown

# --- PERF-INSTANCE-SIZING ----------------------------------------------------------------------

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
    if not any(_sized_bodies(resource.config) for resource in model.resources()):
        return None
    findings: list[Finding] = []
    for resource in model.resources():
        if _sized_bodies(resource.config):
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


# --- PERF-NO-CDN -------------------------------------------------------------------------------

S3_WEBSITE = "aws_s3_bucket_website_configuration"
PUBLIC_ACLS = frozenset({"public-read", "public-read-write"})


@check(
    "PERF-NO-CDN",
    category="performance",
    severity="low",
    title="Multi-region web tier without a CDN",
)
def no_cdn(model: TerraformModel) -> list[Finding] | None:
    """A public web tier served in several regions has no CloudFront distribution.

    The public web tier is: internet-facing application load balancers (`aws_lb`/`aws_alb`
    without `internal = true`) and classic ELBs, S3 static websites (`website` block or
    `aws_s3_bucket_website_configuration`) and public S3 content (`public-read` ACL, or a
    bucket policy that lets anyone `s3:GetObject` without a condition), HTTP APIs
    (`aws_apigatewayv2_api`) and `REGIONAL` REST APIs (an `EDGE` REST API is already served
    through CloudFront; an API whose every route requires `AWS_IAM` authorisation serves
    other workloads, not users). It fails when that tier spans two or more regions (or provider
    aliases) and the submission has no `aws_cloudfront_distribution` (nor an unreadable
    module, such as a registry one, whose source is a CloudFront module). One finding per
    web-tier resource.

    A web tier in a single region is n/a: the catalog asks for a CDN in front of tiers served
    from several regions, where it also gives users one global entry point; n/a too when
    there is no public web tier.

    Why: without an edge layer each user reaches one regional origin over the open internet:
    higher latency far from it, no caching of static content, and no single endpoint to fail
    over behind.

    Fix: put a CloudFront distribution in front, with the regional origins in an origin group.

        resource "aws_cloudfront_distribution" "web" {
          origin_group {
            origin_id = "web"
            failover_criteria { status_codes = [500, 502, 503, 504] }
            member { origin_id = "us-east-1" }
            member { origin_id = "us-west-2" }
          }
        }
    """
    tier = _public_web_tier(model)
    locations = {_location_key(resource) for resource in tier}
    if len(locations) < 2:
        return None
    if _has_cdn(model):
        return []
    shown = ", ".join(sorted({r.location for r in tier if r.location})) or "several regions"
    return [
        resource_finding(
            resource,
            f"{resource.address}{where(resource)} serves public web traffic that is "
            f"spread over {shown} with no CloudFront distribution in front; add one with the "
            "regional origins (an origin group for failover) to cache at the edge and give users "
            "one global endpoint.",
        )
        for resource in tier
    ]


def _public_web_tier(model: TerraformModel) -> list[Resource]:
    tier: list[Resource] = []
    for resource in model.resources():
        if _is_public_web(model, resource):
            tier.append(resource)
    return sorted(tier, key=lambda r: (r.file, r.line, r.address))


def _is_public_web(model: TerraformModel, resource: Resource) -> bool:
    config = resource.config
    if resource.type in catalog.LOAD_BALANCERS:
        kind = config.get("load_balancer_type", "application")
        return kind == "application" and truth(config.get("internal", False)) is False
    if resource.type in catalog.CLASSIC_LOAD_BALANCERS:
        return truth(config.get("internal", False)) is False
    if resource.type == "aws_apigatewayv2_api":
        return config.get("protocol_type") == "HTTP" and not _iam_only(model, resource)
    if resource.type == "aws_api_gateway_rest_api":
        return any(
            _strings(e.get("types")) == ["REGIONAL"]
            for e in config.blocks("endpoint_configuration")
        ) and not _iam_only(model, resource)
    if resource.type == S3_WEBSITE:
        return True
    if resource.type == "aws_s3_bucket":
        return bool(config.blocks("website")) or config.get("acl") in PUBLIC_ACLS
    if resource.type == "aws_s3_bucket_acl":
        return config.get("acl") in PUBLIC_ACLS
    if resource.type == "aws_s3_bucket_policy":
        return any(_is_public_read(s) for s in _policy_statements(model, config))
    return False


# The attribute of an API's routes (methods) that says how its requests are authorised.
API_AUTHORIZATION = {
    "aws_apigatewayv2_api": "authorization_type",
    "aws_api_gateway_rest_api": "authorization",
}


def _iam_only(model: TerraformModel, api: Resource) -> bool:
    """Every route or method of the API requires SigV4-signed (IAM) requests: a service
    endpoint for other AWS workloads, not a web tier that users reach through a browser."""
    attribute = API_AUTHORIZATION[api.type]
    entries = {
        edge.source.resource
        for edge in aws_of(model).edges("api_entry")
        if any(mention.resource is api for mention in edge.mentions)
    }
    return bool(entries) and all(e.config.get(attribute) == "AWS_IAM" for e in entries)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _policy_statements(model: TerraformModel, config: Body) -> list[PolicyStatement]:
    value = config.get("policy")
    documents = model.referenced_resources(value, "aws_iam_policy_document")
    if documents:
        return [
            s for d in documents if d.mode == "data" for s in statements_from_document(d.config)
        ]
    if isinstance(value, Unknown):
        value = value.partial
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    if not isinstance(value, dict):
        return []
    return statements_from_json(value, config.file, config.line_of("policy"))


def _is_public_read(statement: PolicyStatement) -> bool:
    if statement.effect != "Allow" or statement.has_condition or not statement.principals:
        return False
    if not {"*", "AWS:*"} & set(statement.principals):
        return False
    return any(
        action.lower() in ("*", "s3:*", "s3:get*", "s3:getobject")
        for action in statement.actions or ()
    )


def _location_key(resource: Resource) -> str:
    """Where a resource is served from: its region, else the provider configuration it uses."""
    if resource.region:
        return resource.region
    provider = resource.context.provider_body(resource.provider_key)
    if provider is not None:
        return f"{provider.file}:{provider.line}"
    return f"{resource.context.address}:{resource.provider_key}"


def _has_cdn(model: TerraformModel) -> bool:
    if any(model.resources("aws_cloudfront_distribution")):
        return True
    # A local module is read for what it builds; only a module evalkit cannot read whose
    # source is a CloudFront module may hold a distribution it does not see.
    return any(
        "cloudfront" in call.source.lower() and call.child is None
        for module in model.modules
        for call in module.module_calls.values()
    )
