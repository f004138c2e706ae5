"""The availability views: HCL in, zone spreads and database failover out, known and
unknown (a zone or subnet evalkit cannot see, a count it cannot know)."""

from __future__ import annotations

import textwrap

from evalkit.aws.availability import (
    balancer_spread,
    cluster_members,
    fails_over_to_members,
    group_spread,
    has_standby,
    is_standalone_database,
    vpc_spreads,
)
from evalkit.terraform.model import ResourceInstance, TerraformModel, build_model


def model_of(text: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})


def instance(model: TerraformModel, address: str) -> ResourceInstance:
    resource = model.find_resource(address)
    assert resource is not None, address
    return resource.instances[0]


SUBNETS = """
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "{zone_a}"
}
resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = {zone_b}
}
"""


def subnets(zone_a: str, zone_b: str) -> str:
    return SUBNETS.replace("{zone_a}", zone_a).replace("{zone_b}", zone_b)


def test_vpc_with_subnets_in_one_zone_is_single_zone() -> None:
    model = model_of(subnets("us-east-1a", '"us-east-1a"'))
    [spread] = vpc_spreads(model)
    assert spread.address == "aws_vpc.main"
    assert spread.spread.single_zone() is True
    assert spread.spread.zone is not None and spread.spread.zone.describe() == '"us-east-1a"'


def test_vpc_with_subnets_in_two_zones_is_not_single_zone() -> None:
    model = model_of(subnets("us-east-1a", '"us-east-1b"'))
    [spread] = vpc_spreads(model)
    assert spread.spread.single_zone() is False


def test_subnet_zone_from_a_variable_without_default_is_unknown() -> None:
    # A zone name and an expression may name the same zone.
    model = model_of(subnets("us-east-1a", "var.zone") + 'variable "zone" {}\n')
    [spread] = vpc_spreads(model)
    assert spread.spread.single_zone() is None


def test_vpc_given_to_a_registry_module_is_not_judged() -> None:
    model = model_of(
        subnets("us-east-1a", '"us-east-1a"')
        + """
        module "more" {
          source = "terraform-aws-modules/vpc/aws"
          vpc_id = aws_vpc.main.id
        }
        """
    )
    assert list(vpc_spreads(model)) == []


def test_group_and_balancer_spread_over_their_subnets() -> None:
    model = model_of(
        subnets("us-east-1a", '"us-east-1b"')
        + """
        resource "aws_autoscaling_group" "web" {
          min_size            = 1
          max_size            = 2
          vpc_zone_identifier = [aws_subnet.a.id]
        }
        resource "aws_lb" "web" {
          subnets = [aws_subnet.a.id, aws_subnet.b.id]
        }
        resource "aws_elb" "old" {
          availability_zones = ["us-east-1a"]
        }
        """
    )
    group = group_spread(model, instance(model, "aws_autoscaling_group.web"))
    assert group is not None and group.noun == "subnet" and group.single_zone() is True
    balancer = balancer_spread(model, instance(model, "aws_lb.web"))
    assert balancer is not None and balancer.single_zone() is False
    old = balancer_spread(model, instance(model, "aws_elb.old"))
    assert old is not None and old.noun == "zone" and old.single_zone() is True


def test_subnets_from_a_variable_are_unknown_and_no_placement_is_none() -> None:
    model = model_of(
        """
        variable "subnets" { type = list(string) }
        resource "aws_autoscaling_group" "web" {
          min_size            = 1
          max_size            = 2
          vpc_zone_identifier = var.subnets
        }
        resource "aws_lb" "web" {}
        """
    )
    group = group_spread(model, instance(model, "aws_autoscaling_group.web"))
    assert group is not None and group.placed is None and group.single_zone() is None
    assert balancer_spread(model, instance(model, "aws_lb.web")) is None


def test_standalone_database_standby() -> None:
    model = model_of(
        """
        variable "multi_az" { type = bool }
        resource "aws_db_instance" "single" { engine = "postgres" }
        resource "aws_db_instance" "multi" {
          engine   = "postgres"
          multi_az = true
        }
        resource "aws_db_instance" "unknown" {
          engine   = "postgres"
          multi_az = var.multi_az
        }
        resource "aws_db_instance" "replica" {
          replicate_source_db = aws_db_instance.multi.identifier
        }
        """
    )
    assert has_standby(instance(model, "aws_db_instance.single")) is False
    assert has_standby(instance(model, "aws_db_instance.multi")) is True
    assert has_standby(instance(model, "aws_db_instance.unknown")) is None
    assert is_standalone_database(instance(model, "aws_db_instance.single"))
    assert not is_standalone_database(instance(model, "aws_db_instance.replica"))


def test_aurora_cluster_members_are_counted() -> None:
    model = model_of(
        """
        variable "readers" { type = number }
        resource "aws_rds_cluster" "two" { engine = "aurora-postgresql" }
        resource "aws_rds_cluster_instance" "two" {
          count              = 2
          cluster_identifier = aws_rds_cluster.two.id
        }
        resource "aws_rds_cluster" "one" { engine = "aurora-mysql" }
        resource "aws_rds_cluster_instance" "one" {
          cluster_identifier = aws_rds_cluster.one.id
        }
        resource "aws_rds_cluster" "some" { engine = "aurora-mysql" }
        resource "aws_rds_cluster_instance" "some" {
          count              = var.readers
          cluster_identifier = aws_rds_cluster.some.id
        }
        resource "aws_rds_cluster" "v1" {
          engine      = "aurora-mysql"
          engine_mode = "serverless"
        }
        """
    )
    members = cluster_members(model)
    assert members.of("aws_rds_cluster.two") == 2
    assert members.of("aws_rds_cluster.one") == 1
    assert members.names["aws_rds_cluster.one"] == ["aws_rds_cluster_instance.one"]
    assert members.of("aws_rds_cluster.some") is None
    assert members.of("aws_rds_cluster.v1") == 0
    assert fails_over_to_members(instance(model, "aws_rds_cluster.two")) is True
    assert fails_over_to_members(instance(model, "aws_rds_cluster.v1")) is False


def test_cluster_engine_from_a_variable_is_unknown() -> None:
    model = model_of(
        """
        variable "engine" { type = string }
        resource "aws_rds_cluster" "main" { engine = var.engine }
        """
    )
    assert fails_over_to_members(instance(model, "aws_rds_cluster.main")) is None
