"""Static evaluation of Terraform expressions over the Lark syntax tree.

The evaluator knows the expression language (templates, operators, conditionals, `for`
expressions, splats, function calls). What names mean (``var.x``, ``aws_vpc.main``,
``module.net.id``) is the business of a `Resolver` supplied by the module model, so the same
evaluator serves root modules, child modules and resource instances.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lark import Token, Tree
from lark.exceptions import LarkError

from evalkit.terraform.functions import FunctionError, call_function
from evalkit.terraform.parse import TREE_SITTER, JsonValue, syntax_tree
from evalkit.terraform.values import (
    UNKNOWN_PLACEHOLDER,
    Unknown,
    contains_unknown,
    known_text,
    unknown_from,
)


@dataclass(frozen=True)
class Step:
    """One traversal step after a root name: an attribute, an index, or a splat."""

    kind: str  # "attr" | "index" | "splat"
    key: Any = None


class Resolver(Protocol):
    def resolve(self, root: str, steps: list[Step], scope: dict[str, Any]) -> Any: ...


class NamesNothing:
    """Resolves no name, so an expression evaluates to what its own text spells out; every
    name it uses is unknown, for `reason`."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason

    def resolve(self, root: str, steps: list[Step], scope: dict[str, Any]) -> Any:
        return Unknown((root,), self.reason)


class EvaluationLimit(Exception):
    """Raised when an expression is too deep or too large to evaluate safely."""


_MAX_DEPTH = 400
_MAX_ITEMS = 10_000
# Values share structure (`[local.a, local.a]`), so a few lines can describe a value
# exponentially larger than themselves, and every check that walks it would hang. Values are
# counted as trees, strings by length, and anything past the bound is unknown.
_MAX_VALUE_UNITS = 250_000
_CHARACTERS_PER_UNIT = 64
_MAX_TEXT_LENGTH = 16 * 1024 * 1024
TOO_LARGE = "value too large to evaluate"


def too_large(value: Any) -> bool:
    """Whether `value`, walked as a tree with shared parts counted each time, is over the bound.

    Stops as soon as the bound is passed, so it costs at most the bound.
    """
    if not isinstance(value, dict | list | tuple | Unknown):
        # A scalar, the most common value: what the walk below would count for it alone.
        return isinstance(value, str) and 1 + len(value) // _CHARACTERS_PER_UNIT > _MAX_VALUE_UNITS
    budget = _MAX_VALUE_UNITS
    stack = [value]
    while stack:
        item = stack.pop()
        budget -= 1
        if isinstance(item, str):
            budget -= len(item) // _CHARACTERS_PER_UNIT
        elif isinstance(item, dict):
            budget -= len(item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, Unknown) and item.partial is not None:
            stack.append(item.partial)
        if budget < 0:
            return True
    return False


