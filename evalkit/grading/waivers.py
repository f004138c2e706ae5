"""Per-record waivers: checks that do not count for the submissions whose prompt asked for them.

A prompt may require what a check penalises (a mandated naming prefix, exactly one instance).
Grading such an answer against that check is a wrong signal, so a waiver makes the check
``n/a`` for that submission. Waivers come from two places:

- a record field (``waive`` by default): a list of check IDs, or one string of IDs separated
  by commas or spaces;
- a waivers file keyed by a metadata column::

      by: prompt_id
      waivers:
        p-17: [HA-NO-AUTOSCALING]
        p-42: IAC-INCONSISTENT-NAMING, HA-SINGLE-AZ

Waivers are applied after grading, to the result, never to the cache: a cached result stays
valid for any waivers, and `evalkit rescore` reapplies what the journal recorded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from evalkit.checks.metadata import CheckTable, catalog
from evalkit.grading.yaml_files import compose_mapping
from evalkit.records import SubmissionResult

DEFAULT_WAIVE_FIELD = "waive"
_TOP_KEYS = ("by", "waivers", "description")
# A list written to a CSV cell or carried through as text (JSON, a NumPy repr) is still a
# list of IDs: brackets, quotes, commas and spaces only separate them.
_SEPARATORS = re.compile(r"[\s,;\[\]'\"]+")


class WaiverError(ValueError):
    """Waivers that cannot be used; the message is one line naming where the problem is."""


@dataclass(frozen=True)
class WaiverFile:
    """A loaded waivers file: the metadata column it is keyed by and the checks per key."""

    source: str
    sha256: str
    by: str
    table: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Waivers:
    """Where a run takes its waivers from: a record field and, optionally, a waivers file."""

    field: str = DEFAULT_WAIVE_FIELD
    file: WaiverFile | None = None

    def for_record(self, submission_id: str, meta: Mapping[str, Any]) -> tuple[str, ...]:
        """The check IDs waived for one submission, in catalog order."""
        checks = catalog()
        waived = set(
            parse_check_ids(
                meta.get(self.field), checks, f"submission {submission_id}: {self.field}"
            )
        )
        key = self._file_key(submission_id, meta)
        if self.file is not None and key is not None:
            waived.update(self.file.table.get(key, ()))
        return tuple(cid for cid in checks.ids() if cid in waived)

    def _file_key(self, submission_id: str, meta: Mapping[str, Any]) -> str | None:
        if self.file is None:
            return None
        if self.file.by in meta:
            return key_text(meta[self.file.by])
        return submission_id if self.file.by == "submission_id" else None

    def apply(self, result: SubmissionResult) -> SubmissionResult:
        waived = self.for_record(result.submission_id, result.meta)
        return replace(result, waived=waived) if waived != result.waived else result

    def apply_all(self, results: Iterable[SubmissionResult]) -> Iterable[SubmissionResult]:
        return (self.apply(result) for result in results)

    def settings(self) -> dict[str, Any]:
        """What run.json and the resume header record about where waivers came from."""
        described: dict[str, Any] = {"field": self.field}
        if self.file is not None:
            described |= {
                "file": self.file.source,
                "sha256": self.file.sha256,
                "by": self.file.by,
            }
        return described


def parse_check_ids(value: Any, registry: CheckTable, where: str) -> list[str]:
    """Check IDs from a field value (a list, or text separated by commas or spaces).

    An unknown ID raises `WaiverError`: a mistyped waiver silently waiving nothing would
    leave a wrong training signal in place.
    """
    if value is None or (isinstance(value, float) and value != value):
        return []
    items = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        items = list(value.tolist()) if isinstance(value.tolist(), list) else [value.tolist()]
    ids: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise WaiverError(f"{where}: expected check IDs, got {item!r}")
        ids.extend(token for token in _SEPARATORS.split(item) if token)
    for check_id in ids:
        if check_id not in registry:
            raise WaiverError(
                f"{where}: unknown check ID {check_id!r}; valid IDs: {', '.join(registry.ids())}"
            )
    return ids


def key_text(value: Any) -> str:
    """A metadata value as the key a waivers file uses: ``17``, ``17.0`` and ``"17"`` agree."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_waivers(path: str | Path | None, field_name: str = DEFAULT_WAIVE_FIELD) -> Waivers:
    """Waivers from a record field and, when `path` is given, a waivers file (validated)."""
    if not field_name:
        raise WaiverError("the waive field name must not be empty")
    waiver_file = None if path is None else _load_file(Path(path), catalog())
    return Waivers(field_name, waiver_file)


