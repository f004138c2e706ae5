"""PERF-NO-CDN: Multi-region web tier without a CDN."""

from __future__ import annotations

import json
from typing import Any

from evalkit.aws import aws_of, catalog
from evalkit.aws.policy import PolicyStatement, statements_from_document, statements_from_json
from evalkit.checks._helpers import (
    resource_finding,
    truth,
    where,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, TerraformModel
from evalkit.terraform.values import Unknown

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
    entries = aws_of(model).mentioning(api, "api_entry")
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
