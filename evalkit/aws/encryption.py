"""Encryption at rest of the data stores a submission creates, in one shape.

Every store type of ``STORE_TYPES`` (RDS instances, clusters and global clusters, DocumentDB
and Neptune clusters, EBS volumes, the volumes EC2 launchers give their instances (through
`evalkit.aws.launch`), EFS file systems, Redshift clusters, ElastiCache replication groups,
Kinesis streams, OpenSearch and Elasticsearch domains) answers `EncryptionView.at_rest(store)`:
one `AtRest` per setting that decides whether its data is encrypted, with the attribute and
line that decide it and the fix.

`AtRest.encrypted` is True, False, or None for unknown: a value from an input without
default, a volume that takes its snapshot's encryption, a replica or secondary that takes its
source's. What AWS encrypts whatever the code says counts as True: a Valkey replication group
with no flag, an Aurora Serverless v1 cluster, an EBS volume in a region with
`aws_ebs_encryption_by_default`, a secondary of an encrypted global cluster. A database
instance of a cluster answers nothing: its storage is the cluster's.

S3 buckets and DynamoDB tables are not stores here: AWS encrypts them always.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from evalkit.aws.launch import LaunchView, Volume
from evalkit.aws.values import names_a_source, truth
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel


@dataclass(frozen=True)
class AtRest:
    """Whether one setting of a store encrypts its data: `attribute` decides it, written at
    `file`:`line` (the store's own line when it is left out). `problem` is what the store does
    while unencrypted and `fix` how to turn encryption on."""

    encrypted: bool | None
    attribute: str
    file: str
    line: int
    problem: str
    fix: str


class EncryptionView:
    """Encryption at rest of the data stores of one submission (or root)."""

    def __init__(self, model: TerraformModel, launch: LaunchView) -> None:
        self.model = model
        self.launch = launch

    def stores(self) -> list[Resource]:
        """The resources of the submission whose data is (or may be) encrypted at rest."""
        return list(self.model.resources(*STORE_TYPES))

    def at_rest(self, store: ResourceInstance) -> list[AtRest]:
        """The settings that decide whether `store`'s data is encrypted at rest."""
        return list(_READERS[store.resource.type](self, store))


def _flag(body: Body, attribute: str, problem: str, fix: str) -> AtRest:
    """A boolean flag: absent is False, an unknown value None."""
    encrypted = truth(body.get(attribute)) if body.has(attribute) else False
    return AtRest(encrypted, attribute, body.file, body.line_of(attribute), problem, fix)


def _inherited(body: Body, attribute: str, encrypted: bool | None = None) -> AtRest:
    """Encryption another resource (named by `attribute`) decides, or AWS does."""
    return AtRest(encrypted, attribute, body.file, body.line_of(attribute), "", "")


_UNENCRYPTED = "stores data unencrypted"
_STORAGE_FIX = "set storage_encrypted = true."


def _storage_flag(body: Body) -> AtRest:
    return _flag(body, "storage_encrypted", _UNENCRYPTED, _STORAGE_FIX)


def _rds_instance(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    engine = body.get("engine")
    if body.has("cluster_identifier") or (isinstance(engine, str) and engine.startswith("aurora")):
        return  # its storage is the cluster's
    if names_a_source(body, "replicate_source_db"):
        yield _inherited(body, "replicate_source_db")
        return
    yield _storage_flag(body)


def _rds_cluster(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    if body.get("engine_mode") == "serverless":
        yield _inherited(body, "engine_mode", True)
    elif names_a_source(body, "replication_source_identifier"):
        yield _inherited(body, "replication_source_identifier")
    elif not body.has("storage_encrypted") and _global_cluster_encrypted(view, body):
        yield _inherited(body, "global_cluster_identifier", True)
    else:
        yield _storage_flag(body)


def _global_cluster_encrypted(view: EncryptionView, body: Body) -> bool:
    """A secondary inherits the encryption of the global cluster it joins."""
    if not body.has("global_cluster_identifier"):
        return False
    globals_ = view.model.referenced_resources(
        body.get("global_cluster_identifier"), "aws_rds_global_cluster"
    )
    return any(truth(g.config.get("storage_encrypted")) for g in globals_)


def _rds_global_cluster(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    if body.has("source_db_cluster_identifier"):
        # Created from an existing cluster, whose encryption it keeps.
        yield _inherited(body, "source_db_cluster_identifier")
    else:
        yield _storage_flag(body)


def _flag_reader(attribute: str) -> Reader:
    def reader(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
        yield _flag(body, attribute, _UNENCRYPTED, f"set {attribute} = true.")

    return reader


def _ebs_volume(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    if view.launch.encrypted_by_default(body.resource):
        yield _inherited(body, "encrypted", True)
    else:
        yield _flag(body, "encrypted", "creates an unencrypted EBS volume", "set encrypted = true.")


def _launched_volumes(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    """Volumes an instance, launch configuration or launch template declares, or leaves to
    the AMI (an instance launched from a template gets the template's, answered there)."""
    template = body.resource.type == "aws_launch_template"
    for volume in view.launch.volumes(body):
        encrypted = True if volume.encrypted_by_default else volume.encrypted
        yield _launched_volume(body, volume, encrypted, template)


def _launched_volume(
    launcher: ResourceInstance, volume: Volume, encrypted: bool | None, template: bool
) -> AtRest:
    if volume.block is None and template:
        return AtRest(
            encrypted,
            "block_device_mappings",
            launcher.file,
            launcher.line,
            "launches instances with an unencrypted root volume",
            "add block_device_mappings with ebs { encrypted = true } for the root device.",
        )
    if volume.block is None:
        return AtRest(
            encrypted,
            "root_block_device",
            launcher.file,
            launcher.line,
            "has an unencrypted root volume",
            "add root_block_device { encrypted = true }.",
        )
    file, line = volume.block.file, volume.block.line_of("encrypted")
    if template:
        return AtRest(
            encrypted,
            "block_device_mappings.ebs.encrypted",
            file,
            line,
            "launches instances with an unencrypted EBS volume",
            "set encrypted = true in block_device_mappings.ebs.",
        )
    kind = volume.kind
    problem = f"has an unencrypted {kind.replace('_', ' ')}"
    return AtRest(encrypted, f"{kind}.encrypted", file, line, problem, "set encrypted = true.")


def _elasticache_group(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    if body.has("global_replication_group_id"):
        # A global datastore's secondary takes its primary's encryption.
        yield _inherited(body, "global_replication_group_id")
    elif not body.has("at_rest_encryption_enabled") and body.get("engine") == "valkey":
        # Valkey groups are encrypted at rest unless the flag turns it off.
        yield _inherited(body, "engine", True)
    else:
        yield _flag(
            body,
            "at_rest_encryption_enabled",
            _UNENCRYPTED,
            "set at_rest_encryption_enabled = true.",
        )


def _kinesis_stream(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    # Streams are created with encryption_type NONE unless the code asks for KMS.
    kind = body.get("encryption_type") if body.has("encryption_type") else "NONE"
    yield AtRest(
        kind.upper() == "KMS" if isinstance(kind, str) else None,
        "encryption_type",
        body.file,
        body.line_of("encryption_type"),
        "stores records unencrypted",
        'set encryption_type = "KMS" with a kms_key_id (e.g. "alias/aws/kinesis").',
    )


def _search_domain(view: EncryptionView, body: ResourceInstance) -> Iterator[AtRest]:
    blocks = body.blocks("encrypt_at_rest")
    problem = "stores indexes unencrypted"
    if not blocks:
        fix = "add encrypt_at_rest { enabled = true }."
        yield AtRest(False, "encrypt_at_rest", body.file, body.line, problem, fix)
    for block in blocks:
        yield _flag(block, "enabled", problem, "set encrypt_at_rest { enabled = true }.")


Reader = Callable[[EncryptionView, ResourceInstance], Iterator[AtRest]]

_READERS: dict[str, Reader] = {
    "aws_db_instance": _rds_instance,
    "aws_rds_cluster": _rds_cluster,
    "aws_rds_global_cluster": _rds_global_cluster,
    "aws_docdb_cluster": _flag_reader("storage_encrypted"),
    "aws_neptune_cluster": _flag_reader("storage_encrypted"),
    "aws_ebs_volume": _ebs_volume,
    "aws_instance": _launched_volumes,
    "aws_launch_configuration": _launched_volumes,
    "aws_launch_template": _launched_volumes,
    "aws_efs_file_system": _flag_reader("encrypted"),
    "aws_elasticache_replication_group": _elasticache_group,
    "aws_redshift_cluster": _flag_reader("encrypted"),
    "aws_kinesis_stream": _kinesis_stream,
    "aws_opensearch_domain": _search_domain,
    "aws_elasticsearch_domain": _search_domain,
}
# The data store types whose encryption at rest the code decides.
STORE_TYPES = tuple(_READERS)
