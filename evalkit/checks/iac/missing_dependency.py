"""IAC-MISSING-DEPENDENCY: Resource created before what it needs."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import aws_of
from evalkit.checks._helpers import Problem, per_instance, truth
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.dependencies import DependencyGraph
from evalkit.terraform.model import (
    Body,
    Resource,
    ResourceInstance,
    TerraformModel,
)

# --- IAC-MISSING-DEPENDENCY --------------------------------------------------------------------

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


@check(
    "IAC-MISSING-DEPENDENCY",
    category="iac",
    severity="high",
    title="Resource created before what it needs",
)
def missing_dependency(model: TerraformModel) -> list[Finding] | None:
    """A resource needs another to exist first, nothing orders them, and the apply fails.

    Terraform orders creation only by references (direct, or through locals, variables,
    module outputs and data sources, at any depth) and `depends_on` (on the resource, on
    a module call, or on a whole module). The pairs whose order AWS enforces with an error,
    or a race the provider does not retry:
    - a NAT gateway (public) or an Elastic IP associated with an instance or network
      interface, and the internet gateway of its VPC, when that gateway is declared in the
      same configuration: EC2 refuses them while the gateway is not attached; a NAT gateway
      ordered through its Elastic IP counts;
    - an `aws_api_gateway_deployment` and the integrations (methods, when there are no
      integrations) of its REST API: a deployment made first deploys an API without them;
      a `triggers` map that references them orders them too;
    - an `aws_ecs_service` with a `load_balancer` and the listener (or listener rule)
      forwarding to its target group: ECS rejects a target group that has no load balancer;
    - a cross-region read replica (`replicate_source_db`), an S3 replication destination,
      a peering accepter, or a route that names a resource of the configuration by a literal
      identifier, name or ARN instead of a reference: nothing orders them, and an id written
      down by hand is not the one Terraform will create.
    Not judged, because the apply succeeds: a Lambda function or an instance (through its
    instance profile) created before its role's policy attachments, a VPC function
    included; the AWS provider retries the IAM propagation errors until the role can be
    assumed with its permissions. Nor an instance with a public IP created before the
    internet gateway: the instance launches, and the address routes once the gateway is
    attached.
    A reference already orders a pair. Unknowns never fail: a subnet, API or target group
    evalkit cannot resolve, or a literal that names nothing in the configuration (it exists
    elsewhere). n/a when none of these resources is present.

    Why: without an order Terraform creates both at once; the apply fails or, worse,
    succeeds with an API deployed without its methods, and a re-apply "fixes" it, hiding
    the bug.

    Fix: reference the resource, or add `depends_on`.

        resource "aws_nat_gateway" "main" {
          allocation_id = aws_eip.nat.id
          subnet_id     = aws_subnet.public[0].id
          depends_on    = [aws_internet_gateway.main]
        }

        resource "aws_api_gateway_deployment" "api" {
          rest_api_id = aws_api_gateway_rest_api.api.id
          depends_on  = [aws_api_gateway_integration.get_items]
        }
    """
    judged = (
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
    subjects = [r for r in model.resources(*judged) if r.instances and _may_need_order(r)]
    if not subjects:
        return None
    order = model.dependencies
    rules = (
        _internet_gateway_order,
        _api_deployment_order,
        _ecs_listener_order,
        _literal_counterparts,
    )
    findings: list[Finding] = []
    for resource in subjects:
        findings.extend(
            per_instance(
                resource,
                lambda instance: (
                    problem for rule in rules for problem in rule(model, order, instance)
                ),
            )
        )
    return findings


# Resource types judged only when they carry what needs an order.
_JUDGED_WHEN = {
    "aws_db_instance": "replicate_source_db",
    "aws_s3_bucket": "replication_configuration",
    "aws_route_table": "route",
}


def _may_need_order(resource: Resource) -> bool:
    needs = _JUDGED_WHEN.get(resource.type)
    block = resource.block
    return needs is None or needs in block.attributes or bool(block.blocks_of(needs))


def _vpc_of_subnet(model: TerraformModel, subnet: ResourceInstance) -> list[Resource]:
    return [vpc.resource for vpc in aws_of(model).targets(subnet, "subnet_vpc")]


def _internet_gateways(model: TerraformModel, vpc: Resource) -> list[Resource]:
    """Internet gateways declared for `vpc` (inline `vpc_id` or a separate attachment)."""
    found = [
        gateway
        for gateway in model.resources("aws_internet_gateway")
        if any(
            vpc in model.referenced_resources(i.get("vpc_id"), "aws_vpc") for i in gateway.instances
        )
    ]
    for attachment in model.resources("aws_internet_gateway_attachment"):
        if any(
            vpc in model.referenced_resources(i.get("vpc_id"), "aws_vpc")
            for i in attachment.instances
        ):
            found.append(attachment)
    return found


def _needs_internet_gateway(model: TerraformModel, instance: ResourceInstance) -> list[Resource]:
    """The VPCs whose internet gateway this resource needs, when it needs one."""
    kind = instance.resource.type
    if kind == "aws_nat_gateway":
        if instance.get("connectivity_type", "public") != "public":
            return []
        return _common_vpcs(model, _subnet_instances(model, instance))
    if kind == "aws_eip":
        in_vpc = instance.get("domain") == "vpc" or truth(instance.get("vpc")) is True
        if not in_vpc:
            return []
        targets = [
            *model.referenced_resources(instance.get("instance"), "aws_instance"),
            *model.referenced_resources(instance.get("network_interface"), "aws_network_interface"),
        ]
        return [
            vpc
            for target in targets
            for target_instance in target.instances
            for vpc in _common_vpcs(model, _subnet_instances(model, target_instance))
        ]
    return []


def _subnet_instances(model: TerraformModel, instance: ResourceInstance) -> list[ResourceInstance]:
    """The subnets an instance, NAT gateway or network interface is placed in; when the code
    picks one of several (``aws_subnet.public[each.value].id``), all of them."""
    layer = aws_of(model)
    known = layer.targets(instance, "in_subnet")
    if known:
        return known
    candidates = [c for e in layer.graph.edges_from(instance, "in_subnet") for c in e.candidates]
    return list(dict.fromkeys(candidates))


def _common_vpcs(model: TerraformModel, subnets: list[ResourceInstance]) -> list[Resource]:
    """The VPCs every one of `subnets` belongs to (one, in any sensible configuration)."""
    shared: list[Resource] | None = None
    for subnet in subnets:
        vpcs = _vpc_of_subnet(model, subnet)
        shared = vpcs if shared is None else [v for v in shared if v in vpcs]
    return shared or []


def _internet_gateway_order(
    model: TerraformModel, order: DependencyGraph, instance: ResourceInstance
) -> Iterator[Problem]:
    vpcs = list(dict.fromkeys(_needs_internet_gateway(model, instance)))
    for vpc in vpcs:
        gateways = _internet_gateways(model, vpc)
        if not gateways or any(order.created_before(instance.resource, g) for g in gateways):
            continue
        gateway_kind = (
            "internet gateway attachment"
            if gateways[0].type == "aws_internet_gateway_attachment"
            else "internet gateway"
        )
        what = {
            "aws_nat_gateway": "is a public NAT gateway in",
            "aws_eip": "is an Elastic IP associated in",
        }[instance.resource.type]
        yield (
            instance.file,
            instance.line,
            (
                f"{what} {vpc.address} but neither references nor depends on its {gateway_kind} "
                f"{gateways[0].address}; Terraform may create it before the gateway is attached. "
                f"Add depends_on = [{_relative(instance.resource, gateways[0])}]."
            ),
        )


def _api_deployment_order(
    model: TerraformModel, order: DependencyGraph, instance: ResourceInstance
) -> Iterator[Problem]:
    if instance.resource.type != "aws_api_gateway_deployment":
        return
    apis = model.referenced_resources(instance.get("rest_api_id"), "aws_api_gateway_rest_api")
    for api in apis:
        if any(i.has("body") for i in api.instances):
            continue  # an OpenAPI body: the methods are part of the API itself
        members = _api_members(model, api, "aws_api_gateway_integration") or _api_members(
            model, api, "aws_api_gateway_method"
        )
        unordered = [m for m in members if not order.created_before(instance.resource, m)]
        if unordered:
            names = ", ".join(m.address for m in unordered[:3])
            more = f" and {len(unordered) - 3} more" if len(unordered) > 3 else ""
            yield (
                instance.file,
                instance.line,
                (
                    f"deploys {api.address} without depending on {names}{more}; Terraform may "
                    "create the deployment before them and deploy an API without its methods. "
                    "Add depends_on, or a triggers map that references them."
                ),
            )


def _api_members(model: TerraformModel, api: Resource, kind: str) -> list[Resource]:
    return [
        member
        for member in model.resources(kind)
        if any(
            api in model.referenced_resources(i.get("rest_api_id"), "aws_api_gateway_rest_api")
            for i in member.instances
        )
    ]


def _ecs_listener_order(
    model: TerraformModel, order: DependencyGraph, instance: ResourceInstance
) -> Iterator[Problem]:
    if instance.resource.type != "aws_ecs_service":
        return
    groups = [g.resource for g in aws_of(model).targets(instance, "attachment_target_group")]
    for group in dict.fromkeys(groups):
        listeners = _forwarders(model, group)
        if not listeners or any(order.created_before(instance.resource, x) for x in listeners):
            continue
        yield (
            instance.file,
            instance.line,
            (
                f"registers with {group.address} but does not depend on "
                f"{listeners[0].address}, the listener that forwards to it; ECS rejects a "
                "target group with no load balancer. Add depends_on = "
                f"[{_relative(instance.resource, listeners[0])}]."
            ),
        )


def _forwarders(model: TerraformModel, group: Resource) -> list[Resource]:
    """Listeners and listener rules whose actions forward to the target group (default
    actions from the AWS layer; rule actions and weighted `forward` blocks read here)."""
    found = [
        listener.resource
        for instance in group.instances
        for listener in aws_of(model).sources(instance, "listener_target_group")
    ]
    for listener in model.resources(
        "aws_lb_listener", "aws_alb_listener", "aws_lb_listener_rule", "aws_alb_listener_rule"
    ):
        is_rule = not listener.type.endswith("_listener")
        for listener_instance in listener.instances:
            for body in listener_instance.blocks("action" if is_rule else "default_action"):
                values = [body.get("target_group_arn")] if is_rule else []
                for forward in body.blocks("forward"):
                    values.extend(t.get("arn") for t in forward.blocks("target_group"))
                if any(group in model.referenced_resources(value) for value in values):
                    found.append(listener)
    return list(dict.fromkeys(found))


def _literal_counterparts(
    model: TerraformModel, order: DependencyGraph, instance: ResourceInstance
) -> Iterator[Problem]:
    kind = instance.resource.type
    if kind == "aws_db_instance":
        yield from _literal_replica_source(model, order, instance)
    elif kind in ("aws_s3_bucket_replication_configuration", "aws_s3_bucket"):
        yield from _literal_replication_destination(model, order, instance)
    elif kind == "aws_vpc_peering_connection_accepter":
        yield from _literal_ids(model, order, instance, instance, ("vpc_peering_connection_id",))
    elif kind == "aws_route":
        yield from _literal_ids(model, order, instance, instance, _ROUTE_TARGETS)
    elif kind == "aws_route_table":
        for route in instance.blocks("route"):
            yield from _literal_ids(model, order, instance, route, _ROUTE_TARGETS)


def _literal_replica_source(
    model: TerraformModel, order: DependencyGraph, instance: ResourceInstance
) -> Iterator[Problem]:
    source = instance.get("replicate_source_db")
    if not isinstance(source, str) or not source:
        return
    identifier = source.rsplit(":", 1)[-1]
    for database in _unordered_namesakes(
        model, order, instance.resource, "aws_db_instance", "identifier", identifier
    ):
        yield (
            instance.file,
            instance.line_of("replicate_source_db"),
            (
                f"names its source database {database.address} by the literal {source!r} "
                "instead of a reference, so nothing creates the source first. Use "
                f"replicate_source_db = {_relative(instance.resource, database)}.arn."
            ),
        )


def _literal_replication_destination(
    model: TerraformModel, order: DependencyGraph, instance: ResourceInstance
) -> Iterator[Problem]:
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
                for bucket in _unordered_namesakes(
                    model, order, instance.resource, "aws_s3_bucket", "bucket", name
                ):
                    yield (
                        instance.file,
                        destination.line_of("bucket"),
                        (
                            f"replicates to {bucket.address} by the literal ARN {target!r} "
                            "instead of a reference, so nothing creates the destination "
                            "bucket (and its versioning) first. Use "
                            f"bucket = {_relative(instance.resource, bucket)}.arn."
                        ),
                    )


def _unordered_namesakes(
    model: TerraformModel,
    order: DependencyGraph,
    subject: Resource,
    resource_type: str,
    attribute: str,
    name: str,
) -> Iterator[Resource]:
    """Resources of `resource_type` that some instance names `name` by `attribute` and that
    nothing orders before `subject`: the counterparts a literal name points at."""
    for other in model.resources(resource_type):
        if other is subject or order.created_before(subject, other):
            continue
        if any(i.get(attribute) == name for i in other.instances):
            yield other


def _literal_ids(
    model: TerraformModel,
    order: DependencyGraph,
    instance: ResourceInstance,
    body: Body,
    attributes: tuple[str, ...],
) -> Iterator[Problem]:
    for attribute in attributes:
        value = body.get(attribute)
        if not isinstance(value, str):
            continue
        for prefix, types in _APPLY_TIME_ID_TYPES:
            if not value.startswith(prefix):
                continue
            declared = [
                r for r in model.resources(*types) if not order.created_before(instance.resource, r)
            ]
            if declared and len(list(model.resources(*types))) == len(declared):
                yield (
                    instance.file,
                    body.line_of(attribute),
                    (
                        f"sets {attribute} to the literal id {value!r} while the configuration "
                        f"declares {declared[0].address}; an id written by hand is not the one "
                        "Terraform creates, and nothing orders the two. Reference "
                        f"{_relative(instance.resource, declared[0])}.id instead."
                    ),
                )


def _relative(subject: Resource, other: Resource) -> str:
    """How `subject`'s module names `other` in `depends_on`: its address, or the call of the
    child module that declares it (resources inside a module cannot be named from outside)."""
    prefix = f"{subject.context.address}." if subject.context.address else ""
    local = other.address.removeprefix(prefix)
    if local.startswith("module."):
        return ".".join(local.split(".")[:2])
    return local
