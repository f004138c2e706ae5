"""The AWS view of one submission, built once and shared by every check."""

from __future__ import annotations

from functools import cached_property

from evalkit.aws.encryption import EncryptionView
from evalkit.aws.graph import Edge, Graph
from evalkit.aws.iam import IamView
from evalkit.aws.launch import LaunchView
from evalkit.aws.network import Network
from evalkit.aws.ordering import CreationOrder
from evalkit.aws.testsuite import TestSuite
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel

_ATTRIBUTE = "_aws_layer"


class AwsLayer:
    """What exists in one submission (or root) and how it connects."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.graph = Graph(model)

    @cached_property
    def ordering(self) -> CreationOrder:
        """What must exist before what, as AWS enforces it (`evalkit.aws.ordering`)."""
        return CreationOrder(self.model, self.graph)

    @cached_property
    def network(self) -> Network:
        """VPCs, subnets, route tables and NAT gateways, linked (see `evalkit.aws.network`)."""
        return Network(self.model, self.graph)

    @cached_property
    def iam(self) -> IamView:
        """Principals, their policies in every form, instance profiles (`evalkit.aws.iam`)."""
        return IamView(self.model)

    @cached_property
    def launch(self) -> LaunchView:
        """What EC2 launchers boot with: AMI, volumes, profile, user data (`evalkit.aws.launch`)."""
        return LaunchView(self.model, self.iam)

    @cached_property
    def testsuite(self) -> TestSuite:
        """The submission's tests, classified once for every testing check
        (`evalkit.aws.testsuite`)."""
        return TestSuite(self.model)

    @cached_property
    def encryption(self) -> EncryptionView:
        """Encryption at rest of every data store (`evalkit.aws.encryption`)."""
        return EncryptionView(self.model, self.launch)

    def edges(self, kind: str) -> list[Edge]:
        return self.graph.edges(kind)

    def targets(self, source: Resource | ResourceInstance, kind: str) -> list[ResourceInstance]:
        return self.graph.targets(source, kind)

    def sources(self, target: Resource | ResourceInstance, kind: str) -> list[ResourceInstance]:
        return self.graph.sources(target, kind)

    def edges_to(self, target: Resource | ResourceInstance, kind: str) -> list[Edge]:
        """The `kind` edges that point at `target` or may (it is one of their candidates)."""
        return self.graph.edges_to(target, kind)

    def mentioning(self, target: Resource, kind: str) -> list[Resource]:
        """Resources whose `kind` edges may point at `target` (read widely)."""
        found = [
            edge.source.resource
            for edge in self.graph.edges(kind)
            if any(mention.resource is target for mention in edge.mentions)
        ]
        return list(dict.fromkeys(found))


def aws_of(model: TerraformModel) -> AwsLayer:
    """The AWS layer of `model`, built on first use and kept on the model."""
    layer = model.__dict__.get(_ATTRIBUTE)
    if layer is None:
        layer = AwsLayer(model)
        model.__dict__[_ATTRIBUTE] = layer
    return layer


def release(model: TerraformModel) -> None:
    """Drop the layer of a model that is no longer needed (it holds the model's instances)."""
    model.__dict__.pop(_ATTRIBUTE, None)
