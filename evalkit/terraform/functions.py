"""Terraform's built-in functions, evaluated statically over evaluated values.

Values are those of `evalkit.terraform.values`: ``str``, ``int``/``float`` (Terraform numbers,
kept as ``int`` whenever integral), ``bool``, ``None`` (null), ``list`` (lists, tuples and
sets; a set is a list without duplicates, sorted the way Terraform orders sets of strings or
numbers), ``dict`` (maps and objects) and `Unknown`.

`call_function` is the entry point. A call whose result depends on an unknown argument
returns an `Unknown` carrying that argument's references; a call Terraform would reject raises
`FunctionError`; functions that read files, depend on the clock or on randomness, or that are
not implemented here return an `Unknown` with a reason. Nothing here touches the filesystem
or the network, and every function is bounded in time and memory.
"""

from __future__ import annotations

import base64
import binascii
import csv
import functools
import hashlib
import inspect
import io
import ipaddress
import itertools
import json
import math
import posixpath
import re
import unicodedata
import urllib.parse
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

import regex
import yaml

from evalkit.terraform.values import Unknown, contains_unknown, is_unknown, unknown_from

__all__ = ["FUNCTIONS", "FunctionError", "call_function"]

# Terraform's own limit for range().
MAX_RANGE_LENGTH = 1024
# Largest collection built from a product, and largest repetition count (indent, widths).
MAX_RESULT_ELEMENTS = 10_000
MAX_STRING_LENGTH = 1_000_000
# Bounds what an aliased ("billion laughs") YAML document may expand to.
MAX_DECODED_VALUES = 100_000
# Python's regex engine backtracks where RE2 does not, so a pathological pattern could run
# for ages; past this budget the result is left unknown.
REGEX_TIMEOUT_SECONDS = 1.0

# Wide enough to format a float with the largest precision allowed above without rounding.
_DECIMALS = Context(prec=12_000, rounding=ROUND_HALF_EVEN)
_MISSING: Any = object()


class FunctionError(Exception):
    """A call Terraform itself would reject: wrong arity, argument type or argument value."""


class _NotEvaluated(Exception):
    """Raised by a function that cannot compute its result statically; becomes an `Unknown`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------

FUNCTIONS: dict[str, Callable[..., Any]] = {}

# How a function treats unknown arguments before its body runs:
_STRICT = "strict"  # an unknown anywhere inside any argument makes the result unknown
_SHALLOW = "shallow"  # only an argument that is itself unknown does; nested ones pass through
_SELF = "self"  # the function looks at unknowns itself


def call_function(name: str, args: list[Any]) -> Any:
    """Call Terraform's built-in function `name` with already evaluated arguments."""
    bare = name.removeprefix("core::")
    function = None if "::" in bare else FUNCTIONS.get(bare)
    if function is None:
        return unknown_from(*args, reason=f"unsupported function {bare}")
    return function(*args)


def _builtin(
    *names: str, unknowns: str = _STRICT
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            FUNCTIONS[name] = _checked_call(name, impl, unknowns)
        return impl

    return register


def _checked_call(name: str, impl: Callable[..., Any], unknowns: str) -> Callable[..., Any]:
    """Wrap `impl` with arity checking, unknown propagation and error naming."""
    signature = inspect.signature(impl)

    @functools.wraps(impl)
    def call(*args: Any) -> Any:
        try:
            signature.bind(*args)
        except TypeError:
            raise FunctionError(f"{name}: expected {_arity(signature)}, got {len(args)}") from None
        if _blocked_by_unknowns(args, unknowns):
            return _propagate(*args)
        try:
            return impl(*args)
        except FunctionError as error:
            raise FunctionError(f"{name}: {error}") from None
        except _NotEvaluated as give_up:
            return unknown_from(*args, reason=give_up.reason)
        except RecursionError:
            raise FunctionError(f"{name}: value is nested too deeply") from None
        except ArithmeticError as error:
            raise FunctionError(f"{name}: arithmetic error: {error}") from None

    call.__name__ = call.__qualname__ = name
    return call


def _arity(signature: inspect.Signature) -> str:
    params = signature.parameters.values()
    required = sum(1 for p in params if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty)
    optional = sum(1 for p in params if p.kind is p.POSITIONAL_OR_KEYWORD) - required
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return f"at least {required} argument{'' if required == 1 else 's'}"
    if optional:
        joiner = "or" if optional == 1 else "to"
        return f"{required} {joiner} {required + optional} arguments"
    return f"{required} argument{'' if required == 1 else 's'}"


def _blocked_by_unknowns(args: Sequence[Any], mode: str) -> bool:
    if mode == _STRICT:
        return any(contains_unknown(arg) for arg in args)
    if mode == _SHALLOW:
        return any(is_unknown(arg) for arg in args)
    return False


def _propagate(*values: Any) -> Unknown:
    """The unknown result of a call that depends on unknown `values`.

    It keeps the first reason found, so an unknown that stands for an evaluation error stays
    recognisable as one after passing through functions.
    """
    return unknown_from(*values, reason=_first_reason(values))


def _first_reason(values: Sequence[Any]) -> str:
    stack = list(reversed(values))
    while stack:
        item = stack.pop()
        if isinstance(item, Unknown):
            if item.reason:
                return item.reason
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return ""


def _not_evaluated(name: str, reason: str) -> Callable[..., Unknown]:
    def call(*args: Any) -> Unknown:
        return unknown_from(*args, reason=reason)

    call.__name__ = call.__qualname__ = name
    return call


# ---------------------------------------------------------------------------------------------
# Conversions between Terraform types
# ---------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _normalize(number: int | float) -> int | float:
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, Unknown):
        return "unknown value"
    return type(value).__name__


_INTEGER_TEXT = re.compile(r"[-+]?[0-9]+")
_NUMBER_TEXT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _parse_number_text(text: str) -> int | float | None:
    if _INTEGER_TEXT.fullmatch(text) and len(text) <= 4000:
        return int(text)
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    value = float(text)
    return _normalize(value) if math.isfinite(value) else None


def _as_number(value: Any, what: str = "argument") -> int | float:
    if _is_number(value):
        return _normalize(value)
    if isinstance(value, str):
        parsed = _parse_number_text(value)
        if parsed is None:
            raise FunctionError(
                f'{what}: cannot convert "{value}" to number; '
                "given string must be a decimal representation of a number"
            )
        return parsed
    raise FunctionError(f"{what}: number required, got {_type_name(value)}")


def _as_integer(value: Any, what: str = "argument") -> int:
    number = _as_number(value, what)
    if isinstance(number, float):
        raise FunctionError(f"{what}: must be a whole number, got {_number_text(number)}")
    return number


def _as_string(value: Any, what: str = "argument") -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _number_text(value)
    raise FunctionError(f"{what}: string required, got {_type_name(value)}")


def _as_bool(value: Any, what: str = "argument") -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str):
        raise FunctionError(
            f'{what}: cannot convert "{value}" to bool; only the strings "true" or "false" '
            "are allowed"
        )
    raise FunctionError(f"{what}: bool required, got {_type_name(value)}")


def _as_list(value: Any, what: str = "argument") -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise FunctionError(f"{what}: list, set or tuple required, got {_type_name(value)}")


def _as_map(value: Any, what: str = "argument") -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise FunctionError(f"{what}: map or object required, got {_type_name(value)}")


def _decimal(number: int | float) -> Decimal:
    """The decimal a number was most plausibly written as (its shortest round-trip form)."""
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


def _number_text(number: int | float) -> str:
    """A number as Terraform prints it: plain digits, never an exponent."""
    number = _normalize(number)
    if isinstance(number, int):
        return str(number)
    if not math.isfinite(number):
        raise FunctionError("infinite or NaN numbers cannot be represented")
    return format(_decimal(number), "f")


def _unify_primitives(items: list[Any]) -> list[Any]:
    """Terraform's conversion of a mixed tuple to a list: strings win over numbers and bools."""
    known = [item for item in items if item is not None and not isinstance(item, Unknown)]
    if any(isinstance(item, str) for item in known) and all(
        isinstance(item, str | int | float) for item in known
    ):
        return [
            item if item is None or isinstance(item, str | Unknown) else _as_string(item)
            for item in items
        ]
    return items


