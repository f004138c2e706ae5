"""Small helpers shared by checks: truthiness of evaluated values, locations, origins."""

from __future__ import annotations

from typing import Any

from lark import Tree

from evalkit.records import Finding
from evalkit.checks.registry import finding
from evalkit.terraform.model import Body, ModuleContext, Resource
from evalkit.terraform.values import Unknown


def truth(value: Any) -> bool | None:
    """True/False for a known boolean-ish value (``true``, ``"true"``), None when unknown."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    if value is None:
        return False
    return None


def resource_finding(resource: Resource, message: str, line: int | None = None,
                     file: str | None = None, address: str | None = None) -> Finding:
    return finding(file or resource.file, line or resource.line, address or resource.address,
                   message, resource.location)


def where(resource: Resource) -> str:
    """`` in us-west-2`` (or the provider alias) for messages; empty when unknown."""
    return f" in {resource.location}" if resource.location else ""


def literal_origin(body: Body, name: str) -> tuple[str, int]:
    """Where the value of `body.name` was written: the attribute, or the variable default /
    tfvars entry / local it comes from when the attribute only names one of those."""
    attribute = body.attribute(name)
    if attribute is None:
        return body.file, body.line
    return _origin_of(attribute.expr, body.context, (attribute.file, attribute.line), depth=0)


def _origin_of(expr: Any, context: ModuleContext, fallback: tuple[str, int],
               depth: int) -> tuple[str, int]:
    from evalkit.terraform.references import traversal_text

    text = traversal_text(expr) if isinstance(expr, Tree) else None
    if text is None or depth > 8:
        return fallback
    parts = text.split(".")
    if len(parts) != 2:
        return fallback
    root, name = parts
    if root == "local" and name in context.locals:
        local = context.locals[name]
        return _origin_of(local.expr, context, (local.file, local.line), depth + 1)
    if root == "var" and name in context.variables:
        if context.call is not None and context.parent is not None:
            passed = context.call.block.attributes.get(name)
            if passed is not None:
                return _origin_of(passed.expr, context.parent, (passed.file, passed.line),
                                  depth + 1)
        if name in context.tfvars:
            entry = context.tfvars[name]
            return entry.file, entry.line
        default = context.variables[name].attributes.get("default")
        if default is not None:
            return default.file, default.line
    return fallback