class Evaluator:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._depth = 0

    # -- entry points -------------------------------------------------------------------------

    def evaluate(self, expr: Any, scope: dict[str, Any] | None = None) -> Any:
        """The value of `expr`; never raises for expressions found in submissions."""
        try:
            value = self._eval(expr, scope or {})
        except (EvaluationLimit, RecursionError):
            return Unknown(reason="expression too deep to evaluate")
        # Every local, variable and attribute passes here, so no stored value is over the bound.
        return Unknown(reason=TOO_LARGE) if too_large(value) else value

    # -- dispatch -----------------------------------------------------------------------------

    def _eval(self, node: Any, scope: dict[str, Any]) -> Any:
        if isinstance(node, JsonValue):
            return self._eval_json(node.value, scope)
        if isinstance(node, Token):
            return str(node)
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise EvaluationLimit
            handler = _HANDLERS.get(node.data)
            if handler is None:
                return Unknown(reason=f"unsupported syntax {node.data}")
            return handler(self, node, scope)
        finally:
            self._depth -= 1

    def _eval_json(self, value: Any, scope: dict[str, Any]) -> Any:
        if isinstance(value, str):
            if "${" not in value and "%{" not in value:
                return value
            return self._eval_template_text(value, scope)
        if isinstance(value, list):
            return [self._eval_json(v, scope) for v in value]
        if isinstance(value, dict):
            return {k: self._eval_json(v, scope) for k, v in value.items()}
        return value

    # -- simple terms -------------------------------------------------------------------------

    def _expr_term(self, node: Tree, scope: dict[str, Any]) -> Any:
        children = node.children
        if len(children) == 1:
            # The usual shape, one sub-tree and no parentheses: skip building `inner`.
            only = children[0]
            if isinstance(only, Tree) and only.data != "new_line_or_comment":
                return self._eval(only, scope)
        inner = _meaningful(children)
        if len(inner) != 1:
            return Unknown(reason="unexpected expression shape")
        return self._eval(inner[0], scope)

    def _int(self, node: Tree, scope: dict[str, Any]) -> Any:
        return int(str(node.children[0]))

    def _float(self, node: Tree, scope: dict[str, Any]) -> Any:
        value = float(str(node.children[0]))
        return int(value) if value.is_integer() and abs(value) < 2**53 else value

    def _literal(self, node: Tree, scope: dict[str, Any]) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _identifier(self, node: Tree, scope: dict[str, Any]) -> Any:
        return self._resolve(str(node.children[0]), [], scope)

    def _tuple(self, node: Tree, scope: dict[str, Any]) -> Any:
        return [self._eval(child, scope) for child in _meaningful(node.children)]

    def _object(self, node: Tree, scope: dict[str, Any]) -> Any:
        result: dict[str, Any] = {}
        for elem in _meaningful(node.children):
            key_node, value_node = _meaningful(elem.children)
            key = self._object_key(key_node, scope)
            value = self._eval(value_node, scope)
            if isinstance(key, Unknown):
                return unknown_from(key, reason="object key unknown")
            result[_to_key(key)] = value
        return result

    def _object_key(self, key_node: Tree, scope: dict[str, Any]) -> Any:
        inner = _meaningful(key_node.children)[0]
        if isinstance(inner, Token):
            return str(inner)
        if inner.data == "keyword":
            return str(inner.children[0])
        bare = _meaningful(inner.children) if inner.data == "expr_term" else []
        if len(bare) == 1 and isinstance(bare[0], Tree) and bare[0].data == "identifier":
            return str(bare[0].children[0])
        return self._eval(inner, scope)

    # -- strings and templates ------------------------------------------------------------------

    def _string(self, node: Tree, scope: dict[str, Any]) -> Any:
        parts = [
            c.children[0] for c in node.children if isinstance(c, Tree) and c.data == "string_part"
        ]
        return self._render_parts(parts, scope)

    def _template_string(self, node: Tree, scope: dict[str, Any]) -> Any:
        return unescape(str(node.children[0]).strip('\\"'))

    def _render_parts(self, parts: list[Any], scope: dict[str, Any]) -> Any:
        """Render template parts: literal tokens, interpolations and %{if}/%{for} directives."""
        if len(parts) == 1:
            only = parts[0]
            if not isinstance(only, Tree):
                # Plain text, the most common string: what `_render_sequence` would make of it.
                return _join_pieces([_literal_text(only)])
            if only.data == "interpolation":
                # "${x}" yields x itself, unconverted, as in Terraform.
                return self._eval(_meaningful(only.children)[0], scope)
        pieces, _ = self._render_sequence(parts, 0, scope, stop=())
        return _join_pieces(pieces)

    def _render_sequence(
        self, parts: list[Any], index: int, scope: dict[str, Any], stop: tuple[str, ...]
    ) -> tuple[list[Any], int]:
        pieces: list[Any] = []
        while index < len(parts):
            part = parts[index]
            kind = part.data if isinstance(part, Tree) else "text"
            if kind in stop:
                return pieces, index
            if kind == "text":
                pieces.append(_literal_text(part))
            elif kind == "interpolation":
                pieces.append(self._eval(_meaningful(part.children)[0], scope))
            elif kind == "template_if_start":
                rendered, index = self._render_if(parts, index, scope)
                pieces.append(rendered)
            elif kind == "template_for_start":
                rendered, index = self._render_for(parts, index, scope)
                pieces.append(rendered)
            index += 1
        return pieces, index

    def _render_if(self, parts: list[Any], index: int, scope: dict[str, Any]) -> tuple[Any, int]:
        condition = self._eval(_directive_expression(parts[index]), scope)
        then_pieces, index = self._render_sequence(
            parts, index + 1, scope, ("template_else", "template_endif")
        )
        else_pieces: list[Any] = []
        if index < len(parts) and parts[index].data == "template_else":
            else_pieces, index = self._render_sequence(parts, index + 1, scope, ("template_endif",))
        if isinstance(condition, Unknown):
            return unknown_from(condition), index
        return _join_pieces(then_pieces if condition else else_pieces), index

    def _render_for(self, parts: list[Any], index: int, scope: dict[str, Any]) -> tuple[Any, int]:
        names = [
            str(c.children[0])
            for c in parts[index].children
            if isinstance(c, Tree) and c.data == "identifier"
        ]
        collection = as_collection(self._eval(_directive_expression(parts[index]), scope))
        start = index + 1
        _, end = self._render_sequence(parts, start, scope, ("template_endfor",))
        if isinstance(collection, Unknown) or not isinstance(collection, list | dict):
            return unknown_from(collection), end
        rendered: list[Any] = []
        for key, value in _iterate(collection):
            inner = {**scope, **_loop_bindings(names, key, value)}
            pieces, _ = self._render_sequence(parts, start, inner, ("template_endfor",))
            rendered.append(_join_pieces(pieces))
        return _join_pieces(rendered), end

    def _heredoc(self, node: Tree, scope: dict[str, Any]) -> Any:
        raw = str(node.children[0])
        text = heredoc_body(raw, trim=node.data == "heredoc_template_trim")
        return self._eval_template_text(text, scope)

    def _eval_template_text(self, text: str, scope: dict[str, Any]) -> Any:
        """Evaluate a template given as text (heredoc bodies and JSON strings)."""
        pieces: list[Any] = []
        for literal, expression in split_template(text):
            if literal:
                pieces.append(literal)
            if expression is not None:
                tree = parse_expression(expression)
                pieces.append(
                    Unknown(reason="template directive or unparsable interpolation")
                    if tree is None
                    else self._eval(tree, scope)
                )
        if len(pieces) == 1:
            return pieces[0]
        return _join_pieces(pieces)

    # -- operators ----------------------------------------------------------------------------

    def _conditional(self, node: Tree, scope: dict[str, Any]) -> Any:
        condition_node, true_node, false_node = _meaningful(node.children)
        condition = self._eval(condition_node, scope)
        if isinstance(condition, Unknown):
            when_true = self._eval(true_node, scope)
            when_false = self._eval(false_node, scope)
            if when_true == when_false and not contains_unknown(when_true):
                return when_true
            return unknown_from(condition, when_true, when_false, reason="condition unknown")
        return self._eval(true_node if _truthy(condition) else false_node, scope)

    def _binary(self, node: Tree, scope: dict[str, Any]) -> Any:
        lhs_node, term = _meaningful(node.children)[:2]
        operator_node, rhs_node = _meaningful(term.children)[:2]
        operator = str(operator_node.children[0]).strip()
        return binary_operation(operator, self._eval(lhs_node, scope), self._eval(rhs_node, scope))

    def _unary(self, node: Tree, scope: dict[str, Any]) -> Any:
        operator, operand_node = node.children[0], node.children[-1]
        operand = self._eval(operand_node, scope)
        if isinstance(operand, Unknown):
            return operand
        if str(operator) == "!":
            return not _truthy(operand)
        number = _to_number(operand)
        return Unknown(reason="negating a non-number") if number is None else -number

    # -- functions ----------------------------------------------------------------------------

    def _function(self, node: Tree, scope: dict[str, Any]) -> Any:
        name = function_name(node)
        arg_nodes = call_arguments(node)
        arguments = _first(node, "arguments")
        expand_last = arguments is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children
        )
        if name in ("try", "can"):
            return self._try_or_can(name, arg_nodes, scope)
        args = [as_collection(self._eval(arg, scope)) for arg in arg_nodes]
        if expand_last and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return unknown_from(last)
            args.extend(last if isinstance(last, list) else [last])
        if name == "element" and len(args) == 2:
            indexed = _index_unknown_list(args[0], args[1])
            if indexed is not None:
                return indexed
        if too_large(args):
            return Unknown(reason=TOO_LARGE)
        if name == "jsonencode" and len(args) == 1 and contains_unknown(args[0]):
            unknown = unknown_from(args[0])
            return Unknown(unknown.refs, "jsonencode of unknown values", partial=args[0])
        if name in _TEXT_BUILDERS and contains_unknown(args):
            pieces = _TEXT_BUILDERS[name](args)
            if pieces is not None:
                return partial_text(pieces)
        try:
            return call_function(name, args)
        except FunctionError as error:
            return Unknown(reason=f"error: {error}")
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            OverflowError,
            ZeroDivisionError,
            RecursionError,
        ) as error:
            return Unknown(reason=f"error: {name}: {error}")

    def _try_or_can(self, name: str, arg_nodes: list[Any], scope: dict[str, Any]) -> Any:
        values = [self._eval(arg, scope) for arg in arg_nodes]
        if name == "can":
            if not values:
                return Unknown(reason="error: can needs an argument")
            value = values[0]
            if isinstance(value, Unknown):
                return False if value.reason.startswith("error") else Unknown(value.refs)
            return True
        for value in values:
            if isinstance(value, Unknown) and value.reason.startswith("error"):
                continue
            return value
        return Unknown(reason="error: no try() argument succeeded")

    # -- for expressions ----------------------------------------------------------------------

    def _for_tuple(self, node: Tree, scope: dict[str, Any]) -> Any:
        scopes, body = self._for_scopes(node, scope)
        if isinstance(scopes, Unknown):
            return scopes
        result = []
        for inner in scopes:
            result.append(self._eval(body[0], inner))
            if len(result) > _MAX_ITEMS:
                raise EvaluationLimit
        return result

    def _for_object(self, node: Tree, scope: dict[str, Any]) -> Any:
        scopes, body = self._for_scopes(node, scope)
        if isinstance(scopes, Unknown):
            return scopes
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        result: dict[str, Any] = {}
        for inner in scopes:
            out_key = self._eval(body[0], inner)
            if isinstance(out_key, Unknown):
                return unknown_from(out_key)
            out_value = self._eval(body[1], inner)
            if grouping:
                result.setdefault(_to_key(out_key), []).append(out_value)
            else:
                result[_to_key(out_key)] = out_value
        return result

    def _for_scopes(
        self, node: Tree, scope: dict[str, Any]
    ) -> tuple[list[dict[str, Any]] | Unknown, list[Any]]:
        """The scope of every iteration a `for` expression keeps (its `if` passes), and its
        body expressions; an Unknown when the collection or a condition is unknown."""
        (names, collection_node), body = self._for_parts(node)
        collection = as_collection(self._eval(collection_node, scope))
        if not isinstance(collection, list | dict):
            return unknown_from(collection, reason="for over an unknown collection"), body
        condition = _first(node, "for_cond")
        kept: list[dict[str, Any]] = []
        for key, value in _iterate(collection):
            inner = {**scope, **_loop_bindings(names, key, value)}
            if condition is not None:
                keep = self._eval(_meaningful(condition.children)[-1], inner)
                if isinstance(keep, Unknown):
                    return unknown_from(keep), body
                if not _truthy(keep):
                    continue
            kept.append(inner)
        return kept, body

    def _for_parts(self, node: Tree) -> tuple[tuple[list[str], Any], list[Any]]:
        intro = _first(node, "for_intro")
        assert intro is not None, "the grammar gives every for expression a for_intro"
        names = [
            str(c.children[0])
            for c in intro.children
            if isinstance(c, Tree) and c.data == "identifier"
        ]
        collection_node = next(
            c
            for c in intro.children
            if isinstance(c, Tree) and c.data not in ("identifier", "new_line_or_comment")
        )
        body = [
            c
            for c in node.children
            if isinstance(c, Tree)
            and c.data not in ("for_intro", "for_cond", "new_line_or_comment")
        ]
        return (names, collection_node), body

    # -- traversals ---------------------------------------------------------------------------

    def _traversal(self, node: Tree, scope: dict[str, Any]) -> Any:
        root, steps = self._flatten(node, scope)
        if isinstance(root, str):
            return self._resolve(root, steps, scope)
        return apply_steps(root, steps)

    def _flatten(self, node: Any, scope: dict[str, Any]) -> tuple[Any, list[Step]]:
        """Split `a.b[0].c` into its root name (or a computed base value) and its steps."""
        steps: list[Step] = []
        current = node
        while True:
            if isinstance(current, Tree) and current.data == "expr_term":
                inner = _meaningful(current.children)
                if len(inner) == 1 and isinstance(inner[0], Tree):
                    if inner[0].data == "identifier" and _is_bare_term(current):
                        steps.reverse()
                        return str(inner[0].children[0]), steps
                    current = inner[0]
                    continue
                steps.reverse()
                return self._eval(current, scope), steps
            if isinstance(current, Tree) and current.data in _TRAVERSAL_RULES:
                base, suffix = current.children[0], current.children[1]
                steps.extend(reversed(self._suffix_steps(current.data, suffix, scope)))
                current = base
                continue
            steps.reverse()
            return self._eval(current, scope), steps

    def _suffix_steps(self, kind: str, suffix: Tree, scope: dict[str, Any]) -> list[Step]:
        if kind == "get_attr_expr_term":
            return [Step("attr", _attr_name(suffix))]
        if kind == "index_expr_term":
            return [self._index_step(suffix, scope)]
        steps = [Step("splat")]
        for child in suffix.children:
            if isinstance(child, Tree) and child.data == "get_attr":
                steps.append(Step("attr", _attr_name(child)))
            elif isinstance(child, Tree):
                steps.append(self._index_step(child, scope))
        return steps

    def _index_step(self, index: Tree, scope: dict[str, Any]) -> Step:
        if index.data == "short_index":
            return Step("index", int(str(index.children[-1])))
        return Step("index", self._eval(_meaningful(index.children)[0], scope))

    def _resolve(self, root: str, steps: list[Step], scope: dict[str, Any]) -> Any:
        if root in scope:
            return apply_steps(scope[root], steps)
        return self.resolver.resolve(root, steps, scope)