def _identity(value: Any) -> Hashable:
    """A hashable stand-in for `value` that is equal exactly when Terraform finds values equal."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if _is_number(value):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list | tuple):
        return ("list", tuple(_identity(item) for item in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((key, _identity(item)) for key, item in value.items())))
    return ("other", id(value))


def _distinct(items: list[Any]) -> list[Any]:
    seen: set[Hashable] = set()
    unique = []
    for item in items:
        key = _identity(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _as_set(items: list[Any]) -> list[Any]:
    """Deduplicate and order `items` the way Terraform orders a set's elements."""
    unique = _distinct(items)
    if all(isinstance(item, str) for item in unique) or all(_is_number(i) for i in unique):
        return sorted(unique)
    if all(isinstance(item, bool) for item in unique):
        return sorted(unique)
    return unique


def _check_length(length: int) -> None:
    if length > MAX_STRING_LENGTH:
        raise FunctionError(f"result would be longer than {MAX_STRING_LENGTH} characters")


# ---------------------------------------------------------------------------------------------
# Characters as Terraform counts them
# ---------------------------------------------------------------------------------------------

_ZERO_WIDTH_JOINER = "\u200d"


def _graphemes(text: str) -> list[str]:
    """Split `text` into user-perceived characters, the unit of Terraform's string functions.

    An approximation of Unicode segmentation: combining marks, variation selectors, emoji
    modifiers, joiner sequences, flag pairs and CRLF stay together.
    """
    clusters: list[str] = []
    for char in text:
        if clusters and _continues_cluster(clusters[-1], char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _continues_cluster(cluster: str, char: str) -> bool:
    last = cluster[-1]
    if last == "\r":
        return char == "\n"
    if unicodedata.category(last) == "Cc":
        return False
    if last == _ZERO_WIDTH_JOINER or char == _ZERO_WIDTH_JOINER:
        return True
    if unicodedata.category(char) in ("Mn", "Me", "Mc"):
        return True
    code = ord(char)
    if (
        0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    ):
        return True
    return _is_regional_indicator(char) and len(cluster) == 1 and _is_regional_indicator(last)


def _pad(text: str, width: int | None, *, left_align: bool, zeros: bool) -> str:
    if width is None:
        return text
    missing = width - len(_graphemes(text))
    if missing <= 0:
        return text
    padding = ("0" if zeros else " ") * missing
    return text + padding if left_align else padding + text


# ---------------------------------------------------------------------------------------------
# Numeric functions
# ---------------------------------------------------------------------------------------------


@_builtin("abs")
def _abs(num: Any) -> int | float:
    return _normalize(abs(_as_number(num, "num")))


@_builtin("ceil")
def _ceil(num: Any) -> int:
    return math.ceil(_as_number(num, "num"))


@_builtin("floor")
def _floor(num: Any) -> int:
    return math.floor(_as_number(num, "num"))


@_builtin("log")
def _log(num: Any, base: Any) -> int | float:
    value, radix = _as_number(num, "num"), _as_number(base, "base")
    if value <= 0 or radix <= 0 or radix == 1:
        raise FunctionError("result is not a finite number: num and base must be positive")
    # Terraform divides natural logarithms too, so results match to the last digit.
    return _normalize(math.log(value) / math.log(radix))


@_builtin("max")
def _max(*numbers: Any) -> int | float:
    if not numbers:
        raise FunctionError("must pass at least one number")
    return max(_as_number(number, "numbers") for number in numbers)


@_builtin("min")
def _min(*numbers: Any) -> int | float:
    if not numbers:
        raise FunctionError("must pass at least one number")
    return min(_as_number(number, "numbers") for number in numbers)


def _digit_value(char: str, base: int) -> int:
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "a" <= char <= "z":
        return ord(char) - ord("a") + 10
    if "A" <= char <= "Z":
        # Above base 36 upper-case letters are digits of their own, as in Go's big.Int.
        return ord(char) - ord("A") + (36 if base > 36 else 10)
    return base


@_builtin("parseint")
def _parseint(number: Any, base: Any) -> int:
    text = _as_string(number, "number")
    radix = _as_integer(base, "base")
    if not 2 <= radix <= 62:
        raise FunctionError("base must be a whole number between 2 and 62 inclusive")
    negative = text.startswith("-")
    body = text[1:] if text[:1] in ("-", "+") else text
    digits = [_digit_value(char, radix) for char in body]
    if not digits or len(digits) > 1000 or any(digit >= radix for digit in digits):
        raise FunctionError(f'cannot parse "{text}" as a base {radix} integer')
    value = 0
    for digit in digits:
        value = value * radix + digit
    return -value if negative else value


@_builtin("pow")
def _pow(num: Any, power: Any) -> int | float:
    base, exponent = _as_number(num, "num"), _as_number(power, "power")
    # Terraform computes powers in 64-bit floating point, so large results are rounded alike.
    try:
        return _normalize(math.pow(base, exponent))
    except OverflowError:
        raise FunctionError("result is too large") from None
    except ValueError:
        raise FunctionError("result is not a real number") from None


@_builtin("signum")
def _signum(num: Any) -> int:
    value = _as_number(num, "num")
    return (value > 0) - (value < 0)


@_builtin("sum")
def _sum(values: Any) -> int | float:
    items = _as_list(values, "list")
    if not items:
        raise FunctionError("cannot sum an empty list")
    numbers = [_as_number(item, "list element") for item in items]
    if all(isinstance(number, int) for number in numbers):
        return sum(numbers)
    # Terraform adds in high precision, so 0.1 + 0.2 is 0.3 there; decimals reproduce that.
    with localcontext(_DECIMALS):
        total = sum((_decimal(number) for number in numbers), Decimal(0))
    return _normalize(float(total))


# ---------------------------------------------------------------------------------------------
# String functions
# ---------------------------------------------------------------------------------------------


def _per_char(text: str, convert: Callable[[str], str]) -> str:
    # Go maps case one character at a time, so expansions like "ß" -> "SS" do not happen.
    converted = []
    for char in text:
        changed = convert(char)
        converted.append(changed if len(changed) == 1 else char)
    return "".join(converted)


@_builtin("chomp")
def _chomp(text: Any) -> str:
    return _as_string(text, "str").rstrip("\r\n")


@_builtin("endswith")
def _endswith(text: Any, suffix: Any) -> bool:
    return _as_string(text, "str").endswith(_as_string(suffix, "suffix"))


@_builtin("startswith")
def _startswith(text: Any, prefix: Any) -> bool:
    return _as_string(text, "str").startswith(_as_string(prefix, "prefix"))


@_builtin("strcontains")
def _strcontains(text: Any, substr: Any) -> bool:
    return _as_string(substr, "substr") in _as_string(text, "str")


@_builtin("indent")
def _indent(spaces: Any, text: Any) -> str:
    count = _as_integer(spaces, "spaces")
    body = _as_string(text, "str")
    if count < 0:
        raise FunctionError("spaces must not be negative")
    if count > MAX_RESULT_ELEMENTS:
        raise FunctionError(f"cannot indent by more than {MAX_RESULT_ELEMENTS} spaces")
    _check_length(len(body) + count * body.count("\n"))
    return body.replace("\n", "\n" + " " * count)


@_builtin("join")
def _join(separator: Any, *lists: Any) -> str:
    glue = _as_string(separator, "separator")
    if not lists:
        raise FunctionError("at least one list is required")
    parts = []
    for number, value in enumerate(lists, start=1):
        for index, item in enumerate(_as_list(value, "lists")):
            if item is None:
                where = f"element {index}" + (f" of list {number}" if len(lists) > 1 else "")
                raise FunctionError(f"{where} is null; cannot concatenate null values")
            parts.append(_as_string(item, "list element"))
    _check_length(sum(map(len, parts)) + len(glue) * max(len(parts) - 1, 0))
    return glue.join(parts)


@_builtin("lower")
def _lower(text: Any) -> str:
    return _per_char(_as_string(text, "str"), str.lower)


@_builtin("upper")
def _upper(text: Any) -> str:
    return _per_char(_as_string(text, "str"), str.upper)


@_builtin("split")
def _split(separator: Any, text: Any) -> list[str]:
    glue, body = _as_string(separator, "separator"), _as_string(text, "str")
    if not glue:
        return list(body)
    return body.split(glue)


@_builtin("strrev")
def _strrev(text: Any) -> str:
    return "".join(reversed(_graphemes(_as_string(text, "str"))))


@_builtin("substr")
def _substr(text: Any, offset: Any, length: Any) -> str:
    chars = _graphemes(_as_string(text, "str"))
    start, count = _as_integer(offset, "offset"), _as_integer(length, "length")
    if start < 0:
        start = max(start + len(chars), 0)
    if start >= len(chars):
        return ""
    end = len(chars) if count < 0 else start + count
    return "".join(chars[start:end])


def _starts_word(previous: str) -> bool:
    """Whether a letter after `previous` begins a word, by Go's strings.Title rules."""
    if previous.isascii():
        return not (previous.isalnum() or previous == "_")
    if previous.isalpha() or previous.isdigit():
        return False
    return previous.isspace()


@_builtin("title")
def _title(text: Any) -> str:
    chars = []
    previous = " "
    for char in _as_string(text, "str"):
        titled = char.title() if _starts_word(previous) else char
        chars.append(titled if len(titled) == 1 else char)
        previous = char
    return "".join(chars)


@_builtin("trim")
def _trim(text: Any, cutset: Any) -> str:
    return _as_string(text, "str").strip(_as_string(cutset, "cutset"))


@_builtin("trimprefix")
def _trimprefix(text: Any, prefix: Any) -> str:
    return _as_string(text, "str").removeprefix(_as_string(prefix, "prefix"))


@_builtin("trimsuffix")
def _trimsuffix(text: Any, suffix: Any) -> str:
    return _as_string(text, "str").removesuffix(_as_string(suffix, "suffix"))


# Go's unicode.IsSpace; Python's str.isspace also counts the ASCII separators \x1c-\x1f.
_GO_SPACES = (
    "".join(map(chr, range(0x2000, 0x200B)))
    + "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
)


@_builtin("trimspace")
def _trimspace(text: Any) -> str:
    return _as_string(text, "str").strip(_GO_SPACES)


@_builtin("replace")
def _replace(text: Any, substring: Any, replacement: Any) -> str:
    body = _as_string(text, "str")
    search = _as_string(substring, "substr")
    template = _as_string(replacement, "replace")
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        return _regex_replace(body, search[1:-1], template)
    occurrences = body.count(search) if search else len(body) + 1
    _check_length(len(body) + occurrences * (len(template) - len(search)))
    return body.replace(search, template)


# ---------------------------------------------------------------------------------------------
# format and formatlist
# ---------------------------------------------------------------------------------------------


@dataclass
class _Verb:
    """One %-sequence of a format string."""

    raw: str = ""
    offset: int = 0
    mode: str = ""
    sharp: bool = False
    zero: bool = False
    minus: bool = False
    plus: bool = False
    space: bool = False
    width: int | None = None
    precision: int | None = None


_FLAG_FIELDS = {"#": "sharp", "0": "zero", "-": "minus", "+": "plus", " ": "space"}


@_builtin("format")
def _format_function(template: Any, *args: Any) -> str:
    return _format(_as_string(template, "format"), args)


@_builtin("formatlist", unknowns=_SELF)
def _formatlist(template: Any, *args: Any) -> list[Any] | Unknown:
    if contains_unknown(template):
        return _propagate(template, *args)
    text = _as_string(template, "format")
    if not args:
        return [_format(text, [])]
    length, chooser = None, 0
    for position, arg in enumerate(args):
        if not isinstance(arg, list | tuple):
            continue
        if length is None:
            length, chooser = len(arg), position
        elif len(arg) != length:
            raise FunctionError(
                f"argument {position + 1} has length {len(arg)}, which is inconsistent with "
                f"argument {chooser + 1} of length {length}"
            )
    if any(is_unknown(arg) for arg in args):
        return _propagate(template, *args)
    results: list[Any] = []
    for index in range(1 if length is None else length):
        call_args = [arg[index] if isinstance(arg, list | tuple) else arg for arg in args]
        if any(contains_unknown(arg) for arg in call_args):
            results.append(_propagate(*call_args))
            continue
        try:
            results.append(_format(text, call_args))
        except FunctionError as error:
            raise FunctionError(f"error on format iteration {index}: {error}") from None
    return results


def _format(template: str, args: Sequence[Any]) -> str:
    """Terraform's printf-like formatting (verbs v t b d o x X e E f g G s q, flags, widths)."""
    out: list[str] = []
    position = next_arg = highest_used = length = 0
    while True:
        percent = template.find("%", position)
        if percent < 0:
            out.append(template[position:])
            break
        out.append(template[position:percent])
        if template.startswith("%%", percent):
            out.append("%")
            position = percent + 2
            continue
        verb, position, next_arg, used = _parse_verb(template, percent, args, next_arg)
        highest_used = max(highest_used, used, next_arg + 1)
        if next_arg >= len(args):
            raise FunctionError(
                f'not enough arguments for "{verb.raw}" at {verb.offset}: '
                f"need index {next_arg + 1} but have {len(args)} total"
            )
        formatted = _format_verb(verb, args[next_arg])
        out.append(formatted)
        next_arg += 1
        # Literal text is bounded by the template itself; only expansions can grow.
        length += len(formatted)
        _check_length(length)
    if highest_used < len(args):
        raise FunctionError(f"too many arguments; only {highest_used} used by format string")
    return "".join(out)


def _read_digits(template: str, index: int) -> tuple[str, int]:
    end = index
    while end < len(template) and template[end].isascii() and template[end].isdigit():
        end += 1
    return template[index:end], end


def _parse_verb(
    template: str, start: int, args: Sequence[Any], next_arg: int
) -> tuple[_Verb, int, int, int]:
    """Parse the verb at `start`; returns it, the position after it, the index of the value
    it formats and the count of arguments its width and precision used up."""
    verb = _Verb(offset=start)
    index = start + 1
    used = 0
    while index < len(template) and template[index] in _FLAG_FIELDS:
        setattr(verb, _FLAG_FIELDS[template[index]], True)
        index += 1
    if template.startswith("[", index):
        digits, end = _read_digits(template, index + 1)
        if not digits or digits.startswith("0") or not template.startswith("]", end):
            raise FunctionError(f"invalid argument index at offset {index}")
        next_arg, index = int(digits) - 1, end + 1
    if template.startswith("*", index):
        verb.width, next_arg = _star_argument(args, next_arg, start)
        used, index = next_arg, index + 1
        if verb.width < 0:
            verb.minus, verb.width = True, -verb.width
    else:
        digits, index = _read_digits(template, index)
        verb.width = int(digits) if digits else None
    if template.startswith(".", index):
        if template.startswith("*", index + 1):
            verb.precision, next_arg = _star_argument(args, next_arg, start)
            used, index = next_arg, index + 2
        else:
            digits, index = _read_digits(template, index + 1)
            verb.precision = int(digits or "0")
    for size in (verb.width, verb.precision):
        if size is not None and not 0 <= size <= MAX_RESULT_ELEMENTS:
            raise FunctionError(f"width or precision must be between 0 and {MAX_RESULT_ELEMENTS}")
    if index >= len(template):
        raise FunctionError(f"invalid format string starting at offset {start}")
    mode = template[index]
    if not (mode.isascii() and mode.isalpha()):
        raise FunctionError(f"unrecognized format character {mode!r} at offset {index}")
    verb.mode, verb.raw = mode, template[start : index + 1]
    return verb, index + 1, next_arg, used


def _star_argument(args: Sequence[Any], index: int, offset: int) -> tuple[int, int]:
    if index >= len(args):
        raise FunctionError(f"not enough arguments for width or precision at {offset}")
    return _as_integer(args[index], "width or precision"), index + 1


def _format_verb(verb: _Verb, value: Any) -> str:
    if value is None and verb.mode != "v":
        raise FunctionError(
            f'unsupported value for "{verb.raw}" at {verb.offset}: null value cannot be formatted'
        )
    if verb.mode == "v":
        return _format_as_is(verb, value)
    if verb.mode == "t":
        return "true" if _verb_value(verb, _as_bool, value) else "false"
    if verb.mode in "bdoxX":
        return _format_integer(verb, _verb_value(verb, _as_number, value))
    if verb.mode in "eEfgG":
        return _format_float(verb, _verb_value(verb, _as_number, value))
    if verb.mode in "sq":
        return _format_text(verb, _verb_value(verb, _as_string, value))
    raise FunctionError(
        f"unsupported format verb {verb.mode!r} in {verb.raw!r} at offset {verb.offset}"
    )


def _verb_value(verb: _Verb, convert: Callable[[Any, str], Any], value: Any) -> Any:
    try:
        return convert(value, "value")
    except FunctionError as error:
        raise FunctionError(
            f'unsupported value for "{verb.raw}" at {verb.offset}: {error}'
        ) from None


def _format_as_is(verb: _Verb, value: Any) -> str:
    if not verb.sharp and isinstance(value, str):
        text = value
    elif not verb.sharp and _is_number(value):
        text = ("-" if value < 0 else "") + _g_text(abs(_decimal(_normalize(value))), None)
    else:
        text = _json_text(value)
    return _pad(text, verb.width, left_align=verb.minus, zeros=verb.zero)


def _format_text(verb: _Verb, text: str) -> str:
    # Terraform ignores a zero precision for strings rather than truncating to nothing.
    if verb.precision:
        text = "".join(_graphemes(text)[: verb.precision])
    if verb.mode == "q":
        text = _json_string(text)
    return _pad(text, verb.width, left_align=verb.minus, zeros=verb.zero)


_INTEGER_PREFIXES = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}


