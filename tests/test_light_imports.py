"""`import evalkit`, `evalkit --version` and reading results stay light: they import no check
rule, no HCL parser and (for the first two) no pandas. Each probe runs in a fresh interpreter,
since this test process has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.cli import main

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
{statement}
loaded = sorted(sys.modules)
print(json.dumps(loaded))
"""


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running `statement`."""
    output = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(json.loads(output.splitlines()[-1]))


def heavy(modules: set[str]) -> set[str]:
    """What reading results must not import: check rules, the Terraform and AWS layers and the
    HCL parser."""
    return {
        m
        for m in modules
        if (m.startswith("evalkit.checks.") and m != "evalkit.checks.metadata")
        or m.startswith(("evalkit.terraform", "evalkit.aws"))
        or m.split(".")[0] in ("lark", "hcl2")
    }


def test_import_evalkit_loads_no_check_and_no_pandas() -> None:
    modules = loaded_after("import evalkit")
    assert heavy(modules) == set()
    assert "pandas" not in modules
    assert "evalkit.checks" not in modules


def test_version_loads_no_check_and_no_pandas() -> None:
    modules = loaded_after(
        "from evalkit.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass"
    )
    assert "evalkit.cli" in modules
    assert heavy(modules) == set()
    assert "pandas" not in modules


@pytest.mark.parametrize(
    "module",
    [
        "evalkit.results.rates",
        "evalkit.results.run",
        "evalkit.analysis.compare",
        "evalkit.analysis.report",
        "evalkit.analysis.viewer",
    ],
)
def test_reading_results_imports_no_check(module: str) -> None:
    modules = loaded_after(f"import {module}")
    assert module in modules
    assert heavy(modules) == set()


def test_the_public_names_load_on_first_use() -> None:
    modules = loaded_after("import evalkit\nevalkit.load_run\nevalkit.Run")
    assert "evalkit.results.run" in modules
    assert heavy(modules) == set()
    graded = loaded_after("import evalkit\nevalkit.score")
    assert "evalkit.checks.security" in graded


def test_rescoring_a_run_folder_imports_no_check(tmp_path: Path) -> None:
    data = tmp_path / "records.jsonl"
    answer = 'resource "aws_s3_bucket" "b" {\n  bucket = "logs"\n}\n'
    data.write_text(json.dumps({"id": "a", "response": answer}) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["score", str(data), "--out", str(out), "--jobs", "1", "--no-cache"]) == 0
    modules = loaded_after(
        f"from evalkit.cli import main\nassert main(['rescore', {str(out)!r}, '--quiet']) == 0"
    )
    assert heavy(modules) == set()
