"""What a provider adds to the language: where a resource lives, and attributes the provider
computes that evalkit can still know.

`evalkit.terraform` reads Terraform only; the rules of the provider evalkit grades are
registered here by the package that knows them (`evalkit.aws` registers its own when it is
imported). Until one is registered, no resource has a known region and no computed
attribute is known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from evalkit.terraform.model import Resource, ResourceInstance

__all__ = ["ProviderRules", "register", "rules"]


class ProviderRules(Protocol):
    """The questions the model asks the provider."""

    def region_of(self, resource: Resource) -> str:
        """The region a resource is created in, or "" when it cannot be known."""
        ...

    def location_of(self, resource: Resource) -> str:
        """How findings say where a resource is (its region, or what stands for it)."""
        ...

    def computed_attribute(self, instance: ResourceInstance, name: str) -> Any:
        """The value of attribute `name` that the provider computes at plan time (a policy
        document's JSON), or None when the provider does not compute it here."""
        ...


class _NoRules:
    """Before a provider registers: nothing is known of regions or computed attributes."""

    def region_of(self, resource: Resource) -> str:
        return ""

    def location_of(self, resource: Resource) -> str:
        return ""

    def computed_attribute(self, instance: ResourceInstance, name: str) -> Any:
        return None


_registered: list[ProviderRules] = [_NoRules()]


def register(provider_rules: ProviderRules) -> None:
    """Make `provider_rules` the rules every model asks from now on."""
    _registered[0] = provider_rules


def rules() -> ProviderRules:
    """The registered provider rules."""
    return _registered[0]