def _format_integer(verb: _Verb, number: int | float) -> str:
    """Go's formatting of a big integer, which Terraform uses for %b %d %o %x %X."""
    if isinstance(number, float):
        raise FunctionError(
            f'unsupported value for "{verb.raw}" at {verb.offset}: an integer is required'
        )
    digits = format(abs(number), {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb.mode])
    prefix = _INTEGER_PREFIXES.get(verb.mode, "") if verb.sharp else ""
    sign = "-" if number < 0 else "+" if verb.plus else " " if verb.space else ""
    zeros = 0
    if verb.precision is not None:
        if digits == "0" and verb.precision == 0:
            return ""
        zeros = max(verb.precision - len(digits), 0)
    left = right = 0
    shortfall = (verb.width or 0) - (len(sign) + len(prefix) + zeros + len(digits))
    if shortfall > 0:
        if verb.minus:
            right = shortfall
        elif verb.zero and verb.precision is None:
            zeros += shortfall
        else:
            left = shortfall
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _format_float(verb: _Verb, number: int | float) -> str:
    """Go's formatting of a big float, which Terraform uses for %e %E %f %g %G."""
    value = abs(_decimal(number))
    kind = verb.mode.lower()
    if kind == "f":
        text = _fixed_text(value, 6 if verb.precision is None else verb.precision)
    elif kind == "e":
        decimals = 6 if verb.precision is None else verb.precision
        text = _exponent_text(*_round_significant(value, decimals + 1), decimals)
    else:
        text = _g_text(value, verb.precision)
    if verb.mode.isupper():
        text = text.upper()
    sign = "-" if number < 0 else "+" if verb.plus else " " if verb.space else ""
    padding = (verb.width or 0) - len(sign) - len(text)
    if padding <= 0:
        return sign + text
    if verb.zero:
        return sign + "0" * padding + text
    if verb.minus:
        return sign + text + " " * padding
    return " " * padding + sign + text


