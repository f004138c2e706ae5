"""`evalkit.analysis.notebook`: the set-up the example notebooks share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from evalkit.analysis.notebook import find_root, parameter, setup

ROOT = Path(__file__).resolve().parent.parent
ANSWER = '```hcl\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n```'
DISPLAY_OPTIONS = ("display.max_columns", "display.width", "display.max_colwidth")


@pytest.fixture(autouse=True)
def _display_options_restored() -> Iterator[None]:
    """`setup` sets pandas display options for the notebook it runs in; here they must not
    outlive the test, or later tests would print and compare with them."""
    saved = [value for name in DISPLAY_OPTIONS for value in (name, pd.get_option(name))]
    with pd.option_context(*saved):
        yield


def test_setup_finds_the_root_from_a_nested_folder_and_makes_the_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A repository of its own, so the output folder is made under tmp_path, not in this one.
    root = tmp_path / "project"
    (root / "datasets").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    notebook = setup("out/notebooks/helper-test", start=root / "notebooks")
    assert notebook.root == root
    assert notebook.out_dir == root / "out" / "notebooks" / "helper-test"
    assert notebook.out_dir.is_dir()
    assert f"repository root: {root}" in capsys.readouterr().out
    assert pd.get_option("display.max_columns") == 40


def test_setup_from_inside_this_repository_finds_its_root(tmp_path: Path) -> None:
    notebook = setup(tmp_path / "out", start=ROOT / "notebooks", quiet=True)
    assert notebook.root == ROOT and notebook.out_dir == tmp_path / "out"


def test_paths_resolve_from_the_root_unless_absolute(tmp_path: Path) -> None:
    notebook = setup(tmp_path / "out", start=ROOT / "evalkit" / "checks", quiet=True)
    assert notebook.out_dir == tmp_path / "out"
    assert notebook.resolve("datasets/sample") == ROOT / "datasets" / "sample"
    assert notebook.resolve(tmp_path) == tmp_path
    assert notebook.resolve("~/x") == Path.home() / "x"


def test_without_a_repository_paths_are_taken_from_where_the_notebook_runs(
    tmp_path: Path,
) -> None:
    assert find_root(tmp_path) == tmp_path
    notebook = setup("results", start=tmp_path, quiet=True)
    assert notebook.root == tmp_path and notebook.out_dir == tmp_path / "results"


def test_parameters_come_from_evalkit_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EVALKIT_ID_FIELD", raising=False)
    assert parameter("ID_FIELD", "id") == "id"
    monkeypatch.setenv("EVALKIT_ID_FIELD", "uid")
    assert parameter("id_field", "id") == "uid"


def test_score_reads_records_with_other_field_names(tmp_path: Path) -> None:
    rows = [{"uid": 7, "completion": ANSWER, "system": "s1"}, {"uid": 8, "completion": ANSWER}]
    data = tmp_path / "data" / "records.jsonl"
    data.parent.mkdir()
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "data" / "notes.md").write_text("not a record file\n")
    notebook = setup(tmp_path / "out", start=tmp_path, quiet=True)
    run = notebook.score("data/records.jsonl", id_field="uid", text_field="completion")
    assert run.scores["submission_id"].tolist() == ["7", "8"]
    assert run.info["rubric"]["name"] == "aws-multi-region"

    assert notebook.record_files("data") == [data]
    assert notebook.record_files(data) == [data]
    assert notebook.record_files("data/notes.md") == []
    records = notebook.read_records(notebook.record_files("data"), id_field="uid")
    assert records["uid"].tolist() == ["7", "8"]  # joins with submission_id, which is text
    assert records["completion"].tolist() == [ANSWER, ANSWER]
