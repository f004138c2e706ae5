"""The health view: HCL in, what health-checks what out (target groups, the load balancer
traffic of Auto Scaling groups, Route 53 records), known and unknown."""

from __future__ import annotations

import textwrap

from evalkit.aws.health import (
    needs_health_check,
    record_check,
    target_check,
    traffic_source,
    uses_ec2_checks,
)
from evalkit.terraform.model import ResourceInstance, TerraformModel, build_model


def model_of(text: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})


def instance(model: TerraformModel, address: str) -> ResourceInstance:
    resource = model.find_resource(address)
    assert resource is not None, address
    return resource.instances[0]


def test_target_group_health_checks() -> None:
    model = model_of(
        """
        variable "kind" { type = string }
        resource "aws_lb_target_group" "none" { port = 80 }
        resource "aws_lb_target_group" "off" {
          port = 80
          health_check { enabled = false }
        }
        resource "aws_lb_target_group" "on" {
          port = 80
          health_check { path = "/health" }
        }
        resource "aws_lb_target_group" "fn" { target_type = "lambda" }
        resource "aws_lb_target_group" "unknown" { target_type = var.kind }
        """
    )
    none = target_check(instance(model, "aws_lb_target_group.none"))
    assert none is not None and not none.declared
    off = target_check(instance(model, "aws_lb_target_group.off"))
    assert off is not None and off.declared and off.disabled_lines == (5,)
    on = target_check(instance(model, "aws_lb_target_group.on"))
    assert on is not None and on.declared and on.disabled_lines == ()
    assert target_check(instance(model, "aws_lb_target_group.fn")) is None
    assert target_check(instance(model, "aws_lb_target_group.unknown")) is None


def test_group_behind_a_load_balancer_and_its_check_type() -> None:
    model = model_of(
        """
        variable "check" { type = string }
        resource "aws_lb" "web" {}
        resource "aws_lb_target_group" "web" { port = 80 }
        resource "aws_lb_listener" "web" {
          load_balancer_arn = aws_lb.web.arn
          default_action {
            type             = "forward"
            target_group_arn = aws_lb_target_group.web.arn
          }
        }
        resource "aws_autoscaling_group" "web" {
          min_size          = 1
          max_size          = 2
          target_group_arns = [aws_lb_target_group.web.arn]
        }
        resource "aws_autoscaling_group" "alone" {
          min_size          = 1
          max_size          = 2
          health_check_type = var.check
        }
        """
    )
    web = instance(model, "aws_autoscaling_group.web")
    assert traffic_source(model, web) == "aws_lb.web via aws_lb_target_group.web"
    assert uses_ec2_checks(web) is True
    alone = instance(model, "aws_autoscaling_group.alone")
    assert traffic_source(model, alone) is None
    assert uses_ec2_checks(alone) is None


def test_route53_records_that_need_a_health_check() -> None:
    model = model_of(
        """
        resource "aws_route53_health_check" "off" {
          fqdn     = "example.com"
          type     = "HTTPS"
          disabled = true
        }
        resource "aws_route53_record" "primary" {
          zone_id         = "Z1"
          name            = "www"
          type            = "A"
          set_identifier  = "primary"
          health_check_id = aws_route53_health_check.off.id
          failover_routing_policy { type = "PRIMARY" }
        }
        resource "aws_route53_record" "secondary" {
          zone_id        = "Z1"
          name           = "www"
          type           = "A"
          set_identifier = "secondary"
          failover_routing_policy { type = "SECONDARY" }
        }
        resource "aws_route53_record" "weighted" {
          zone_id        = "Z1"
          name           = "api"
          type           = "A"
          set_identifier = "a"
          weighted_routing_policy { weight = 1 }
        }
        """
    )
    primary = instance(model, "aws_route53_record.primary")
    assert needs_health_check(primary)
    check = record_check(model, primary)
    assert check.present and check.disabled is not None
    assert check.disabled.address == "aws_route53_health_check.off"
    assert not needs_health_check(instance(model, "aws_route53_record.secondary"))
    weighted = instance(model, "aws_route53_record.weighted")
    assert needs_health_check(weighted) and not record_check(model, weighted).present