def _digits(value: Decimal) -> tuple[str, int]:
    """Significant digits of a non-negative decimal and its point: value = 0.DIGITS × 10^point."""
    if value == 0:
        return "", 0
    _, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digit_tuple))
    return text.rstrip("0"), len(text) + exponent


def _round_significant(value: Decimal, count: int) -> tuple[str, int]:
    digits, point = _digits(value)
    if len(digits) <= count:
        return digits, point
    with localcontext(_DECIMALS):
        rounded = Decimal(f"0.{digits}").quantize(Decimal(1).scaleb(-count))
    if rounded >= 1:
        return "1", point + 1
    return _digits(rounded)[0], point


def _fixed_text(value: Decimal, decimals: int) -> str:
    with localcontext(_DECIMALS):
        return format(value.quantize(Decimal(1).scaleb(-decimals)), "f")


def _exponent_text(digits: str, point: int, decimals: int) -> str:
    mantissa = (digits or "0").ljust(decimals + 1, "0")
    exponent = point - 1 if digits else 0
    body = mantissa[0] + ("." + mantissa[1 : decimals + 1] if decimals > 0 else "")
    return f"{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _g_text(value: Decimal, precision: int | None) -> str:
    """Go's %g: shortest digits (or `precision` significant ones), exponent form when large."""
    if value == 0:
        return "0"
    if precision is None:
        digits, point = _digits(value)
        exponent_limit = 6
    else:
        exponent_limit = max(precision, 1)
        digits, point = _round_significant(value, exponent_limit)
    if not -4 <= point - 1 < exponent_limit:
        return _exponent_text(digits, point, len(digits) - 1)
    return _fixed_text(Decimal(f"0.{digits}e{point}"), max(len(digits) - point, 0))


# ---------------------------------------------------------------------------------------------
# Regular expressions (RE2 syntax, run on the `regex` module)
# ---------------------------------------------------------------------------------------------

_MULTILINE_FLAG = re.compile(r"\(\?[imsU]*m[imsU]*(?:-[imsU]*)?[:)]")
_GROUP_OPENING = re.compile(r"\(\?(?::|P<[A-Za-z_]|<[A-Za-z_]|[imsU]*(?:-[imsU]*)?[:)])")


def _translate_re2(pattern: str) -> str:
    """Rewrite an RE2 pattern for the `regex` module where the two dialects differ."""
    # Without the m flag, RE2's $ matches only at the very end, never before a final newline.
    multiline = bool(_MULTILINE_FLAG.search(pattern))
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            piece, index = _translate_escape(pattern, index, in_class=in_class)
            out.append(piece)
            continue
        if in_class:
            if pattern.startswith("[:", index) and ":]" in pattern[index:]:
                end = pattern.index(":]", index) + 2
                name = pattern[index + 2 : end - 2]
                out.append(_POSIX_CLASSES.get(name, pattern[index:end]))
                index = end
                continue
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            if pattern.startswith("^", index + 1):
                out.append("^")
                index += 1
            if pattern.startswith("]", index + 1):
                out.append(r"\]")
                index += 1
        elif char == "$" and not multiline:
            out.append(r"\Z")
        elif char == "(" and pattern.startswith("(?", index):
            _check_group_syntax(pattern, index)
            out.append(char)
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _check_group_syntax(pattern: str, index: int) -> None:
    opening = _GROUP_OPENING.match(pattern, index)
    if opening is None:
        raise FunctionError(
            f"invalid regular expression: invalid or unsupported Perl syntax at offset {index}"
        )
    if "U" in opening.group(0):
        raise _NotEvaluated("regular expression uses the ungreedy flag (?U)")


# RE2's POSIX classes are ASCII-only; the regex module would read them as Unicode properties.
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": r"\x00-\x7f",
    "blank": r"\t ",
    "cntrl": r"\x00-\x1f\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": r"!-/:-@\[-`{-~",
    "space": r"\t\n\v\f\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
# RE2's Perl classes and word boundaries are ASCII-only, while Python's are Unicode-aware.
_ASCII_CLASSES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_ASCII_BOUNDARIES = {"b": r"(?a:\b)", "B": r"(?a:\B)"}
_HEX_ESCAPE = re.compile(r"\\x\{([0-9A-Fa-f]{1,8})\}")


def _translate_escape(pattern: str, index: int, *, in_class: bool) -> tuple[str, int]:
    if index + 1 >= len(pattern):
        raise FunctionError("invalid regular expression: trailing backslash at end of expression")
    escaped = pattern[index + 1]
    if escaped in _ASCII_CLASSES:
        members = _ASCII_CLASSES[escaped]
        return (members if in_class else f"[{members}]"), index + 2
    if escaped.lower() in _ASCII_CLASSES and not in_class:
        return f"[^{_ASCII_CLASSES[escaped.lower()]}]", index + 2
    if escaped in _ASCII_BOUNDARIES and not in_class:
        return _ASCII_BOUNDARIES[escaped], index + 2
    if escaped == "z":
        return r"\Z", index + 2
    if escaped == "Q":
        end = pattern.find(r"\E", index + 2)
        literal = pattern[index + 2 :] if end < 0 else pattern[index + 2 : end]
        return regex.escape(literal), len(pattern) if end < 0 else end + 2
    if escaped == "C":
        raise _NotEvaluated(r"regular expression matches single bytes (\C)")
    if escaped.isascii() and escaped.isdigit():
        return _translate_octal(pattern, index)
    if hex_escape := _HEX_ESCAPE.match(pattern, index):
        return f"\\U{int(hex_escape.group(1), 16):08x}", hex_escape.end()
    if escaped == "Z":
        raise FunctionError(rf"invalid regular expression: invalid escape sequence \{escaped}")
    return pattern[index : index + 2], index + 2