_TRAVERSAL_RULES = {
    "get_attr_expr_term",
    "index_expr_term",
    "attr_splat_expr_term",
    "full_splat_expr_term",
}

_HANDLERS: dict[str, Callable[[Evaluator, Tree, dict[str, Any]], Any]] = {
    "expr_term": Evaluator._expr_term,
    "int_lit": Evaluator._int,
    "float_lit": Evaluator._float,
    "literal_value": Evaluator._literal,
    "identifier": Evaluator._identifier,
    "tuple": Evaluator._tuple,
    "object": Evaluator._object,
    "string": Evaluator._string,
    "template_string": Evaluator._template_string,
    "heredoc_template": Evaluator._heredoc,
    "heredoc_template_trim": Evaluator._heredoc,
    "conditional": Evaluator._conditional,
    "binary_op": Evaluator._binary,
    "unary_op": Evaluator._unary,
    "function_call": Evaluator._function,
    "for_tuple_expr": Evaluator._for_tuple,
    "for_object_expr": Evaluator._for_object,
    "get_attr_expr_term": Evaluator._traversal,
    "index_expr_term": Evaluator._traversal,
    "attr_splat_expr_term": Evaluator._traversal,
    "full_splat_expr_term": Evaluator._traversal,
}


# --- traversal over values ---------------------------------------------------------------------


