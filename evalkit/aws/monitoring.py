"""What watches, alerts on and records a submission's resources: CloudWatch alarms and what
each watches (through its dimensions, `evalkit.aws.graph` edges), log groups, and modules
evalkit cannot read whose source says they may create such things.

Questions answer yes / no / unknown; an unknown (an alarm dimension that cannot be
resolved, a module evalkit cannot read) is never a reason to fail.
"""

from __future__ import annotations

import re

from evalkit.terraform.model import ModuleCall, TerraformModel


def opaque_calls(model: TerraformModel, pattern: re.Pattern[str]) -> list[ModuleCall]:
    """Calls of modules whose code evalkit cannot read (registry, git or URL sources, or a
    local directory the submission lacks) and whose source address matches `pattern`: the
    source names the code (terraform-aws-modules/cloudwatch creates CloudWatch resources),
    so what they create may be what a rule looks for.

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
