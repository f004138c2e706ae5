"""`Run.save` writes files/ as `evalkit score` does, so a view of a notebook run shows code."""

from __future__ import annotations

from pathlib import Path

import evalkit
from evalkit.analysis.compare import split_run
from evalkit.analysis.viewer import write_view
from evalkit.results.saved_files import FILES_DIR, iter_saved_files
from tests.test_saved_files import ANSWER, LOCAL_SECRET

RECORDS = [
    {"id": "Pr1/a", "model": "a", "response": ANSWER},
    {"id": "Pr1/b", "model": "b", "response": "no code in this answer"},
]


def test_a_run_scored_in_memory_saves_its_graded_files_masked(tmp_path: Path) -> None:
    saved = evalkit.score(RECORDS, cache=False, jobs=1).save(tmp_path / "run")
    files = dict(iter_saved_files(saved, "Pr1/a"))
    assert list(files) == ["main.tf"]
    text = files["main.tf"].read_text(encoding="utf-8")
    assert text.startswith("locals {\n") and 'pw = "****"' in text
    assert LOCAL_SECRET not in text
    # The same folder layout the CLI writes: one folder per submission, also without files.
    assert sorted(p.name for p in (saved / FILES_DIR).iterdir()) == ["Pr1~2Fa", "Pr1~2Fb"]
    page = write_view(saved).read_text(encoding="utf-8")
    assert "aws_db_instance" in page and LOCAL_SECRET not in page


def test_saving_a_loaded_run_or_a_part_of_it_copies_its_files(tmp_path: Path) -> None:
    first = evalkit.score(RECORDS, cache=False, jobs=1).save(tmp_path / "first")
    loaded = evalkit.load_run(first)
    copy = loaded.save(tmp_path / "copy")
    assert [n for n, _ in iter_saved_files(copy, "Pr1/a")] == ["main.tf"]
    part = split_run(loaded, "model")["b"].save(tmp_path / "only-b")
    assert sorted(p.name for p in (part / FILES_DIR).iterdir()) == ["Pr1~2Fb"]
    # Saving a loaded run into its own folder keeps the files.
    loaded.save(first)
    assert [n for n, _ in iter_saved_files(first, "Pr1/a")] == ["main.tf"]