def as_collection(value: Any) -> Any:
    """A whole resource as Terraform sees it where a collection is expected: its `count`
    instances as a list, its `for_each` instances as a map; other values unchanged."""
    collection = getattr(value, "collection", None)
    return collection() if callable(collection) else value


def apply_steps(value: Any, steps: list[Step]) -> Any:
    for position, step in enumerate(steps):
        if step.kind == "splat":
            rest = steps[position + 1 :]
            if isinstance(value, Unknown):
                return _extend_ref(value, "[*]")
            if hasattr(value, "splat"):
                value = value.splat()
            items = value if isinstance(value, list) else [] if value is None else [value]
            return [apply_steps(item, rest) for item in items]
        value = apply_step(value, step)
    return value


def apply_step(value: Any, step: Step) -> Any:
    if hasattr(value, "step"):
        return value.step(step)
    if isinstance(value, Unknown):
        if isinstance(step.key, Unknown):
            return unknown_from(value, step.key)
        suffix = f".{step.key}" if step.kind == "attr" else f"[{step.key}]"
        return _extend_ref(value, suffix)
    key = step.key
    if isinstance(key, Unknown):
        return unknown_from(key)
    if isinstance(value, dict):
        if _to_key(key) in value:
            return value[_to_key(key)]
        return Unknown(reason=f"error: no key {key!r}")
    if isinstance(value, list) and step.kind == "index":
        number = _to_number(key)
        if isinstance(number, int) and -len(value) <= number < len(value) and number >= 0:
            return value[number]
        return Unknown(reason=f"error: index {key!r} out of range")
    if isinstance(value, list) and step.kind == "attr":
        # Legacy `list.0` style is an index; anything else is an error in Terraform.
        return Unknown(reason=f"error: attribute {key!r} on a list")
    return Unknown(reason=f"error: cannot read {key!r} from {type(value).__name__}")


