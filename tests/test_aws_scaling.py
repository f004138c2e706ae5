"""The scaling view: HCL in, what scales and what a fixed instance is for out, known and
unknown (a scaling policy whose group cannot be followed, a size from a variable)."""

from __future__ import annotations

import textwrap

from evalkit.aws.scaling import Scaling, scaled_compute_targets, tier_of
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel, build_model


def model_of(text: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})


def resource(model: TerraformModel, address: str) -> Resource:
    found = model.find_resource(address)
    assert found is not None, address
    return found


GROUPS = """
variable "size" { type = number }
resource "aws_autoscaling_group" "pinned" {
  min_size = 2
  max_size = 2
}
resource "aws_autoscaling_group" "ruled" {
  min_size = 2
  max_size = 2
}
resource "aws_autoscaling_group" "elastic" {
  min_size = 1
  max_size = 4
}
resource "aws_autoscaling_group" "unknown" {
  min_size = var.size
  max_size = 4
}
resource "aws_autoscaling_policy" "cpu" {
  autoscaling_group_name = aws_autoscaling_group.ruled.name
}
"""


def test_fixed_sizes_and_scaling_rules() -> None:
    model = model_of(GROUPS)
    scaling = Scaling(model)

    def group(name: str) -> ResourceInstance:
        return resource(model, f"aws_autoscaling_group.{name}").instances[0]

    assert scaling.fixed_size(group("pinned")) == 2
    assert scaling.fixed_size(group("elastic")) is None
    assert scaling.fixed_size(group("unknown")) is None
    assert scaling.has_scaling_rule(group("ruled")) is True
    assert scaling.has_scaling_rule(group("pinned")) is False


def test_a_policy_for_a_group_evalkit_cannot_follow_may_be_any_group() -> None:
    model = model_of(
        GROUPS
        + """
        variable "group" { type = string }
        resource "aws_autoscaling_policy" "other" { autoscaling_group_name = var.group }
        """
    )
    scaling = Scaling(model)
    pinned = resource(model, "aws_autoscaling_group.pinned").instances[0]
    assert scaling.has_scaling_rule(pinned) is None


def test_instances_registered_with_a_load_balancer_and_scalers_in_region() -> None:
    model = model_of(
        """
        resource "aws_instance" "api" { ami = "ami-1" }
        resource "aws_lb_target_group" "api" { port = 80 }
        resource "aws_lb_target_group_attachment" "api" {
          target_group_arn = aws_lb_target_group.api.arn
          target_id        = aws_instance.api.id
        }
        """
    )
    scaling = Scaling(model)
    server = resource(model, "aws_instance.api")
    assert scaling.registered_with(server) == ["aws_lb_target_group.api"]
    assert scaling.scales_in_region(server) is False


def test_ecs_scaling_targets_scale_compute() -> None:
    model = model_of(
        """
        resource "aws_appautoscaling_target" "ecs" {
          service_namespace  = "ecs"
          scalable_dimension = "ecs:service:DesiredCount"
          resource_id        = "service/main/web"
          min_capacity       = 1
          max_capacity       = 4
        }
        resource "aws_appautoscaling_target" "table" {
          service_namespace  = "dynamodb"
          scalable_dimension = "dynamodb:table:ReadCapacityUnits"
          resource_id        = "table/main"
          min_capacity       = 1
          max_capacity       = 4
        }
        resource "aws_instance" "web" { ami = "ami-1" }
        """
    )
    assert [t.address for t in scaled_compute_targets(model)] == ["aws_appautoscaling_target.ecs"]
    assert Scaling(model).scales_in_region(resource(model, "aws_instance.web")) is True


def test_tier_words_from_label_and_tags() -> None:
    model = model_of(
        """
        resource "aws_instance" "one" {
          ami  = "ami-1"
          tags = { Name = "webApp-frontend" }
        }
        resource "aws_instance" "webapp_bastion" { ami = "ami-1" }
        resource "aws_instance" "two" {
          ami  = "ami-1"
          tags = { Project = "api" }
        }
        """
    )
    assert tier_of(resource(model, "aws_instance.one")).app == ("app", "frontend", "web")
    bastion = tier_of(resource(model, "aws_instance.webapp_bastion"))
    assert bastion.app == ("webapp",) and bastion.other
    assert tier_of(resource(model, "aws_instance.two")).app == ()
