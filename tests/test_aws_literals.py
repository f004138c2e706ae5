"""AWS choices written as literals, and the written forms they are read from: HCL in,
literals out."""

from __future__ import annotations

import textwrap

from evalkit.aws import literals
from evalkit.terraform import optional_without_default, written_blocks
from evalkit.terraform.model import TerraformModel, build_model


def model_of(text: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text)})


def written(text: str) -> list[tuple[str, str, str]]:
    resource = next(model_of(text).resources())
    return [(x.attribute, x.kind, x.value) for x in literals.resource_literals(resource)]


def test_literal_cidrs_zones_sizes_and_amis_are_aws_choices() -> None:
    found = written(
        """
        resource "aws_instance" "app" {
          ami               = "ami-0123456789abcdef0"
          instance_type     = "t3.micro"
          availability_zone = "us-east-1a"
          egress {
            cidr_blocks = ["0.0.0.0/0", "10.0.0.0/8"]
          }
        }
        """
    )
    assert found == [
        ("ami", literals.AMI, "ami-0123456789abcdef0"),
        ("instance_type", literals.SIZE, "t3.micro"),
        ("availability_zone", literals.ZONE, "us-east-1a"),
        ("egress.cidr_blocks", literals.CIDR, "10.0.0.0/8"),
    ]


def test_values_from_inputs_and_data_sources_are_not_written() -> None:
    found = written(
        """
        variable "vpc_cidr" { default = "10.0.0.0/16" }
        resource "aws_subnet" "a" {
          cidr_block        = cidrsubnet(var.vpc_cidr, 8, 1)
          availability_zone = data.aws_availability_zones.all.names[0]
        }
        """
    )
    assert found == []


def test_values_the_resource_binds_itself_are_written() -> None:
    found = written(
        """
        resource "aws_subnet" "a" {
          for_each   = { a = "10.0.1.0/24", b = "10.0.2.0/24" }
          cidr_block = each.value
        }
        """
    )
    assert found == [
        ("cidr_block", literals.CIDR, "10.0.1.0/24"),
        ("cidr_block", literals.CIDR, "10.0.2.0/24"),
    ]


def test_a_serverless_class_and_a_region_endpoint() -> None:
    assert (
        written('resource "aws_rds_cluster_instance" "a" { instance_class = "db.serverless" }')
        == []
    )
    assert written(
        'resource "aws_vpc_endpoint" "s3" { service_name = "com.amazonaws.eu-west-1.s3" }'
    ) == [("service_name", literals.ENDPOINT, "com.amazonaws.eu-west-1.s3")]
    assert not literals.is_aws_choice(literals.SIZE, "db.serverless")
    assert not literals.is_aws_choice(literals.CIDR, "::/0")
    assert not literals.is_aws_choice(literals.AMI, "ami-xyz")


def test_dynamic_blocks_expand_with_their_written_items() -> None:
    resource = next(
        model_of(
            """
            resource "aws_security_group" "web" {
              dynamic "ingress" {
                for_each = ["10.0.0.0/16", "10.1.0.0/16"]
                content { cidr_blocks = [ingress.value] }
              }
              lifecycle { create_before_destroy = true }
            }
            """
        ).resources()
    )
    blocks = [(b.path, b.scope.get("ingress", {}).get("value")) for b in written_blocks(resource)]
    assert blocks == [("", None), ("ingress.", "10.0.0.0/16"), ("ingress.", "10.1.0.0/16")]


def test_a_literal_provider_region_is_pinned_unless_global_services_need_it() -> None:
    model = model_of(
        """
        provider "aws" { region = "eu-west-1" }
        provider "aws" {
          alias  = "edge"
          region = "us-east-1"
        }
        resource "aws_acm_certificate" "cdn" {
          provider    = aws.edge
          domain_name = "example.com"
        }
        """
    )
    pinned = [(p.address, p.region, p.line) for p in literals.pinned_regions(model)]
    assert pinned == [("provider.aws", "eu-west-1", 2)]


def test_optional_variables_without_default() -> None:
    model = model_of(
        """
        variable "a" { description = "Optional. The key to use." }
        variable "b" { nullable = true }
        variable "c" {
          description = "Leave empty for none."
          default     = null
        }
        variable "d" {
          description = "Settings; optional attributes."
          type        = object({ size = optional(number) })
        }
        variable "e" { description = "The key." }
        """
    )
    found = [(v.address, v.wording, v.line) for v in optional_without_default(model)]
    assert found == [("var.a", "Optional", 2), ("var.b", "", 3)]
