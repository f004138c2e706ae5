"""The registry is the check catalog: every ID, its category and default severity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from evalkit.checks import REGISTRY
from evalkit.rubric import default_rubric_path

CATALOG = {
    "SEC-HARDCODED-CREDENTIALS": ("security", "critical"),
    "SEC-IAM-WILDCARD": ("security", "critical"),
    "SEC-OPEN-ADMIN-PORTS": ("security", "critical"),
    "SEC-ENCRYPTION-AT-REST": ("security", "critical"),
    "NET-CIDR-OVERLAP": ("networking", "critical"),
    "NET-SUBNET-PLACEMENT": ("networking", "critical"),
    "NET-MISSING-NAT": ("networking", "high"),
    "HA-SINGLE-AZ": ("availability", "high"),
    "HA-RDS-MULTI-AZ": ("availability", "high"),
    "HA-NO-AUTOSCALING": ("availability", "high"),
    "HA-HEALTH-CHECKS": ("availability", "high"),
    "IAC-PARSE-ERROR": ("iac", "critical"),
    "IAC-UNDEFINED-REFERENCE": ("iac", "critical"),
    "IAC-INCONSISTENT-NAMING": ("iac", "low"),
    "IAC-HARDCODED-VALUES": ("iac", "medium"),
    "IAC-MISSING-DEPENDENCY": ("iac", "high"),
    "OBS-MISSING-MONITORING": ("observability", "high"),
    "OBS-MISSING-LOGGING": ("observability", "high"),
    "OBS-NO-CLOUDWATCH-AGENT": ("observability", "medium"),
    "OBS-NO-ALERTING": ("observability", "medium"),
    "TST-NO-TESTS": ("testing", "medium"),
    "TST-LIVE-ONLY-TESTS": ("testing", "medium"),
    "TST-NO-OUTPUT-VALIDATION": ("testing", "medium"),
    "PERF-INSTANCE-SIZING": ("performance", "medium"),
    "PERF-NO-CDN": ("performance", "low"),
    "COST-NO-S3-LIFECYCLE": ("cost", "low"),
    "COST-NO-SPOT": ("cost", "low"),
    "DOC-MISSING-DESCRIPTIONS": ("documentation", "low"),
    "DOC-MISSING-COMMENTS": ("documentation", "low"),
}
SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "checks.md"


def test_registry_matches_the_catalog() -> None:
    assert {c.id: (c.category, c.severity) for c in REGISTRY} == CATALOG


def test_catalog_table_matches_the_published_spec() -> None:
    if not SPEC.exists():
        pytest.skip("the published catalog is not beside this checkout")
    rows = re.findall(
        r"^\| ([A-Z]+-[A-Z0-9-]+) \| (critical|high|medium|low) \|",
        SPEC.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    assert {cid: severity for cid, severity in rows} == {
        cid: severity for cid, (_, severity) in CATALOG.items()
    }


def test_default_rubric_lists_every_check_at_its_catalog_severity() -> None:
    document = yaml.safe_load(default_rubric_path().read_text(encoding="utf-8"))
    assert {cid: entry["severity"] for cid, entry in document["checks"].items()} == {
        cid: severity for cid, (_, severity) in CATALOG.items()
    }


def test_every_check_documents_failure_reason_and_fix() -> None:
    for check in REGISTRY:
        assert "Why:" in check.doc and "Fix:" in check.doc, check.id
        assert check.title and check.doc.splitlines()[0], check.id