def _extend_ref(value: Unknown, suffix: str) -> Unknown:
    if len(value.refs) == 1:
        return Unknown((value.refs[0] + suffix,), value.reason)
    return value


def _index_unknown_list(collection: Any, index: Any) -> Unknown | None:
    """element(unknown_list, i): keep which element was picked, as indexing does."""
    if isinstance(collection, Unknown) and len(collection.refs) == 1:
        number = _to_number(index)
        if isinstance(number, int):
            return _extend_ref(collection, f"[{number}]")
    return None


# --- operators ---------------------------------------------------------------------------------


def binary_operation(operator: str, lhs: Any, rhs: Any) -> Any:
    if operator in ("&&", "||"):
        return _logical(operator, lhs, rhs)
    if isinstance(lhs, Unknown) or isinstance(rhs, Unknown):
        return unknown_from(lhs, rhs)
    if operator == "==":
        return _equal(lhs, rhs)
    if operator == "!=":
        return not _equal(lhs, rhs)
    left, right = _to_number(lhs), _to_number(rhs)
    if left is None or right is None:
        return Unknown(reason=f"error: {operator} needs numbers")
    try:
        result = {
            "+": lambda: left + right,
            "-": lambda: left - right,
            "*": lambda: left * right,
            "/": lambda: left / right,
            "%": lambda: left % right,
            "<": lambda: left < right,
            ">": lambda: left > right,
            "<=": lambda: left <= right,
            ">=": lambda: left >= right,
        }[operator]()
    except (ZeroDivisionError, KeyError):
        return Unknown(reason=f"error: {operator}")
    if isinstance(result, float) and result.is_integer():
        return int(result)
    return result


