"""SEC-ENCRYPTION-AT-REST: Data store not encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from evalkit.aws import aws_of
from evalkit.aws.encryption import EncryptionView
from evalkit.checks._helpers import Problem, per_instance
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform import ResourceInstance, TerraformModel


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
    view = aws_of(model).encryption
    stores = view.stores()
    if not stores:
        return None
    return [f for store in stores for f in per_instance(store, partial(_unencrypted, view))]


def _unencrypted(view: EncryptionView, store: ResourceInstance) -> Iterator[Problem]:
    """Settings known to leave the store's data unencrypted (unknown is not a failure)."""
    for setting in view.at_rest(store):
        if setting.encrypted is False:
            yield setting.file, setting.line, f"{setting.problem}; {setting.fix}"
