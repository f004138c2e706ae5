"""Type constraints of input variables, as far as they change a value: `optional()` attributes;
and `type_constraint_problem`, what Terraform cannot read in one.

Terraform converts every value a variable receives (a module argument, a `.tfvars` entry, the
default) to the variable's `type`. For an `object({...})` constraint, an attribute declared
`optional(type)` that the value leaves out (or sets to null) becomes null, and one declared
`optional(type, default)` becomes that default, at any depth (`map(object(...))`,
`list(object(...))`). Without this, a `count = var.cfg.enabled ? 1 : 0` over an omitted
`enabled = optional(bool, false)` would be unknown instead of 0.

Only the shape matters here: primitive conversions (``"true"`` to `true`) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree

from evalkit.terraform.evaluator import (
    Evaluator,
    NamesNothing,
    call_arguments,
    function_name,
    meaningful,
)
from evalkit.terraform.values import Unknown


@dataclass(frozen=True)
class Attribute:
    """One attribute of an object type: its type, whether it may be left out, its default."""

    type: TypeSpec
    optional: bool = False
    default: Any = None


@dataclass(frozen=True)
class TypeSpec:
    """A type constraint: ``object`` (attributes), ``map``/``list``/``set`` (one element
    type), ``tuple`` (element types), or ``any`` for everything that holds no object."""

    kind: str = "any"
    attributes: dict[str, Attribute] = field(default_factory=dict)
    elements: tuple[TypeSpec, ...] = ()

    @property
    def has_optional(self) -> bool:
        """Whether conversion to this type can change a value (it declares optional())."""
        if self.kind == "object":
            return any(a.optional or a.type.has_optional for a in self.attributes.values())
        return any(element.has_optional for element in self.elements)


ANY = TypeSpec()


def type_spec(expr: Any) -> TypeSpec:
    """The constraint a variable's `type` expression writes; `any` for what is not read."""
    node = unwrap(expr)
    if not isinstance(node, Tree) or node.data != "function_call":
        return ANY
    name = function_name(node)
    arguments = call_arguments(node)
    if name == "object" and len(arguments) == 1:
        return TypeSpec("object", attributes=_object_attributes(arguments[0]))
    if name in ("map", "list", "set") and len(arguments) == 1:
        return TypeSpec(name, elements=(type_spec(arguments[0]),))
    if name == "tuple" and len(arguments) == 1:
        items = unwrap(arguments[0])
        if isinstance(items, Tree) and items.data == "tuple":
            return TypeSpec("tuple", elements=tuple(type_spec(i) for i in meaningful(items)))
    return ANY


def conform(value: Any, spec: TypeSpec) -> Any:
    """`value` converted to `spec`: left-out optional attributes filled with null or their
    default. Unknown values and shapes that do not match are returned as they are."""
    if value is None or isinstance(value, Unknown) or not spec.has_optional:
        return value
    if spec.kind == "object" and isinstance(value, dict):
        converted = dict(value)
        for name, attribute in spec.attributes.items():
            item = converted.get(name)
            if item is None and attribute.optional:
                item = conform(attribute.default, attribute.type)
            elif item is not None:
                item = conform(item, attribute.type)
            if name in converted or attribute.optional:
                converted[name] = item
        return converted
    if spec.kind == "map" and isinstance(value, dict):
        return {key: conform(item, spec.elements[0]) for key, item in value.items()}
    if spec.kind in ("list", "set") and isinstance(value, list):
        return [conform(item, spec.elements[0]) for item in value]
    if spec.kind == "tuple" and isinstance(value, list) and len(value) == len(spec.elements):
        return [conform(item, element) for item, element in zip(value, spec.elements, strict=True)]
    return value


def _object_attributes(expr: Any) -> dict[str, Attribute]:
    node = unwrap(expr)
    if not isinstance(node, Tree) or node.data != "object":
        return {}
    found: dict[str, Attribute] = {}
    for element in meaningful(node):
        parts = meaningful(element)
        if len(parts) != 2:
            continue
        name = _key_name(parts[0])
        if name is not None:
            found[name] = _attribute(parts[1])
    return found


