"""AWS choices written as literals: regions, zones, CIDRs, sizes and AMIs that a resource
or provider writes down instead of taking them from a variable, local or data source.

A value is written when the resource (or provider) spells it without naming anything
configurable: ``"10.0.1.0/24"``, ``"10.0.${count.index}.0/24"``,
``cidrsubnet("10.0.0.0/16", 8, 1)``, or ``each.value`` of a `for_each` map written in the
resource (`evalkit.terraform.blocks.written_blocks`). Whether it is an AWS choice depends
on its kind:

- `REGION` (``region``, ``region_name``, ``*_region``): a region code;
- `ZONE` (``availability_zone(s)``): an availability zone name;
- `CIDR` (``cidr_block(s)``, ``ipv6_cidr_block(s)``, ``cidr_ipv4``/``cidr_ipv6``,
  ``destination_*cidr_block``): a network, except ``0.0.0.0/0`` and ``::/0``, constants;
- `SIZE` (``instance_type(s)``, ``instance_class``, ``node_type``,
  ``db_cluster_instance_class``): any name but ``db.serverless``, a mode, not a size;
- `AMI` (``ami``, ``image_id``): an AMI id;
- `ENDPOINT` (a VPC endpoint's ``service_name``): a service name that spells its region
  (``com.amazonaws.us-east-1.s3`` works in one region only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from evalkit.aws.network import ip_network
from evalkit.aws.regions import AWS_REGION, regionless
from evalkit.aws.values import strings_in
from evalkit.terraform.blocks import WrittenBlock, written_blocks
from evalkit.terraform.model import ModuleContext, Resource, TerraformModel
from evalkit.terraform.syntax import written_value

REGION = "region"
ZONE = "zone"
CIDR = "cidr"
SIZE = "size"
AMI = "ami"
ENDPOINT = "endpoint"

# What each attribute holds, at any depth of a resource.
LITERAL_KINDS = {
    "region": REGION,
    "region_name": REGION,
    "availability_zone": ZONE,
    "availability_zones": ZONE,
    "cidr_block": CIDR,
    "cidr_blocks": CIDR,
    "ipv6_cidr_block": CIDR,
    "ipv6_cidr_blocks": CIDR,
    "cidr_ipv4": CIDR,
    "cidr_ipv6": CIDR,
    "destination_cidr_block": CIDR,
    "destination_ipv6_cidr_block": CIDR,
    "instance_type": SIZE,
    "instance_types": SIZE,
    "instance_class": SIZE,
    "node_type": SIZE,
    "db_cluster_instance_class": SIZE,
    "ami": AMI,
    "image_id": AMI,
}
AVAILABILITY_ZONE = re.compile(AWS_REGION.pattern + r"[a-z]")
UNIVERSAL_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
# Instance classes that are a mode of the service rather than a size someone picked.
NOT_A_SIZE = frozenset({"db.serverless"})
AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")


@dataclass(frozen=True)
class Literal:
    """One AWS choice a resource writes down."""

    attribute: str  # `cidr_block`, or `ingress.cidr_blocks` for a nested block
    kind: str  # REGION, ZONE, CIDR, SIZE, AMI or ENDPOINT
    value: str
    line: int


@dataclass(frozen=True)
class PinnedRegion:
    """A provider configuration whose `region` is a literal region code."""

    address: str  # ``provider.aws.west``, qualified by its module
    file: str
    line: int
    region: str


def resource_literals(resource: Resource) -> list[Literal]:
    """The AWS choices `resource` writes down, one per attribute and value, by line."""
    found: dict[str, Literal] = {}
    for written in written_blocks(resource):
        for literal in _block_literals(resource, written):
            found.setdefault(f"{literal.attribute}={literal.value}", literal)
    return sorted(found.values(), key=lambda literal: literal.line)


def pinned_regions(model: TerraformModel) -> Iterator[PinnedRegion]:
    """Provider blocks that write their region down, each once. A provider pinned to
    us-east-1 only for global services (CloudFront certificates, WAF ACLs) is not a choice:
    AWS requires that region."""
    seen: set[tuple[str, int]] = set()
    for module in model.modules:
        for key, block in module.providers.items():
            attribute = block.attributes.get("region")
            if attribute is None or (attribute.file, attribute.line) in seen:
                continue
            seen.add((attribute.file, attribute.line))
            region = written_value(attribute.expr)
            if not isinstance(region, str) or not AWS_REGION.fullmatch(region):
                continue
            if region == "us-east-1" and _serves_global_services_only(model, module, key):
                continue
            address = module.qualified(f"provider.{key}")
            yield PinnedRegion(address, attribute.file, attribute.line, region)


def is_aws_choice(kind: str, text: str) -> bool:
    """Whether `text`, held by an attribute of `kind`, is a value someone picked."""
    if kind == REGION:
        return AWS_REGION.fullmatch(text) is not None
    if kind == ZONE:
        return AVAILABILITY_ZONE.fullmatch(text) is not None
    if kind == ENDPOINT:
        return AWS_REGION.search(text) is not None
    if kind == CIDR:
        return text not in UNIVERSAL_CIDRS and _is_cidr(text)
    if kind == SIZE:
        return bool(text) and text not in NOT_A_SIZE
    return AMI_ID.match(text) is not None


def _serves_global_services_only(model: TerraformModel, module: ModuleContext, key: str) -> bool:
    users = [r for r in model.resources() if r.context is module and r.provider_key == key]
    return bool(users) and "." in key and all(regionless(r) for r in users)


def _block_literals(resource: Resource, written: WrittenBlock) -> Iterator[Literal]:
    for name, attribute in written.block.attributes.items():
        kind = LITERAL_KINDS.get(name) or (REGION if name.endswith("_region") else None)
        if name == "service_name" and resource.type == "aws_vpc_endpoint":
            kind = ENDPOINT
        if kind is None:
            continue
        for text in strings_in(written_value(attribute.expr, written.scope)):
            if is_aws_choice(kind, text.strip()):
                yield Literal(f"{written.path}{name}", kind, text.strip(), attribute.line)


def _is_cidr(text: str) -> bool:
    """A network with its prefix written out and nothing around it (ip_network would
    ignore the whitespace that ipaddress rejects)."""
    return "/" in text and text == text.strip() and ip_network(text) is not None
