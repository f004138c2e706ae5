"""References that name nothing: HCL in, the dangling references out."""

from __future__ import annotations

import textwrap

from evalkit.terraform import DanglingKind, dangling_references
from evalkit.terraform.model import TerraformModel, build_model


def model_of(files: dict[str, str]) -> TerraformModel:
    return build_model({name: textwrap.dedent(text) for name, text in files.items()})


def dangling(files: dict[str, str]) -> list[tuple[DanglingKind, str, str, int]]:
    return [(d.kind, d.address, d.name, d.line) for d in dangling_references(model_of(files))]


def test_an_undeclared_variable_local_and_resource_dangle() -> None:
    found = dangling(
        {
            "main.tf": """
            locals {
              name = var.missing
            }
            resource "aws_instance" "app" {
              subnet_id  = aws_subnet.nowhere.id
              tags       = { Name = local.name }
              depends_on = [aws_iam_role.gone]
            }
            """
        }
    )
    assert found == [
        (DanglingKind.UNDECLARED, "local.name", "var.missing", 3),
        (DanglingKind.UNDECLARED, "aws_instance.app", "aws_subnet.nowhere", 6),
        (DanglingKind.UNDECLARED, "aws_instance.app", "aws_iam_role.gone", 8),
    ]


def test_names_bound_by_the_expression_do_not_dangle() -> None:
    found = dangling(
        {
            "main.tf": """
            variable "ports" { default = [22, 443] }
            resource "aws_security_group" "web" {
              count = 2
              name  = "web-${count.index}-${path.module}-${terraform.workspace}"
              dynamic "ingress" {
                for_each = var.ports
                iterator = port
                content {
                  from_port   = port.value
                  to_port     = port.value
                  description = join(",", [for p in var.ports : tostring(p)])
                }
              }
            }
            """
        }
    )
    assert found == []


def test_a_missing_module_output_and_an_undeclared_argument_dangle() -> None:
    found = dangling(
        {
            "main.tf": """
            module "net" {
              source = "./net"
              cidr   = "10.0.0.0/16"
              zones  = 2
            }
            output "id" { value = module.net.vpc_id }
            """,
            "net/main.tf": """
            variable "cidr" {}
            output "id" { value = var.cidr }
            """,
        }
    )
    assert found == [
        (DanglingKind.ARGUMENT, "module.net", "zones", 5),
        (DanglingKind.UNDECLARED, "output.id", "output vpc_id of module.net", 7),
    ]


def test_sources_terraform_cannot_install() -> None:
    found = dangling(
        {
            "main.tf": """
            module "bare" { source = "modules/vpc" }
            module "gone" { source = "./nowhere" }
            """,
            "modules/vpc/main.tf": 'resource "aws_vpc" "v" {}\n',
        }
    )
    assert found == [
        (DanglingKind.UNINSTALLABLE_SOURCE, "module.bare", "modules/vpc", 2),
        (DanglingKind.MISSING_SOURCE, "module.gone", "nowhere", 3),
    ]


def test_an_unconfigured_alias_dangles_only_when_the_provider_is_configured() -> None:
    resource = 'resource "aws_s3_bucket" "b" {\n  provider = aws.west\n}\n'
    assert dangling({"main.tf": resource}) == []
    found = dangling({"main.tf": 'provider "aws" { region = "us-east-1" }\n' + resource})
    assert found == [(DanglingKind.PROVIDER_ALIAS, "aws_s3_bucket.b", "aws.west", 3)]


def test_count_and_each_name_nothing_where_the_block_does_not_repeat() -> None:
    found = dangling(
        {
            "main.tf": """
            variable "names" {
              type    = list(string)
              default = ["a"]
            }
            resource "aws_s3_bucket" "logs" {
              bucket = "logs-${count.index}"
              tags = {
                Loop   = "%{ for each in var.names }${each.key}%{ endfor }"
                Loops  = "%{ for count, name in var.names }${count.x}%{ endfor }"
                Broken = each.value
              }
            }
            resource "aws_instance" "web" {
              count         = 2
              ami           = "ami-0123456789abcdef0"
              instance_type = "t3.micro"
              user_data     = <<-EOT
                %{ for each in var.names ~}
                echo ${each.key} ${count.index}
                %{ endfor ~}
              EOT
            }
            """
        }
    )
    # Names a template's for directive binds are its own, in quoted strings and heredocs.
    assert found == [
        (DanglingKind.REPETITION, "aws_s3_bucket.logs", "count.index", 7),
        (DanglingKind.REPETITION, "aws_s3_bucket.logs", "each.value", 11),
    ]
