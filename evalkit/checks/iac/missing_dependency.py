"""IAC-MISSING-DEPENDENCY: Resource created before what it needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from evalkit.aws import aws_of
from evalkit.aws import ordering as o
from evalkit.checks._helpers import Problem, per_instance
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform import Resource, ResourceInstance, TerraformModel, depends_on_entry


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
    needs = aws_of(model).ordering
    subjects = needs.subjects()
    if not subjects:
        return None
    order = model.dependencies

    def unordered(instance: ResourceInstance) -> Iterator[Problem]:
        for need in needs.prerequisites(instance):
            missing = [r for r in need.needs if not order.created_before(instance.resource, r)]
            if missing and (need.each or len(missing) == len(need.needs)):
                yield need.file, need.line, _MESSAGES[need.relation](need, missing)

    return [found for resource in subjects for found in per_instance(resource, unordered)]


def _gateway(need: o.Prerequisite, missing: list[Resource]) -> str:
    gateway = missing[0]
    what = {"aws_nat_gateway": "a public NAT gateway", "aws_eip": "an Elastic IP associated"}
    kind = gateway.type.removeprefix("aws_").replace("_", " ")
    return (
        f"is {what[need.instance.resource.type]} in {need.about} but neither "
        f"references nor depends on its {kind} {gateway.address}; Terraform may create it "
        f"before the gateway is attached. Add depends_on = [{_entry(need, gateway)}]."
    )


def _api(need: o.Prerequisite, missing: list[Resource]) -> str:
    names = ", ".join(m.address for m in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return (
        f"deploys {need.about} without depending on {names}"
        f"{more}; Terraform may create the deployment before them and deploy an API without "
        "its methods. Add depends_on, or a triggers map that references them."
    )


def _listener(need: o.Prerequisite, missing: list[Resource]) -> str:
    return (
        f"registers with {need.about} but does not depend on "
        f"{missing[0].address}, the listener that forwards to it; ECS rejects a target group "
        f"with no load balancer. Add depends_on = [{_entry(need, missing[0])}]."
    )


def _source_db(need: o.Prerequisite, missing: list[Resource]) -> str:
    return (
        f"names its source database {missing[0].address} by the literal {need.written!r} "
        "instead of a reference, so nothing creates the source first. Use "
        f"replicate_source_db = {_entry(need, missing[0])}.arn."
    )


def _destination(need: o.Prerequisite, missing: list[Resource]) -> str:
    return (
        f"replicates to {missing[0].address} by the literal ARN {need.written!r} instead of "
        "a reference, so nothing creates the destination bucket (and its versioning) first. "
        f"Use bucket = {_entry(need, missing[0])}.arn."
    )


def _literal_id(need: o.Prerequisite, missing: list[Resource]) -> str:
    return (
        f"sets {need.attribute} to the literal id {need.written!r} while the configuration "
        f"declares {missing[0].address}; an id written by hand is not the one Terraform "
        f"creates, and nothing orders the two. Reference {_entry(need, missing[0])}.id instead."
    )


def _entry(need: o.Prerequisite, other: Resource) -> str:
    return depends_on_entry(need.instance.resource, other)


_MESSAGES: dict[str, Callable[[o.Prerequisite, list[Resource]], str]] = {
    o.INTERNET_GATEWAY: _gateway,
    o.API_MEMBERS: _api,
    o.LISTENER: _listener,
    o.LITERAL_SOURCE_DB: _source_db,
    o.LITERAL_DESTINATION_BUCKET: _destination,
    o.LITERAL_ID: _literal_id,
}
