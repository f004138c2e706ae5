"""The at-rest encryption view: HCL in, whether each data store's data is encrypted out
(True / False / None for unknown), with the attribute, line and fix."""

from __future__ import annotations

import textwrap

import pytest

from evalkit.aws import aws_of
from evalkit.aws.encryption import STORE_TYPES, AtRest
from evalkit.terraform.model import TerraformModel, build_model


def model_of(text: str, tfvars: str = "") -> TerraformModel:
    files = {"main.tf": textwrap.dedent(text).lstrip("\n")}
    if tfvars:
        files["terraform.tfvars"] = tfvars
    return build_model(files)


def at_rest(model: TerraformModel, address: str) -> list[AtRest]:
    resource = model.find_resource(address)
    assert resource is not None, address
    return aws_of(model).encryption.at_rest(resource.instances[0])


def answers(model: TerraformModel, address: str) -> list[tuple[bool | None, str]]:
    return [(setting.encrypted, setting.attribute) for setting in at_rest(model, address)]


def test_flags_known_true_false_missing_and_unknown() -> None:
    model = model_of(
        """
        variable "encrypt" {
          type = bool
        }
        resource "aws_efs_file_system" "on" {
          encrypted = true
        }
        resource "aws_efs_file_system" "off" {
          encrypted = false
        }
        resource "aws_redshift_cluster" "missing" {
          cluster_identifier = "dw"
        }
        resource "aws_docdb_cluster" "unknown" {
          storage_encrypted = var.encrypt
        }
        """
    )
    assert answers(model, "aws_efs_file_system.on") == [(True, "encrypted")]
    [off] = at_rest(model, "aws_efs_file_system.off")
    assert (off.encrypted, off.line, off.problem, off.fix) == (
        False,
        8,
        "stores data unencrypted",
        "set encrypted = true.",
    )
    [missing] = at_rest(model, "aws_redshift_cluster.missing")
    assert (missing.encrypted, missing.line) == (False, 10)
    assert answers(model, "aws_docdb_cluster.unknown") == [(None, "storage_encrypted")]


def test_databases_inherit_from_their_cluster_source_or_global_cluster() -> None:
    model = model_of(
        """
        resource "aws_rds_global_cluster" "g" {
          global_cluster_identifier = "g"
          storage_encrypted         = true
        }
        resource "aws_rds_cluster" "secondary" {
          global_cluster_identifier = aws_rds_global_cluster.g.id
        }
        resource "aws_rds_cluster" "alone" {
          engine = "aurora-postgresql"
        }
        resource "aws_rds_cluster" "v1" {
          engine_mode = "serverless"
        }
        resource "aws_db_instance" "member" {
          cluster_identifier = aws_rds_cluster.alone.id
        }
        resource "aws_db_instance" "replica" {
          replicate_source_db = "primary"
        }
        resource "aws_db_instance" "primary" {
          replicate_source_db = ""
        }
        """
    )
    assert answers(model, "aws_rds_cluster.secondary") == [(True, "global_cluster_identifier")]
    assert answers(model, "aws_rds_cluster.alone") == [(False, "storage_encrypted")]
    assert answers(model, "aws_rds_cluster.v1") == [(True, "engine_mode")]
    assert answers(model, "aws_db_instance.member") == []
    assert answers(model, "aws_db_instance.replica") == [(None, "replicate_source_db")]
    assert answers(model, "aws_db_instance.primary") == [(False, "storage_encrypted")]


def test_elasticache_kinesis_and_search_domains() -> None:
    model = model_of(
        """
        resource "aws_elasticache_replication_group" "valkey" {
          engine = "valkey"
        }
        resource "aws_elasticache_replication_group" "redis" {
          engine = "redis"
        }
        resource "aws_kinesis_stream" "plain" {
          name = "s"
        }
        resource "aws_kinesis_stream" "kms" {
          encryption_type = "kms"
        }
        resource "aws_opensearch_domain" "none" {
          domain_name = "d"
        }
        resource "aws_opensearch_domain" "two" {
          encrypt_at_rest {
            enabled = true
          }
          encrypt_at_rest {
            enabled = false
          }
        }
        """
    )
    assert answers(model, "aws_elasticache_replication_group.valkey") == [(True, "engine")]
    assert answers(model, "aws_elasticache_replication_group.redis") == [
        (False, "at_rest_encryption_enabled")
    ]
    assert answers(model, "aws_kinesis_stream.plain") == [(False, "encryption_type")]
    assert answers(model, "aws_kinesis_stream.kms") == [(True, "encryption_type")]
    [none] = at_rest(model, "aws_opensearch_domain.none")
    assert (none.encrypted, none.line, none.fix) == (
        False,
        13,
        "add encrypt_at_rest { enabled = true }.",
    )
    assert answers(model, "aws_opensearch_domain.two") == [(True, "enabled"), (False, "enabled")]


def test_volumes_of_launchers_and_the_regional_default() -> None:
    model = model_of(
        """
        resource "aws_instance" "bare" {
          ami = "ami-1"
        }
        resource "aws_launch_template" "lt" {
          block_device_mappings {
            device_name = "/dev/xvda"
            ebs {
              encrypted = true
            }
          }
        }
        resource "aws_ebs_volume" "data" {
          availability_zone = "us-east-1a"
        }
        """
    )
    [root] = at_rest(model, "aws_instance.bare")
    assert (root.encrypted, root.attribute, root.line) == (False, "root_block_device", 1)
    assert root.fix == "add root_block_device { encrypted = true }."
    assert answers(model, "aws_launch_template.lt") == [
        (True, "block_device_mappings.ebs.encrypted")
    ]
    assert answers(model, "aws_ebs_volume.data") == [(False, "encrypted")]
    by_default = model_of(
        """
        provider "aws" {
          region = "us-east-1"
        }
        resource "aws_ebs_encryption_by_default" "on" {
          enabled = true
        }
        resource "aws_ebs_volume" "data" {
          availability_zone = "us-east-1a"
        }
        resource "aws_instance" "bare" {
          ami = "ami-1"
        }
        """
    )
    assert answers(by_default, "aws_ebs_volume.data") == [(True, "encrypted")]
    assert answers(by_default, "aws_instance.bare") == [(True, "root_block_device")]


@pytest.mark.parametrize("kind", ["aws_s3_bucket", "aws_dynamodb_table"])
def test_stores_aws_always_encrypts_are_not_stores(kind: str) -> None:
    model = model_of(f'resource "{kind}" "x" {{\n}}\n')
    assert kind not in STORE_TYPES
    assert aws_of(model).encryption.stores() == []
