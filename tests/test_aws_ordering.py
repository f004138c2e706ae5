"""The creation-order view: HCL in, what AWS needs created first out."""

from __future__ import annotations

import textwrap

from evalkit.aws import aws_of
from evalkit.aws import ordering as o
from evalkit.terraform import depends_on_entry
from evalkit.terraform.model import TerraformModel, build_model

NETWORK = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}
resource "aws_eip" "nat" {
  domain = "vpc"
}
"""


def model_of(text: str, **files: str) -> TerraformModel:
    sources = {"main.tf": textwrap.dedent(text)}
    sources.update({name.replace("__", "/") + ".tf": body for name, body in files.items()})
    return build_model(sources)


def needs_of(model: TerraformModel, address: str) -> list[o.Prerequisite]:
    view = aws_of(model).ordering
    resource = next(r for r in view.subjects() if r.address == address)
    return [need for i in resource.instances for need in view.prerequisites(i)]


def test_a_public_nat_gateway_needs_the_internet_gateway_of_its_vpc() -> None:
    model = model_of(
        NETWORK
        + """
        resource "aws_nat_gateway" "main" {
          allocation_id = aws_eip.nat.id
          subnet_id     = aws_subnet.public.id
        }
        """
    )
    [need] = needs_of(model, "aws_nat_gateway.main")
    assert need.relation == o.INTERNET_GATEWAY
    assert [r.address for r in need.needs] == ["aws_internet_gateway.main"]
    assert need.about == "aws_vpc.main" and not need.each
    assert not model.dependencies.created_before(need.instance.resource, need.needs[0])


def test_a_private_nat_gateway_needs_nothing() -> None:
    model = model_of(
        NETWORK
        + """
        resource "aws_nat_gateway" "main" {
          connectivity_type = "private"
          subnet_id         = aws_subnet.public.id
        }
        """
    )
    assert needs_of(model, "aws_nat_gateway.main") == []


def test_an_unresolved_subnet_needs_nothing() -> None:
    model = model_of(
        NETWORK
        + """
        variable "subnet" {}
        resource "aws_nat_gateway" "main" {
          subnet_id = var.subnet
        }
        """
    )
    assert needs_of(model, "aws_nat_gateway.main") == []


def test_a_deployment_needs_each_integration_of_its_api() -> None:
    model = model_of(
        """
        resource "aws_api_gateway_rest_api" "api" { name = "api" }
        resource "aws_api_gateway_integration" "get" {
          rest_api_id = aws_api_gateway_rest_api.api.id
        }
        resource "aws_api_gateway_integration" "put" {
          rest_api_id = aws_api_gateway_rest_api.api.id
        }
        resource "aws_api_gateway_deployment" "api" {
          rest_api_id = aws_api_gateway_rest_api.api.id
          depends_on  = [aws_api_gateway_integration.get]
        }
        """
    )
    [need] = needs_of(model, "aws_api_gateway_deployment.api")
    assert need.relation == o.API_MEMBERS and need.each
    assert [r.address for r in need.needs] == [
        "aws_api_gateway_integration.get",
        "aws_api_gateway_integration.put",
    ]
    order = model.dependencies
    assert [r.address for r in need.needs if order.created_before(need.instance.resource, r)] == [
        "aws_api_gateway_integration.get"
    ]


def test_a_literal_route_target_needs_the_declared_gateway() -> None:
    model = model_of(
        NETWORK
        + """
        resource "aws_route" "out" {
          route_table_id         = "rtb-1"
          destination_cidr_block = "0.0.0.0/0"
          gateway_id             = "igw-0123456789"
        }
        """
    )
    [need] = needs_of(model, "aws_route.out")
    assert (need.relation, need.attribute, need.written) == (
        o.LITERAL_ID,
        "gateway_id",
        "igw-0123456789",
    )
    assert [r.address for r in need.needs] == ["aws_internet_gateway.main"]


def test_a_replica_naming_its_source_by_identifier_needs_it() -> None:
    model = model_of(
        """
        resource "aws_db_instance" "primary" { identifier = "orders" }
        resource "aws_db_instance" "replica" { replicate_source_db = "orders" }
        """
    )
    [need] = needs_of(model, "aws_db_instance.replica")
    assert need.relation == o.LITERAL_SOURCE_DB
    assert [r.address for r in need.needs] == ["aws_db_instance.primary"]
    assert [r.address for r in aws_of(model).ordering.subjects()] == ["aws_db_instance.replica"]


def test_depends_on_names_a_module_resource_by_its_call() -> None:
    model = model_of(
        """
        module "net" { source = "./net" }
        resource "aws_eip" "ip" { domain = "vpc" }
        """,
        net__main='resource "aws_internet_gateway" "gw" {}\n',
    )
    eip = next(model.resources("aws_eip"))
    gateway = next(model.resources("aws_internet_gateway"))
    assert depends_on_entry(eip, gateway) == "module.net"
    assert depends_on_entry(gateway, gateway) == "aws_internet_gateway.gw"
