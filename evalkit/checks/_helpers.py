"""Small helpers shared by checks: truthiness of evaluated values, locations, origins."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from evalkit.aws import aws_of
from evalkit.aws.values import truth as truth  # checks read truthiness from here
from evalkit.checks.registry import finding
from evalkit.records import Finding
from evalkit.terraform.blocks import nested_bodies as nested_bodies  # checks import it from here
from evalkit.terraform.model import Body, ModuleContext, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.parse import Block


def resource_finding(
    resource: Resource,
    message: str,
    line: int | None = None,
    file: str | None = None,
    address: str | None = None,
) -> Finding:
    return finding(
        file or resource.file,
        line or resource.line,
        address or resource.address,
        message,
        resource.location,
    )


def instance_addresses(resource: Resource, failing: list[str]) -> list[str]:
    """The addresses to report for instances of `resource` that share one problem.

    When every instance has it (identical `count` copies, or no expansion at all) the
    resource's own address stands for them; otherwise each failing instance is named.
    """
    unique = list(dict.fromkeys(failing))
    if set(unique) >= {instance.address for instance in resource.instances}:
        return [resource.address]
    return unique


# What a rule reports about one instance: file, line, and the problem in words (the text
# after "<address> in <region>").
Problem = tuple[str, int, str]


def per_instance(
    resource: Resource, rule: Callable[[ResourceInstance], Iterable[Problem]]
) -> list[Finding]:
    """Findings of `rule` applied to every `count`/`for_each` instance of `resource`.

    Instances are judged one by one because their values differ (`each.value.encrypted`);
    a problem that all of them share is reported once, for the resource.
    """
    failing: dict[Problem, list[str]] = {}
    for instance in resource.instances:
        for problem in rule(instance):
            failing.setdefault(problem, []).append(instance.address)
    findings = []
    for problem, addresses in failing.items():
        findings.extend(shared_problem_findings(resource, problem, addresses))
    return findings


def shared_problem_findings(
    resource: Resource, problem: Problem, addresses: list[str]
) -> list[Finding]:
    """The findings of one problem that the instances of `resource` at `addresses` share:
    one for the resource when all of them have it, else one per instance."""
    file, line, text = problem
    return [
        finding(file, line, address, f"{address}{where(resource)} {text}", resource.location)
        for address in instance_addresses(resource, addresses)
    ]


def where(resource: Resource) -> str:
    """`` in us-west-2`` (or the provider alias) for messages; empty when unknown."""
    return f" in {resource.location}" if resource.location else ""


def has_description(block: Block, module: ModuleContext) -> bool:
    """The block has a `description` that is not blank (an unknown one counts as written)."""
    if "description" not in block.attributes:
        return False
    value = Body(block, module, {}, "description").get("description")
    return not isinstance(value, str) or bool(value.strip())


def bucket_has_companion(model: TerraformModel, bucket: Resource, companion_type: str) -> bool:
    """A separate S3 configuration resource of `companion_type` applies to `bucket`.

    AWS provider v4+ moved bucket settings (encryption, lifecycle, versioning, logging, ...)
    into resources such as ``aws_s3_bucket_lifecycle_configuration`` whose `bucket` names the
    bucket: by reference (``aws_s3_bucket.logs.id``/``.bucket``, an instance of a
    `count`/`for_each` bucket, a module output that leads to it) or by its literal name.
    """
    companions = aws_of(model).mentioning(bucket, "bucket_companion")
    return any(companion.type == companion_type for companion in companions)


def companion_of_unknown_bucket(model: TerraformModel, companion_type: str) -> bool:
    """Some `companion_type` resource names a bucket evalkit cannot identify (an input
    without a value, a data source): it may be any bucket's."""
    return any(
        edge.source.resource.type == companion_type and not edge.known and not edge.mentions
        for edge in aws_of(model).edges("bucket_companion")
    )
