"""Values of evaluated Terraform expressions.

Known values are plain Python: ``str``, ``int``/``float``, ``bool``, ``None`` (null), ``list``
and ``dict``. Anything that cannot be known without running Terraform (resource attributes
assigned at apply time, data sources, registry module outputs, unsupported functions) is an
`Unknown`, which remembers the references it came from so that checks can follow them
instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value evalkit cannot know statically.

    `refs` are the dotted references the value depends on, such as ``aws_vpc.main.id`` or
    ``data.aws_availability_zones.available.names``; `reason` says why it is unknown when it
    is not simply "known after apply".
    """

    refs: tuple[str, ...] = ()
    reason: str = ""
    # What is known of the value's shape, e.g. the structure given to a `jsonencode` whose
    # leaves are unknown, or a template rendered with placeholders for its unknown parts.
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
    """Every known string inside `value` (a string, or strings nested in lists and maps)."""
    return (item for item in walk_values(value) if isinstance(item, str))


def known_text(value: Any) -> str:
    """A string's text, or what is known of an unknown template (its sketch); else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown) and isinstance(value.partial, str):
        return value.partial
    return ""
