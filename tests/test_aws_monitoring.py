"""The monitoring views: HCL in, what alarms watch, who hears of them, and which activity
is logged out, known and unknown (a dimension or action evalkit cannot resolve, a module it
cannot read)."""

from __future__ import annotations

import textwrap

from evalkit.aws.monitoring import (
    Alerting,
    FlowLogs,
    Monitoring,
    keeps_logs_forever,
    writes_access_logs,
)
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel, build_model


def model_of(text: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})


def resource(model: TerraformModel, address: str) -> Resource:
    found = model.find_resource(address)
    assert found is not None, address
    return found


def instance(model: TerraformModel, address: str) -> ResourceInstance:
    return resource(model, address).instances[0]


def test_alarm_dimensions_watch_the_resources_they_name() -> None:
    model = model_of(
        """
        resource "aws_instance" "web" {
          count = 2
          ami   = "ami-1"
        }
        resource "aws_db_instance" "main" { identifier = "main" }
        resource "aws_cloudwatch_metric_alarm" "web" {
          alarm_name  = "web-cpu"
          namespace   = "AWS/EC2"
          metric_name = "CPUUtilization"
          dimensions  = { InstanceId = aws_instance.web[0].id }
        }
        """
    )
    monitoring = Monitoring(model)
    web = resource(model, "aws_instance.web")
    assert monitoring.is_watched(web)
    assert not monitoring.is_watched(resource(model, "aws_db_instance.main"))
    assert monitoring.unwatched_instances(web) == (["aws_instance.web[1]"], ["aws_instance.web[0]"])


def test_a_monitoring_module_evalkit_cannot_read_may_watch_what_it_is_given() -> None:
    model = model_of(
        """
        resource "aws_db_instance" "main" { identifier = "main" }
        resource "aws_lb" "web" {}
        module "alarms" {
          source   = "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
          db       = aws_db_instance.main.identifier
        }
        """
    )
    monitoring = Monitoring(model)
    assert monitoring.is_watched(resource(model, "aws_db_instance.main"))
    assert not monitoring.is_watched(resource(model, "aws_lb.web"))


def test_application_log_groups_and_retention() -> None:
    model = model_of(
        """
        variable "days" { type = number }
        resource "aws_cloudwatch_log_group" "flow" { name = "/vpc/flow-logs" }
        resource "aws_cloudwatch_log_group" "zero" {
          name              = "/app/zero"
          retention_in_days = 0
        }
        resource "aws_cloudwatch_log_group" "month" {
          name              = "/vpc/flowlogs-archive"
          retention_in_days = 30
        }
        resource "aws_cloudwatch_log_group" "unknown" {
          name              = "/aws/rds/main"
          retention_in_days = var.days
        }
        """
    )
    assert Monitoring(model).has_application_log_group() is True
    assert Monitoring(model).is_audit_log_group(resource(model, "aws_cloudwatch_log_group.flow"))
    assert keeps_logs_forever(resource(model, "aws_cloudwatch_log_group.flow")) is True
    assert keeps_logs_forever(resource(model, "aws_cloudwatch_log_group.zero")) is True
    assert keeps_logs_forever(resource(model, "aws_cloudwatch_log_group.month")) is False
    assert keeps_logs_forever(resource(model, "aws_cloudwatch_log_group.unknown")) is None


def test_no_application_log_group_unless_a_logging_module_may_make_one() -> None:
    flow_only = 'resource "aws_cloudwatch_log_group" "flow" { name = "/vpc/flow-logs" }\n'
    assert Monitoring(model_of(flow_only)).has_application_log_group() is False
    with_module = flow_only + 'module "logs" { source = "cloudposse/cloudwatch-logs/aws" }\n'
    assert Monitoring(model_of(with_module)).has_application_log_group() is None


