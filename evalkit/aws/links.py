"""Following one attribute of a resource instance to the resource instances it names.

The one way evalkit reads a reference between AWS resources: by the references an evaluated
value keeps (``aws_subnet.a[0].id``), else by what the expression and the `for_each`/`count`
it iterates are written from (a `for` over a resource, ``each.value.id``), else, for a literal
string, by the name the target is configured with (an S3 bucket name, a subnet group name) in
the same region, or anywhere for a global service such as IAM (`regions.may_link`).
Each element of a list is followed on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.aws.regions import may_link
from evalkit.terraform.model import (
    Body,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.terraform.values import Unknown, collect_refs, contains_unknown, walk_values

# One element of an attribute, followed: the instances it may name (it names one of them),
# an empty tuple for something outside the submission (a literal id), or None when it
# cannot be known (an input without default, a registry module output).
Candidates = tuple[ResourceInstance, ...] | None


def names_instance(ref: str, address: str) -> bool:
    """Whether reference `ref` (``aws_subnet.a[0].id``) names the instance at `address`."""
    return ref == address or (ref.startswith(address) and ref[len(address)] in ".[")


def lookup(model: TerraformModel, ref: str, types: Sequence[str]) -> list[ResourceInstance] | None:
    """The instance(s) `ref` names among `types`; all instances when it picks none, None
    when it names no managed resource of those types."""
    resource = model.find_resource(ref)
    if resource is None or resource.mode != "managed" or resource.type not in types:
        return None
    instances = resource.instances
    picked = [i for i in instances if names_instance(ref, i.address)]
    return (picked or instances) or None


def resolved(
    model: TerraformModel, value: Any, types: Sequence[str]
) -> list[ResourceInstance] | None:
    """The instances of `types` an evaluated value names, when every reference it holds is
    to a resource of the submission; None when part of it cannot be known (an input, a data
    source, a value that lost its references)."""
    if any(isinstance(item, Unknown) and not item.refs for item in walk_values(value)):
        return None
    found: list[ResourceInstance] = []
    for ref in collect_refs(value):
        if model.find_resource(ref) is None:
            return None
        found.extend(lookup(model, ref, types) or ())
    return found or None


def follow(
    model: TerraformModel,
    body: Body,
    name: str,
    types: Sequence[str],
    *,
    many: bool = True,
    by_name: Sequence[str] = (),
    owner: Resource | None = None,
    name_prefix: str = "",
) -> list[Candidates]:
    """One `Candidates` per element that attribute `name` of `body` holds.

    `by_name` lists the target attributes a literal string may equal (the bucket name for
    ``bucket = "logs"``); `owner` is the resource `body` belongs to, whose region a named
    target must share; `name_prefix` is what the literal carries before the name. With
    `many`, an unknown that names several resources is several elements (a list written as
    a splat whose evaluation kept only the references).
    """
    value = body.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        elements: Sequence[Any] = value
    elif isinstance(value, Unknown) and many and len(value.refs) > 1:
        elements = [Unknown((ref,)) for ref in value.refs]
    else:
        elements = [value]
    found: list[Candidates] = []
    for element in elements:
        if element is None:
            continue
        if isinstance(element, Unknown) and not element.refs:
            found.extend(_from_expression(model, body, name, types, many))
        elif isinstance(element, Unknown):
            found.append(from_refs(model, element.refs, types))
        elif isinstance(element, str) and by_name:
            name = element.removeprefix(name_prefix) if name_prefix else element
            found.append(_by_name(model, name, types, by_name, owner))
        else:
            found.append(())
    return found


def from_refs(model: TerraformModel, refs: Sequence[str], types: Sequence[str]) -> Candidates:
    found: list[ResourceInstance] = []
    for ref in refs:
        hit = lookup(model, ref, types)
        if hit is None:
            return None
        found.extend(hit)
    return tuple(dict.fromkeys(found)) or None


def _by_name(
    model: TerraformModel,
    text: str,
    types: Sequence[str],
    attributes: Sequence[str],
    owner: Resource | None,
) -> Candidates:
    """The instances configured with name `text`; None when none is but one's name is
    unknown (it may be `text`)."""
    wanted = text.lower()
    found: list[ResourceInstance] = []
    unknown = False
    for resource in model.resources(*types):
        if owner is not None and not may_link(owner, resource):
            continue
        for instance in resource.instances:
            names = [instance.get(attribute) for attribute in attributes]
            if any(isinstance(name, str) and name.lower() == wanted for name in names):
                found.append(instance)
            unknown = unknown or any(isinstance(name, Unknown) for name in names)
    if not found and unknown:
        return None
    return tuple(found)


def _from_expression(
    model: TerraformModel, body: Body, name: str, types: Sequence[str], many: bool
) -> list[Candidates]:
    """Candidates from what the expression (or the `for_each`/`count` it iterates) names.

    Used when evaluation lost the references, as in `[for s in aws_subnet.x : s.id]` or
    `subnet_id = each.value.id` with `for_each = aws_subnet.x`.
    """
    attribute = body.attribute(name)
    if attribute is None:
        return [None]
    context = body.context
    addresses = model.addresses_referenced_by(attribute.expr, context)
    refs: list[str] = []
    repeat = body.block.attributes.get("for_each") or body.block.attributes.get("count")
    if not addresses and repeat is not None:
        addresses = model.addresses_referenced_by(repeat.expr, context)
        refs = collect_refs(context.evaluate(repeat.expr, {}))
    found: list[ResourceInstance] = []
    for ref in refs or addresses:
        hit = lookup(model, ref, types)
        if hit is not None:
            found.extend(hit)
    if not found:
        return [None]
    unique = tuple(dict.fromkeys(found))
    return [(item,) for item in unique] if many and refs else [unique]


def mentioned(
    model: TerraformModel, resource: Resource, body: Body, name: str, types: Sequence[str]
) -> tuple[ResourceInstance, ...]:
    """Every instance of `types` that attribute `name` of `body` may refer to.

    Wider than `follow`: for "is anything watching / notifying / logging this" questions,
    where an unresolved reference must not hide what it names. An evaluated value loses the
    resource it came from when it reads an attribute set to something unknown
    (`function_name = "app-${var.env}"`), or when it depends on a `for_each` evalkit cannot
    expand (``for_each = aws_vpc.main`` with ``each.value.id``); then the resources that the
    expression and `for_each`/`count` are written from (through locals, variables and local
    module outputs) stand in for it.
    """
    value = body.get(name)
    found = instances_named(model, value, types)
    if not found and contains_unknown(value):
        return written_from(model, resource, body, name, types)
    return found


def written_from(
    model: TerraformModel, resource: Resource, body: Body, name: str, types: Sequence[str]
) -> tuple[ResourceInstance, ...]:
    """The instances of `types` that attribute `name` is written from, through locals,
    inputs and local module outputs, whatever its value reads of them."""
    expressions = [body.block.attributes[name].expr]
    expressions.extend(
        resource.block.attributes[meta].expr
        for meta in ("for_each", "count")
        if meta in resource.block.attributes
    )
    addresses = model.dependencies.resources_reached(expressions, resource.context)
    return _instances_in(model, sorted(addresses), types)


def instances_named(
    model: TerraformModel, value: Any, types: Sequence[str]
) -> tuple[ResourceInstance, ...]:
    """The instances of `types` an evaluated value names among others (one arm of a
    conditional, one element of a list)."""
    return _instances_in(model, collect_refs(value), types)


def _instances_in(
    model: TerraformModel, refs: Sequence[str], types: Sequence[str]
) -> tuple[ResourceInstance, ...]:
    found: list[ResourceInstance] = []
    for ref in refs:
        found.extend(lookup(model, ref, types) or ())
    return tuple(dict.fromkeys(found))