def _load_file(path: Path, registry: CheckTable) -> WaiverFile:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise WaiverError(f"{path}: cannot read waivers: {error.strerror}") from None
    name = str(path)
    text = raw.decode("utf-8", errors="replace")
    not_a_mapping = "a waivers file must be a mapping with by and waivers"
    top = _mapping(compose_mapping(text, name, WaiverError, not_a_mapping), name, "")
    for key, (_, line) in top.items():
        if key not in _TOP_KEYS:
            raise WaiverError(
                f"{name}:{line}: {key}: unknown key; expected one of {', '.join(_TOP_KEYS)}"
            )
    by = _by_column(top, name)
    if "waivers" not in top:
        raise WaiverError(f"{name}:1: waivers: missing required key")
    node, line = top["waivers"]
    if not isinstance(node, yaml.MappingNode):
        raise WaiverError(f"{name}:{line}: waivers: must be a mapping of {by} value to check IDs")
    table: dict[str, tuple[str, ...]] = {}
    for key, (value_node, key_line) in _mapping(node, name, "waivers.").items():
        value = _construct(value_node)
        where = f"{name}:{key_line}: waivers.{key}"
        if value is None or value == [] or value == "":
            raise WaiverError(f"{where}: no check IDs given")
        table[key] = tuple(parse_check_ids(value, registry, where))
    return WaiverFile(name, hashlib.sha256(raw).hexdigest(), by, table)


def _by_column(top: dict[str, tuple[yaml.Node, int]], name: str) -> str:
    if "by" not in top:
        raise WaiverError(f"{name}:1: by: missing required key (the metadata column to match)")
    node, line = top["by"]
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise WaiverError(f"{name}:{line}: by: must name a metadata column, such as prompt_id")
    return str(node.value)


def _mapping(node: yaml.MappingNode, name: str, where: str) -> dict[str, tuple[yaml.Node, int]]:
    """Keys (as match keys) of a YAML mapping with their value nodes and lines."""
    found: dict[str, tuple[yaml.Node, int]] = {}
    for key_node, value_node in node.value:
        key = key_text(_construct(key_node))
        line = key_node.start_mark.line + 1
        if key in found:
            raise WaiverError(f"{name}:{line}: {where}{key}: duplicate key")
        found[key] = (value_node, line)
    return found


def _construct(node: yaml.Node) -> Any:
    return yaml.SafeLoader("").construct_object(node, deep=True)


# --- what a run records ------------------------------------------------------------------------


def waiver_summary(
    results: Iterable[SubmissionResult],
    settings: dict[str, Any] | None,
    file_keys: Iterable[str] | None = None,
) -> dict[str, Any] | None:
    """run.json's ``waivers``: where they came from, what each submission had waived, how
    often each check was waived and, given the file's keys, those that matched no submission.

    None when the run had no waiver settings and nothing was waived.
    """
    submissions: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    seen_keys: set[str] = set()
    by = (settings or {}).get("by")
    for result in results:
        if by and by in result.meta:
            seen_keys.add(key_text(result.meta[by]))
        elif by == "submission_id":
            seen_keys.add(result.submission_id)
        if result.waived:
            submissions[result.submission_id] = list(result.waived)
            for check_id in result.waived:
                counts[check_id] = counts.get(check_id, 0) + 1
    if not settings and not submissions:
        return None
    summary: dict[str, Any] = {
        key: value
        for key, value in (settings or {}).items()
        if key not in ("submissions", "checks")
    }
    summary["submissions"] = submissions
    summary["checks"] = dict(sorted(counts.items()))
    if by and file_keys is not None:
        summary["unmatched_keys"] = sorted(set(file_keys) - seen_keys)
        if not seen_keys:
            summary["problem"] = f"no submission has the column {by!r} that the waivers file uses"
    return summary
