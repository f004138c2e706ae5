"""IAC-HARDCODED-VALUES: Regions, CIDRs, sizes or AMIs written as literals."""

from __future__ import annotations

from evalkit.aws import literals
from evalkit.checks._helpers import resource_finding, where
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform import Resource, TerraformModel, optional_without_default

_ADVICE = {
    literals.REGION: "var.region",
    literals.ZONE: "data.aws_availability_zones",
    literals.CIDR: "var.vpc_cidr with cidrsubnet()",
    literals.SIZE: "var.instance_type",
    literals.AMI: "data.aws_ami",
    literals.ENDPOINT: '"com.amazonaws.${var.region}.s3"',
}


@check(
    "IAC-HARDCODED-VALUES",
    category="iac",
    severity="medium",
    title="Regions, CIDRs, sizes or AMIs written as literals",
)
def hardcoded_values(model: TerraformModel) -> list[Finding] | None:
    """A provider region, or a region, availability zone, CIDR block, instance type/class or
    AMI id in a resource, is a literal instead of a variable or local; or a variable described
    as optional has no default.

    Read at any depth of a resource: `region` and `*_region` (`peer_region`, a DynamoDB
    `replica`'s `region_name`), `availability_zone(s)`, `cidr_block(s)`, `ipv6_cidr_block(s)`,
    `cidr_ipv4`/`cidr_ipv6`, `destination_cidr_block`, `instance_type(s)`, `instance_class`,
    `node_type`, `ami`/`image_id`, and a VPC endpoint `service_name` that spells its region
    (`com.amazonaws.us-east-1.s3`). A value is literal when the resource (or provider)
    writes it without naming anything configurable: `"10.0.1.0/24"`,
    `"10.0.${count.index}.0/24"`, `cidrsubnet("10.0.0.0/16", 8, 1)`, or `each.value` of a
    `for_each` map written in the resource. `cidrsubnet(var.vpc_cidr, 8, 1)`,
    `lookup(var.amis, var.region)`, `data.aws_ami.al2.id` and `aws_vpc.main.cidr_block` are
    not. `0.0.0.0/0` and `::/0` are
    constants, and `db.serverless` is a mode, not a size. Literals in variable defaults,
    `locals`, `.tfvars` files and module call arguments are where values belong and are never
    reported: a module call's arguments are the inputs of the module, like a `.tfvars` file.
    A provider pinned to us-east-1 only for CloudFront, ACM or other global services is not
    reported either. One finding per resource, at its first literal.

    Variables whose description says they are optional ("optional", "if not set", "leave
    empty", "defaults to") or that declare `nullable = true`, but have no `default`, are
    required after all: reported at the variable. n/a when there is no provider, resource or
    variable.

    Why: a literal region, CIDR or AMI ties the code to one account, region and environment;
    deploying a second region or environment means editing resources instead of passing
    values, and copies drift apart (an AMI id exists in one region only).

    Fix: declare variables (or locals holding per-region maps) and reference them.

        variable "vpc_cidr" { default = "10.0.0.0/16" }

        resource "aws_subnet" "private" {
          count      = 2
          cidr_block = cidrsubnet(var.vpc_cidr, 8, count.index)
        }
    """
    resources = list(model.resources())
    variables = [name for module in model.modules for name in module.variables]
    if not resources and not variables and not any(m.providers for m in model.modules):
        return None
    findings = [
        finding(
            pinned.file,
            pinned.line,
            pinned.address,
            f'{pinned.address} sets region to the literal "{pinned.region}"; declare a '
            "variable (e.g. var.region) and pass the region in, so the same code deploys to "
            "any region.",
            pinned.region,
        )
        for pinned in literals.pinned_regions(model)
    ]
    for resource in _unique_by_place(resources):
        written = literals.resource_literals(resource)
        if written:
            findings.append(_literal_finding(resource, written))
    for variable in optional_without_default(model):
        claim = (
            f'is described as optional ("{variable.wording}")'
            if variable.wording
            else "declares nullable = true"
        )
        findings.append(
            finding(
                variable.file,
                variable.line,
                variable.address,
                f"{variable.address} {claim} but has no default, so every caller must set "
                "it; add a default (null, [] or a sensible value).",
            )
        )
    return findings


def _unique_by_place(resources: list[Resource]) -> list[Resource]:
    """One resource per block: a local module called twice writes its literals once."""
    seen: dict[tuple[str, int], Resource] = {}
    for resource in resources:
        seen.setdefault((resource.file, resource.line), resource)
    return list(seen.values())


def _literal_finding(resource: Resource, written: list[literals.Literal]) -> Finding:
    by_attribute: dict[str, list[str]] = {}
    for literal in written:
        by_attribute.setdefault(literal.attribute, []).append(f'"{literal.value}"')
    shown = ", ".join(
        f"{attribute} {values[0]}" if len(values) == 1 else f"{attribute} ({', '.join(values)})"
        for attribute, values in by_attribute.items()
    )
    advice = ", ".join(dict.fromkeys(_ADVICE[literal.kind] for literal in written))
    return resource_finding(
        resource,
        f"{resource.address}{where(resource)} hardcodes {shown}; take these values from "
        f"variables, locals or data sources instead (e.g. {advice}).",
        line=written[0].line,
    )