def _translate_octal(pattern: str, index: int) -> tuple[str, int]:
    """RE2 reads \\0, \\12 or \\123 as octal codes; a lone \\1..\\9 would be a backreference."""
    digits, _ = _read_digits(pattern, index + 1)
    octal = ""
    for digit in digits[:3]:
        if digit not in "01234567":
            break
        octal += digit
    if not octal or (len(octal) == 1 and octal != "0"):
        raise FunctionError(
            f"invalid regular expression: invalid escape sequence \\{digits[:1]} "
            "(backreferences are not supported)"
        )
    return f"\\U{int(octal, 8):08x}", index + 1 + len(octal)


@functools.lru_cache(maxsize=256)
def _compile_re2(pattern: str) -> Any:
    translated = _translate_re2(pattern)
    try:
        return regex.compile(translated)
    except regex.error as error:
        raise FunctionError(f"invalid regular expression {pattern!r}: {error}") from None


def _check_captures(compiled: Any) -> None:
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise FunctionError(
            "invalid regular expression: named and unnamed capture groups cannot be mixed"
        )


def _search(compiled: Any, text: str) -> Any:
    try:
        return compiled.search(text, timeout=REGEX_TIMEOUT_SECONDS)
    except TimeoutError:
        raise _NotEvaluated("regular expression took too long to evaluate") from None


def _all_matches(compiled: Any, text: str) -> list[Any]:
    """Successive non-overlapping matches; like Go, an empty match abutting the previous one
    is skipped."""
    matches = []
    previous_end = -1
    try:
        for match in compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
            if match.start() == match.end() == previous_end:
                continue
            matches.append(match)
            previous_end = match.end()
    except TimeoutError:
        raise _NotEvaluated("regular expression took too long to evaluate") from None
    return matches


def _capture_result(compiled: Any, match: Any) -> Any:
    if compiled.groups == 0:
        return match.group(0)
    if compiled.groupindex:
        return {name: match.group(name) for name in compiled.groupindex}
    return [match.group(number) for number in range(1, compiled.groups + 1)]


_TEMPLATE_NAME = re.compile(r"\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+)")


def _expand_template(template: str, match: Any, compiled: Any) -> str:
    """Expand Go's $1, ${1}, $name, ${name} and $$ in a replacement string."""
    out = []
    index = 0
    while True:
        dollar = template.find("$", index)
        if dollar < 0:
            out.append(template[index:])
            return "".join(out)
        out.append(template[index:dollar])
        if template.startswith("$$", dollar):
            out.append("$")
            index = dollar + 2
            continue
        name_match = _TEMPLATE_NAME.match(template, dollar + 1)
        if name_match is None:
            out.append("$")
            index = dollar + 1
            continue
        name = name_match.group(1) or name_match.group(2)
        if name.isdigit():
            group = match.group(int(name)) if int(name) <= compiled.groups else None
        else:
            group = match.group(name) if name in compiled.groupindex else None
        out.append(group or "")
        index = name_match.end()


def _regex_replace(text: str, pattern: str, template: str) -> str:
    compiled = _compile_re2(pattern)
    pieces = []
    size = last = 0
    for match in _all_matches(compiled, text):
        expanded = _expand_template(template, match, compiled)
        pieces += [text[last : match.start()], expanded]
        size += match.start() - last + len(expanded)
        _check_length(size)
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


@_builtin("regex")
def _regex(pattern: Any, text: Any) -> Any:
    compiled = _compile_re2(_as_string(pattern, "pattern"))
    _check_captures(compiled)
    match = _search(compiled, _as_string(text, "string"))
    if match is None:
        raise FunctionError("pattern did not match any part of the given string")
    return _capture_result(compiled, match)


@_builtin("regexall")
def _regexall(pattern: Any, text: Any) -> list[Any]:
    compiled = _compile_re2(_as_string(pattern, "pattern"))
    _check_captures(compiled)
    subject = _as_string(text, "string")
    return [_capture_result(compiled, match) for match in _all_matches(compiled, subject)]


# ---------------------------------------------------------------------------------------------
# Collection functions
# ---------------------------------------------------------------------------------------------


@_builtin("alltrue", unknowns=_SELF)
def _alltrue(values: Any) -> Any:
    if is_unknown(values):
        return _propagate(values)
    pending = []
    for item in _as_list(values, "list"):
        if is_unknown(item):
            pending.append(item)
        elif item is None or not _as_bool(item, "list element"):
            return False
    return _propagate(*pending) if pending else True


@_builtin("anytrue", unknowns=_SELF)
def _anytrue(values: Any) -> Any:
    if is_unknown(values):
        return _propagate(values)
    pending = []
    for item in _as_list(values, "list"):
        if is_unknown(item):
            pending.append(item)
        elif item is not None and _as_bool(item, "list element"):
            return True
    return _propagate(*pending) if pending else False


@_builtin("chunklist", unknowns=_SHALLOW)
def _chunklist(values: Any, size: Any) -> list[list[Any]]:
    items = _as_list(values, "list")
    chunk = _as_integer(size, "size")
    if chunk < 0:
        raise FunctionError("the size argument must be positive")
    if chunk == 0:
        return [items]
    return [items[start : start + chunk] for start in range(0, len(items), chunk)]


@_builtin("coalesce", unknowns=_SELF)
def _coalesce(*values: Any) -> Any:
    if not values:
        raise FunctionError("at least one argument is required")
    # Mixed arguments unify to string, so coalesce(1, "x") is "1".
    wants_string = any(isinstance(value, str) for value in values)
    for position, value in enumerate(values):
        if is_unknown(value):
            return _propagate(*values[: position + 1])
        if value is None or value == "":
            continue
        if wants_string and (isinstance(value, bool) or _is_number(value)):
            return _as_string(value)
        return value
    raise FunctionError("no non-null, non-empty-string arguments")


@_builtin("coalescelist", unknowns=_SELF)
def _coalescelist(*lists: Any) -> Any:
    if not lists:
        raise FunctionError("at least one argument is required")
    for position, value in enumerate(lists):
        if is_unknown(value):
            return _propagate(*lists[: position + 1])
        if value is not None and (items := _as_list(value, "vals")):
            return items
    raise FunctionError("no non-null arguments")


@_builtin("compact")
def _compact(values: Any) -> list[str]:
    items = _as_list(values, "list")
    return [_as_string(item, "list element") for item in items if item is not None and item != ""]


@_builtin("concat", unknowns=_SHALLOW)
def _concat(*lists: Any) -> list[Any]:
    if not lists:
        raise FunctionError("at least one argument is required")
    result: list[Any] = []
    for value in lists:
        if not isinstance(value, list | tuple):
            raise FunctionError(f"all arguments must be lists or tuples; got {_type_name(value)}")
        result.extend(value)
    return result


@_builtin("contains", unknowns=_SELF)
def _contains(values: Any, value: Any) -> Any:
    if is_unknown(values) or contains_unknown(value):
        return _propagate(values, value)
    target = _identity(value)
    undecided = []
    for item in _as_list(values, "list"):
        if contains_unknown(item):
            undecided.append(item)
        elif _identity(item) == target:
            return True
    return _propagate(*undecided) if undecided else False


@_builtin("distinct")
def _distinct_function(values: Any) -> list[Any]:
    return _distinct(_unify_primitives(_as_list(values, "list")))


@_builtin("element", unknowns=_SHALLOW)
def _element(values: Any, index: Any) -> Any:
    if isinstance(values, str):
        raise FunctionError("cannot read elements from string")
    items = _as_list(values, "list")
    position = _as_integer(index, "index")
    if not items:
        raise FunctionError("cannot use element function with an empty list")
    if position < 0:
        raise FunctionError("cannot use element function with a negative index")
    return items[position % len(items)]


@_builtin("flatten")
def _flatten(values: Any) -> list[Any]:
    result = []
    # Iterative so that deeply nested input cannot exhaust the stack.
    stack = [iter(_as_list(values, "list"))]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list | tuple):
                stack.append(iter(item))
                break
            result.append(item)
        else:
            stack.pop()
    return result


@_builtin("index")
def _index(values: Any, value: Any) -> int:
    target = _identity(value)
    for position, item in enumerate(_as_list(values, "list")):
        if _identity(item) == target:
            return position
    raise FunctionError("item not found")


@_builtin("keys", unknowns=_SHALLOW)
def _keys(mapping: Any) -> list[str]:
    return sorted(_as_map(mapping, "inputMap"))


