"""NET-SUBNET-PLACEMENT: Database in a public subnet, or public load balancer in private subnets."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import AwsLayer, aws_of, catalog
from evalkit.aws.network import Network, agreed
from evalkit.checks._helpers import (
    Problem,
    per_instance,
    truth,
)
from evalkit.checks.networking._common import _names, _subnets
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import ResourceInstance, TerraformModel


@check(
    "NET-SUBNET-PLACEMENT",
    category="networking",
    severity="critical",
    title="Database in a public subnet, or public load balancer in private subnets",
)
def subnet_placement(model: TerraformModel) -> list[Finding] | None:
    """A database or cache sits in a public subnet or is publicly accessible, or an
    internet-facing load balancer has only private subnets.

    Follows RDS/Aurora/DocumentDB/Neptune `db_subnet_group_name`, ElastiCache
    `subnet_group_name` and Redshift `cluster_subnet_group_name` to the subnet group, its
    `subnet_ids` to the subnets, and each subnet to its route tables: a subnet is public when
    a route table in effect for it routes to an internet gateway or it sets
    `map_public_ip_on_launch = true`. `publicly_accessible = true` on an RDS instance, Aurora
    instance or Redshift cluster fails by itself. A load balancer with `internal` false or
    unset (not a Gateway Load Balancer) fails when every one of its subnets is private.
    Subnets evalkit cannot see (registry module outputs, inputs without default) are not
    judged.

    Why: a database in a public subnet is one security group rule away from the internet;
    an internet-facing load balancer in private subnets cannot be reached at all.

    Fix: build subnet groups from private subnets, keep `publicly_accessible = false`, and
    put internet-facing load balancers in public subnets.

        resource "aws_db_subnet_group" "db" {
          subnet_ids = aws_subnet.private[*].id   # subnets routed through a NAT gateway
        }
        resource "aws_lb" "web" {
          internal = false
          subnets  = aws_subnet.public[*].id      # subnets routed to the internet gateway
        }
    """
    layer = aws_of(model)
    network = layer.network
    stores = list(model.resources(*catalog.SUBNET_GROUP_OF_STORE, "aws_rds_cluster_instance"))
    balancers = list(model.resources(*catalog.ALL_LOAD_BALANCERS))
    if not stores and not balancers:
        return None
    findings: list[Finding] = []
    for resource in stores:
        findings.extend(per_instance(resource, _publicly_accessible))
        findings.extend(per_instance(resource, lambda i: _in_public_subnets(layer, i)))
    for resource in balancers:
        findings.extend(per_instance(resource, lambda i: _unreachable_load_balancer(network, i)))
    return findings


def _publicly_accessible(instance: ResourceInstance) -> Iterator[Problem]:
    if instance.resource.type not in catalog.PUBLICLY_ACCESSIBLE_STORES:
        return
    if instance.has("publicly_accessible") and truth(instance.get("publicly_accessible")):
        yield (
            instance.file,
            instance.line_of("publicly_accessible"),
            "is publicly accessible; set publicly_accessible = false and reach it from "
            "inside the VPC.",
        )


def _in_public_subnets(layer: AwsLayer, instance: ResourceInstance) -> Iterator[Problem]:
    for group in _subnet_groups(layer, instance):
        public = _public_subnets(layer.network, group)
        if public:
            yield (
                instance.file,
                instance.line_of(catalog.SUBNET_GROUP_OF_STORE[instance.resource.type][0]),
                f"is placed through {group.address} in {_subnets('public', public)}; "
                f"build {group.address} from private subnets only (no route to an "
                "internet gateway, no public IPs).",
            )


def _public_subnets(network: Network, group: ResourceInstance) -> list[str]:
    public: list[str] = []
    for candidates in network.subnet_candidates(group, "subnet_ids"):
        if candidates and agreed(s.public for s in candidates) is True:
            public.extend(s.address for s in candidates)
    return public


def _subnet_groups(layer: AwsLayer, store: ResourceInstance) -> list[ResourceInstance]:
    """The subnet group(s) a data store may be placed through."""
    found: list[ResourceInstance] = []
    for edge in layer.graph.edges_from(store, "store_subnet_group"):
        found.extend(edge.candidates)
    return list(dict.fromkeys(found))


def _unreachable_load_balancer(network: Network, instance: ResourceInstance) -> Iterator[Problem]:
    if instance.get("load_balancer_type") == "gateway":
        return
    if truth(instance.get("internal", False)) is not False:
        return  # internal, or not known
    elements = network.subnet_candidates(instance, "subnets")
    line = instance.line_of("subnets")
    for mapping in instance.blocks("subnet_mapping"):
        elements.extend(network.subnet_candidates(mapping, "subnet_id"))
        line = line if instance.has("subnets") else mapping.line
    if not elements or any(c is None or agreed(s.public for s in c) is not False for c in elements):
        return
    names = _names([s.address for c in elements if c for s in c])
    yield (
        instance.file,
        line,
        f"is internet-facing but all its subnets ({names}) are private, with no route "
        "to an internet gateway, so it cannot be reached; place it in public subnets "
        "or set internal = true.",
    )
