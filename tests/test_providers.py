"""The model asks the registered provider rules where a resource is."""

from __future__ import annotations

from typing import Any

import evalkit.aws  # noqa: F401  (registers the AWS rules)
from evalkit.terraform import providers
from evalkit.terraform.evaluator import Step
from evalkit.terraform.model import Resource, ResourceInstance, build_model

MAIN = """
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias = "west"
}
resource "aws_s3_bucket" "logs" {}
resource "aws_s3_bucket" "copy" {
  provider = aws.west
}
"""


class _Fixed:
    def region_of(self, resource: Resource) -> str:
        return "test-region-1"

    def location_of(self, resource: Resource) -> str:
        return "somewhere"

    def computed_attribute(self, instance: ResourceInstance, name: str) -> Any:
        return "computed" if name == "arn" else None


def _bucket(name: str) -> Resource:
    found = build_model({"main.tf": MAIN}).find_resource(f"aws_s3_bucket.{name}")
    assert found is not None
    return found


def test_aws_rules_read_the_region_of_the_provider_configuration() -> None:
    assert _bucket("logs").region == "eu-west-1"
    assert _bucket("logs").location == "eu-west-1"
    assert _bucket("copy").region == ""
    assert _bucket("copy").location == "aws.west"


def test_the_model_asks_whatever_rules_are_registered() -> None:
    previous = providers.rules()
    providers.register(_Fixed())
    try:
        bucket = _bucket("copy")
        assert bucket.region == "test-region-1"
        assert bucket.location == "somewhere"
        assert bucket.instances[0].step(Step("attr", "arn")) == "computed"
    finally:
        providers.register(previous)
