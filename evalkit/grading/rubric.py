"""Rubrics: severities and weights per check, loaded from YAML and validated on load.

A rubric file looks like::

    name: aws-multi-region
    version: 1
    severity_weights: {critical: 10, high: 5, medium: 3, low: 1}
    checks:
      SEC-IAM-WILDCARD: {severity: critical}
      DOC-MISSING-COMMENTS: {enabled: false}
      IAC-HARDCODED-VALUES: {weight: 2}
    coverage: multiply      # multiply (default) | column | off
    parser: tree-sitter     # tree-sitter (default) | hcl2

`coverage` says what the coverage of a reference (or of required kinds) does to the score:
`multiply` makes the score quality x coverage, `column` only reports it in its own column, and
`off` leaves it out of the tables (see `evalkit.grading.coverage`). `parser` is the HCL parser
runs with this rubric use unless the user names one (``--parser``, ``parser=``,
``EVALKIT_PARSER``); both parsers give the same results, so it changes speed only.

A check left out of `checks` is enabled with its catalog severity. Every mistake is reported
as one line naming the file, the line and the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from evalkit.checks.metadata import SEVERITIES, CheckTable
from evalkit.grading.yaml_files import compose_mapping
from evalkit.records import PARSER_NAMES

DEFAULT_RUBRIC = "aws-multi-region.yaml"
DEFAULT_WEIGHTS = {"critical": 10.0, "high": 5.0, "medium": 3.0, "low": 1.0}
_TOP_KEYS = {
    "name",
    "version",
    "description",
    "severity_weights",
    "checks",
    "coverage",
    "parser",
}
COVERAGE_MODES = ("multiply", "column", "off")
_CHECK_KEYS = {"severity", "weight", "enabled"}


class RubricError(ValueError):
    """A rubric file that cannot be used; the message is one line: file:line: key: problem."""


@dataclass(frozen=True)
class RubricEntry:
    check_id: str
    severity: str
    weight: float
    enabled: bool


@dataclass(frozen=True)
class Rubric:
    name: str
    version: str
    source: str
    sha256: str
    entries: dict[str, RubricEntry]
    coverage: str = "multiply"  # one of COVERAGE_MODES
    parser: str | None = None  # one of PARSER_NAMES; None: the user's or evalkit's default

    def entry(self, check_id: str) -> RubricEntry:
        return self.entries[check_id]


def default_rubric_path() -> Path:
    return Path(str(resources.files("evalkit") / "rubrics" / DEFAULT_RUBRIC))


def load_rubric(path: str | Path | None, registry: CheckTable) -> Rubric:
    """Load and validate a rubric file (the default rubric when `path` is None)."""
    rubric_path = Path(path) if path is not None else default_rubric_path()
    try:
        raw = rubric_path.read_bytes()
    except OSError as error:
        raise RubricError(f"{rubric_path}: cannot read rubric: {error.strerror}") from None
    text = raw.decode("utf-8", errors="replace")
    name = str(rubric_path)
    document = compose_mapping(
        text, name, RubricError, "a rubric must be a mapping with name, version and checks"
    )
    return _build(document, name, hashlib.sha256(raw).hexdigest(), registry)


def _mapping(node: yaml.MappingNode, name: str, where: str) -> dict[str, tuple[yaml.Node, int]]:
    """Keys of a YAML mapping with their value nodes and lines; duplicate keys are errors."""
    found: dict[str, tuple[yaml.Node, int]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in found:
            raise RubricError(f"{name}:{line}: {where}{key}: duplicate key")
        found[key] = (value_node, line)
    return found


def _scalar(node: yaml.Node) -> Any:
    return yaml.SafeLoader(" ").construct_object(node, deep=True) if node is not None else None


def _build(document: yaml.MappingNode, name: str, digest: str, registry: CheckTable) -> Rubric:
    top = _mapping(document, name, "")
    for key, (_, line) in top.items():
        if key not in _TOP_KEYS:
            raise RubricError(
                f"{name}:{line}: {key}: unknown key; expected one of {', '.join(sorted(_TOP_KEYS))}"
            )
    rubric_name = _text(top, "name", name, required=True)
    version = _text(top, "version", name, required=True)
    weights = _severity_weights(top, name)
    overrides = _check_overrides(top, name, registry, weights)
    entries: dict[str, RubricEntry] = {}
    for check in registry:
        severity, weight, enabled = check.severity, None, True
        override = overrides.get(check.id, {})
        severity = override.get("severity", severity)
        weight = override.get("weight", weights[severity])
        enabled = override.get("enabled", enabled)
        entries[check.id] = RubricEntry(check.id, severity, float(weight), bool(enabled))
    coverage = _choice(top, name, "coverage", COVERAGE_MODES) or "multiply"
    parser = _choice(top, name, "parser", PARSER_NAMES)
    return Rubric(rubric_name, version, name, digest, entries, coverage, parser)


def _choice(
    top: dict[str, tuple[yaml.Node, int]], name: str, key: str, choices: tuple[str, ...]
) -> str | None:
    """The value of the top-level `key`, one of `choices`; None when the key is left out."""
    if key not in top:
        return None
    node, line = top[key]
    value = _scalar(node) if isinstance(node, yaml.ScalarNode) else None
    # YAML reads a bare `off` as false.
    value = "off" if value is False else value
    if value not in choices:
        shown = node.value if isinstance(node, yaml.ScalarNode) else "a " + type(node).__name__
        raise RubricError(
            f"{name}:{line}: {key}: must be one of {', '.join(choices)}, got {shown!r}"
        )
    return str(value)


def _text(top: dict[str, tuple[yaml.Node, int]], key: str, name: str, required: bool) -> str:
    if key not in top:
        if required:
            raise RubricError(f"{name}:1: {key}: missing required key")
        return ""
    node, line = top[key]
    if not isinstance(node, yaml.ScalarNode) or node.value == "":
        raise RubricError(f"{name}:{line}: {key}: must be a non-empty string or number")
    return str(node.value)


def _severity_weights(top: dict[str, tuple[yaml.Node, int]], name: str) -> dict[str, float]:
    weights = dict(DEFAULT_WEIGHTS)
    if "severity_weights" not in top:
        return weights
    node, line = top["severity_weights"]
    if not isinstance(node, yaml.MappingNode):
        raise RubricError(
            f"{name}:{line}: severity_weights: must be a mapping of severity to weight"
        )
    for severity, (value_node, value_line) in _mapping(node, name, "severity_weights.").items():
        if severity not in SEVERITIES:
            raise RubricError(
                f"{name}:{value_line}: severity_weights.{severity}: unknown "
                f"severity; expected one of {', '.join(SEVERITIES)}"
            )
        weights[severity] = _weight(value_node, value_line, name, f"severity_weights.{severity}")
    return weights


def _weight(node: yaml.Node, line: int, name: str, key: str) -> float:
    value = _scalar(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RubricError(f"{name}:{line}: {key}: weight must be a number, got {node.value!r}")
    if value < 0 or value != value:
        raise RubricError(f"{name}:{line}: {key}: weight must not be negative")
    return float(value)


def _check_overrides(
    top: dict[str, tuple[yaml.Node, int]],
    name: str,
    registry: CheckTable,
    weights: dict[str, float],
) -> dict[str, dict[str, Any]]:
    if "checks" not in top:
        return {}
    node, line = top["checks"]
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise RubricError(f"{name}:{line}: checks: must be a mapping of check ID to settings")
    overrides: dict[str, dict[str, Any]] = {}
    for check_id, (settings, check_line) in _mapping(node, name, "checks.").items():
        if check_id not in registry:
            raise RubricError(
                f"{name}:{check_line}: checks.{check_id}: unknown check ID; see "
                "`evalkit checks` for the list"
            )
        overrides[check_id] = _check_settings(settings, check_line, name, check_id)
    return overrides


def _check_settings(node: yaml.Node, line: int, name: str, check_id: str) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise RubricError(
            f"{name}:{line}: checks.{check_id}: must be a mapping with severity, "
            "weight and/or enabled"
        )
    settings: dict[str, Any] = {}
    for key, (value_node, key_line) in _mapping(node, name, f"checks.{check_id}.").items():
        where = f"{name}:{key_line}: checks.{check_id}.{key}"
        if key not in _CHECK_KEYS:
            raise RubricError(f"{where}: unknown key; expected severity, weight or enabled")
        if key == "severity":
            value = _scalar(value_node)
            if value not in SEVERITIES:
                raise RubricError(
                    f"{where}: unknown severity {value!r}; expected one of {', '.join(SEVERITIES)}"
                )
            settings["severity"] = value
        elif key == "weight":
            settings["weight"] = _weight(value_node, key_line, name, f"checks.{check_id}.weight")
        else:
            value = _scalar(value_node)
            if not isinstance(value, bool):
                raise RubricError(f"{where}: must be true or false, got {value_node.value!r}")
            settings["enabled"] = value
    return settings


# --- scores ------------------------------------------------------------------------------------


def weighted_score(
    statuses: Mapping[str, str], rubric: Rubric, check_ids: list[str] | None = None
) -> float | None:
    """100 x (1 - failed weight / applicable weight) over enabled checks; None when nothing
    applies. `statuses` maps check ID to pass/fail/n-a."""
    failed = applicable = 0.0
    for check_id in check_ids if check_ids is not None else list(statuses):
        entry = rubric.entries.get(check_id)
        status = statuses.get(check_id, "n/a")
        if entry is None or not entry.enabled or status == "n/a":
            continue
        applicable += entry.weight
        if status == "fail":
            failed += entry.weight
    if applicable == 0:
        return None
    return 100.0 * (1.0 - failed / applicable)
