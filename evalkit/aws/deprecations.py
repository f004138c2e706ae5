"""Deprecated and removed AWS provider arguments, and what replaced them.

Neither provider package marks deprecations, so this list is kept by hand from the AWS
provider's upgrade guides and changelog. What was removed in 5.0 and 6.0 is known from the
shipped schemas themselves (in 4.x, not in 5.x; in 5.x, not in 6.x); the tables here only add
the replacement to name in a message. Add a row when a new provider release deprecates
something answers use; a deprecation is reported in a note, never failed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from evalkit.aws.schema import SHIPPED_MAJORS, BlockSchema, ProviderSchema, load_schema
from evalkit.terraform.model import TerraformModel
from evalkit.terraform.parse import Block


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
    Deprecation(
        "aws_iam_role", "managed_policy_arns", "aws_iam_role_policy_attachment resources", (5, 6)
    ),
    Deprecation("aws_iam_role", "inline_policy", "aws_iam_role_policy resources", (5, 6)),
    Deprecation("aws_guardduty_detector", "datasources", "aws_guardduty_detector_feature", (5, 6)),
    Deprecation("aws_eip", "vpc", 'domain = "vpc"', (5,)),
    Deprecation("aws_flow_log", "log_group_name", "log_destination", (5,)),
    Deprecation("aws_api_gateway_deployment", "stage_name", "an aws_api_gateway_stage", (5,)),
    Deprecation("aws_instance", "cpu_core_count", "cpu_options { core_count }", (5,)),
    Deprecation("aws_instance", "cpu_threads_per_core", "cpu_options { threads_per_core }", (5,)),
)

# What replaced arguments removed in AWS provider 5.0 and 6.0 (the removal itself is read from
# the schemas); keyed by resource type and argument path.
REPLACEMENTS = {
    ("aws_db_instance", "name"): "db_name",
    ("aws_elasticache_replication_group", "replication_group_description"): "description",
    ("aws_elasticache_replication_group", "number_cache_clusters"): "num_cache_clusters",
    ("aws_elasticache_replication_group", "availability_zones"): "preferred_cache_cluster_azs",
    ("aws_elasticache_replication_group", "cluster_mode"): (
        "num_node_groups and replicas_per_node_group"
    ),
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


def removal_fix(
    mode: str, type_name: str, path: list[str], provider: ProviderSchema, closest: str = ""
) -> str | None:
    """Why an argument or block the selected major lacks is still written, and the fix:
    removed in a later major (an older shipped schema has it; `closest`, the most similar
    name the selected major has, stands in for an unknown replacement), added only in a
    newer major, or a known invented name."""
    older = [m for m in SHIPPED_MAJORS if m < provider.major]
    newer = [m for m in SHIPPED_MAJORS if m > provider.major]
    use = REPLACEMENTS.get((type_name, ".".join(path))) or KNOWN_FIXES.get(
        (type_name, ".".join(path))
    )
    had = [m for m in older if _lookup(load_schema(m), mode, type_name, path)]
    if had:
        removed_in = max(had) + 1
        if use:
            return f"removed in AWS provider {removed_in}.0; use {_code(use)}"
        if closest:
            return f"removed in AWS provider {removed_in}.0; did you mean `{closest}`?"
        return f"removed in AWS provider {removed_in}.0; see the {removed_in}.0 upgrade guide"
    has = sorted(m for m in newer if _lookup(load_schema(m), mode, type_name, path))
    if has:
        return (
            f"it exists only in AWS provider {_majors(has)}, and the required_providers "
            f"constraint selects {provider.major}.x (allow {has[0]}.x, or leave it out)"
        )
    return f"use {_code(use)}" if use else None


def type_fix(mode: str, type_name: str, provider: ProviderSchema) -> str | None:
    older = [m for m in SHIPPED_MAJORS if m < provider.major]
    newer = [m for m in SHIPPED_MAJORS if m > provider.major]
    had = [m for m in older if load_schema(m).type_schema(mode, type_name) is not None]
    if had:
        removed_in = max(had) + 1
        return f"removed in AWS provider {removed_in}.0 (see the {removed_in}.0 upgrade guide)"
    has = sorted(m for m in newer if load_schema(m).type_schema(mode, type_name) is not None)
    if has:
        return (
            f"it exists only in AWS provider {_majors(has)}, and the required_providers "
            f"constraint selects {provider.major}.x"
        )
    real = KNOWN_TYPE_FIXES.get(type_name)
    return f"use {real}" if real else None


def _majors(majors: list[int]) -> str:
    return " and ".join(f"{m}.x" for m in majors)


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
# Every `_REGION_NAME` match holds this text. The pattern opens with `\b`, so `re` tries it at
# every position of a file; a substring test skips the files it cannot match at a fraction
# of the cost.
_REGION_NAME_PREFIX = "data.aws_region."


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
    if major == 4:
        yield from _removed_in_5(model)
    if major == 6:
        # Only the code of modules that are loaded (not module code nobody calls).
        loaded = {d for module in model.modules for d in module.directories}
        for name in sorted(model.terraform_files):
            text = model.files[name]
            if posixpath.dirname(name) not in loaded or _REGION_NAME_PREFIX not in text:
                continue
            for match in _REGION_NAME.finditer(text):
                yield (
                    f"{name}: `{match.group(0)}` is deprecated in AWS provider 6.x; use `.region`"
                )


def _removed_in_5(model: TerraformModel) -> Iterator[str]:
    """Types, arguments and blocks a 4.x configuration uses that AWS provider 5.0 removed
    (in the 4.x schema, not in the 5.x one): they work under the pin, and block the upgrade."""
    old, new = load_schema(4), load_schema(5)
    for mode in ("managed", "data"):
        for resource in model.resources(mode=mode):
            before = old.type_schema(mode, resource.type)
            if before is None:
                continue
            after = new.type_schema(mode, resource.type)
            if after is None:
                yield (
                    f"{resource.address}: {resource.type} is deprecated in AWS provider 4.x "
                    "and removed in 5.0 (see the 5.0 upgrade guide)"
                )
                continue
            for path in _gone(resource.block, before, after, []):
                use = REPLACEMENTS.get((resource.type, path)) or KNOWN_FIXES.get(
                    (resource.type, path)
                )
                fix = f"use {_code(use)}" if use else "see the 5.0 upgrade guide"
                yield (
                    f"{resource.address}: `{path}` is deprecated in AWS provider 4.x and "
                    f"removed in 5.0; {fix}"
                )


def _gone(block: Block, before: BlockSchema, after: BlockSchema, path: list[str]) -> Iterator[str]:
    """Paths written in `block` that `before` accepts and `after` has no name for at all."""
    if before.opaque or after.opaque:
        return
    names = set(block.attributes) | {b.type for b in block.blocks if b.type != "dynamic"}
    for name in sorted(names):
        known_before = before.argument(name) is not None or before.block(name) is not None
        known_after = after.argument(name) is not None or after.block(name) is not None
        if known_before and not known_after:
            yield ".".join([*path, name])
    for child in block.blocks:
        inner_before, inner_after = before.block(child.type), after.block(child.type)
        if inner_before is not None and inner_after is not None:
            yield from _gone(child, inner_before, inner_after, [*path, child.type])
