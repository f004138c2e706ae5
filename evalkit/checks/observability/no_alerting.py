"""OBS-NO-ALERTING: Alarms that notify nobody."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws.monitoring import ALARM_TYPES, Alerting
from evalkit.checks._helpers import Problem, per_instance
from evalkit.checks.observability._common import _local_address
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import ResourceInstance, TerraformModel

SILENCE = {
    "disabled": "has actions_enabled = false, so it notifies nobody; remove it or set it to true.",
    "no actions": (
        "has no alarm_actions, so it notifies nobody; add alarm_actions = "
        "[aws_sns_topic.<alerts>.arn] with a topic in the same region."
    ),
    "empty actions": (
        "has an empty alarm_actions list, so it notifies nobody; add an SNS topic in the "
        "same region."
    ),
    "other region": (
        "sends its alarm actions to a topic in {regions}, but an alarm can only notify "
        "an SNS topic in its own region; use a topic created with the alarm's provider."
    ),
}


@check(
    "OBS-NO-ALERTING",
    category="observability",
    severity="medium",
    title="Alarms that notify nobody",
)
def no_alerting(model: TerraformModel) -> list[Finding] | None:
    """A CloudWatch alarm has no `alarm_actions`, or an SNS topic for alerts has no subscriber.

    Metric and composite alarms fail when `alarm_actions` is missing or empty, when
    `actions_enabled = false`, or when every action is an SNS topic in another region (an
    alarm can only notify a topic in its own region). An SNS topic is for alerts when an
    alarm's actions refer to it or its name, label or tags say alert, alarm or notification;
    it fails when no `aws_sns_topic_subscription` (or AWS Chatbot channel) refers to it. A
    subscription whose `count`/`for_each` depends on a variable (an optional on-call address)
    counts even when the defaults create none. Actions evalkit cannot resolve are not failures.
    An alarm that an `aws_fis_experiment_template` uses as a stop condition (`source =
    "aws:cloudwatch:alarm"`, by reference or by its ARN) is acted upon: FIS halts the
    experiment when it fires, so it needs no actions of its own.

    Why: an alarm that notifies nobody changes state in a console no one watches; the outage
    is still found by users.

    Fix: point every alarm at an SNS topic in its region, and subscribe someone to the topic.

        resource "aws_cloudwatch_metric_alarm" "db_cpu" {
          alarm_actions = [aws_sns_topic.alerts.arn]
          ok_actions    = [aws_sns_topic.alerts.arn]
        }

        resource "aws_sns_topic_subscription" "oncall" {
          topic_arn = aws_sns_topic.alerts.arn
          protocol  = "email"
          endpoint  = var.oncall_email
        }
    """
    alarms = list(model.resources(*ALARM_TYPES))
    alerting = Alerting(model)
    topics = alerting.alert_topics()
    if not alarms and not topics:
        return None
    findings: list[Finding] = []
    for alarm in alarms:
        findings.extend(per_instance(alarm, lambda instance: _silent(alerting, instance)))
    for topic in topics:
        findings.extend(per_instance(topic, lambda instance: _unsubscribed(alerting, instance)))
    return findings


def _silent(alerting: Alerting, alarm: ResourceInstance) -> Iterator[Problem]:
    if alarm.address in alerting.acted_upon:
        return  # FIS acts on it
    silence = alerting.silence(alarm)
    if silence is not None:
        text = SILENCE[silence.reason].format(regions=", ".join(silence.regions))
        yield alarm.file, silence.line, text


def _unsubscribed(alerting: Alerting, topic: ResourceInstance) -> Iterator[Problem]:
    if topic.address not in alerting.subscribed:
        yield (
            topic.file,
            topic.line,
            "is meant for alerts but nothing subscribes to it; add an "
            f"aws_sns_topic_subscription with topic_arn = {_local_address(topic.resource)}.arn "
            "(email, SMS, chat or an incident tool).",
        )
