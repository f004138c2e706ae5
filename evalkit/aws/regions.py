"""Whether two resources are in the same AWS region, decided one way for every check."""

from __future__ import annotations

import re

from evalkit.aws import catalog
from evalkit.terraform.model import Resource

# A region code as written in names and settings (``us-east-1``, ``eu-central-2``).
AWS_REGION = re.compile(
    r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?"
    r"-(?:east|west|north|south|central|northeast|southeast|northwest|southwest)-\d"
)


def regionless(resource: Resource) -> bool:
    """The resource belongs to a global service, or to one AWS pins to us-east-1 (a
    CloudFront-scoped WAF ACL): its region says nothing of the workload's."""
    if resource.type.startswith(catalog.REGION_FIXED_SERVICE_PREFIXES):
        return True
    return resource.type == "aws_wafv2_web_acl" and resource.config.get("scope") == "CLOUDFRONT"


def same_region(one: Resource, other: Resource) -> bool:
    """Whether two resources may be in one region.

    Their regions are compared when both are known (a resource's own `region`, else its
    provider's); otherwise their provider configurations are: resources of one provider
    configuration share its region whatever it is, and a separate provider alias is there to
    reach another region.
    """
    if one.region and other.region:
        return one.region == other.region
    return one.provider_alias == other.provider_alias


def may_link(one: Resource, other: Resource) -> bool:
    """Whether one resource may name the other: they are in one region, or either belongs
    to a global service (`catalog.is_global`), whose names are account-wide.

    The rule every relation made by name (or by a name-valued dimension) goes through, so an
    IAM policy attachment under one provider alias reaches a role declared under another.
    """
    return catalog.is_global(one.type) or catalog.is_global(other.type) or same_region(one, other)
