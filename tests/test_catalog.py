"""The registry is the one source of the catalog: each check's ID, category and severity.

The published spec is compared with it. The README's check table, the pages under docs/checks/
and the default rubric's severities are written from it by tools/generate_docs.py, and fail
here when they were not regenerated after a check changed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.checks import REGISTRY
from evalkit.grading.rubric import default_rubric_path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO.parent / "shared" / "spec" / "checks.md"
SEVERITY = r"(critical|high|medium|low)"
# A category is named by its spec heading ("## High availability"), except this one.
HEADING_OF = {"iac": "infrastructure as code"}


def registry_catalog() -> dict[str, tuple[str, str]]:
    return {c.id: (c.category, c.severity) for c in REGISTRY}


def spec_rows(text: str) -> dict[str, tuple[str, str]]:
    """`| ID | severity | fails when |` rows, each with the `## heading` it sits under."""
    rows: dict[str, tuple[str, str]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip().lower()
        found = re.match(rf"^\| ([A-Z]+-[A-Z0-9-]+) \| {SEVERITY} \|", line)
        if found:
            rows[found.group(1)] = (heading, found.group(2))
    return rows


def test_catalog_table_matches_the_published_spec() -> None:
    if not SPEC.exists():
        pytest.skip("the published catalog is not beside this checkout")
    published = spec_rows(SPEC.read_text(encoding="utf-8"))
    assert sorted(published) == sorted(REGISTRY.ids())
    for check_id, (category, severity) in registry_catalog().items():
        heading, published_severity = published[check_id]
        assert published_severity == severity, check_id
        assert HEADING_OF.get(category, category) in heading, (check_id, heading)


def test_the_documentation_written_from_the_registry_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "tools/generate_docs.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_the_top_level_rubric_is_the_packaged_one() -> None:
    # rubrics/ at the top is a link for users browsing the repository, not a second copy.
    top_level = REPO / "rubrics" / default_rubric_path().name
    assert top_level.resolve() == default_rubric_path().resolve()


def test_spec_rows_reads_ids_severities_and_headings() -> None:
    text = (
        "## Security\n| ID | default severity | fails when |\n| --- | --- | --- |\n"
        "| SEC-X | critical | a |\n## Moderate failures (performance, cost)\n"
        "| PERF-Y | low | b |\n| COST-Z | medium | c |\n"
    )
    assert spec_rows(text) == {
        "SEC-X": ("security", "critical"),
        "PERF-Y": ("moderate failures (performance, cost)", "low"),
        "COST-Z": ("moderate failures (performance, cost)", "medium"),
    }


def test_every_check_documents_failure_reason_and_fix() -> None:
    for check in REGISTRY:
        assert "Why:" in check.doc and "Fix:" in check.doc, check.id
        assert check.title and check.doc.splitlines()[0], check.id
