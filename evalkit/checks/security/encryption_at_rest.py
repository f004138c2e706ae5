"""SEC-ENCRYPTION-AT-REST: Data store not encrypted at rest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from evalkit.aws import aws_of
from evalkit.aws.launch import LaunchView
from evalkit.checks._helpers import (
    Problem,
    names_a_source,
    per_instance,
    truth,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel

STORAGE_FIX = "set storage_encrypted = true."


@check(
    "SEC-ENCRYPTION-AT-REST",
    category="security",
    severity="critical",
    title="Data store not encrypted at rest",
)
def encryption_at_rest(model: TerraformModel) -> list[Finding] | None:
    """A data store is created without encryption at rest.

    Fails on: RDS instances and clusters without `storage_encrypted = true` (a secondary in a
    global cluster inherits the global cluster's setting); EBS volumes, instance root/EBS
    block devices and launch template/configuration volumes without `encrypted = true`, and
    instances, launch configurations and launch templates that declare no root volume at
    all (its AMI's volume is unencrypted), unless `aws_ebs_encryption_by_default` is enabled
    in that region; EFS file systems and Redshift clusters without `encrypted = true`;
    ElastiCache replication groups without `at_rest_encryption_enabled = true` (Valkey
    encrypts unless told not to; a secondary of a global datastore, with
    `global_replication_group_id`, inherits its primary's setting); Kinesis data streams
    without `encryption_type = "KMS"` (the provider's default is `NONE`); OpenSearch and
    Elasticsearch domains without `encrypt_at_rest { enabled = true }`.
    A flag whose value cannot be known (a variable without a value) is not a failure.
    Read replicas inherit their source's encryption and are not judged; a
    `replicate_source_db` or `replication_source_identifier` set to null or "" names no
    source, so that database is judged as a primary.

    Not judged, because AWS encrypts them whatever the code says: S3 buckets (SSE-S3 is
    applied to every bucket since 2023-01-05 and cannot be turned off) and DynamoDB tables
    (`server_side_encryption { enabled = false }` selects the AWS-owned key). A check that
    cannot fail on them does not apply to them: a submission whose only data stores are
    buckets and tables is n/a here, so adding a bucket never earns a pass.

    Why: unencrypted storage exposes data through snapshots, backups and lost media, and fails
    most compliance regimes.

    Fix: turn encryption on, ideally with a customer-managed KMS key.

        resource "aws_db_instance" "db" {
          storage_encrypted = true
          kms_key_id        = aws_kms_key.db.arn
        }
    """
    stores = list(model.resources(*_ENCRYPTION_RULES))
    if not stores:
        return None
    findings: list[Finding] = []
    context = _EncryptionContext(model, aws_of(model).launch)
    for resource in stores:
        findings.extend(
            per_instance(resource, partial(_ENCRYPTION_RULES[resource.type], context, resource))
        )
    return findings


@dataclass(frozen=True)
class _EncryptionContext:
    model: TerraformModel
    launch: LaunchView


EncryptionRule = Callable[[_EncryptionContext, Resource, ResourceInstance], Iterator[Problem]]


def _unless_true(body: Body, attribute: str, what: str, fix: str) -> Iterator[Problem]:
    """A problem when `attribute` is absent or known to be false (unknown is not a failure)."""
    if body.has(attribute) and truth(body.get(attribute)) is not False:
        return
    yield body.file, body.line_of(attribute), f"{what}; {fix}"


def _rds_instance(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    engine = body.get("engine")
    if (
        body.has("cluster_identifier")
        or (isinstance(engine, str) and engine.startswith("aurora"))
        or names_a_source(body, "replicate_source_db")
    ):
        return  # storage belongs to the cluster, or is inherited from the source
    yield from _unless_true(body, "storage_encrypted", "stores data unencrypted", STORAGE_FIX)


def _rds_cluster(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    if body.get("engine_mode") == "serverless" or names_a_source(
        body, "replication_source_identifier"
    ):
        return
    if not body.has("storage_encrypted") and body.has("global_cluster_identifier"):
        globals_ = context.model.referenced_resources(
            body.get("global_cluster_identifier"), "aws_rds_global_cluster"
        )
        if any(truth(g.config.get("storage_encrypted")) for g in globals_):
            return  # a secondary inherits the global cluster's encryption
    yield from _unless_true(body, "storage_encrypted", "stores data unencrypted", STORAGE_FIX)


def _rds_global_cluster(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    if body.has("source_db_cluster_identifier"):
        return  # created from an existing cluster, whose encryption it keeps
    yield from _unless_true(body, "storage_encrypted", "stores data unencrypted", STORAGE_FIX)


def _flag(attribute: str) -> EncryptionRule:
    def rule(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
        yield from _unless_true(
            body, attribute, "stores data unencrypted", f"set {attribute} = true."
        )

    return rule


def _ebs_volume(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    if not context.launch.encrypted_by_default(resource):
        yield from _unless_true(
            body, "encrypted", "creates an unencrypted EBS volume", "set encrypted = true."
        )


def _launched_volumes(
    context: _EncryptionContext, resource: Resource, body: ResourceInstance
) -> Iterator[Problem]:
    """Volumes an instance, launch configuration or launch template declares, or leaves to
    the AMI (an instance launched from a template gets the template's, judged there)."""
    template = resource.type == "aws_launch_template"
    for volume in context.launch.volumes(body):
        if volume.encrypted is not False or volume.encrypted_by_default:
            continue
        if volume.block is None and template:
            yield (
                body.file,
                body.line,
                "launches instances with an unencrypted root volume; add block_device_mappings "
                "with ebs { encrypted = true } for the root device.",
            )
        elif volume.block is None:
            yield (
                body.file,
                body.line,
                "has an unencrypted root volume; add root_block_device { encrypted = true }.",
            )
        elif template:
            yield (
                volume.block.file,
                volume.block.line_of("encrypted"),
                "launches instances with an unencrypted EBS volume; "
                "set encrypted = true in block_device_mappings.ebs.",
            )
        else:
            yield (
                volume.block.file,
                volume.block.line_of("encrypted"),
                f"has an unencrypted {volume.kind.replace('_', ' ')}; set encrypted = true.",
            )


def _elasticache_group(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    if body.has("global_replication_group_id"):
        return  # a global datastore's secondary takes its primary's encryption
    if not body.has("at_rest_encryption_enabled") and body.get("engine") == "valkey":
        return  # Valkey groups are encrypted at rest unless the flag turns it off
    yield from _unless_true(
        body,
        "at_rest_encryption_enabled",
        "stores data unencrypted",
        "set at_rest_encryption_enabled = true.",
    )


def _kinesis_stream(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    # Streams are created with encryption_type NONE unless the code asks for KMS.
    kind = body.get("encryption_type") if body.has("encryption_type") else "NONE"
    if isinstance(kind, str) and kind.upper() != "KMS":
        yield (
            body.file,
            body.line_of("encryption_type"),
            'stores records unencrypted; set encryption_type = "KMS" with a kms_key_id '
            '(e.g. "alias/aws/kinesis").',
        )


def _search_domain(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    blocks = body.blocks("encrypt_at_rest")
    fix = "add encrypt_at_rest { enabled = true }."
    if not blocks:
        yield body.file, body.line, f"stores indexes unencrypted; {fix}"
    for block in blocks:
        yield from _unless_true(
            block,
            "enabled",
            "stores indexes unencrypted",
            "set encrypt_at_rest { enabled = true }.",
        )


_ENCRYPTION_RULES: dict[str, EncryptionRule] = {
    "aws_db_instance": _rds_instance,
    "aws_rds_cluster": _rds_cluster,
    "aws_rds_global_cluster": _rds_global_cluster,
    "aws_docdb_cluster": _flag("storage_encrypted"),
    "aws_neptune_cluster": _flag("storage_encrypted"),
    "aws_ebs_volume": _ebs_volume,
    "aws_instance": _launched_volumes,
    "aws_launch_configuration": _launched_volumes,
    "aws_launch_template": _launched_volumes,
    "aws_efs_file_system": _flag("encrypted"),
    "aws_elasticache_replication_group": _elasticache_group,
    "aws_redshift_cluster": _flag("encrypted"),
    "aws_kinesis_stream": _kinesis_stream,
    "aws_opensearch_domain": _search_domain,
    "aws_elasticsearch_domain": _search_domain,
}
