"""OBS-NO-ALERTING: Alarms that notify nobody."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from evalkit.aws import aws_of, catalog
from evalkit.aws.links import mentioned, resolved
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    per_instance,
    resource_finding,
    truth,
    where,
)
from evalkit.checks.observability._common import METRIC_ALARM, _local_address, _mentioned
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import (
    Body,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.terraform.syntax import references
from evalkit.terraform.values import (
    Unknown,
    iter_known_strings,
)

COMPOSITE_ALARM = "aws_cloudwatch_composite_alarm"
SNS_TOPIC = "aws_sns_topic"


# --- OBS-NO-ALERTING ---------------------------------------------------------------------------

ALARM_TYPES = (METRIC_ALARM, COMPOSITE_ALARM)
ALARM_ACTION_ATTRIBUTES = ("alarm_actions", "ok_actions", "insufficient_data_actions")
ALERT_NAME = re.compile(r"(?i)alert|alarm|notif")
# Besides topic subscriptions, AWS Chatbot channels subscribe themselves to the topics they name.
TOPIC_SUBSCRIBERS: dict[str, str] = {
    "aws_sns_topic_subscription": "topic_arn",
    "aws_chatbot_slack_channel_configuration": "sns_topic_arns",
    "aws_chatbot_teams_channel_configuration": "sns_topic_arns",
}
ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d+):")


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
    notified = _topics_notified_by_alarms(model, alarms)
    topics = [t for t in model.resources(SNS_TOPIC) if _is_alert_topic(t, notified)]
    if not alarms and not topics:
        return None
    findings: list[Finding] = []
    stopping = _experiment_stop_alarms(model)
    for alarm in alarms:
        findings.extend(_silent_alarm(model, alarm, stopping))
    subscribed = _subscribed_topics(model)
    for topic in topics:
        failing = [i.address for i in topic.instances if i.address not in subscribed]
        for address in instance_addresses(topic, failing) if failing else []:
            findings.append(
                resource_finding(
                    topic,
                    f"{address}{where(topic)} is meant for alerts but nothing subscribes to "
                    f"it; add an aws_sns_topic_subscription with topic_arn = "
                    f"{_local_address(topic)}.arn (email, SMS, chat or an incident tool).",
                    address=address,
                )
            )
    return findings


def _experiment_stop_alarms(model: TerraformModel) -> set[str]:
    """Addresses of the alarm instances that a FIS experiment template watches to stop the
    experiment."""
    found: set[str] = set()
    for template in model.resources("aws_fis_experiment_template"):
        for instance in template.instances:
            for stop in instance.blocks("stop_condition"):
                if stop.get("source") != "aws:cloudwatch:alarm":
                    continue
                found.update(
                    alarm.address
                    for alarm in mentioned(model, template, stop, "value", ALARM_TYPES)
                )
                value = stop.get("value")
                if isinstance(value, str) and ":alarm:" in value:
                    name = value.rpartition(":alarm:")[2]
                    found.update(
                        alarm.address
                        for resource in model.resources(*ALARM_TYPES)
                        for alarm in resource.instances
                        if alarm.get("alarm_name") == name
                    )
    return found


def _topics_notified_by_alarms(model: TerraformModel, alarms: list[Resource]) -> set[Resource]:
    return _mentioned(aws_of(model), alarms, "alarm_action_topic")


def _is_alert_topic(topic: Resource, notified: set[Resource]) -> bool:
    if topic in notified or ALERT_NAME.search(topic.name):
        return True
    config = topic.config
    names = [
        config.get("name"),
        config.get("name_prefix"),
        config.get("display_name"),
        config.get("tags"),
    ]
    return any(ALERT_NAME.search(text) for text in iter_known_strings(names))


def _silent_alarm(model: TerraformModel, alarm: Resource, stopping: set[str]) -> list[Finding]:
    def silent(instance: ResourceInstance) -> Iterator[Problem]:
        if instance.address in stopping:
            return  # FIS acts on it
        problem = _alarm_silence(model, alarm, instance)
        if problem is not None:
            yield instance.file, problem[0], problem[1]

    return per_instance(alarm, silent)


def _alarm_silence(
    model: TerraformModel, alarm: Resource, instance: Body
) -> tuple[int, str] | None:
    """The line and message when this alarm instance notifies nobody, else None."""
    if truth(instance.get("actions_enabled", True)) is False:
        return instance.line_of("actions_enabled"), (
            "has actions_enabled = false, so it notifies nobody; remove it or set it to true."
        )
    if not instance.has("alarm_actions"):
        return instance.line, (
            "has no alarm_actions, so it notifies nobody; add alarm_actions = "
            "[aws_sns_topic.<alerts>.arn] with a topic in the same region."
        )
    actions = instance.get("alarm_actions")
    if isinstance(actions, Unknown):
        return None
    listed = actions if isinstance(actions, list) else [actions]
    entries = [action for action in listed if action not in (None, "")]
    if not entries:
        return instance.line_of("alarm_actions"), (
            "has an empty alarm_actions list, so it notifies nobody; add an SNS topic in the "
            "same region."
        )
    regions = [_action_region(model, action) for action in entries]
    if alarm.region and all(region and region != alarm.region for region in regions):
        elsewhere = ", ".join(sorted(set(regions)))
        return instance.line_of("alarm_actions"), (
            f"sends its alarm actions to a topic in {elsewhere}, but an alarm can only notify "
            "an SNS topic in its own region; use a topic created with the alarm's provider."
        )
    return None


def _action_region(model: TerraformModel, action: Any) -> str:
    """The region of an alarm action (an SNS topic or ARN) when known, else ""."""
    if isinstance(action, str):
        match = ARN_REGION.match(action)
        return match.group(1) if match else ""
    topics = resolved(model, action, catalog.TOPICS)
    regions = {topic.resource.region for topic in topics or ()}
    return regions.pop() if len(regions) == 1 else ""


def _subscribed_topics(model: TerraformModel) -> set[str]:
    """Addresses of topic instances that a subscription or chat channel refers to."""
    subscribed = {m.address for e in aws_of(model).edges("subscription_topic") for m in e.mentions}
    topic_names = _topic_names(model)
    for resource_type, attribute in TOPIC_SUBSCRIBERS.items():
        for subscriber in model.resources(resource_type):
            instances = _declared_instances(subscriber)
            if instances and not subscriber.instances:
                found = mentioned(model, subscriber, instances[0], attribute, catalog.TOPICS)
                subscribed |= {topic.address for topic in found}
            for instance in instances:
                for arn in iter_known_strings(instance.get(attribute)):
                    subscribed |= {
                        address for address, name in topic_names if arn.endswith(f":{name}")
                    }
    return subscribed


def _declared_instances(subscriber: Resource) -> list[Body]:
    """A subscriber's instances; its configuration when its `count`/`for_each` leaves it out
    under the defaults of variables: an endpoint such as an on-call email address can only
    come from whoever deploys, so a subscription made optional on it still counts."""
    if subscriber.instances:
        return list(subscriber.instances)
    meta = [
        subscriber.block.attributes[m]
        for m in ("count", "for_each")
        if m in subscriber.block.attributes
    ]
    written = {r.root for a in meta for r in references(a.expr)}
    return [subscriber.config] if "var" in written else []


def _topic_names(model: TerraformModel) -> list[tuple[str, str]]:
    """(instance address, name) of every SNS topic whose name is known."""
    return [
        (instance.address, name)
        for topic in model.resources(SNS_TOPIC)
        for instance in topic.instances
        if isinstance(name := instance.get("name"), str) and name
    ]
