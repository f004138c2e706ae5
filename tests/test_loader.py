"""Reading datasets into submissions (evalkit.dataset.loader and friends)."""

from __future__ import annotations

import csv
import inspect
import io
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import evalkit.dataset.tables as tables
from evalkit.dataset import (
    DatasetError,
    count_submissions,
    iter_submissions,
    load_dataset_config,
    submissions_from_records,
)
from evalkit.dataset.tables import iter_jsonl_records
from evalkit.records import Submission

DATASETS = Path(__file__).parent / "data" / "datasets"
BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
ANSWER = f"## main.tf\n\n```hcl\n{BUCKET}```\n"


def load(*paths: str | Path, **options: Any) -> list[Submission]:
    return list(iter_submissions([str(path) for path in paths], **options))


def by_id(submissions: list[Submission]) -> dict[str, Submission]:
    return {submission.id: submission for submission in submissions}


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write(path, "".join(json.dumps(row) + "\n" for row in rows))


# --------------------------------------------------------------------------------------
# Record files


def test_jsonl_fixture_ids_meta_and_files() -> None:
    subs = load(DATASETS / "records.jsonl")
    assert [sub.id for sub in subs] == ["r1", "r2", "records-3"]
    first, second, third = subs
    assert first.files == {"main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'}
    assert first.meta == {
        "model": "model-a",
        "temperature": 0.2,
        "accepted": True,
        "tags": '{"a": 1, "b": 2}',
    }
    # Bare HCL in the text field becomes main.tf.
    assert second.files == {"main.tf": 'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n'}
    assert second.meta["tags"] == '["x", "y"]'
    # A files object is taken as is, with names normalised.
    assert third.files == {
        "main.tf": 'resource "aws_kms_key" "k" {}\n',
        "modules/x/main.tf": "locals {}\n",
    }
    assert third.meta == {"model": "model-a", "temperature": None, "accepted": None, "tags": None}
    assert any("./modules/x/main.tf" in note for note in third.problems)


def test_iter_submissions_is_a_generator() -> None:
    assert inspect.isgenerator(iter_submissions([str(DATASETS / "records.jsonl")]))


def test_count_jsonl() -> None:
    assert count_submissions([str(DATASETS / "records.jsonl")]) == 3


def test_broken_jsonl_line_becomes_an_error_submission(tmp_path: Path) -> None:
    path = write(
        tmp_path / "answers.jsonl",
        json.dumps({"id": "a", "response": ANSWER})
        + "\n{not json\n\n[1, 2]\n"
        + json.dumps({"id": "b", "response": ANSWER})
        + "\n",
    )
    subs = load(path)
    assert [sub.id for sub in subs] == ["a", "answers:line-2", "answers:line-4", "b"]
    assert subs[1].load_error.startswith("line 2 is not valid JSON: ")
    assert subs[1].files == {}
    assert subs[2].load_error == "line 4 is a JSON array, not an object"
    assert subs[3].files == {"main.tf": BUCKET}


def test_missing_text_field_in_one_record(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "response": ANSWER}, {"id": "b", "x": 1}])
    subs = load(path)
    assert subs[1].load_error == "text field 'response' is missing; available fields: id, x"
    assert subs[1].meta == {"x": 1}


def test_text_field_absent_from_all_first_records_raises(tmp_path: Path) -> None:
    rows = [{"id": str(n), "answer": ANSWER, "model": "m"} for n in range(30)]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    with pytest.raises(DatasetError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "'response'" in message
    assert "fields seen: id, answer, model" in message


def test_text_field_option_picks_the_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"key": "k1", "answer": ANSWER}])
    (sub,) = load(path, id_field="key", text_field="answer")
    assert sub.id == "k1"
    assert sub.files == {"main.tf": BUCKET}
    assert sub.meta == {}


