"""COST-NO-S3-LIFECYCLE: S3 bucket without lifecycle rules."""

from __future__ import annotations

from evalkit.checks._helpers import (
    bucket_has_companion,
    companion_of_unknown_bucket,
    resource_finding,
    where,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, TerraformModel

S3_LIFECYCLE = "aws_s3_bucket_lifecycle_configuration"


@check(
    "COST-NO-S3-LIFECYCLE",
    category="cost",
    severity="low",
    title="S3 bucket without lifecycle rules",
)
def no_s3_lifecycle(model: TerraformModel) -> list[Finding] | None:
    """An S3 bucket has no lifecycle configuration.

    A bucket passes with an inline `lifecycle_rule` block (AWS provider before v4) or an
    `aws_s3_bucket_lifecycle_configuration` whose `bucket` refers to it: by `.id` or
    `.bucket`, through an instance of a `count`/`for_each` bucket, a module output, or its
    literal name. n/a when the submission creates no bucket.

    Why: without lifecycle rules logs, backups and old object versions are kept, and paid
    for, forever in the most expensive storage class.

    Fix: transition cold data and expire what is no longer needed, noncurrent versions too.

        resource "aws_s3_bucket_lifecycle_configuration" "logs" {
          bucket = aws_s3_bucket.logs.id
          rule {
            id     = "archive-then-expire"
            status = "Enabled"
            filter {}
            transition {
              days          = 30
              storage_class = "STANDARD_IA"
            }
            expiration { days = 365 }
            noncurrent_version_expiration { noncurrent_days = 90 }
          }
        }
    """
    buckets = list(model.resources("aws_s3_bucket"))
    if not buckets:
        return None
    # A configuration whose bucket evalkit cannot resolve (a variable without a value, a data
    # source) may well be any bucket's: then no bucket fails.
    if companion_of_unknown_bucket(model, S3_LIFECYCLE):
        return []
    return [
        resource_finding(
            bucket,
            f"{bucket.address}{where(bucket)} has no lifecycle configuration; add an "
            f"{S3_LIFECYCLE} that transitions old objects to cheaper storage and expires them "
            "(and noncurrent versions).",
        )
        for bucket in buckets
        if not _has_lifecycle(model, bucket)
    ]


def _has_lifecycle(model: TerraformModel, bucket: Resource) -> bool:
    return bool(bucket.config.blocks("lifecycle_rule")) or bucket_has_companion(
        model, bucket, S3_LIFECYCLE
    )
