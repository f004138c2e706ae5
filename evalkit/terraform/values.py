"""Values of evaluated Terraform expressions.

Known values are plain Python: ``str``, ``int``/``float``, ``bool``, ``None`` (null), ``list``
and ``dict``. Anything that cannot be known without running Terraform (resource attributes
assigned at apply time, data sources, registry module outputs, unsupported functions) is an
`Unknown`, which remembers the references it came from so that checks can follow them
instead of guessing.

An unknown value may still be partly known: a template such as
``"arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"`` keeps
its literal segments, and ``jsonencode({password = random_password.db.result, api_key =
"k"})`` keeps the object it encodes. Checks read those parts through `known_parts`,
`known_prefix`, `known_suffix`, `endswith`, `startswith` and `known_members`, which never
claim more than is known: a check that fails only on what these return never fails on an
unknown part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Stands for an unknown stretch in the sketch of a partly known string.
UNKNOWN_PLACEHOLDER = "${?}"


@dataclass(frozen=True)
class Unknown:
    """A value evalkit cannot know statically.

    `refs` are the dotted references the value depends on, such as ``aws_vpc.main.id`` or
    ``data.aws_availability_zones.available.names``; `reason` says why it is unknown when it
    is not simply "known after apply".
    """

    refs: tuple[str, ...] = ()
    reason: str = ""
    # What is known of the value's shape: the structure given to a `jsonencode` whose leaves
    # are unknown (a dict or list), or a template's sketch, its text with `UNKNOWN_PLACEHOLDER`
    # for each unknown stretch (a str).
    partial: Any = field(default=None, compare=False)

    def __repr__(self) -> str:
        inner = ", ".join(self.refs) or self.reason or "?"
        return f"<unknown {inner}>"


def unknown_from(*values: Any, reason: str = "") -> Unknown:
    """An `Unknown` that carries the references of every unknown among `values`."""
    refs: list[str] = []
    for value in values:
        for ref in collect_refs(value):
            if ref not in refs:
                refs.append(ref)
    return Unknown(tuple(refs), reason)


def walk_values(value: Any) -> Iterator[Any]:
    """`value` and everything nested in its lists and maps, depth first, in order."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))


def collect_refs(value: Any) -> list[str]:
    """The references of every `Unknown` nested anywhere inside `value`."""
    found: list[str] = []
    for item in walk_values(value):
        if isinstance(item, Unknown):
            found.extend(r for r in item.refs if r not in found)
    return found


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    """True when `value` is or holds an `Unknown` at any depth."""
    return any(isinstance(item, Unknown) for item in walk_values(value))


def iter_known_strings(value: Any) -> Iterator[str]:
    """Every wholly known string inside `value`: a string, strings nested in lists and maps,
    and those in the known members of a partly known object (a `jsonencode` of one)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
        elif isinstance(item, Unknown) and isinstance(item.partial, dict | list):
            stack.append(item.partial)


def known_members(value: Any) -> Any:
    """A map or list with its known members (unknown ones stay `Unknown`): the value itself,
    or what is known of a partly known one (the object a `jsonencode` encodes); else None."""
    if isinstance(value, Unknown):
        value = value.partial
    return value if isinstance(value, dict | list) else None


def known_text(value: Any) -> str:
    """A string's text, or what is known of an unknown template (its sketch); else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown) and isinstance(value.partial, str):
        return value.partial
    return ""


def _segments(value: Any) -> list[str] | None:
    """A string as one segment, a partly known string as the literal segments around its
    unknown stretches (``["arn:", ":iam::aws:policy/X"]``); None when nothing is known."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Unknown) and isinstance(value.partial, str):
        return value.partial.split(UNKNOWN_PLACEHOLDER)
    return None


def is_partial_text(value: Any) -> bool:
    """True for an unknown string of which some literal text is known."""
    segments = _segments(value) if isinstance(value, Unknown) else None
    return segments is not None and any(segments)


def known_parts(value: Any) -> tuple[str, ...]:
    """The literal segments of a string that are known, in order: the whole string when it
    is known, the non-empty segments around the unknown stretches of a partly known one."""
    return tuple(part for part in _segments(value) or () if part)


def known_prefix(value: Any) -> str:
    """The text a string is known to start with ("" when its start is unknown)."""
    segments = _segments(value)
    return segments[0] if segments else ""


def known_suffix(value: Any) -> str:
    """The text a string is known to end with ("" when its end is unknown)."""
    segments = _segments(value)
    return segments[-1] if segments else ""


def endswith(value: Any, suffix: str) -> bool | None:
    """Whether a string ends with `suffix`: True or False when that is known, None when the
    unknown part decides it."""
    segments = _segments(value)
    if segments is None:
        return None
    if len(segments) == 1 or len(segments[-1]) >= len(suffix):
        return segments[-1].endswith(suffix)
    return None if suffix.endswith(segments[-1]) else False


def startswith(value: Any, prefix: str) -> bool | None:
    """Whether a string starts with `prefix`: True or False when that is known, None when the
    unknown part decides it."""
    segments = _segments(value)
    if segments is None:
        return None
    if len(segments) == 1 or len(segments[0]) >= len(prefix):
        return segments[0].startswith(prefix)
    return None if prefix.startswith(segments[0]) else False