def test_duplicate_ids_are_renamed_with_a_note(tmp_path: Path) -> None:
    rows = [{"id": "same", "response": ANSWER} for _ in range(3)]
    subs = load(write_jsonl(tmp_path / "d.jsonl", rows))
    assert [sub.id for sub in subs] == ["same", "same~2", "same~3"]
    assert subs[0].problems == ()
    assert subs[2].problems == ("duplicate id 'same'; renamed to 'same~3'",)


def test_duplicate_ids_across_inputs(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "one.jsonl", [{"id": "x", "response": ANSWER}])
    second = write_jsonl(tmp_path / "two.jsonl", [{"id": "x", "response": ANSWER}])
    assert [sub.id for sub in load(first, second)] == ["x", "x~2"]


class _TailRaisesRaw(io.RawIOBase):
    """A byte stream whose first read gives one JSONL line; any further read fails."""

    def __init__(self, first_line: bytes) -> None:
        self.first_line = first_line
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.reads += 1
        if self.reads > 1:
            raise AssertionError("the reader went past the first record")
        buffer[: len(self.first_line)] = self.first_line
        return len(self.first_line)


def test_jsonl_records_are_read_one_line_at_a_time() -> None:
    line = json.dumps({"id": "first", "response": ANSWER}).encode() + b"\n"
    records = iter_jsonl_records(io.BufferedReader(_TailRaisesRaw(line)), "stream")
    first = next(records)
    assert first.data is not None and first.data["id"] == "first"


def test_iter_submissions_streams_a_large_jsonl(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"placeholder\n")
    line = json.dumps({"id": "first", "response": ANSWER}).encode() + b"\n"
    monkeypatch.setattr(tables, "_open_binary", lambda _: io.BufferedReader(_TailRaisesRaw(line)))
    first = next(iter_submissions([str(path)]))
    assert first.id == "first"
    assert first.files == {"main.tf": BUCKET}


