"""The notebooks' sources (fast, without running them): parameters every notebook takes, and
prose that holds on any dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _cells(name: str, kind: str) -> list[str]:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    return [c.source for c in notebook.cells if c.cell_type == kind]


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_opens_a_run_folder_and_takes_jobs(name: str) -> None:
    parameters = _cells(name, "code")[0]
    assert 'RUN_DIR = parameter("RUN_DIR", "")' in parameters
    assert 'JOBS = parameter("JOBS", "")' in parameters
    assert any("notebook.run(RUN_DIR, DATASET" in source for source in _cells(name, "code"))


def test_comparison_prose_does_not_claim_the_data_is_the_sample() -> None:
    for text in _cells("03-compare-models.ipynb", "markdown"):
        assert "the bundled sample" not in text


def test_training_export_takes_the_prompt_column_and_keeps_the_text_field() -> None:
    code = "\n".join(_cells("04-training-export.ipynb", "code"))
    assert 'PROMPT = parameter("PROMPT", "prompt_id")' in code
    assert '"prompt_id"' not in code.replace('parameter("PROMPT", "prompt_id")', "")
    assert 'TEXT_FIELD: "response"' not in code