def _logical(operator: str, lhs: Any, rhs: Any) -> Any:
    known = [v for v in (lhs, rhs) if not isinstance(v, Unknown)]
    if operator == "&&" and any(not _truthy(v) for v in known):
        return False
    if operator == "||" and any(_truthy(v) for v in known):
        return True
    if len(known) < 2:
        return unknown_from(lhs, rhs)
    return _truthy(lhs) and _truthy(rhs) if operator == "&&" else _truthy(lhs) or _truthy(rhs)


def _equal(lhs: Any, rhs: Any) -> bool:
    if isinstance(lhs, bool) or isinstance(rhs, bool):
        return lhs is rhs or (type(lhs) is type(rhs) and lhs == rhs)
    return bool(lhs == rhs)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _to_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() and "." not in value else number
    return None


def _to_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


# --- templates ---------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_PATTERN = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)


def unescape(text: str) -> str:
    if "\\" not in text:
        return text  # every escape starts with a backslash

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except ValueError:
                return match.group(0)
        return _ESCAPES.get(code, match.group(0))

    return _ESCAPE_PATTERN.sub(replace, text)


def _literal_text(token: Any) -> str:
    text = str(token)
    if getattr(token, "type", "") == "ESCAPED_INTERPOLATION":
        return text[1:]
    if getattr(token, "type", "") == "ESCAPED_DIRECTIVE":
        return text[1:]
    return unescape(text)


