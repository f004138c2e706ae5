"""Whether two resources are in the same AWS region, decided one way for every check."""

from __future__ import annotations

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
