"""Deprecated and removed AWS provider arguments, and what replaced them.

Neither provider package marks deprecations, so this list is kept by hand from the AWS
provider's upgrade guides and changelog. What was removed in 6.0 is known from the shipped
schemas themselves (in 5.x, not in 6.x); the tables here only add the replacement to name in
a message. Add a row when a new provider release deprecates something answers use; a
deprecation is reported in a note, never failed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from evalkit.aws.schema import SHIPPED_MAJORS, BlockSchema, ProviderSchema, load_schema
from evalkit.terraform.model import TerraformModel


@dataclass(frozen=True)
class Deprecation:
    type: str
    argument: str
    use: str
    majors: tuple[int, ...] = SHIPPED_MAJORS


# Arguments (or inline blocks) that still work but are deprecated in the majors listed.
DEPRECATIONS = (
    Deprecation("aws_s3_bucket", "versioning", "an aws_s3_bucket_versioning resource"),
    Deprecation("aws_s3_bucket", "logging", "an aws_s3_bucket_logging resource"),
    Deprecation(
        "aws_s3_bucket",
        "server_side_encryption_configuration",
        "an aws_s3_bucket_server_side_encryption_configuration resource",
    ),
    Deprecation(
        "aws_s3_bucket", "lifecycle_rule", "an aws_s3_bucket_lifecycle_configuration resource"
    ),
    Deprecation("aws_s3_bucket", "website", "an aws_s3_bucket_website_configuration resource"),
    Deprecation("aws_s3_bucket", "cors_rule", "an aws_s3_bucket_cors_configuration resource"),
    Deprecation(
        "aws_s3_bucket",
        "replication_configuration",
        "an aws_s3_bucket_replication_configuration resource",
    ),
    Deprecation("aws_s3_bucket", "acl", "an aws_s3_bucket_acl resource"),
    Deprecation("aws_iam_role", "managed_policy_arns", "aws_iam_role_policy_attachment resources"),
    Deprecation("aws_iam_role", "inline_policy", "aws_iam_role_policy resources"),
    Deprecation("aws_guardduty_detector", "datasources", "aws_guardduty_detector_feature"),
    Deprecation("aws_eip", "vpc", 'domain = "vpc"', (5,)),
    Deprecation("aws_flow_log", "log_group_name", "log_destination", (5,)),
    Deprecation("aws_api_gateway_deployment", "stage_name", "an aws_api_gateway_stage", (5,)),
    Deprecation("aws_instance", "cpu_core_count", "cpu_options { core_count }", (5,)),
    Deprecation("aws_instance", "cpu_threads_per_core", "cpu_options { threads_per_core }", (5,)),
)

# What replaced arguments removed in AWS provider 6.0 (the removal itself is read from the
# schemas); keyed by resource type and argument path.
REPLACEMENTS = {
    ("aws_eip", "vpc"): 'domain = "vpc"',
    ("aws_flow_log", "log_group_name"): "log_destination (the log group's ARN)",
    ("aws_api_gateway_deployment", "stage_name"): "an aws_api_gateway_stage resource",
    ("aws_api_gateway_deployment", "stage_description"): "an aws_api_gateway_stage resource",
    ("aws_api_gateway_deployment", "canary_settings"): "an aws_api_gateway_stage resource",
    ("aws_instance", "cpu_core_count"): "cpu_options { core_count = ... }",
    ("aws_instance", "cpu_threads_per_core"): "cpu_options { threads_per_core = ... }",
    ("aws_launch_template", "elastic_gpu_specifications"): "nothing (the service has ended)",
    ("aws_launch_template", "elastic_inference_accelerator"): "nothing (the service has ended)",
    ("aws_redshift_cluster", "snapshot_copy"): "an aws_redshift_snapshot_copy resource",
    ("aws_redshift_cluster", "logging"): "an aws_redshift_logging resource",
    ("aws_batch_compute_environment", "compute_environment_name"): "name",
    ("aws_batch_compute_environment", "compute_environment_name_prefix"): "name_prefix",
    ("aws_ssm_association", "instance_id"): 'targets { key = "InstanceIds" ... }',
    ("aws_dx_gateway_association", "vpn_gateway_id"): "associated_gateway_id",
    ("aws_spot_instance_request", "block_duration_minutes"): "nothing (no longer supported)",
}

# Names that answers invent for real arguments, whatever the major.
KNOWN_FIXES = {
    ("aws_flow_log", "log_destination_arn"): "log_destination",
    ("aws_flow_log", "log_group_name"): "log_destination",
    ("aws_lambda_function", "inline_code"): "filename or s3_bucket/s3_key",
    ("aws_elasticache_replication_group", "replication_group_description"): "description",
    ("aws_elasticache_replication_group", "auth_token_enabled"): "auth_token",
    ("aws_elasticache_replication_group", "number_cache_clusters"): "num_cache_clusters",
    ("aws_db_instance", "name"): "db_name",
    ("aws_api_gateway_stage", "throttle_settings"): (
        "an aws_api_gateway_method_settings resource (settings { throttling_rate_limit })"
    ),
    ("aws_s3_bucket", "encryption_enabled"): (
        "an aws_s3_bucket_server_side_encryption_configuration resource"
    ),
}

# Resource types answers invent, with the real one.
KNOWN_TYPE_FIXES = {
    "aws_s3_bucket_encryption": "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle": "aws_s3_bucket_lifecycle_configuration",
    "aws_lambda_function_code": "aws_lambda_function (its filename or s3_key)",
    "aws_cloudwatch_log_subscription": "aws_cloudwatch_log_subscription_filter",
    "aws_ec2_instance": "aws_instance",
    "aws_rds_instance": "aws_db_instance",
}


def removal_fix(mode: str, type_name: str, path: list[str], provider: ProviderSchema) -> str | None:
    """Why an argument or block the selected major lacks is still written, and the fix:
    removed in 6.0 (it is in the 5.x schema), added only in 6.x, or a known invented name."""
    other_major = 5 if provider.major == 6 else 6
    other = _lookup(load_schema(other_major), mode, type_name, path)
    use = REPLACEMENTS.get((type_name, ".".join(path))) or KNOWN_FIXES.get(
        (type_name, ".".join(path))
    )
    if other and provider.major == 6:
        return "removed in AWS provider 6.0; use " + (
            _code(use) if use else "what the 6.0 upgrade guide names"
        )
    if other:
        return (
            "it exists only in AWS provider 6.x, and the required_providers constraint "
            "selects 5.x (allow 6.x, or leave it out)"
        )
    return f"use {_code(use)}" if use else None


def type_fix(mode: str, type_name: str, provider: ProviderSchema) -> str | None:
    other_major = 5 if provider.major == 6 else 6
    if load_schema(other_major).type_schema(mode, type_name) is not None:
        if provider.major == 6:
            return "removed in AWS provider 6.0 (see the 6.0 upgrade guide)"
        return (
            "it exists only in AWS provider 6.x, and the required_providers constraint selects 5.x"
        )
    real = KNOWN_TYPE_FIXES.get(type_name)
    return f"use {real}" if real else None


def _code(use: str) -> str:
    """A bare argument name in backticks; a description as it is."""
    return f"`{use}`" if re.fullmatch(r"[a-z0-9_]+", use) else use


def _lookup(schema: ProviderSchema, mode: str, type_name: str, path: list[str]) -> bool:
    body: BlockSchema | None = schema.type_schema(mode, type_name)
    for name in path[:-1]:
        if body is None:
            return False
        body = body.block(name)
    if body is None or not path:
        return False
    return body.argument(path[-1]) is not None or body.block(path[-1]) is not None


_REGION_NAME = re.compile(r"\bdata\.aws_region\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.name\b")


def deprecation_notes(model: TerraformModel, major: int) -> list[str]:
    """Deprecated arguments the configuration uses (reported, never failed)."""
    return sorted(set(_notes(model, major)))


def _notes(model: TerraformModel, major: int) -> Iterator[str]:
    for resource in model.resources():
        for deprecation in DEPRECATIONS:
            if resource.type != deprecation.type or major not in deprecation.majors:
                continue
            block = resource.block
            if deprecation.argument in block.attributes or block.blocks_of(deprecation.argument):
                yield (
                    f"{resource.address}: `{deprecation.argument}` is deprecated in AWS "
                    f"provider {major}.x; use {deprecation.use}"
                )
    if major == 6:
        # Only the code of modules that are loaded (not module code nobody calls).
        loaded = {d for module in model.modules for d in module.directories}
        for name in sorted(model.terraform_files):
            if posixpath.dirname(name) not in loaded:
                continue
            for match in _REGION_NAME.finditer(model.files[name]):
                yield (
                    f"{name}: `{match.group(0)}` is deprecated in AWS provider 6.x; use `.region`"
                )
