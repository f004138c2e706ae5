"""Creation order AWS enforces: which resources must exist before which.

Terraform orders creation only by references and `depends_on` (`model.dependencies`,
`created_before`). AWS refuses some resources, or races without a retry, while something
they need does not exist yet. This view lists those needs, one `Prerequisite` each; whether
Terraform orders them is the language's question, asked by the rule that joins the two.

The relations (see IAC-MISSING-DEPENDENCY for why each one fails):

- `INTERNET_GATEWAY`: a public NAT gateway, or an Elastic IP in a VPC associated with an
  instance or network interface, needs the internet gateway (or gateway attachment) of its
  VPC, when the configuration declares one; any one of them will do;
- `API_MEMBERS`: an ``aws_api_gateway_deployment`` needs every integration of its REST API
  (its methods when there are no integrations), unless the API is an OpenAPI `body`;
- `LISTENER`: an ``aws_ecs_service`` that registers with a target group needs a listener or
  listener rule forwarding to that group; any one will do;
- `LITERAL_SOURCE_DB`, `LITERAL_DESTINATION_BUCKET`, `LITERAL_ID`: a replica, replication
  destination, peering accepter or route that names a resource of the configuration by a
  literal identifier, name, ARN or apply-time id needs that resource.

A relation evalkit cannot resolve (a subnet, API or target group held in an input) yields
nothing: nothing is needed that evalkit can name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit.aws.values import truth
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel

if TYPE_CHECKING:
    from evalkit.aws.graph import Graph

INTERNET_GATEWAY = "internet gateway"
API_MEMBERS = "API members"
LISTENER = "listener"
LITERAL_SOURCE_DB = "literal source database"
LITERAL_DESTINATION_BUCKET = "literal destination bucket"
LITERAL_ID = "literal id"

# Resource types that may need something created first, and, for some, what they must
# carry to need it (a database is judged only as a replica).
ORDERED_TYPES = (
    "aws_nat_gateway",
    "aws_eip",
    "aws_api_gateway_deployment",
    "aws_ecs_service",
    "aws_db_instance",
    "aws_s3_bucket_replication_configuration",
    "aws_s3_bucket",
    "aws_vpc_peering_connection_accepter",
    "aws_route",
    "aws_route_table",
)
_ORDERED_WHEN = {
    "aws_db_instance": "replicate_source_db",
    "aws_s3_bucket": "replication_configuration",
    "aws_route_table": "route",
}
# Ids that only `terraform apply` assigns, by the prefix AWS gives them, and the resource
# types that would own one.
_APPLY_TIME_ID_TYPES = (
    ("igw-", ("aws_internet_gateway",)),
    ("nat-", ("aws_nat_gateway",)),
    ("pcx-", ("aws_vpc_peering_connection",)),
    ("tgw-", ("aws_ec2_transit_gateway",)),
)
_ROUTE_TARGETS = (
    "gateway_id",
    "nat_gateway_id",
    "vpc_peering_connection_id",
    "transit_gateway_id",
)
_LISTENER_TYPES = (
    "aws_lb_listener",
    "aws_alb_listener",
    "aws_lb_listener_rule",
    "aws_alb_listener_rule",
)


@dataclass(frozen=True)
class Prerequisite:
    """`instance` needs resources of `needs` created before it.

    With `each` every one of them is needed; otherwise any one will do. `about` is the
    address of the resource that makes the relation (the VPC, REST API or target group),
    and `written` the literal (with the `attribute` holding it) for the literal relations.
    """

    instance: ResourceInstance
    relation: str
    needs: tuple[Resource, ...]
    file: str
    line: int
    each: bool = False
    about: str = ""
    attribute: str = ""
    written: str = ""


class CreationOrder:
    """The creation-order needs of one submission's AWS resources."""

    def __init__(self, model: TerraformModel, graph: Graph) -> None:
        self.model = model
        self.graph = graph

    def subjects(self) -> list[Resource]:
        """Resources with instances that may need something created before them."""
        return [
            resource
            for resource in self.model.resources(*ORDERED_TYPES)
            if resource.instances and _may_need_order(resource)
        ]

    def prerequisites(self, instance: ResourceInstance) -> Iterator[Prerequisite]:
        """What `instance` needs created first, relation by relation."""
        yield from self._internet_gateways_needed(instance)
        yield from self._api_members_needed(instance)
        yield from self._listeners_needed(instance)
        yield from self._literal_counterparts(instance)

    # --- internet gateways ------------------------------------------------------------

    def _internet_gateways_needed(self, instance: ResourceInstance) -> Iterator[Prerequisite]:
        for vpc in dict.fromkeys(self._vpcs_needing_gateway(instance)):
            gateways = self._internet_gateways(vpc)
            if gateways:
                yield Prerequisite(
                    instance,
                    INTERNET_GATEWAY,
                    tuple(gateways),
                    instance.file,
                    instance.line,
                    about=vpc.address,
                )

    def _vpcs_needing_gateway(self, instance: ResourceInstance) -> list[Resource]:
        """The VPCs whose internet gateway this resource needs, when it needs one."""
        kind = instance.resource.type
        if kind == "aws_nat_gateway":
            if instance.get("connectivity_type", "public") != "public":
                return []
            return self._common_vpcs(self._subnets(instance))
        if kind == "aws_eip":
            in_vpc = instance.get("domain") == "vpc" or truth(instance.get("vpc")) is True
            if not in_vpc:
                return []
            model = self.model
            targets = [
                *model.referenced_resources(instance.get("instance"), "aws_instance"),
                *model.referenced_resources(
                    instance.get("network_interface"), "aws_network_interface"
                ),
            ]
            return [
                vpc
                for target in targets
                for target_instance in target.instances
                for vpc in self._common_vpcs(self._subnets(target_instance))
            ]
        return []

    def _subnets(self, instance: ResourceInstance) -> list[ResourceInstance]:
        """The subnets an instance, NAT gateway or network interface is placed in; when the
        code picks one of several (``aws_subnet.public[each.value].id``), all of them."""
        known = self.graph.targets(instance, "in_subnet")
        if known:
            return known
        candidates = [c for e in self.graph.edges_from(instance, "in_subnet") for c in e.candidates]
        return list(dict.fromkeys(candidates))

    def _common_vpcs(self, subnets: list[ResourceInstance]) -> list[Resource]:
        """The VPCs every one of `subnets` belongs to (one, in any sensible configuration)."""
        shared: list[Resource] | None = None
        for subnet in subnets:
            vpcs = [vpc.resource for vpc in self.graph.targets(subnet, "subnet_vpc")]
            shared = vpcs if shared is None else [v for v in shared if v in vpcs]
        return shared or []

    def _internet_gateways(self, vpc: Resource) -> list[Resource]:
        """Internet gateways declared for `vpc` (inline `vpc_id`, then separate attachments)."""
        return [
            gateway
            for kind in ("aws_internet_gateway", "aws_internet_gateway_attachment")
            for gateway in self.model.resources(kind)
            if any(
                vpc in self.model.referenced_resources(i.get("vpc_id"), "aws_vpc")
                for i in gateway.instances
            )
        ]

    # --- API Gateway deployments ------------------------------------------------------

    def _api_members_needed(self, instance: ResourceInstance) -> Iterator[Prerequisite]:
        if instance.resource.type != "aws_api_gateway_deployment":
            return
        apis = self.model.referenced_resources(
            instance.get("rest_api_id"), "aws_api_gateway_rest_api"
        )
        for api in apis:
            if any(i.has("body") for i in api.instances):
                continue  # an OpenAPI body: the methods are part of the API itself
            members = self._api_members(api, "aws_api_gateway_integration") or self._api_members(
                api, "aws_api_gateway_method"
            )
            if members:
                yield Prerequisite(
                    instance,
                    API_MEMBERS,
                    tuple(members),
                    instance.file,
                    instance.line,
                    each=True,
                    about=api.address,
                )

    def _api_members(self, api: Resource, kind: str) -> list[Resource]:
        return [
            member
            for member in self.model.resources(kind)
            if any(
                api
                in self.model.referenced_resources(i.get("rest_api_id"), "aws_api_gateway_rest_api")
                for i in member.instances
            )
        ]

    # --- ECS services behind a load balancer ------------------------------------------

    def _listeners_needed(self, instance: ResourceInstance) -> Iterator[Prerequisite]:
        if instance.resource.type != "aws_ecs_service":
            return
        groups = [g.resource for g in self.graph.targets(instance, "attachment_target_group")]
        for group in dict.fromkeys(groups):
            listeners = self._forwarders(group)
            if listeners:
                yield Prerequisite(
                    instance,
                    LISTENER,
                    tuple(listeners),
                    instance.file,
                    instance.line,
                    about=group.address,
                )

    def _forwarders(self, group: Resource) -> list[Resource]:
        """Listeners and listener rules whose actions forward to the target group (default
        actions from the graph; rule actions and weighted `forward` blocks read here)."""
        found = [
            listener.resource
            for instance in group.instances
            for listener in self.graph.sources(instance, "listener_target_group")
        ]
        for listener in self.model.resources(*_LISTENER_TYPES):
            is_rule = not listener.type.endswith("_listener")
            for listener_instance in listener.instances:
                for body in listener_instance.blocks("action" if is_rule else "default_action"):
                    values = [body.get("target_group_arn")] if is_rule else []
                    for forward in body.blocks("forward"):
                        values.extend(t.get("arn") for t in forward.blocks("target_group"))
                    if any(group in self.model.referenced_resources(value) for value in values):
                        found.append(listener)
        return list(dict.fromkeys(found))

    # --- resources named by a literal -------------------------------------------------

    def _literal_counterparts(self, instance: ResourceInstance) -> Iterator[Prerequisite]:
        kind = instance.resource.type
        if kind == "aws_db_instance":
            yield from self._literal_replica_source(instance)
        elif kind in ("aws_s3_bucket_replication_configuration", "aws_s3_bucket"):
            yield from self._literal_replication_destination(instance)
        elif kind == "aws_vpc_peering_connection_accepter":
            yield from self._literal_ids(instance, instance, ("vpc_peering_connection_id",))
        elif kind == "aws_route":
            yield from self._literal_ids(instance, instance, _ROUTE_TARGETS)
        elif kind == "aws_route_table":
            for route in instance.blocks("route"):
                yield from self._literal_ids(instance, route, _ROUTE_TARGETS)

    def _literal_replica_source(self, instance: ResourceInstance) -> Iterator[Prerequisite]:
        source = instance.get("replicate_source_db")
        if not isinstance(source, str) or not source:
            return
        identifier = source.rsplit(":", 1)[-1]
        for database in self._namesakes(instance, "aws_db_instance", "identifier", identifier):
            yield Prerequisite(
                instance,
                LITERAL_SOURCE_DB,
                (database,),
                instance.file,
                instance.line_of("replicate_source_db"),
                attribute="replicate_source_db",
                written=source,
            )

    def _literal_replication_destination(
        self, instance: ResourceInstance
    ) -> Iterator[Prerequisite]:
        holders = (
            [instance]
            if instance.resource.type == "aws_s3_bucket_replication_configuration"
            else instance.blocks("replication_configuration")
        )
        for holder in holders:
            for rule in holder.blocks("rules") + holder.blocks("rule"):
                for destination in rule.blocks("destination"):
                    target = destination.get("bucket")
                    if not isinstance(target, str) or not target.startswith("arn:"):
                        continue
                    name = target.rsplit(":", 1)[-1]
                    for bucket in self._namesakes(instance, "aws_s3_bucket", "bucket", name):
                        yield Prerequisite(
                            instance,
                            LITERAL_DESTINATION_BUCKET,
                            (bucket,),
                            instance.file,
                            destination.line_of("bucket"),
                            attribute="bucket",
                            written=target,
                        )

    def _namesakes(
        self, instance: ResourceInstance, resource_type: str, attribute: str, name: str
    ) -> Iterator[Resource]:
        """Other resources of `resource_type` that some instance names `name` by
        `attribute`: the counterparts a literal name points at."""
        for other in self.model.resources(resource_type):
            if other is not instance.resource and any(
                i.get(attribute) == name for i in other.instances
            ):
                yield other

    def _literal_ids(
        self, instance: ResourceInstance, body: Body, attributes: tuple[str, ...]
    ) -> Iterator[Prerequisite]:
        for attribute in attributes:
            value = body.get(attribute)
            if not isinstance(value, str):
                continue
            for prefix, types in _APPLY_TIME_ID_TYPES:
                declared = tuple(self.model.resources(*types))
                if value.startswith(prefix) and declared:
                    yield Prerequisite(
                        instance,
                        LITERAL_ID,
                        declared,
                        instance.file,
                        body.line_of(attribute),
                        attribute=attribute,
                        written=value,
                    )


def _may_need_order(resource: Resource) -> bool:
    needs = _ORDERED_WHEN.get(resource.type)
    block = resource.block
    return needs is None or needs in block.attributes or bool(block.blocks_of(needs))
