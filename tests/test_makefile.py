"""`make sample` installs evalkit alone; `make test` the developer tools (checked with make's
dry run, so nothing is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(target: str, venv: Path) -> str:
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={venv}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def test_sample_installs_only_what_scoring_needs(tmp_path: Path) -> None:
    commands = _dry_run("sample", tmp_path / "venv")
    assert "pip install --quiet -e .\n" in commands
    assert "[dev" not in commands and "inspect" not in commands
    assert "evalkit score datasets/sample" in commands


def test_test_installs_the_developer_tools(tmp_path: Path) -> None:
    commands = _dry_run("test", tmp_path / "venv")
    assert "pip install --quiet -e '.[dev,inspect]'" in commands
    assert "pytest -n auto" in commands


def test_docs_writes_the_check_documentation(tmp_path: Path) -> None:
    commands = _dry_run("docs", tmp_path / "venv")
    assert "python tools/generate_docs.py" in commands
    assert "[dev" not in commands
