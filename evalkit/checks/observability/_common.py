"""Helpers that several observability checks share."""

from __future__ import annotations

import re
from collections.abc import Iterable

from evalkit.aws import AwsLayer
from evalkit.terraform.model import (
    ModuleCall,
    Resource,
    TerraformModel,
)

METRIC_ALARM = "aws_cloudwatch_metric_alarm"


# --- what the AWS layer says ------------------------------------------------------------------


def _mentioned(layer: AwsLayer, sources: Iterable[Resource], kind: str) -> set[Resource]:
    """Resources that `kind` edges from `sources` may point at (read widely)."""
    wanted = set(sources)
    return {
        mention.resource
        for edge in layer.edges(kind)
        if edge.source.resource in wanted
        for mention in edge.mentions
    }


def _opaque_calls(model: TerraformModel, pattern: re.Pattern[str]) -> list[ModuleCall]:
    """Calls of modules whose code evalkit cannot read (registry, git or URL sources, or a
    local directory the submission lacks) and whose source address matches `pattern`: the
    source names the code (terraform-aws-modules/cloudwatch creates CloudWatch resources),
    so what they create may be what a check looks for.

    A module's name or label never tells what it creates: ``module "monitoring"`` may hold
    anything, and a local module is read for what it builds."""
    return [
        call
        for module in model.modules
        for call in module.module_calls.values()
        if call.child is None and pattern.search(_module_code(call.source))
    ]


def _module_code(source: str) -> str:
    """The part of a source address that names the code: its sub-directory when it has one
    (``terraform-aws-modules/cloudwatch/aws//modules/metric-alarm`` creates alarms, not log
    groups), else the whole address."""
    address = re.sub(r"^[A-Za-z0-9+.-]+::", "", source)
    address = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", address)
    _, separator, subdirectory = address.partition("//")
    return subdirectory.split("?", 1)[0] if separator and subdirectory else source


def _first(resources: Iterable[Resource]) -> Resource:
    return min(resources, key=lambda r: (r.file, r.line, r.address))


def _local_address(resource: Resource) -> str:
    return f"{resource.type}.{resource.name}"