def test_json_array(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", json.dumps([{"id": "a", "response": ANSWER}, 5]))
    subs = load(path)
    assert [sub.id for sub in subs] == ["a", "d:item-2"]
    assert subs[1].load_error == "item 2 is a JSON number, not an object"
    assert count_submissions([str(path)]) == 2


def test_invalid_json_file_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", "[{")
    with pytest.raises(DatasetError, match=r"d\.json: not valid JSON"):
        load(path)


def test_csv_with_large_multiline_fields(tmp_path: Path) -> None:
    big = ANSWER + "\n" + "# padding\n" * 30_000
    path = tmp_path / "d.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "model", "response"])
        writer.writeheader()
        writer.writerow({"id": "a", "model": "m1", "response": big})
        writer.writerow({"id": "", "model": "m2", "response": ANSWER})
    subs = load(path)
    assert [sub.id for sub in subs] == ["a", "d-2"]
    assert subs[0].files["main.tf"] == BUCKET
    assert subs[1].meta == {"model": "m2"}
    assert count_submissions([str(path)]) == 2


def test_parquet_streams_batches_and_stringifies_nested_values(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    table = pa.table(
        {
            "id": [f"p{n}" for n in range(600)],
            "response": [ANSWER] * 600,
            "scores": [{"b": n, "a": 1} for n in range(600)],
            "step": list(range(600)),
        }
    )
    pq.write_table(table, path)
    subs = load(path)
    assert len(subs) == 600
    assert subs[0].files == {"main.tf": BUCKET}
    assert subs[5].meta == {"scores": '{"a": 1, "b": 5}', "step": 5}
    assert count_submissions([str(path)]) == 600


def test_records_in_memory() -> None:
    records = [{"id": 7, "response": ANSWER, "model": "m"}, {"response": ANSWER}]
    subs = list(submissions_from_records(records))
    assert [sub.id for sub in subs] == ["7", "records-2"]
    assert subs[0].meta == {"model": "m"}


# --------------------------------------------------------------------------------------
# Directories


def test_directory_of_submission_directories(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write(root / "sub1" / "main.tf", BUCKET)
    write(root / "sub1" / "modules" / "vpc" / "main.tf", 'resource "aws_vpc" "v" {}\n')
    write(root / "sub1" / "terraform.tfvars", 'region = "us-east-1"\n')
    write(root / "sub1" / "tests" / "main.tftest.hcl", 'run "plan" {\n  command = plan\n}\n')
    write(root / "sub1" / "answer.md", '## outputs.tf\n```hcl\noutput "o" { value = 1 }\n```\n')
    write(root / "sub1" / "README.md", '# Notes\n```hcl\nresource "a" "b" {}\n```\n')
    write(root / "sub1" / ".hidden.tf", "hidden\n")
    write(root / "sub1" / ".terraform" / "providers" / "x.tf", "cache\n")
    write(root / "sub2" / "main.tf", BUCKET)
    write(root / "loose.md", ANSWER)
    write(root / "README.md", "# The dataset\n")
    write(root / "dataset.yaml", "description: three answers\n")
    subs = load(root)
    assert [sub.id for sub in subs] == ["loose", "sub1", "sub2"]
    sub1 = subs[1]
    # Beside main.tf, answer.md is the submission's documentation, kept as written.
    assert sorted(sub1.files) == [
        "README.md",
        "answer.md",
        "main.tf",
        "modules/vpc/main.tf",
        "terraform.tfvars",
        "tests/main.tftest.hcl",
    ]
    assert sub1.files["README.md"].startswith("# Notes")
    assert sub1.files["answer.md"].startswith("## outputs.tf")
    assert subs[0].files == {"main.tf": BUCKET}
    assert count_submissions([str(root)]) == 3


UPGRADE_NOTES = (
    "# Upgrade from v4 to v5\n\nThe module call now reads:\n\n"
    '```hcl\nmodule "queue" {\n  source = "../.."\n  name   = "jobs"\n}\n```\n'
)


def test_documents_beside_terraform_are_documentation(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", BUCKET)
    write(tmp_path / "data" / "sub" / "UPGRADE.md", UPGRADE_NOTES)
    write(tmp_path / "data" / "sub" / "docs" / "CHANGELOG.md", ANSWER)
    write(tmp_path / "data" / "sub" / "lambda" / "requirements.txt", "boto3==1.34.0\n")
    (sub,) = load(tmp_path / "data")
    assert sub.files == {
        "UPGRADE.md": UPGRADE_NOTES,
        "docs/CHANGELOG.md": ANSWER,
        "lambda/requirements.txt": "boto3==1.34.0\n",
        "main.tf": BUCKET,
    }
    assert sub.problems == ()


def test_answer_document_in_a_folder_without_terraform_is_extracted(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "RESPONSE.md", ANSWER)
    write(tmp_path / "data" / "sub" / "README.md", "# Task notes\n")
    (sub,) = load(tmp_path / "data")
    assert sub.files == {"README.md": "# Task notes\n", "main.tf": BUCKET}


def test_oversized_document_beside_terraform_does_not_stop_grading(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", BUCKET)
    write(tmp_path / "data" / "sub" / "CHANGELOG.md", "x" * 2000)
    (sub,) = load(tmp_path / "data", max_file_bytes=1000)
    assert sub.files == {"main.tf": BUCKET}
    assert sub.load_error == ""


def test_oversized_answer_document_of_an_answer_folder_is_a_load_error(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "RESPONSE.md", ANSWER + "x" * 2000)
    (sub,) = load(tmp_path / "data", max_file_bytes=1000)
    assert "1000-byte file size limit" in sub.load_error


def test_directory_of_answer_files_fixture() -> None:
    subs = load(DATASETS / "answers_dir")
    assert [sub.id for sub in subs] == ["run-a", "run-b", "run-c"]
    assert list(subs[0].files) == ["main.tf"]
    assert list(subs[1].files) == ["run-b.tf"]
    assert 'bucket = "run-c"' in subs[2].files["main.tf"]


def test_module_directory_is_one_submission() -> None:
    (sub,) = load(DATASETS / "module_dir")
    assert sub.id == "module_dir"
    assert sorted(sub.files) == ["main.tf", "modules/vpc/main.tf", "outputs.tf", "variables.tf"]


def test_layout_argument_overrides_detection() -> None:
    subs = load(DATASETS / "module_dir", layout="files")
    assert [sub.id for sub in subs] == ["main", "outputs", "variables"]


def test_separate_answers_each_with_a_provider_are_separate(tmp_path: Path) -> None:
    provider = 'provider "aws" {\n  region = "us-east-1"\n}\n'
    write(tmp_path / "answers" / "alpha.tf", provider + BUCKET)
    write(tmp_path / "answers" / "beta.tf", provider + BUCKET)
    assert [sub.id for sub in load(tmp_path / "answers")] == ["alpha", "beta"]


def test_module_files_without_conventional_names(tmp_path: Path) -> None:
    write(tmp_path / "stack" / "network.tf", 'provider "aws" {}\nresource "aws_vpc" "v" {}\n')
    write(tmp_path / "stack" / "storage.tf", BUCKET)
    (sub,) = load(tmp_path / "stack")
    assert sub.id == "stack"


def test_dataset_yaml_format_overrides_detection(tmp_path: Path) -> None:
    root = tmp_path / "mod"
    for name in ("main.tf", "variables.tf"):
        write(root / name, BUCKET)
    write(root / "dataset.yaml", "format: files\n")
    assert [sub.id for sub in load(root)] == ["main", "variables"]


def test_dataset_yaml_fields_and_explicit_override(tmp_path: Path) -> None:
    write(tmp_path / "dataset.yaml", "format: jsonl\nid_field: key\ntext_field: answer\n")
    other = "```hcl\nlocals {\n  x = 1\n}\n```\n"
    write_jsonl(tmp_path / "a.jsonl", [{"key": "k", "answer": ANSWER, "alt": other}])
    (sub,) = load(tmp_path)
    assert sub.id == "k"
    assert sub.files == {"main.tf": BUCKET}
    assert sub.meta == {"alt": other}
    # An explicit, non-default field wins over dataset.yaml.
    (explicit,) = load(tmp_path / "a.jsonl", text_field="alt")
    assert explicit.id == "k"
    assert explicit.files == {"main.tf": "locals {\n  x = 1\n}\n"}
    assert explicit.meta == {"answer": ANSWER}


def test_load_dataset_config(tmp_path: Path) -> None:
    assert load_dataset_config(tmp_path) is None
    write(tmp_path / "dataset.yaml", "format: csv\ndescription: |\n  Answers from run 4.\n")
    config = load_dataset_config(tmp_path)
    assert config is not None
    assert (config.format, config.id_field, config.description) == (
        "csv",
        None,
        "Answers from run 4.",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("format: [unclosed\n", r"dataset\.yaml: line 2"),
        ("format: xml\n", r"format 'xml' is not one of"),
        ("text_feild: answer\n", r"unknown key 'text_feild'"),
        ("- a\n- b\n", r"expected a mapping"),
        ("id_field: 3\n", r"id_field must be a non-empty string"),
    ],
)
def test_bad_dataset_yaml_raises_one_line(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path / "dataset.yaml", text)
    write(tmp_path / "a.md", ANSWER)
    with pytest.raises(DatasetError, match=expected) as caught:
        load(tmp_path)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------------------
# Paths and patterns


def test_glob_ids_are_relative_to_the_common_parent(tmp_path: Path) -> None:
    for task in ("Pr1", "Pr2"):
        write(tmp_path / task / "MODEL_RESPONSE.md", ANSWER)
        write(tmp_path / task / "PROMPT.md", "Write Terraform.\n")
    subs = load(tmp_path / "*" / "MODEL_RESPONSE.md")
    assert [sub.id for sub in subs] == ["Pr1/MODEL_RESPONSE", "Pr2/MODEL_RESPONSE"]
    assert subs[0].files == {"main.tf": BUCKET}


def test_single_answer_file_id_is_its_stem(tmp_path: Path) -> None:
    (sub,) = load(write(tmp_path / "answer.md", ANSWER))
    assert sub.id == "answer"


def test_glob_over_directories_makes_each_one_submission(tmp_path: Path) -> None:
    write(tmp_path / "runs" / "a" / "main.tf", BUCKET)
    write(tmp_path / "runs" / "b" / "main.tf", BUCKET)
    assert [sub.id for sub in load(tmp_path / "runs" / "*")] == ["a", "b"]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda root: root / "missing", r"missing: no such file or directory"),
        (lambda root: root / "*.nothing", r"the pattern matches no submissions"),
        (lambda root: write(root / "picture.png", b"\x89PNG"), r"unsupported file type"),
        (lambda root: (root / "empty").mkdir() or root / "empty", r"holds no submissions"),
    ],
)
def test_user_errors_raise_dataset_error(tmp_path: Path, make: Any, expected: str) -> None:
    path = make(tmp_path)
    with pytest.raises(DatasetError, match=expected):
        iter_submissions([str(path)])


def test_unknown_layout_raises() -> None:
    with pytest.raises(DatasetError, match="unknown layout 'tree'"):
        iter_submissions([str(DATASETS / "module_dir")], layout="tree")


# --------------------------------------------------------------------------------------
# Safety and decoding


def test_symlink_out_of_the_dataset_is_not_followed(tmp_path: Path) -> None:
    secret = write(tmp_path / "outside" / "secret.tf", "secret\n")
    root = tmp_path / "data"
    write(root / "sub" / "main.tf", BUCKET)
    os.symlink(secret, root / "sub" / "linked.tf")
    os.symlink(tmp_path / "outside", root / "escape")
    subs = by_id(load(root))
    assert subs["sub"].files == {"main.tf": BUCKET}
    assert subs["sub"].problems == ("linked.tf: symlink points outside the dataset; not followed",)
    assert subs["escape"].files == {}
    assert "outside the dataset" in subs["escape"].load_error


def test_symlink_loop_ends(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write(root / "sub" / "main.tf", BUCKET)
    os.symlink(root / "sub", root / "sub" / "again")
    (sub,) = load(root)
    assert sub.files == {"main.tf": BUCKET}
    assert any("not entered again" in note for note in sub.problems)


def test_symlink_inside_the_dataset_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write(root / "shared" / "common.tf", "locals {\n  x = 1\n}\n")
    write(root / "sub" / "main.tf", BUCKET)
    os.symlink(root / "shared" / "common.tf", root / "sub" / "common.tf")
    assert by_id(load(root))["sub"].files["common.tf"] == "locals {\n  x = 1\n}\n"


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (b"\xef\xbb\xbf" + BUCKET.encode(), None),
        ("\ufeff".encode("utf-16-le") + BUCKET.encode("utf-16-le"), None),
        (BUCKET.replace("\n", "\r\n").encode(), None),
    ],
)
def test_text_encodings(tmp_path: Path, data: bytes, note: str | None) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", data)
    (sub,) = load(tmp_path / "data")
    assert sub.files == {"main.tf": BUCKET}
    assert sub.problems == ()


def test_invalid_utf8_is_replaced_with_a_note(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", b'resource "a" "b\xff" {}\n')
    (sub,) = load(tmp_path / "data")
    assert sub.files["main.tf"] == 'resource "a" "b\ufffd" {}\n'
    assert sub.problems == ("main.tf: not valid UTF-8 at byte offset 15; bad bytes replaced",)


def test_binary_file_is_skipped_with_a_note(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", BUCKET)
    write(tmp_path / "data" / "sub" / "lambda.zip", b"PK\x03\x04\x00\x00binary")
    (sub,) = load(tmp_path / "data")
    assert list(sub.files) == ["main.tf"]
    assert sub.problems == ("lambda.zip: binary file skipped",)


def test_large_file_is_skipped_with_the_limit_named(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", BUCKET)
    write(tmp_path / "data" / "sub" / "huge.tf", "#" * 2000)
    (sub,) = load(tmp_path / "data", max_file_bytes=1000)
    assert list(sub.files) == ["main.tf"]
    assert sub.problems == ("huge.tf: 2000 bytes is over the 1000-byte file size limit; skipped",)


def test_large_answer_file_becomes_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path / "answer.md", ANSWER + "x" * 2000)
    (sub,) = load(path, max_file_bytes=1000)
    assert sub.files == {}
    assert "1000-byte file size limit" in sub.load_error


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions do not apply to root")
def test_unreadable_file_is_a_note(tmp_path: Path) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", BUCKET)
    locked = write(tmp_path / "data" / "sub" / "locked.tf", BUCKET)
    locked.chmod(0)
    try:
        (sub,) = load(tmp_path / "data")
    finally:
        locked.chmod(0o644)
    assert list(sub.files) == ["main.tf"]
    assert sub.problems[0].startswith("locked.tf: cannot read")


def test_permission_error_is_a_note(tmp_path: Path, monkeypatch: Any) -> None:
    write(tmp_path / "data" / "sub" / "main.tf", BUCKET)
    write(tmp_path / "data" / "sub" / "locked.tf", BUCKET)
    real_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.tf":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    (sub,) = load(tmp_path / "data")
    assert list(sub.files) == ["main.tf"]
    assert sub.problems == ("locked.tf: cannot read (Permission denied)",)


def test_utf16_jsonl(tmp_path: Path) -> None:
    text = json.dumps({"id": "u", "response": ANSWER}) + "\n"
    path = write(tmp_path / "d.jsonl", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"))
    (sub,) = load(path)
    assert (sub.id, sub.files) == ("u", {"main.tf": BUCKET})


def test_invalid_utf8_in_a_jsonl_line(tmp_path: Path) -> None:
    line = json.dumps({"id": "a", "response": ANSWER}).encode().replace(b'"a"', b'"a\xff"')
    (sub,) = load(write(tmp_path / "d.jsonl", line + b"\n"))
    assert sub.id == "a\ufffd"
    assert sub.problems == ("line 1: not valid UTF-8 at byte offset 9; bad bytes replaced",)


def test_utf16_csv_header_has_no_byte_order_mark(tmp_path: Path) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["id", "response"], ["c1", ANSWER]])
    (sub,) = load(write(tmp_path / "d.csv", buffer.getvalue().encode("utf-16")))
    assert (sub.id, sub.files) == ("c1", {"main.tf": BUCKET})


def test_directory_mixing_subdirectories_answers_and_records(tmp_path: Path) -> None:
    write(tmp_path / "dir-one" / "main.tf", BUCKET)
    write(tmp_path / "md-two.md", ANSWER)
    write_jsonl(tmp_path / "answers.jsonl", [{"id": "rec-3", "response": ANSWER, "model": "m"}])
    write(tmp_path / "metadata.json", '{"source": "not records"}')
    write(tmp_path / "dataset.yaml", "format: dirs\n")
    subs = load(tmp_path)
    assert [sub.id for sub in subs] == ["rec-3", "dir-one", "md-two"]
    assert subs[0].meta == {"model": "m"}
    assert count_submissions([str(tmp_path)]) == 3


def test_an_extraction_failure_becomes_a_load_error_not_an_empty_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalkit.dataset.markdown as markdown

    def broken(text: str) -> dict[str, str]:
        raise ValueError("boom")

    monkeypatch.setattr(markdown, "_extract_files", broken)
    path = tmp_path / "answers.jsonl"
    path.write_text('{"id": "a", "response": "```hcl\\nx = 1\\n```"}\n', encoding="utf-8")
    (submission,) = list(iter_submissions([path]))
    assert submission.id == "a"
    assert submission.files == {}
    assert "internal error extracting code" in submission.load_error and "boom" in (
        submission.load_error
    )
