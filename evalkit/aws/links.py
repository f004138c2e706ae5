"""Following one attribute of a resource instance to the resource instances it names.

The one way evalkit reads a reference between AWS resources: by the references an evaluated
value keeps (``aws_subnet.a[0].id``), else by what the expression and the `for_each`/`count`
it iterates are written from (a `for` over a resource, ``each.value.id``), else, for a literal
string, by the name the target is configured with (an S3 bucket name, a subnet group name) in
the same region. Each element of a list is followed on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.aws.regions import same_region
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown, collect_refs

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


def follow(
    model: TerraformModel,
    body: Body,
    name: str,
    types: Sequence[str],
    *,
    many: bool = True,
    by_name: Sequence[str] = (),
    owner: Resource | None = None,
) -> list[Candidates]:
    """One `Candidates` per element that attribute `name` of `body` holds.

    `by_name` lists the target attributes a literal string may equal (the bucket name for
    ``bucket = "logs"``); `owner` is the resource `body` belongs to, whose region a named
    target must share. With `many`, an unknown that names several resources is several
    elements (a list written as a splat whose evaluation kept only the references).
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
            found.append(_by_name(model, element, types, by_name, owner))
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
        if owner is not None and not same_region(owner, resource):
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