def _join_pieces(pieces: list[Any]) -> Any:
    if sum(len(p) for p in pieces if isinstance(p, str)) > _MAX_TEXT_LENGTH:
        return Unknown(reason=TOO_LARGE)
    if any(isinstance(p, Unknown) for p in pieces):
        return partial_text(pieces)
    out = []
    for piece in pieces:
        text = to_template_string(piece)
        if text is None:
            return Unknown(reason="error: cannot render a value in a template")
        out.append(text)
    return "".join(out)


def partial_text(pieces: list[Any]) -> Unknown:
    """The unknown string made of `pieces`, keeping the text of the known ones and what is
    known of partly known ones (a nested template's literal segments)."""
    sketch = "".join(_sketch_of(piece) for piece in pieces)
    unknown = unknown_from(*pieces)
    return Unknown(unknown.refs, unknown.reason, partial=sketch)


def _sketch_of(piece: Any) -> str:
    if isinstance(piece, Unknown):
        return known_text(piece) or UNKNOWN_PLACEHOLDER
    text = to_template_string(piece)
    return UNKNOWN_PLACEHOLDER if text is None else text


_SIMPLE_VERB = re.compile(r"%([%svd])")


def _format_pieces(args: list[Any]) -> list[Any] | None:
    """`format` with unknown arguments as text pieces, for templates whose verbs are all plain
    (``%s``, ``%v``, ``%d``); None for anything fancier (widths, flags, explicit indexes)."""
    template, values = args[0], args[1:]
    if not isinstance(template, str):
        return None
    verbs = template.replace("%%", "")
    if verbs.count("%") != len(re.findall(r"%[svd]", verbs)):
        return None
    pieces: list[Any] = []
    position = used = 0
    for match in _SIMPLE_VERB.finditer(template):
        pieces.append(template[position : match.start()])
        position = match.end()
        if match.group(1) == "%":
            pieces.append("%")
            continue
        if used >= len(values):
            return None
        pieces.append(values[used])
        used += 1
    pieces.append(template[position:])
    return pieces


def _join_list_pieces(args: list[Any]) -> list[Any] | None:
    """`join(separator, list)` over a known list with unknown elements, as text pieces."""
    if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], list):
        return None
    pieces: list[Any] = []
    for index, item in enumerate(args[1]):
        if item is None or isinstance(item, dict | list):
            return None
        if index:
            pieces.append(args[0])
        pieces.append(item)
    return pieces


_TEXT_BUILDERS: dict[str, Callable[[list[Any]], list[Any] | None]] = {
    "format": _format_pieces,
    "join": _join_list_pieces,
}


