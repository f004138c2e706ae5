"""What Terraform rejects in meta-arguments and settings, told from the code as written.

- `count_and_for_each`: a block that sets both ("Invalid combination of count and
  for_each").
- `list_for_each`: a resource, data source or module repeated by `for_each` over a list or
  tuple. Terraform takes a map or a set of strings only ("Invalid for_each argument"); a
  `dynamic` block's `for_each` takes any collection and is not judged.
- `quoted_dependencies`: `depends_on` entries written as quoted strings
  (``"aws_vpc.main"``: "A single static variable reference is required").
- `settings_references`: references in the `terraform` block's backend, cloud,
  required_version or required_providers, which Terraform reads before any value exists
  ("Variables not allowed").

Each answers only what the code shows for certain; an expression whose type cannot be told
from its form is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lark import Tree

from evalkit.terraform.evaluator import function_name, meaningful
from evalkit.terraform.references import iter_references
from evalkit.terraform.syntax import object_entries, reference_text
from evalkit.terraform.types import type_spec, unwrap

if TYPE_CHECKING:
    from evalkit.terraform.model import ModuleContext
    from evalkit.terraform.parse import Block

# Functions whose result is always a list or tuple.
_LIST_FUNCTIONS = frozenset(
    {
        "tolist",
        "concat",
        "split",
        "slice",
        "compact",
        "flatten",
        "distinct",
        "sort",
        "reverse",
        "range",
        "keys",
        "values",
        "formatlist",
        "chunklist",
        "cidrsubnets",
        "regexall",
    }
)
# The blocks Terraform repeats by `count` or `for_each`.
REPEATABLE_BLOCKS = frozenset({"resource", "data", "ephemeral", "module"})
# How deep to follow locals that name other locals.
_MAX_HOPS = 8


def count_and_for_each(block: Block) -> int | None:
    """The line of the later of `count` and `for_each` when a block sets both, which
    Terraform never accepts; else None."""
    count, for_each = block.attributes.get("count"), block.attributes.get("for_each")
    if count is None or for_each is None:
        return None
    return max(count.line, for_each.line)


def list_for_each(block: Block, context: ModuleContext) -> str | None:
    """How the `for_each` of a top-level `block` is known to be a list (words for a
    message), or None."""
    attribute = block.attributes.get("for_each")
    if block.type not in REPEATABLE_BLOCKS or attribute is None:
        return None
    return _list_form(attribute.expr, context, _MAX_HOPS)


def _list_form(expr: Any, context: ModuleContext, hops: int) -> str | None:
    node = unwrap(expr)
    if not isinstance(node, Tree):
        return None
    if node.data in ("tuple", "for_tuple_expr"):
        return "a list"
    if node.data == "function_call":
        name = function_name(node).removeprefix("core::")
        return f"the list {name}() returns" if name in _LIST_FUNCTIONS else None
    text = reference_text(expr)
    if text is None or hops <= 0:
        return None
    root, _, name = text.partition(".")
    if root == "var" and name in context.variables:
        declared = context.variables[name].attributes.get("type")
        if declared is not None and type_spec(declared.expr).kind in ("list", "tuple"):
            return f"var.{name}, declared as a list"
        return None
    if root == "local" and name in context.locals:
        inner = _list_form(context.locals[name].expr, context, hops - 1)
        return f"local.{name}, {inner}" if inner else None
    return None


def quoted_dependencies(block: Block) -> Iterator[int]:
    """Lines of the `depends_on` entries of `block` written as quoted strings."""
    attribute = block.attributes.get("depends_on")
    if attribute is None:
        return
    node = unwrap(attribute.expr)
    if not isinstance(node, Tree) or node.data != "tuple":
        return
    for item in meaningful(node):
        quoted = unwrap(item)
        if isinstance(quoted, Tree) and quoted.data == "string":
            yield quoted.meta.line


def settings_references(block: Block) -> Iterator[tuple[int, str]]:
    """(line, reference) of every reference in a `terraform` block's backend, cloud,
    required_version and required_providers (a provider's `configuration_aliases` name
    provider configurations, not values, and are left out)."""
    if block.type != "terraform":
        return
    version = block.attributes.get("required_version")
    values = [version.expr] if version is not None else []
    for nested in block.blocks:
        if nested.type in ("backend", "cloud"):
            values.extend(a.expr for inner in nested.walk() for a in inner.attributes.values())
        elif nested.type == "required_providers":
            for attribute in nested.attributes.values():
                entries = list(object_entries(attribute.expr))
                if not entries:
                    values.append(attribute.expr)
                values.extend(v for key, v, _ in entries if key != "configuration_aliases")
    for value in values:
        for reference in iter_references(value):
            yield reference.line, reference.text
