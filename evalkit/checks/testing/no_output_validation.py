"""TST-NO-OUTPUT-VALIDATION: Interface not declared or not validated."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import interface
from evalkit.checks._helpers import has_description, where
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import TerraformModel


@check(
    "TST-NO-OUTPUT-VALIDATION",
    category="testing",
    severity="medium",
    title="Interface not declared or not validated",
)
def output_validation(model: TerraformModel) -> list[Finding] | None:
    """The configuration's interface is missing or unguarded.

    Fails when:
    - the submission creates things other systems connect to (VPCs, subnets, load balancers,
      databases, caches, clusters, APIs, buckets, queues, ...) but its root module declares
      no `output` at all (one finding, at the first such resource; outputs that only a child
      module declares never reach `terraform output` or remote state);
    - a root-module output has no `description` (one finding per output);
    - a constrained input has no `validation` block: a variable whose name says it is a CIDR
      (`*cidr*`) or an environment (`environment`, `env`, `stage`), or whose default is a
      CIDR (bool, number and object variables never are; nor are rule lists such as
      `ingress_with_cidr_blocks` of type `list(map(string))`, whose CIDRs are one field of
      each rule). Variables of
      child modules count too, unless every call fills them from the caller's own variables
      (judged there) or from values Terraform computes (data sources, resources, module
      outputs); a variable passed as is to a module variable that validates it is validated.
      The suggested condition for an environment name lists the values the code gives the
      variable (default, `.tfvars`, module arguments) besides dev/staging/prod, so that it
      holds for the code's own "qa" or "sandbox".

    Compared with DOC-MISSING-DESCRIPTIONS: that check covers every variable and output of
    every module as documentation; this one covers only the root module's outputs, the
    contract downstream systems read. n/a when the submission has no resource and no module
    call.

    Why: downstream stacks and pipelines need the ids and endpoints; without outputs they
    hard-code them. A typo in a CIDR or environment name without validation surfaces as a
    failed apply, or worse, a successful one with the wrong network.

    Fix: output what others consume, describe it, and validate constrained inputs.

        variable "vpc_cidr" {
          type = string
          validation {
            condition     = can(cidrhost(var.vpc_cidr, 0))
            error_message = "vpc_cidr must be a CIDR block such as 10.0.0.0/16."
          }
        }

        output "vpc_id" {
          description = "ID of the application VPC"
          value       = aws_vpc.main.id
        }
    """
    if not any(model.resources()) and not any(m.module_calls for m in model.modules):
        return None
    findings = list(_missing_outputs(model))
    findings.extend(_undescribed_root_outputs(model))
    findings.extend(_unvalidated_inputs(model))
    return findings


def _missing_outputs(model: TerraformModel) -> Iterator[Finding]:
    if any(module.outputs for module in interface.root_modules(model)):
        return
    resources = interface.interface_resources(model)
    if not resources:
        return
    first = resources[0]
    others = f" and {len(resources) - 1} other resources" if len(resources) > 1 else ""
    yield finding(
        first.file,
        first.line,
        first.address,
        f"the submission creates {first.address}{where(first)}{others} that other "
        "systems connect to, but its root module declares no outputs; output their "
        "ids, endpoints and ARNs with descriptions.",
        first.location,
    )


def _undescribed_root_outputs(model: TerraformModel) -> Iterator[Finding]:
    for module in interface.root_modules(model):
        for name, block in module.outputs.items():
            if not has_description(block, module):
                yield finding(
                    block.file,
                    block.line,
                    f"output.{name}",
                    f"output {name} has no description; say what the value is and "
                    "who consumes it, since it is part of the configuration's "
                    "interface.",
                )


def _unvalidated_inputs(model: TerraformModel) -> Iterator[Finding]:
    for constrained in interface.constrained_inputs(model):
        if constrained.guarded:
            continue
        block = constrained.block
        yield finding(
            block.file,
            block.line,
            constrained.address,
            f"{constrained.address} takes {constrained.kind} but has no validation block; "
            f"add one ({interface.validation_hint(model, constrained)}) so a wrong value "
            "fails at plan time.",
        )