@_builtin("length", unknowns=_SHALLOW)
def _length(value: Any) -> int:
    if isinstance(value, str):
        return len(_graphemes(value))
    if isinstance(value, list | tuple | dict):
        return len(value)
    if value is None:
        raise FunctionError("argument must not be null")
    raise FunctionError(
        "argument must be a string, a collection type, or a structural type, "
        f"got {_type_name(value)}"
    )


@_builtin("lookup", unknowns=_SELF)
def _lookup(mapping: Any, key: Any, default: Any = _MISSING) -> Any:
    if is_unknown(mapping) or contains_unknown(key):
        return _propagate(mapping, key)
    name = _as_string(key, "key")
    items = _as_map(mapping, "inputMap")
    if name in items:
        return items[name]
    if default is _MISSING:
        raise FunctionError(f'lookup failed to find key "{name}"')
    return default


@_builtin("matchkeys")
def _matchkeys(values: Any, keys: Any, searchset: Any) -> list[Any]:
    value_items, key_items = _as_list(values, "values"), _as_list(keys, "keys")
    wanted = {_identity(item) for item in _as_list(searchset, "searchset")}
    if len(value_items) != len(key_items):
        raise FunctionError("length of keys and values should be equal")
    return [
        value for value, key in zip(value_items, key_items, strict=True) if _identity(key) in wanted
    ]