def test_why_alarms_notify_nobody() -> None:
    model = model_of(
        """
        variable "actions" { type = list(string) }
        resource "aws_sns_topic" "alerts" { name = "alerts" }
        resource "aws_cloudwatch_metric_alarm" "none" { alarm_name = "none" }
        resource "aws_cloudwatch_metric_alarm" "off" {
          alarm_name      = "off"
          actions_enabled = false
          alarm_actions   = [aws_sns_topic.alerts.arn]
        }
        resource "aws_cloudwatch_metric_alarm" "empty" {
          alarm_name    = "empty"
          alarm_actions = []
        }
        resource "aws_cloudwatch_metric_alarm" "far" {
          provider      = aws.west
          alarm_name    = "far"
          alarm_actions = ["arn:aws:sns:us-east-1:123456789012:alerts"]
        }
        resource "aws_cloudwatch_metric_alarm" "good" {
          alarm_name    = "good"
          alarm_actions = [aws_sns_topic.alerts.arn]
        }
        resource "aws_cloudwatch_metric_alarm" "unknown" {
          alarm_name    = "unknown"
          alarm_actions = var.actions
        }
        provider "aws" {
          alias  = "west"
          region = "us-west-2"
        }
        """
    )
    alerting = Alerting(model)

    def silence(name: str) -> str | None:
        found = alerting.silence(instance(model, f"aws_cloudwatch_metric_alarm.{name}"))
        return found.reason if found else None

    assert silence("none") == "no actions"
    assert silence("off") == "disabled"
    assert silence("empty") == "empty actions"
    assert silence("far") == "other region"
    assert silence("good") is None
    assert silence("unknown") is None
    assert [t.address for t in alerting.alert_topics()] == ["aws_sns_topic.alerts"]
    assert "aws_sns_topic.alerts" not in alerting.subscribed


def test_subscriptions_by_reference_and_by_arn() -> None:
    model = model_of(
        """
        resource "aws_sns_topic" "alerts" { name = "alerts" }
        resource "aws_sns_topic" "pager" { name = "pager" }
        resource "aws_sns_topic_subscription" "email" {
          topic_arn = aws_sns_topic.alerts.arn
          protocol  = "email"
          endpoint  = "ops@example.com"
        }
        resource "aws_sns_topic_subscription" "sms" {
          topic_arn = "arn:aws:sns:us-east-1:123456789012:pager"
          protocol  = "sms"
          endpoint  = "+15555550100"
        }
        """
    )
    assert Alerting(model).subscribed >= {"aws_sns_topic.alerts", "aws_sns_topic.pager"}


def test_flow_logs_cover_the_vpcs_they_name() -> None:
    model = model_of(
        """
        resource "aws_vpc" "logged" { cidr_block = "10.0.0.0/16" }
        resource "aws_vpc" "silent" { cidr_block = "10.1.0.0/16" }
        resource "aws_flow_log" "logged" {
          vpc_id       = aws_vpc.logged.id
          traffic_type = "ALL"
        }
        """
    )
    flow_logs = FlowLogs(model)
    assert flow_logs.covers("aws_vpc.logged")
    assert not flow_logs.covers("aws_vpc.silent")
    assert not flow_logs.may_cover_any(resource(model, "aws_vpc.silent"))


def test_a_flow_log_for_a_looked_up_vpc_may_cover_any() -> None:
    model = model_of(
        """
        data "aws_vpc" "default" { default = true }
        resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
        resource "aws_flow_log" "default" {
          vpc_id       = data.aws_vpc.default.id
          traffic_type = "ALL"
        }
        """
    )
    assert FlowLogs(model).may_cover_any(resource(model, "aws_vpc.main"))


def test_load_balancer_access_logs() -> None:
    model = model_of(
        """
        variable "on" { type = bool }
        resource "aws_lb" "none" {}
        resource "aws_lb" "off" {
          access_logs {
            bucket = "logs"
          }
        }
        resource "aws_lb" "on" {
          access_logs {
            bucket  = "logs"
            enabled = true
          }
        }
        resource "aws_lb" "maybe" {
          access_logs {
            bucket  = "logs"
            enabled = var.on
          }
        }
        resource "aws_elb" "classic" {
          access_logs { bucket = "logs" }
        }
        resource "aws_lb" "gateway" { load_balancer_type = "gateway" }
        """
    )

    def writes(address: str) -> bool | None:
        return writes_access_logs(instance(model, address))

    assert writes("aws_lb.none") is False
    assert writes("aws_lb.off") is False
    assert writes("aws_lb.on") is True
    assert writes("aws_lb.maybe") is None
    assert writes("aws_elb.classic") is True
    assert writes("aws_lb.gateway") is None
