"""IAC-HARDCODED-VALUES: Regions, CIDRs, sizes or AMIs written as literals."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from evalkit.checks._helpers import resource_finding, where
from evalkit.checks.iac._common import AWS_REGION, _is_global_service, _strings, _written_value
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import (
    ModuleContext,
    Resource,
    TerraformModel,
)
from evalkit.terraform.parse import Block
from evalkit.terraform.syntax import calls_function, traversal_text
from evalkit.terraform.values import Unknown

AVAILABILITY_ZONE = re.compile(AWS_REGION.pattern + r"[a-z]")


# --- IAC-HARDCODED-VALUES ----------------------------------------------------------------------

# What each attribute holds when it is hardcoded, at any depth of a resource.
LITERAL_KINDS = {
    "region": "region",
    "region_name": "region",
    "availability_zone": "zone",
    "availability_zones": "zone",
    "cidr_block": "cidr",
    "cidr_blocks": "cidr",
    "ipv6_cidr_block": "cidr",
    "ipv6_cidr_blocks": "cidr",
    "cidr_ipv4": "cidr",
    "cidr_ipv6": "cidr",
    "destination_cidr_block": "cidr",
    "destination_ipv6_cidr_block": "cidr",
    "instance_type": "size",
    "instance_types": "size",
    "instance_class": "size",
    "node_type": "size",
    "db_cluster_instance_class": "size",
    "ami": "ami",
    "image_id": "ami",
}
UNIVERSAL_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
# Instance classes that are a mode of the service rather than a size someone picked.
NOT_A_SIZE = frozenset({"db.serverless"})
AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
OPTIONAL_WORDING = re.compile(
    r"(?i)\boptional\b|\bif (?:not (?:set|specified|provided|given|supplied)|unset|empty|null)\b"
    r"|\bleave (?:it )?(?:empty|blank|null|unset)\b|\bdefaults? to\b"
)
_KIND_ADVICE = {
    "region": "var.region",
    "zone": "data.aws_availability_zones",
    "cidr": "var.vpc_cidr with cidrsubnet()",
    "size": "var.instance_type",
    "ami": "data.aws_ami",
    "endpoint": '"com.amazonaws.${var.region}.s3"',
}


@dataclass(frozen=True)
class _Literal:
    attribute: str  # `cidr_block`, or `ingress.cidr_blocks` for a nested block
    kind: str
    value: str
    line: int


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
    variables = [(m, n, b) for m in model.modules for n, b in m.variables.items()]
    if not resources and not variables and not any(m.providers for m in model.modules):
        return None
    findings = [*_literal_provider_regions(model)]
    for resource in _unique_by_place(resources):
        literals = _resource_literals(resource)
        if literals:
            findings.append(_literal_finding(resource, literals))
    findings.extend(_optional_without_default(variables))
    return findings


def _unique_by_place(resources: list[Resource]) -> list[Resource]:
    """One resource per block: a local module called twice writes its literals once."""
    seen: dict[tuple[str, int], Resource] = {}
    for resource in resources:
        seen.setdefault((resource.file, resource.line), resource)
    return list(seen.values())


def _literal_provider_regions(model: TerraformModel) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    for module in model.modules:
        for key, block in module.providers.items():
            attribute = block.attributes.get("region")
            if attribute is None or (attribute.file, attribute.line) in seen:
                continue
            seen.add((attribute.file, attribute.line))
            region = _written_value(attribute.expr)
            if not isinstance(region, str) or not AWS_REGION.fullmatch(region):
                continue
            if region == "us-east-1" and _serves_global_services_only(model, module, key):
                continue
            address = module.qualified(f"provider.{key}")
            yield finding(
                attribute.file,
                attribute.line,
                address,
                f'{address} sets region to the literal "{region}"; declare a variable (e.g. '
                "var.region) and pass the region in, so the same code deploys to any region.",
                region,
            )


def _serves_global_services_only(model: TerraformModel, module: ModuleContext, key: str) -> bool:
    """CloudFront certificates and WAF ACLs must be created in us-east-1: a provider that
    exists only for them pins a constant, not a choice."""
    users = [r for r in model.resources() if r.context is module and r.provider_key == key]
    return bool(users) and "." in key and all(_is_global_service(r) for r in users)


def _resource_literals(resource: Resource) -> list[_Literal]:
    found: dict[str, _Literal] = {}
    for scope in _written_scopes(resource):
        for block, path, inner_scope in _written_blocks(resource.block, scope, ""):
            for literal in _block_literals(resource, block, path, inner_scope):
                found.setdefault(f"{literal.attribute}={literal.value}", literal)
    return sorted(found.values(), key=lambda literal: literal.line)


def _written_scopes(resource: Resource) -> list[dict[str, Any]]:
    """`count.index`/`each` as the resource itself defines them (a `for_each` map written
    in the resource counts as written there; one read from a variable does not)."""
    attributes = resource.block.attributes
    if "count" in attributes:
        return [{"count": {"index": 0}}]
    if "for_each" not in attributes:
        return [{}]
    items = _written_items(attributes["for_each"].expr, {})
    if items is None:
        unknown = Unknown(reason="for_each not written in the resource")
        return [{"each": {"key": unknown, "value": unknown}}]
    return [{"each": {"key": key, "value": value}} for key, value in items]


def _written_items(expr: Any, scope: dict[str, Any]) -> list[tuple[Any, Any]] | None:
    collection = _written_value(expr, scope)
    if isinstance(collection, dict):
        return list(collection.items())[:64]
    if isinstance(collection, list):
        return [(v, v) if isinstance(v, str) else (i, v) for i, v in enumerate(collection)][:64]
    return None


def _written_blocks(
    block: Block, scope: dict[str, Any], path: str
) -> Iterator[tuple[Block, str, dict[str, Any]]]:
    """A block and its nested blocks, `dynamic` ones expanded where their items are written
    in the resource, each with the names bound inside it."""
    yield block, path, scope
    for nested in block.blocks:
        if nested.type in ("lifecycle", "provisioner", "connection"):
            continue
        if nested.type != "dynamic":
            yield from _written_blocks(nested, scope, f"{path}{nested.type}.")
            continue
        content = nested.blocks_of("content")
        if not nested.labels or not content:
            continue
        iterator = nested.attributes.get("iterator")
        name = (traversal_text(iterator.expr) if iterator else None) or nested.labels[0]
        for_each = nested.attributes.get("for_each")
        items = _written_items(for_each.expr, scope) if for_each else None
        if items is None:
            items = [(Unknown(), Unknown())]
        for key, value in items:
            inner = {**scope, name: {"key": key, "value": value}}
            yield from _written_blocks(content[0], inner, f"{path}{nested.labels[0]}.")


def _block_literals(
    resource: Resource, block: Block, path: str, scope: dict[str, Any]
) -> Iterator[_Literal]:
    for name, attribute in block.attributes.items():
        kind = LITERAL_KINDS.get(name) or ("region" if name.endswith("_region") else None)
        if name == "service_name" and resource.type == "aws_vpc_endpoint":
            kind = "endpoint"
        if kind is None:
            continue
        for text in _strings(_written_value(attribute.expr, scope)):
            if _is_hardcoded(kind, text.strip()):
                yield _Literal(f"{path}{name}", kind, text.strip(), attribute.line)


def _is_hardcoded(kind: str, text: str) -> bool:
    if kind == "region":
        return AWS_REGION.fullmatch(text) is not None
    if kind == "zone":
        return AVAILABILITY_ZONE.fullmatch(text) is not None
    if kind == "endpoint":  # com.amazonaws.us-east-1.s3 works in one region only
        return AWS_REGION.search(text) is not None
    if kind == "cidr":
        return "/" in text and text not in UNIVERSAL_CIDRS and _is_network(text)
    if kind == "size":
        return bool(text) and text not in NOT_A_SIZE
    return AMI_ID.match(text) is not None


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _literal_finding(resource: Resource, literals: list[_Literal]) -> Finding:
    by_attribute: dict[str, list[str]] = {}
    for literal in literals:
        by_attribute.setdefault(literal.attribute, []).append(f'"{literal.value}"')
    shown = ", ".join(
        f"{attribute} {values[0]}" if len(values) == 1 else f"{attribute} ({', '.join(values)})"
        for attribute, values in by_attribute.items()
    )
    advice = ", ".join(dict.fromkeys(_KIND_ADVICE[literal.kind] for literal in literals))
    return resource_finding(
        resource,
        f"{resource.address}{where(resource)} hardcodes {shown}; take these values from "
        f"variables, locals or data sources instead (e.g. {advice}).",
        line=literals[0].line,
    )


def _optional_without_default(
    variables: list[tuple[ModuleContext, str, Block]],
) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    for module, name, block in variables:
        if "default" in block.attributes or (block.file, block.line) in seen:
            continue
        seen.add((block.file, block.line))
        reason = _optional_reason(block)
        if reason:
            address = module.qualified(f"var.{name}")
            yield finding(
                block.file,
                block.line,
                address,
                f"{address} {reason} but has no default, so every caller must set "
                "it; add a default (null, [] or a sensible value).",
            )


def _optional_reason(block: Block) -> str:
    """How a variable presents itself as optional, or "" when it does not."""
    nullable = block.attributes.get("nullable")
    if nullable is not None and _written_value(nullable.expr) is True:
        return "declares nullable = true"
    description = block.attributes.get("description")
    text = _written_value(description.expr) if description is not None else None
    if not isinstance(text, str):
        return ""
    match = OPTIONAL_WORDING.search(text)
    if match is None:
        return ""
    if match.group(0).lower() == "optional" and _has_optional_attributes(block):
        return ""  # the description speaks of the object type's optional() attributes
    return f'is described as optional ("{match.group(0)}")'


def _has_optional_attributes(block: Block) -> bool:
    type_attribute = block.attributes.get("type")
    return type_attribute is not None and calls_function(type_attribute.expr, "optional")