@_builtin("merge", unknowns=_SHALLOW)
def _merge(*maps: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for value in maps:
        if value is None:
            continue
        if not isinstance(value, dict):
            raise FunctionError(f"arguments must be maps or objects, got {_type_name(value)}")
        result.update(value)
    return result


@_builtin("one", unknowns=_SHALLOW)
def _one(values: Any) -> Any:
    items = _as_list(values, "list")
    if len(items) > 1:
        raise FunctionError("must be a list, set, or tuple value with either zero or one elements")
    return items[0] if items else None


@_builtin("range")
def _range(first: Any, limit: Any = _MISSING, step: Any = _MISSING) -> list[int | float]:
    start: int | float
    if limit is _MISSING:
        start, end = 0, _as_number(first, "limit")
    else:
        start, end = _as_number(first, "start"), _as_number(limit, "limit")
    increment = (1 if end >= start else -1) if step is _MISSING else _as_number(step, "step")
    if increment == 0:
        raise FunctionError("step must not be zero")
    count = _range_length(start, end, increment)
    if count > MAX_RANGE_LENGTH:
        raise FunctionError(
            f"more than {MAX_RANGE_LENGTH} values were generated; either decrease the "
            "difference between start and end or use a smaller step"
        )
    if isinstance(start, int) and isinstance(end, int) and isinstance(increment, int):
        return list(range(start, end, increment))
    with localcontext(_DECIMALS):
        first_value, delta = _decimal(start), _decimal(increment)
        return [_normalize(float(first_value + delta * n)) for n in range(count)]


def _range_length(start: int | float, end: int | float, step: int | float) -> int:
    if (step > 0 and start >= end) or (step < 0 and start <= end):
        return 0
    with localcontext(Context(prec=60)):
        quotient = (_decimal(end) - _decimal(start)) / _decimal(step)
        return int(quotient.to_integral_value(rounding=ROUND_CEILING))


@_builtin("reverse", unknowns=_SHALLOW)
def _reverse(values: Any) -> list[Any]:
    return list(reversed(_as_list(values, "list")))


def _set_arguments(sets: Sequence[Any]) -> list[list[Any]]:
    """The arguments of a set function as lists, their element types unified together."""
    lists = [_as_list(value, "sets") for value in sets]
    unified = _unify_primitives([item for items in lists for item in items])
    result, start = [], 0
    for items in lists:
        result.append(unified[start : start + len(items)])
        start += len(items)
    return result


@_builtin("setintersection")
def _setintersection(first: Any, *others: Any) -> list[Any]:
    base, *rest = _set_arguments([first, *others])
    result = _as_set(base)
    for items in rest:
        present = {_identity(item) for item in items}
        result = [item for item in result if _identity(item) in present]
    return result


@_builtin("setproduct")
def _setproduct(*sets: Any) -> list[list[Any]]:
    if len(sets) < 2:
        raise FunctionError("at least two arguments are required")
    lists = [_as_list(value, "sets") for value in sets]
    total = math.prod(len(items) for items in lists)
    if total > MAX_RESULT_ELEMENTS:
        raise FunctionError(
            f"the product would have {total} elements; at most {MAX_RESULT_ELEMENTS} are built"
        )
    return [list(combination) for combination in itertools.product(*lists)]


@_builtin("setsubtract")
def _setsubtract(first: Any, second: Any) -> list[Any]:
    base, removed = _set_arguments([first, second])
    gone = {_identity(item) for item in removed}
    return [item for item in _as_set(base) if _identity(item) not in gone]


@_builtin("setunion")
def _setunion(first: Any, *others: Any) -> list[Any]:
    lists = _set_arguments([first, *others])
    return _as_set([item for items in lists for item in items])


@_builtin("slice", unknowns=_SHALLOW)
def _slice(values: Any, start_index: Any, end_index: Any) -> list[Any]:
    items = _as_list(values, "list")
    start, end = _as_integer(start_index, "start_index"), _as_integer(end_index, "end_index")
    if start < 0:
        raise FunctionError("from index must be greater than or equal to 0")
    if end > len(items):
        raise FunctionError("to index must be less than or equal to the length of the input list")
    if start > end:
        raise FunctionError("from index must be less than or equal to index")
    return items[start:end]


@_builtin("sort")
def _sort(values: Any) -> list[str]:
    texts = []
    for position, item in enumerate(_as_list(values, "list")):
        if item is None:
            raise FunctionError(
                f"given list element {position} is null; a null string cannot be sorted"
            )
        texts.append(_as_string(item, "list element"))
    return sorted(texts)


@_builtin("transpose")
def _transpose(values: Any) -> dict[str, list[str]]:
    mapping = _as_map(values, "values")
    result: dict[str, list[str]] = {}
    for key in sorted(mapping):
        for item in _as_list(mapping[key], "map element"):
            if item is None:
                raise FunctionError("cannot transpose a map containing null values")
            result.setdefault(_as_string(item, "list element"), []).append(key)
    return result


@_builtin("values", unknowns=_SHALLOW)
def _values(mapping: Any) -> list[Any]:
    items = _as_map(mapping, "mapping")
    return [items[key] for key in sorted(items)]


@_builtin("zipmap", unknowns=_SELF)
def _zipmap(keys: Any, values: Any) -> Any:
    if contains_unknown(keys) or is_unknown(values):
        return _propagate(keys, values)
    key_items, value_items = _as_list(keys, "keys"), _as_list(values, "values")
    if len(key_items) != len(value_items):
        raise FunctionError(
            f"number of keys ({len(key_items)}) does not match number of values "
            f"({len(value_items)})"
        )
    return {
        _as_string(key, "keys element"): value
        for key, value in zip(key_items, value_items, strict=True)
    }


# ---------------------------------------------------------------------------------------------
# Type conversion functions
# ---------------------------------------------------------------------------------------------


@_builtin("tobool")
def _tobool(value: Any) -> bool | None:
    return None if value is None else _as_bool(value, "v")


@_builtin("tolist", unknowns=_SHALLOW)
def _tolist(value: Any) -> list[Any] | None:
    return None if value is None else _unify_primitives(_as_list(value, "v"))


@_builtin("tomap", unknowns=_SHALLOW)
def _tomap(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    mapping = _as_map(value, "v")
    return dict(zip(mapping, _unify_primitives(list(mapping.values())), strict=True))


@_builtin("tonumber")
def _tonumber(value: Any) -> int | float | None:
    return None if value is None else _as_number(value, "v")


@_builtin("toset")
def _toset(value: Any) -> list[Any] | None:
    return None if value is None else _as_set(_unify_primitives(_as_list(value, "v")))


@_builtin("tostring")
def _tostring(value: Any) -> str | None:
    return None if value is None else _as_string(value, "v")


# ---------------------------------------------------------------------------------------------
# Encoding functions
# ---------------------------------------------------------------------------------------------


@_builtin("base64encode")
def _base64encode(text: Any) -> str:
    return base64.b64encode(_as_string(text, "str").encode()).decode("ascii")


@_builtin("base64decode")
def _base64decode(text: Any) -> str:
    encoded = _as_string(text, "str")
    # Go's decoder skips line breaks; everything else must be strict, padded base64.
    try:
        raw = base64.b64decode(encoded.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise FunctionError(f'failed to decode base64 data "{encoded}"') from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FunctionError(
            "the result of decoding the provided string is not valid UTF-8"
        ) from None


@_builtin("csvdecode")
def _csvdecode(text: Any) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(_as_string(text, "str"), newline=""), strict=True)
    try:
        # Go's CSV reader skips empty lines.
        rows = [row for row in reader if row]
    except csv.Error as error:
        raise FunctionError(f"invalid CSV: {error}") from None
    if not rows:
        raise FunctionError("missing header line")
    header = rows[0]
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise FunctionError(f"record on line {line}: wrong number of fields")
        records.append(dict(zip(header, row, strict=True)))
    return records


def _reject_json_constant(name: str) -> Any:
    raise FunctionError(f"invalid JSON: {name} is not a JSON value")


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise FunctionError(f'duplicate "{key}" property in JSON object')
        mapping[key] = value
    return mapping


@_builtin("jsondecode")
def _jsondecode(text: Any) -> Any:
    try:
        decoded = json.loads(
            _as_string(text, "str"),
            parse_constant=_reject_json_constant,
            object_pairs_hook=_unique_json_object,
        )
    except ValueError as error:
        raise FunctionError(f"invalid JSON: {error}") from None
    return _from_decoded(decoded)


def _from_decoded(document: Any) -> Any:
    """Turn parsed JSON or YAML into evaluated values, refusing documents that expand too far."""
    budget = [MAX_DECODED_VALUES]

    def convert(value: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise FunctionError(f"document expands to more than {MAX_DECODED_VALUES} values")
        if value is None or isinstance(value, bool | str):
            return value
        if _is_number(value):
            if isinstance(value, float) and not math.isfinite(value):
                raise _NotEvaluated("document holds an infinite or NaN number")
            return _normalize(value)
        if isinstance(value, list | tuple):
            return [convert(item) for item in value]
        if isinstance(value, set | frozenset):
            return _as_set([convert(item) for item in value])
        if isinstance(value, dict):
            return {_decoded_key(key): convert(item) for key, item in value.items()}
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        raise FunctionError(f"unsupported value of type {type(value).__name__}")

    return convert(document)


def _decoded_key(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, str | bool) or _is_number(key):
        return _as_string(key)
    raise FunctionError(f"mapping keys must be strings, got {_type_name(key)}")


def _json_string(text: str) -> str:
    # Go's encoder escapes HTML-sensitive characters and the JavaScript line separators.
    quoted = json.dumps(text, ensure_ascii=False)
    return (
        quoted.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _json_text(value: Any) -> str:
    """Terraform's compact JSON: sorted keys, no spaces, numbers without exponents."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _number_text(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, dict):
        members = (f"{_json_string(key)}:{_json_text(value[key])}" for key in sorted(value))
        return "{" + ",".join(members) + "}"
    raise FunctionError(f"cannot encode a {_type_name(value)} as JSON")


@_builtin("jsonencode")
def _jsonencode(value: Any) -> str:
    return _json_text(value)


@_builtin("urlencode")
def _urlencode(text: Any) -> str:
    return urllib.parse.quote_plus(_as_string(text, "str"), safe="")


class _CoreSchemaLoader(yaml.SafeLoader):
    """A safe YAML loader that types plain scalars by the YAML 1.2 core schema, as Terraform
    does: "yes", "on" and dates stay strings, and 0o17 / 0x1F are integers."""


_CoreSchemaLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first_chars in (
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
    ("merge", r"^<<$", ["<"]),
):
    _CoreSchemaLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first_chars
    )


def _construct_core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


_CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)


@_builtin("yamldecode")
def _yamldecode(text: Any) -> Any:
    try:
        document = yaml.load(_as_string(text, "src"), Loader=_CoreSchemaLoader)
    except yaml.YAMLError as error:
        raise FunctionError(f"invalid YAML: {' '.join(str(error).split())}") from None
    except ValueError as error:
        raise FunctionError(f"invalid YAML: {error}") from None
    return _from_decoded(document)


@_builtin("yamlencode")
def _yamlencode(value: Any) -> str:
    return _YamlWriter().document(value)


_YAML_ESCAPES = {
    "\0": "0",
    "\a": "a",
    "\b": "b",
    "\t": "t",
    "\n": "n",
    "\v": "v",
    "\f": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\u2028": "L",
    "\u2029": "P",
}


def _yaml_printable(char: str) -> bool:
    # The emitter Terraform uses predates 4-byte characters, so emoji get escaped too.
    code = ord(char)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


def _yaml_escape(char: str) -> str:
    if char not in _YAML_ESCAPES and _yaml_printable(char) and char != "\n":
        return char
    if char in _YAML_ESCAPES:
        return "\\" + _YAML_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def _literal_allowed(text: str) -> bool:
    """Whether the emitter can write `text` as a literal block (|) instead of quoting it."""
    if text.endswith(" ") or " \n" in text:
        return False
    return all(_yaml_printable(char) and char not in "\u2028\u2029" for char in text)


class _YamlWriter:
    """Writes a value as Terraform's yamlencode does: block style, double-quoted strings,
    literal blocks for multi-line strings, long quoted strings folded past column 80."""

    BEST_WIDTH = 80

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.column = 0
        # Set when the document needs an explicit "..." end marker.
        self.open_ended = False

    def document(self, value: Any) -> str:
        if isinstance(value, dict) and value:
            self.mapping(value, 0, inline=True)
        elif isinstance(value, list) and value:
            self.sequence(value, 0, inline=True)
        else:
            self.scalar(value, 2, root=True)
        if self.column:
            self.write("\n")
        if self.open_ended:
            self.write("...\n")
        return "".join(self.parts)

    def write(self, text: str) -> None:
        self.parts.append(text)
        newline = text.rfind("\n")
        self.column = self.column + len(text) if newline < 0 else len(text) - newline - 1
        self.length += len(text)
        _check_length(self.length)

    def start_line(self, indent: int) -> None:
        if self.column:
            self.write("\n")
        self.write(" " * indent)

    def mapping(self, mapping: dict[str, Any], indent: int, *, inline: bool) -> None:
        for position, key in enumerate(sorted(mapping)):
            if position or not inline:
                self.start_line(indent)
            self.double_quoted(key, indent, allow_breaks=False)
            self.write(":")
            self.nested(mapping[key], indent, in_mapping=True)

    def sequence(self, items: list[Any], indent: int, *, inline: bool) -> None:
        for position, item in enumerate(items):
            if position or not inline:
                self.start_line(indent)
            self.write("-")
            self.nested(item, indent, in_mapping=False)

    def nested(self, value: Any, indent: int, *, in_mapping: bool) -> None:
        if isinstance(value, dict) and value:
            if not in_mapping:
                self.write(" ")
            self.mapping(value, indent + 2, inline=not in_mapping)
        elif isinstance(value, list) and value:
            # A sequence under a mapping key is not indented further.
            if in_mapping:
                self.sequence(value, indent, inline=False)
            else:
                self.write(" ")
                self.sequence(value, indent + 2, inline=True)
        else:
            self.write(" ")
            self.scalar(value, indent + 2, root=False)

    def scalar(self, value: Any, indent: int, *, root: bool) -> None:
        if isinstance(value, str):
            if "\n" in value and _literal_allowed(value):
                self.literal(value, indent)
            else:
                self.double_quoted(value, indent, allow_breaks=True)
        elif isinstance(value, dict):
            self.write("{}")
        elif isinstance(value, list):
            self.write("[]")
        else:
            self.write("null" if value is None else _as_string(value))
            self.open_ended = self.open_ended or root

    def literal(self, text: str, indent: int) -> None:
        self.write("|")
        if text[0] in " \n":
            self.write("2")
        if not text.endswith("\n"):
            self.write("-")
            self.open_ended = False
        elif len(text) == 1 or text[-2] == "\n":
            self.write("+")
            self.open_ended = True
        else:
            self.open_ended = False
        self.write("\n")
        lines = text.split("\n")
        for number, line in enumerate(lines):
            if line:
                self.write(" " * indent + line)
            if number < len(lines) - 1:
                self.write("\n")

    def double_quoted(self, text: str, indent: int, *, allow_breaks: bool) -> None:
        self.write('"')
        after_space = False
        last = len(text) - 1
        for position, char in enumerate(text):
            if char != " ":
                self.write(_yaml_escape(char))
                after_space = False
                continue
            fold = allow_breaks and not after_space and self.column > self.BEST_WIDTH
            if fold and 0 < position < last:
                # Folding turns this space into a line break; an escaped space keeps the
                # next one from being eaten as indentation.
                self.write("\n" + " " * indent)
                if text[position + 1] == " ":
                    self.write("\\")
            else:
                self.write(" ")
            after_space = True
        self.write('"')


# ---------------------------------------------------------------------------------------------
# Hash and crypto functions
# ---------------------------------------------------------------------------------------------


def _utf8(text: Any) -> bytes:
    return _as_string(text, "str").encode()


@_builtin("md5")
def _md5(text: Any) -> str:
    return hashlib.md5(_utf8(text), usedforsecurity=False).hexdigest()


@_builtin("sha1")
def _sha1(text: Any) -> str:
    return hashlib.sha1(_utf8(text), usedforsecurity=False).hexdigest()


@_builtin("sha256")
def _sha256(text: Any) -> str:
    return hashlib.sha256(_utf8(text)).hexdigest()


@_builtin("sha512")
def _sha512(text: Any) -> str:
    return hashlib.sha512(_utf8(text)).hexdigest()


@_builtin("base64sha256")
def _base64sha256(text: Any) -> str:
    return base64.b64encode(hashlib.sha256(_utf8(text)).digest()).decode("ascii")


@_builtin("base64sha512")
def _base64sha512(text: Any) -> str:
    return base64.b64encode(hashlib.sha512(_utf8(text)).digest()).decode("ascii")


_UUID_NAMESPACES = {
    "dns": uuid.NAMESPACE_DNS,
    "url": uuid.NAMESPACE_URL,
    "oid": uuid.NAMESPACE_OID,
    "x500": uuid.NAMESPACE_X500,
}


@_builtin("uuidv5")
def _uuidv5(namespace: Any, name: Any) -> str:
    space = _as_string(namespace, "namespace")
    known = _UUID_NAMESPACES.get(space)
    if known is None:
        try:
            known = uuid.UUID(space)
        except ValueError:
            raise FunctionError(f"uuidv5() doesn't support namespace {space}") from None
    return str(uuid.uuid5(known, _as_string(name, "name")))


# ---------------------------------------------------------------------------------------------
# IP network functions
# ---------------------------------------------------------------------------------------------

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_cidr(prefix: Any) -> _Network:
    text = _as_string(prefix, "prefix")
    try:
        if "/" not in text:
            raise ValueError(text)
        # Host bits may be set, as with Go's ParseCIDR, which masks them off.
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise FunctionError(f"invalid CIDR expression: invalid CIDR address: {text}") from None


def _subnet(network: _Network, start: int, prefix_length: int) -> _Network:
    return type(network)((start, prefix_length))


@_builtin("cidrhost")
def _cidrhost(prefix: Any, hostnum: Any) -> str:
    network = _parse_cidr(prefix)
    host = _as_integer(hostnum, "hostnum")
    size = network.num_addresses
    if host >= size or -host > size:
        raise FunctionError(
            f"prefix of {network.prefixlen} does not accommodate a host numbered {host}"
        )
    # A negative host number counts back from the end of the range.
    return str(network.network_address + (host if host >= 0 else size + host))


@_builtin("cidrnetmask")
def _cidrnetmask(prefix: Any) -> str:
    network = _parse_cidr(prefix)
    if network.version == 6:
        raise FunctionError(f"IPv6 addresses cannot have a netmask: {prefix}")
    return str(network.netmask)


@_builtin("cidrsubnet")
def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    network = _parse_cidr(prefix)
    bits, number = _as_integer(newbits, "newbits"), _as_integer(netnum, "netnum")
    if bits < 0:
        raise FunctionError("newbits must not be negative")
    length = network.prefixlen + bits
    if length > network.max_prefixlen:
        raise FunctionError(f"prefix extension of {bits} does not fit in /{network.prefixlen}")
    if not 0 <= number < 1 << bits:
        raise FunctionError(
            f"prefix extension of {bits} does not accommodate a subnet numbered {number}"
        )
    start = int(network.network_address) | number << (network.max_prefixlen - length)
    return str(_subnet(network, start, length))


@_builtin("cidrsubnets")
def _cidrsubnets(prefix: Any, *newbits: Any) -> list[str]:
    """Consecutive subnets of the given sizes, each aligned to its own size, as Terraform
    allocates them."""
    network = _parse_cidr(prefix)
    family = "IPv4" if network.version == 4 else "IPv6"
    cursor, end = int(network.network_address), int(network.broadcast_address) + 1
    previous = str(network)
    subnets = []
    for value in newbits:
        bits = _as_integer(value, "newbits")
        if bits < 1:
            raise FunctionError("must extend prefix by at least one bit")
        if bits > 32:
            raise FunctionError("may not extend prefix by more than 32 bits")
        length = network.prefixlen + bits
        if length > network.max_prefixlen:
            raise FunctionError(
                f"would extend prefix to {length} bits, which is too long for an {family} address"
            )
        size = 1 << (network.max_prefixlen - length)
        start = -(-cursor // size) * size
        if start + size > end:
            raise FunctionError(
                "not enough remaining address space for a subnet with a prefix of "
                f"{length} bits after {previous}"
            )
        previous = str(_subnet(network, start, length))
        subnets.append(previous)
        cursor = start + size
    return subnets


# ---------------------------------------------------------------------------------------------
# Filesystem paths (pure string functions only)
# ---------------------------------------------------------------------------------------------


@_builtin("basename")
def _basename(path: Any) -> str:
    text = _as_string(path, "path")
    if not text:
        return "."
    stripped = text.rstrip("/")
    return stripped.rsplit("/", 1)[-1] if stripped else "/"


@_builtin("dirname")
def _dirname(path: Any) -> str:
    text = _as_string(path, "path")
    parent = posixpath.normpath(text[: text.rfind("/") + 1] or ".")
    # Go's path cleaning keeps a single leading slash where POSIX keeps two.
    return "/" + parent.lstrip("/") if parent.startswith("//") else parent


# ---------------------------------------------------------------------------------------------
# Sensitivity and functions left unknown on purpose (try and can are not here: they see their
# arguments' errors, so the evaluator handles them before arguments become values)
# ---------------------------------------------------------------------------------------------


@_builtin("sensitive", "nonsensitive", "ephemeralasnull", unknowns=_SELF)
def _identity_function(value: Any) -> Any:
    return value


_FILE_FUNCTIONS = (
    "abspath",
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "filemd5",
    "fileset",
    "filesha1",
    "filesha256",
    "filesha512",
    "pathexpand",
    "templatefile",
)
_NON_DETERMINISTIC_FUNCTIONS = ("bcrypt", "plantimestamp", "timestamp", "uuid")
_TIME_FUNCTIONS = ("formatdate", "timeadd", "timecmp")

for _name in _FILE_FUNCTIONS:
    FUNCTIONS[_name] = _not_evaluated(_name, f"reads files: {_name}()")
for _name in _NON_DETERMINISTIC_FUNCTIONS:
    FUNCTIONS[_name] = _not_evaluated(_name, f"non-deterministic: {_name}()")
for _name in _TIME_FUNCTIONS:
    FUNCTIONS[_name] = _not_evaluated(_name, f"not evaluated statically: {_name}()")
FUNCTIONS["issensitive"] = _not_evaluated("issensitive", "sensitivity is not tracked")
FUNCTIONS["type"] = _not_evaluated("type", "unsupported function type")

# Built-in functions evalkit does not evaluate but Terraform has: `can` and `try` are read by
# the evaluator itself, the others are left unknown like any unsupported call.
_OTHER_BUILTINS = frozenset(
    {
        "can",
        "try",
        "templatestring",
        "base64gzip",
        "textdecodebase64",
        "textencodebase64",
        "rsadecrypt",
    }
)
TERRAFORM_FUNCTIONS = frozenset(FUNCTIONS) | _OTHER_BUILTINS


def is_terraform_function(name: str) -> bool:
    """Whether Terraform has a function called `name` (``core::`` prefix allowed); a
    provider-defined one (``provider::aws::arn_parse``) is taken to exist."""
    bare = name.removeprefix("core::")
    return bare.startswith("provider::") or bare in TERRAFORM_FUNCTIONS
