"""tools/generate_docs.py: the check pages, the README table and the rubric's severities."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from evalkit.checks import REGISTRY, Check
from evalkit.grading.rubric import default_rubric_path

REPO = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    path = REPO / "tools" / "generate_docs.py"
    spec = importlib.util.spec_from_file_location("generate_docs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


docs = _generator()


def _check(doc: str, check_id: str = "SEC-EXAMPLE", category: str = "security") -> Check:
    def function(model: Any) -> None:
        return None

    function.__doc__ = doc
    return Check(check_id, category, "high", "An example", function)


def _case(name: str, status: str, text: str) -> Any:
    findings = [["main.tf", 1, "aws_s3_bucket.a"]] if status == "fail" else []
    return docs.Case(name, status, {"main.tf": text}, findings)


DOC = """A bucket is public.

    Judged on every bucket; unknown ACLs are not a failure.

    Why: anyone can read it.

    Fix: make it private.

        resource "aws_s3_bucket_public_access_block" "a" {
          block_public_acls = true
        }
    """


def test_a_docstring_is_cut_at_why_and_fix() -> None:
    text = docs.check_text(_check(DOC))
    assert text.summary == "A bucket is public."
    assert text.details == "Judged on every bucket; unknown ACLs are not a failure."
    assert text.why == "Anyone can read it."
    assert text.fix.startswith("Make it private.\n\n    resource")


def test_a_docstring_without_a_fix_is_refused() -> None:
    with pytest.raises(docs.DocsError, match=r"SEC-EXAMPLE.*Fix:"):
        docs.check_text(_check("A bucket is public.\n\nWhy: anyone can read it."))


def test_indented_examples_become_fenced_blocks_longer_than_their_backticks() -> None:
    text = 'Fix it.\n\n    a = 1\n\n    b = "```"\n\nAfter.'
    assert docs.markdown(text) == 'Fix it.\n\n````hcl\na = 1\n\nb = "```"\n````\n\nAfter.'


def test_the_example_pair_is_the_smallest_pair_of_twins() -> None:
    cases = [
        _case("fail_big", "fail", "x\n" * 40 + "bad\n"),
        _case("fail_small", "fail", "a\nb\nbad\n"),
        _case("pass_big", "pass", "x\n" * 40 + "good\n"),
        _case("pass_small", "pass", "a\nb\ngood\n"),
        _case("pass_unrelated", "pass", "q\n"),
    ]
    failing, passing = docs.example_pair(cases)
    assert (failing.name, passing.name) == ("fail_small", "pass_small")


def test_without_twins_the_pair_that_differs_least_is_shown() -> None:
    cases = [
        _case("fail_a", "fail", "1\n2\n3\n4\n"),
        _case("pass_far", "pass", "5\n6\n7\n8\n"),
        _case("pass_near", "pass", "1\n2\n7\n8\n9\n"),
    ]
    failing, passing = docs.example_pair(cases)
    assert (failing.name, passing.name) == ("fail_a", "pass_near")
    assert docs.example_pair([_case("pass_only", "pass", "a\n")]) is None


def test_a_page_shows_metadata_sections_and_the_fixture_findings() -> None:
    check = _check(DOC)
    cases = [_case("fail_public", "fail", "a\nbad\n"), _case("pass_private", "pass", "a\nok\n")]
    page = docs.check_page(check, docs.Weighting(5.0, True), cases)
    assert page.startswith("# SEC-EXAMPLE: An example\n")
    assert "| security | high | 5 |" in page
    for heading in ("## What fails", "## Why it matters", "## How to fix", "## Example"):
        assert heading in page
    assert "### Fails: `fail_public`" in page and "### Passes: `pass_private`" in page
    assert "- `main.tf`, line 1: `aws_s3_bucket.a`" in page
    # A passing twin is shown as the lines it changes.
    assert "--- fail_public/main.tf\n+++ pass_private/main.tf\n" in page
    assert "\n-bad\n+ok\n" in page


def test_a_passing_case_that_is_no_twin_is_shown_whole() -> None:
    cases = [_case("fail_public", "fail", "1\n2\n3\n"), _case("pass_other", "pass", "4\n5\n6\n")]
    page = docs.check_page(_check(DOC), docs.Weighting(5.0, False), cases)
    assert "| security | high | 5 (disabled) |" in page
    assert "passing case closest to it" in page and "```diff" not in page
    assert "### Passes: `pass_other`\n\n`main.tf`:\n\n```hcl\n4\n5\n6\n```" in page


RUBRIC = """name: test
version: "1"
checks:
  # Security
  SEC-IAM-WILDCARD: {severity: low, enabled: true}
  SEC-GONE: {severity: high, enabled: true}
  # Networking
  NET-CIDR-OVERLAP: {enabled: false}
