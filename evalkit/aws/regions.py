"""Whether two resources are in the same AWS region, decided one way for every check."""

from __future__ import annotations

from evalkit.aws import catalog
from evalkit.terraform.model import Resource


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