def _attribute(expr: Any) -> Attribute:
    node = unwrap(expr)
    if _is_call(node, "optional"):
        arguments = call_arguments(node)
        if not arguments:
            return Attribute(ANY, optional=True)
        default = (
            Evaluator(NamesNothing("optional() default")).evaluate(arguments[1])
            if len(arguments) > 1
            else None
        )
        return Attribute(type_spec(arguments[0]), optional=True, default=default)
    return Attribute(type_spec(expr))


def _key_name(node: Any) -> str | None:
    inner = unwrap(node)
    if isinstance(inner, Tree) and inner.data in ("object_elem_key", "expr_term"):
        return _key_name(meaningful(inner)[0]) if meaningful(inner) else None
    if isinstance(inner, Tree) and inner.data == "identifier":
        return str(inner.children[0])
    if isinstance(inner, Tree) and inner.data == "string":
        value = Evaluator(NamesNothing()).evaluate(inner)
        return value if isinstance(value, str) else None
    if isinstance(inner, Token):
        return str(inner).strip('"')
    return None


def unwrap(node: Any) -> Any:
    """The term inside ``expr_term`` wrappers (and parentheses)."""
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = meaningful(node)
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def _is_call(node: Any, name: str) -> bool:
    return isinstance(node, Tree) and node.data == "function_call" and function_name(node) == name


_TYPE_KEYWORDS = frozenset({"string", "number", "bool", "any", "list", "set", "map"})
_COLLECTION_TYPES = frozenset({"list", "set", "map"})


def type_constraint_problem(expr: Any) -> str | None:
    """What Terraform rejects in a variable's type constraint, in words, or None: a quoted
    type (``"string"``, the Terraform 0.11 form, rejected since 0.15) or a name that is no
    type (``integer``, ``array(string)``). Shapes not read here are left to Terraform."""
    return _type_problem(expr, top=True) if isinstance(expr, Tree) else None


def _type_problem(expr: Tree, top: bool = False, in_object: bool = False) -> str | None:
    node = unwrap(expr)
    if node.data == "string" and top:
        parts = node.scan_values(lambda v: getattr(v, "type", "") == "STRING_CHARS")
        quoted = "".join(str(t) for t in parts)
        wanted = f"{quoted}(string)" if quoted in _COLLECTION_TYPES else quoted
        return (
            f'gives type as the quoted string "{quoted}", a form Terraform no longer reads '
            f"(Invalid quoted type constraints): write type = {wanted}"
        )
    if node.data == "identifier":
        name = str(node.children[0])
        if name in _TYPE_KEYWORDS:
            return None
        return (
            f"gives type `{name}`, which is no Terraform type: use string, number, bool, any, "
            "list(...), set(...), map(...), object({...}) or tuple([...])"
        )
    if node.data != "function_call":
        return None
    name, arguments = function_name(node), call_arguments(node)
    if name in _COLLECTION_TYPES and len(arguments) == 1:
        return _type_problem(arguments[0])
    if name == "optional" and in_object and arguments:
        return _type_problem(arguments[0])
    if name == "object" and len(arguments) == 1 and unwrap(arguments[0]).data == "object":
        for element in unwrap(arguments[0]).children:
            if isinstance(element, Tree) and element.data == "object_elem":
                problem = _type_problem(element.children[-1], in_object=True)
                if problem is not None:
                    return problem
        return None
    if name == "tuple" and len(arguments) == 1 and unwrap(arguments[0]).data == "tuple":
        for item in meaningful(unwrap(arguments[0])):
            problem = _type_problem(item)
            if problem is not None:
                return problem
        return None
    if name in _COLLECTION_TYPES | {"object", "tuple", "optional"}:
        return None  # a shape not read here: left to Terraform
    return f"gives type `{name}(...)`, which is no Terraform type constructor"