coverage: off
"""


def test_the_rubric_gets_registry_severities_and_keeps_its_own_decisions() -> None:
    checks = [
        REGISTRY.get("SEC-IAM-WILDCARD"),
        REGISTRY.get("SEC-OPEN-ADMIN-PORTS"),
        REGISTRY.get("NET-CIDR-OVERLAP"),
        REGISTRY.get("COST-NO-SPOT"),
    ]
    assert docs.updated_rubric(RUBRIC, checks) == (
        'name: test\nversion: "1"\nchecks:\n'
        "  # Security\n"
        "  SEC-IAM-WILDCARD: {severity: critical, enabled: true}\n"
        "  SEC-OPEN-ADMIN-PORTS: {severity: critical, enabled: true}\n"
        "  # Networking\n"
        "  NET-CIDR-OVERLAP: {enabled: false}\n"
        "  # Cost\n"
        "  COST-NO-SPOT: {severity: low, enabled: true}\n"
        "coverage: off\n"
    )


def test_the_default_rubric_already_agrees_byte_for_byte() -> None:
    # Its SHA-256 is recorded in run.json: regenerating must not change a byte of it.
    text = default_rubric_path().read_text(encoding="utf-8")
    assert docs.updated_rubric(text, REGISTRY) == text


def test_the_readme_table_goes_between_its_markers_only() -> None:
    readme = f"# T\n\nbefore\n\n{docs.START}\nold table\n{docs.END}\n\nafter\n"
    written = docs.with_readme_table(readme)
    assert written.startswith(f"# T\n\nbefore\n\n{docs.START}\n")
    assert written.endswith(f"\n{docs.END}\n\nafter\n")
    assert "old table" not in written
    assert "[SEC-IAM-WILDCARD](docs/checks/SEC-IAM-WILDCARD.md)" in written
    with pytest.raises(docs.DocsError, match="checks:start"):
        docs.with_readme_table("# no markers\n")


def test_stale_files_are_named_and_rewritten(tmp_path: Path) -> None:
    files = {
        Path("docs/checks/A.md"): "a\n",
        Path("docs/checks/B.md"): "b\n",
        Path("docs/checks/GONE.md"): None,
        Path("README.md"): "r\n",
    }
    (tmp_path / "docs" / "checks").mkdir(parents=True)
    (tmp_path / "docs/checks/A.md").write_text("a\n")
    (tmp_path / "docs/checks/B.md").write_text("old\n")
    (tmp_path / "docs/checks/GONE.md").write_text("gone\n")
    assert docs.stale_files(tmp_path, files) == [
        Path("README.md"),
        Path("docs/checks/B.md"),
        Path("docs/checks/GONE.md"),
    ]
    docs.write_files(tmp_path, files)
    assert docs.stale_files(tmp_path, files) == []
    assert not (tmp_path / "docs/checks/GONE.md").exists()
    assert (tmp_path / "README.md").read_text() == "r\n"


def test_check_mode_names_the_stale_files_and_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(docs, "REPO", tmp_path)
    monkeypatch.setattr(docs, "generated_files", lambda repo: {Path("docs/checks/A.md"): "a\n"})
    assert docs.main(["--check"]) == 1
    message = capsys.readouterr().err
    assert "docs/checks/A.md" in message and "make docs" in message
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