def to_template_string(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def heredoc_body(raw: str, trim: bool) -> str:
    """The text of a heredoc token (``<<EOF\\n...\\nEOF\\n``), de-indented for ``<<-``."""
    lines = raw.split("\n")
    body = lines[1:-2] if len(lines) >= 3 else []
    if trim:
        indents = [len(line) - len(line.lstrip()) for line in body if line.strip()]
        cut = min(indents, default=0)
        body = [line[cut:] for line in body]
    return "\n".join(body) + ("\n" if body else "")


def split_template(text: str) -> list[tuple[str, str | None]]:
    """Split template text into (literal, interpolation-expression) pairs.

    ``$${`` and ``%%{`` are escapes. Directives (``%{ if }``) are returned as an expression of
    None so the caller marks that stretch unknown instead of misreading it.
    """
    pairs: list[tuple[str, str | None]] = []
    literal: list[str] = []
    index = 0
    # Only a `$` or `%` can open anything: the text between two of them is literal as it is.
    for opener in _TEMPLATE_OPENER.finditer(text):
        start = opener.start()
        if start < index:
            continue  # inside an escape or an interpolation already taken
        literal.append(text[index:start])
        if opener.group() in ("$${", "%%{"):
            literal.append(text[start + 1 : start + 3])
            index = start + 3
            continue
        end = _matching_brace(text, start + 2)
        if end < 0:
            literal.append(text[start:])
            index = len(text)
            break
        inner = text[start + 2 : end]
        is_directive = text[start] == "%"
        pairs.append(("".join(literal), None if is_directive else inner.strip("~ \t\n")))
        literal = []
        index = end + 1
    literal.append(text[index:])
    pairs.append(("".join(literal), None))
    if pairs[-1] == ("", None):
        pairs.pop()
    # A trailing literal without expression must not be mistaken for an unknown directive.
    return [(lit, expr) if expr is not None or lit else (lit, "null") for lit, expr in pairs]


# What may open an escape (`$${`, `%%{`) or an interpolation or directive (`${`, `%{`).
_TEMPLATE_OPENER = re.compile(r"\$\$?\{|%%?\{")


def _matching_brace(text: str, start: int) -> int:
    depth, index, quote = 1, start, False
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == '"':
                quote = False
        elif char == '"':
            quote = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


_EXPRESSION_CACHE: dict[str, Any] = {}


def parse_expression(text: str) -> Any:
    """Parse a standalone expression (from a heredoc or JSON template); None if it fails."""
    if text in _EXPRESSION_CACHE:
        return _EXPRESSION_CACHE[text]
    try:
        # The fast parser: a template's expressions need python-hcl2's tables (a tenth of a
        # second to load) only when tree-sitter cannot read them.
        tree = syntax_tree(f"x = {text}\n", TREE_SITTER)
        body = next(c for c in tree.children if isinstance(c, Tree))
        attribute = next(c for c in body.children if isinstance(c, Tree) and c.data == "attribute")
        result = attribute.children[2]
    except (LarkError, StopIteration, RecursionError, IndexError):
        result = None
    if len(_EXPRESSION_CACHE) < 4096:
        _EXPRESSION_CACHE[text] = result
    return result


# --- small tree helpers ------------------------------------------------------------------------


def _meaningful(children: list[Any]) -> list[Any]:
    """Sub-trees that carry meaning: no punctuation tokens, no newlines or comments."""
    return [c for c in children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def meaningful(node: Tree) -> list[Any]:
    """The sub-trees of `node` that carry meaning: no punctuation tokens, no newlines or
    comments."""
    return _meaningful(node.children)


def function_name(node: Tree) -> str:
    """The name a ``function_call`` calls: ``lower``, or ``provider::aws::arn_parse`` for a
    provider-defined function."""
    return "::".join(
        str(child.children[0])
        for child in node.children
        if isinstance(child, Tree) and child.data == "identifier"
    )


def call_arguments(node: Tree) -> list[Any]:
    """The argument expressions of a ``function_call`` (none when it has no arguments)."""
    arguments = _first(node, "arguments")
    return _meaningful(arguments.children) if arguments is not None else []


def _first(node: Tree, data: str) -> Tree | None:
    for child in node.children:
        if isinstance(child, Tree) and child.data == data:
            return child
    return None


def _is_bare_term(node: Tree) -> bool:
    return not any(isinstance(c, Token) and c.type == "LPAR" for c in node.children)


def _attr_name(get_attr: Tree) -> str:
    target = _meaningful(get_attr.children)[-1]
    return str(target.children[0])


def _directive_expression(directive: Tree) -> Any:
    candidates = [
        c
        for c in directive.children
        if isinstance(c, Tree) and c.data not in ("identifier", "new_line_or_comment")
    ]
    return candidates[-1]


def _iterate(collection: list[Any] | dict[str, Any]) -> list[tuple[Any, Any]]:
    if isinstance(collection, dict):
        return sorted(collection.items())
    return list(enumerate(collection))


def _loop_bindings(names: list[str], key: Any, value: Any) -> dict[str, Any]:
    if len(names) == 1:
        return {names[0]: value}
    return {names[0]: key, names[1]: value}
