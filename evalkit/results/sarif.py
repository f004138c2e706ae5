"""Findings as a SARIF 2.1.0 log (``DIR/findings.sarif``), for code-scanning UIs.

One SARIF run holds every submission's findings. Rules are the check catalog with its
documentation and the rubric's severities; a result points at the graded copy of the file
(``files/<id>/<path>``, relative to the run directory, see `evalkit.results.saved_files`) and
the line, and names the Terraform resource as a logical location. Levels follow severity:
critical and high are ``error``, medium ``warning``, low ``note``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from evalkit import __version__
from evalkit.grading.rubric import Rubric
from evalkit.results.saved_files import FILES_DIR, encode_name, saved_path
from evalkit.results.tables import publish

if TYPE_CHECKING:
    from evalkit.checks.registry import CheckRegistry

SARIF_NAME = "findings.sarif"
SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
RUN_BASE = "RUN_DIR"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub code scanning ranks results by this CVSS-like number.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def rules(rubric: Rubric, registry: CheckRegistry) -> list[dict[str, Any]]:
    """One reporting descriptor per check, with its documentation."""
    described = []
    for check in registry:
        entry = rubric.entries.get(check.id)
        severity = entry.severity if entry else check.severity
        doc = check.doc
        described.append(
            {
                "id": check.id,
                "name": "".join(part.capitalize() for part in check.id.split("-")),
                "shortDescription": {"text": check.title},
                "fullDescription": {"text": doc.split("\n\n", 1)[0].strip() or check.title},
                "help": {"text": doc or check.title, "markdown": doc or check.title},
                "defaultConfiguration": {
                    "level": LEVELS[severity],
                    "enabled": bool(entry.enabled) if entry else True,
                },
                "properties": {
                    "category": check.category,
                    "severity": severity,
                    "weight": entry.weight if entry else 0.0,
                    "tags": [check.category, severity],
                    "security-severity": _SECURITY_SEVERITY[severity],
                },
            }
        )
    return described


def result(finding: dict[str, Any], rule_index: int) -> dict[str, Any]:
    """One SARIF result from a `findings` table row."""
    uri = "/".join(
        quote(part, safe="")
        for part in (
            FILES_DIR,
            encode_name(str(finding["submission_id"])),
            *saved_path(str(finding["file"])).split("/"),
        )
        if part
    )
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": RUN_BASE}}
    line = int(finding["line"] or 0)
    if line >= 1:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding["resource"]:
        location["logicalLocations"] = [
            {"fullyQualifiedName": str(finding["resource"]), "kind": "resource"}
        ]
    identity = "\0".join(
        str(finding[k]) for k in ("submission_id", "check_id", "file", "resource", "message")
    )
    return {
        "ruleId": finding["check_id"],
        "ruleIndex": rule_index,
        "level": LEVELS.get(str(finding["severity"]), "warning"),
        "message": {"text": str(finding["message"])},
        "locations": [location],
        "partialFingerprints": {
            "evalkitFinding/v1": hashlib.sha256(identity.encode("utf-8")).hexdigest()
        },
        "properties": {
            "submission_id": str(finding["submission_id"]),
            "file": str(finding["file"]),
            "category": finding["category"],
            "severity": finding["severity"],
            "region": finding["region"] or "",
        },
    }


def write_sarif(
    findings: Iterable[dict[str, Any]], rubric: Rubric, registry: CheckRegistry, path: Path
) -> Path:
    """Stream `findings` (rows of the findings table) into a SARIF log at `path`, atomically."""
    described = rules(rubric, registry)
    index = {rule["id"]: i for i, rule in enumerate(described)}
    head = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "evalkit",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": described,
                        "properties": {
                            "rubric": {
                                "name": rubric.name,
                                "version": rubric.version,
                                "sha256": rubric.sha256,
                            }
                        },
                    }
                },
                "originalUriBaseIds": {
                    RUN_BASE: {
                        "description": {
                            "text": "The evalkit run directory; files/ holds each submission's "
                            "files as graded."
                        }
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [],
            }
        ],
    }
    # Everything but the results is built in memory; results stream, so memory stays flat.
    opening, closing = json.dumps(head, indent=2, ensure_ascii=False).split('"results": []')
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(opening + '"results": [')
            _write_results(out, findings, index)
            out.write("]" + closing + "\n")
        publish(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


def _write_results(out: TextIO, findings: Iterable[dict[str, Any]], index: dict[str, int]) -> None:
    first = True
    for finding in findings:
        out.write("\n        " if first else ",\n        ")
        out.write(json.dumps(result(finding, index[finding["check_id"]]), ensure_ascii=False))
        first = False
    if not first:
        out.write("\n      ")
