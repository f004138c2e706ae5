"""The AWS rules the Terraform model asks (`evalkit.terraform.providers`): regions, and the
attributes the AWS provider computes at plan time."""

from __future__ import annotations

from typing import Any

from evalkit.terraform import providers
from evalkit.terraform.model import Resource, ResourceInstance

# Data sources whose attributes the provider computes from their arguments alone.
_POLICY_DOCUMENT_ATTRIBUTES = ("json", "minified_json")
_REGION_ATTRIBUTES = ("name", "id", "region")


class AwsRules:
    """Regions and computed attributes as the AWS provider decides them."""

    def region_of(self, resource: Resource) -> str:
        """The resource's own `region` argument, else its provider configuration's; ""
        when neither is known."""
        own = resource.config.get("region")
        if isinstance(own, str):
            return own
        provider = resource.context.provider_body(resource.provider_key)
        if provider is None:
            return ""
        value = provider.get("region")
        return value if isinstance(value, str) else ""

    def location_of(self, resource: Resource) -> str:
        """Region if known, else the provider alias (``aws.west``)."""
        return resource.region or (
            f"aws.{resource.provider_alias}" if resource.provider_alias else ""
        )

    def computed_attribute(self, instance: ResourceInstance, name: str) -> Any:
        """A policy document's JSON, the region an `aws_region` data source reads."""
        resource = instance.resource
        if resource.mode != "data":
            return None
        if resource.type == "aws_iam_policy_document" and name in _POLICY_DOCUMENT_ATTRIBUTES:
            from evalkit.aws.policy import policy_document_json

            return policy_document_json(instance)
        if resource.type == "aws_region" and name in _REGION_ATTRIBUTES:
            return resource.region or None
        return None


def register() -> None:
    """Make every Terraform model ask AWS rules."""
    providers.register(AwsRules())
