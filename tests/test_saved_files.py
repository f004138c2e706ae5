"""The extracted files a run saves in DIR/files/<id>/<path>: masked, safe names, every run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.results.saved_files import (
    FILES_DIR,
    decode_name,
    encode_name,
    iter_saved_files,
    save_submission_files,
    submission_dir,
)

# The password reaches the database through a local whose name says nothing about secrets:
# only the credential check (through the Terraform model) knows the value is one.
LOCAL_SECRET = "Zq8sLocalOnly77"
ANSWER = (
    "Here is the database.\n\n```hcl\n"
    "locals {\n"
    f'  pw = "{LOCAL_SECRET}"\n'
    "}\n"
    'resource "aws_db_instance" "db" {\n'
    '  engine   = "postgres"\n'
    "  password = local.pw\n"
    "}\n```\n"
)


def _records(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def test_saved_files_are_the_graded_text_with_the_same_secrets_masked(tmp_path: Path) -> None:
    data = _records(
        tmp_path / "d.jsonl",
        [{"id": "Pr1286/MODEL_RESPONSE", "model": "m1", "response": ANSWER}],
    )
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0

    folder = out / FILES_DIR / "Pr1286~2FMODEL_RESPONSE"
    saved = (folder / "main.tf").read_text(encoding="utf-8")
    assert LOCAL_SECRET not in saved
    assert 'pw = "****"' in saved
    assert saved.startswith("locals {\n")  # the extracted HCL, not the markdown answer
    assert [p.name for p in folder.iterdir()] == ["main.tf"]

    # The finding's file and line point at the line that holds the (masked) literal.
    finding = next(
        r for r in _rows(out / "findings.csv") if r["check_id"] == "SEC-HARDCODED-CREDENTIALS"
    )
    assert (finding["file"], finding["resource"]) == ("main.tf", "aws_db_instance.db")
    assert saved.split("\n")[int(finding["line"]) - 1] == '  pw = "****"'
    for path in out.rglob("*"):
        if path.is_file():
            assert LOCAL_SECRET not in path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize(
    "ids",
    [
        [".", "..", "~2E", "~2E~2E", "", "~"],
        ["a/b", "a~2Fb", "a_b", "a b", "A", "a"],
        ["x" * 300, "x" * 299 + "y", "x" * 300 + "/"],
        ["日本/語", "\u00e9", "e\u0301", "%2F", "CON", "-rf"],
    ],
)
def test_ids_become_distinct_names_that_stay_in_the_run_directory(
    tmp_path: Path, ids: list[str]
) -> None:
    names = [encode_name(i) for i in ids]
    assert len(set(names)) == len(ids)
    for original, name in zip(ids, names, strict=True):
        assert "/" not in name and not name.startswith(".") and name not in ("", ".", "..")
        assert len(name.encode()) <= 120
        if len(name) < 120 and "=" not in name:
            assert decode_name(name) == original
        target = save_submission_files(tmp_path, original, {"../../up.tf": "x = 1\n"})
        assert target.resolve().parent == (tmp_path / FILES_DIR).resolve()
    assert not (tmp_path / "up.tf").exists()
    assert sorted(p.name for p in (tmp_path / FILES_DIR).iterdir()) == sorted(names)


def test_file_paths_keep_their_folders_and_never_leave_the_submission(tmp_path: Path) -> None:
    files = {
        "main.tf": "a = 1\n",
        "modules/vpc/main.tf": "b = 2\n",
        "../outside.tf": "c = 3\n",
        ".hidden/x.tf": "d = 4\n",
        "a": "file\n",
        "a/b.tf": "cannot exist beside the file a\n",
    }
    folder = save_submission_files(tmp_path, "s1", files)
    saved = dict((name, path.read_text()) for name, path in iter_saved_files(tmp_path, "s1"))
    assert saved == {
        ".hidden/x.tf": "d = 4\n",
        "../outside.tf": "c = 3\n",
        "a": "file\n",
        "main.tf": "a = 1\n",
        "modules/vpc/main.tf": "b = 2\n",
    }
    assert (folder / "modules" / "vpc" / "main.tf").is_file()
    for path in folder.rglob("*"):
        assert path.resolve().is_relative_to(folder.resolve())
        assert not path.name.startswith(".")


def test_files_come_back_on_resume_and_survive_rescore(tmp_path: Path) -> None:
    records = [
        {"id": f"s{i}", "model": f"m{i % 2}", "response": ANSWER.replace("db", f"db{i}")}
        for i in range(4)
    ]
    data = _records(tmp_path / "d.jsonl", records)
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    first = {p.relative_to(out): p.read_bytes() for p in (out / FILES_DIR).rglob("*.tf")}
    assert len(first) == 4

    # A run directory without its files (journalled by an older evalkit, or files removed):
    # --resume grades those submissions again for their files and keeps their results.
    for folder in (out / FILES_DIR).iterdir():
        if folder.name in ("s1", "s3"):
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
    journal_before = (out / "results.jsonl").read_bytes()
    command = ["score", str(data), "--out", str(out), "--quiet", "--no-cache", "--resume"]
    assert main(command) == 0
    assert {p.relative_to(out): p.read_bytes() for p in (out / FILES_DIR).rglob("*.tf")} == first
    assert (out / "results.jsonl").read_bytes() == journal_before

    assert main(["rescore", str(out), "--quiet"]) == 0
    assert {p.relative_to(out): p.read_bytes() for p in (out / FILES_DIR).rglob("*.tf")} == first


def test_a_submission_without_files_still_gets_its_folder(tmp_path: Path) -> None:
    data = _records(tmp_path / "d.jsonl", [{"id": "empty", "response": "no code here"}])
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    assert submission_dir(out, "empty").is_dir()
    assert list(iter_saved_files(out, "empty")) == []


def test_rescore_elsewhere_takes_the_files_along(tmp_path: Path) -> None:
    data = _records(tmp_path / "d.jsonl", [{"id": "s1", "response": ANSWER}])
    out, other = tmp_path / "out", tmp_path / "other"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    assert main(["view", str(out)]) == 0
    assert main(["rescore", str(out), "--out", str(other), "--quiet"]) == 0
    assert (other / FILES_DIR / "s1" / "main.tf").read_bytes() == (
        out / FILES_DIR / "s1" / "main.tf"
    ).read_bytes()
    # In place, the old page is removed: it shows scores the tables no longer hold.
    assert main(["rescore", str(out), "--quiet"]) == 0
    assert not (out / "view.html").exists()
