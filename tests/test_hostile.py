"""Hostile and broken input, scored end to end with the `evalkit score` command.

The committed corpus is `tests/hostile/` (small, byte-exact cases); the big and the
byte-level ones (20 MB, 200,000 lines, 10,000-deep nesting, binary junk, symlinks) are
written here at run time. Every submission must get exactly one row with the status
listed below, and nothing may print a traceback. The corpus is scored with no time limit, so
what it must say does not depend on the speed of the machine; the time limit is tested on
its own, with a small limit and a case built to exceed it many times over.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evalkit.cli import main

CORPUS = Path(__file__).parent / "hostile"
REPO = Path(__file__).parent.parent
VALID = (
    'provider "aws" {\n  region = "us-east-1"\n}\n\n'
    'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n'
)
DEPTH = 10_000
MB = 1024 * 1024
# Only a guard against a hung run: the whole corpus takes about 20 s on two busy cores.
HANG_SECONDS = 1200


@dataclass(frozen=True)
class Expect:
    """What one submission's row must say: its status, and text its message/problems hold."""

    status: str
    message: str = ""
    problem: str = ""


OK = Expect("ok")
NONE = Expect("no_terraform", "no Terraform code found")

COMMITTED: dict[str, Expect] = {
    # malformed HCL
    "hcl-missing-brace": Expect("parse_error", "main.tf:9: the block opened at line 9"),
    "hcl-extra-brace": Expect("parse_error", "main.tf:8:"),
    "hcl-unterminated-string": Expect("parse_error", "main.tf:2: a quoted string is not closed"),
    "hcl-unterminated-heredoc": Expect("parse_error", "main.tf:10:"),
    "hcl-unterminated-comment": Expect("parse_error", "main.tf:"),
    # python-hcl2 accepts an unclosed %{ if } in a quoted string; Terraform does not.
    "hcl-unterminated-directive": Expect("parse_error", "main.tf:2: a template directive"),
    "hcl-markdown-fence-in-tf": Expect("parse_error", "main.tf:1: unexpected"),
    "hcl-stray-backticks": Expect("parse_error", "main.tf:8: unexpected"),
    "hcl-prose-in-tf": Expect("parse_error", "main.tf:1: unexpected"),
    "hcl-markdown-heading-and-list": Expect("parse_error", "main.tf:3: unexpected"),
    "hcl-attribute-missing-equals": Expect("parse_error", "main.tf:3:"),
    "hcl-two-attributes-one-line": Expect("parse_error", "main.tf:1:"),
    # python-hcl2 keeps one of the values; Terraform's parser rejects the file.
    "hcl-duplicate-attribute": Expect("parse_error", "main.tf:11: attribute redefined"),
    "tfjson-not-json": Expect("parse_error", "main.tf.json:4: invalid JSON"),
    "tfjson-not-an-object": Expect("parse_error", "main.tf.json:1: a Terraform JSON file"),
    "tfvars-broken": Expect("parse_error", "terraform.tfvars:1:"),
    # truncated answers
    "truncated-fence-never-closed": OK,
    "truncated-mid-block": Expect("parse_error", "main.tf:11: the block opened at line 11"),
    "truncated-mid-block~2": Expect(
        "parse_error", "main.tf:11:", "duplicate id 'truncated-mid-block'"
    ),
    "truncated-mid-string": Expect("parse_error", "main.tf:9:"),
    # empty, whitespace, no code
    "empty-answer": NONE,
    "whitespace-answer": NONE,
    "no-code-answer": Expect(
        "no_terraform", "no Terraform code found", "no code found in the answer"
    ),
    "only-backticks": NONE,
    "empty-tf": NONE,
    "whitespace-tf": NONE,
    "comments-only-tf": NONE,
    "readme-only": NONE,
    "empty-dir": NONE,
    # encodings and line endings
    "crlf": OK,
    "crlf~2": Expect("ok", "", "duplicate id 'crlf'"),
    "crlf-answer": OK,
    "mixed-line-endings": OK,
    "utf8-bom": OK,
    "utf16-le-bom": OK,
    "utf16-be-bom": OK,
    "utf16-no-bom": Expect("ok", "", "UTF-16 without a byte-order mark"),
    "utf16-answer": OK,
    "invalid-utf8": Expect("ok", "", "main.tf: not valid UTF-8 at byte offset 5"),
    "latin1-answer": Expect("ok", "", "not valid UTF-8"),
    # the same id twice
    "dup-answer": OK,
    "dup-answer~2": Expect("ok", "", "duplicate id 'dup-answer'"),
    # modules that loop or point outside, references that loop
    "module-calls-itself": OK,
    "module-cycle": OK,
    "module-source-traversal": OK,
    "self-referencing-locals": OK,
    # locals that double at each step: 2**60 elements, written in 190 lines
    "value-explosion": OK,
    # records.jsonl
    "rec-ok": OK,
    "rec-dup": OK,
    "records:line-3": Expect("error", "line 3 is not valid JSON"),
    "rec-dup~2": Expect("ok", "", "duplicate id 'rec-dup'"),
    "records:line-5": Expect("error", "line 5 is a JSON array, not an object"),
    "rec-empty": NONE,
    "rec-null": Expect("error", "text field 'response' is empty"),
    "rec-number": NONE,
    "rec-files-traversal": Expect("ok", "", "was changed to 'passwd.tf'"),
    "rec-nested-meta": OK,
    "rec-weird\nid\t\x00end": OK,
    "rec-invalid-utf8": Expect("ok", "", "line 14: not valid UTF-8"),
    # records.csv
    "csv-ok": OK,
    "csv-extra-columns": Expect("ok", "", "row 2 has 2 more value(s) than the header"),
    "csv-no-code": NONE,
}


# --- cases written at run time -------------------------------------------------------------


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _junk(size: int, seed: int, nul: bool = True) -> bytes:
    rng = random.Random(seed)
    low = 0 if nul else 1
    return bytes(rng.randint(low, 255) for _ in range(size))


def _big_file(size: int) -> bytes:
    block = 'resource "aws_s3_bucket" "b{n}" {{\n  bucket = "bucket-{n}"\n}}\n'
    unit = "".join(block.format(n=n) for n in range(1000)).encode()
    return (unit * (size // len(unit) + 1))[:size]


def _lines_200k() -> str:
    body = "".join(f"# line {n}\n" for n in range(200_000 - 8))
    return VALID + body


def _slow_terraform(lines: int) -> str:
    """Valid HCL that takes seconds to parse: one local per line."""
    return "locals {\n" + "".join(f"  v{n} = {n}\n" for n in range(lines)) + "}\n"


def _json_nested(depth: int) -> str:
    return '{"locals": ' + '{"a": ' * depth + "1" + "}" * depth + "}\n"


def _records_with_a_big_answer(directory: Path) -> dict[str, Expect]:
    lines = [
        {"id": "big-before", "response": VALID},
        {"id": "big-answer", "response": "```hcl\n" + "#" * (6 * MB) + "\n```\n"},
        {"id": "big-files", "files": {"main.tf": VALID, "huge.tf": "#" * (6 * MB)}},
        {"id": "big-after", "response": VALID},
    ]
    _write(directory / "big-records.jsonl", "".join(json.dumps(r) + "\n" for r in lines))
    limit = Expect("error", "over the 5242880-byte file size limit")
    return {"big-before": OK, "big-answer": limit, "big-files": limit, "big-after": OK}


def _symlinks(root: Path, outside: Path) -> dict[str, Expect]:
    secret = _write(outside / "secret.tf", 'resource "aws_s3_bucket" "outside" {}\n')
    os.symlink(outside, root / "link-out-of-dataset")
    os.symlink(secret, root / "link-out-file.tf")
    os.symlink("link-self.tf", root / "link-self.tf")
    inner = root / "inner-links-out"
    _write(inner / "main.tf", VALID)
    os.symlink(secret, inner / "secret.tf")
    os.symlink("/etc", inner / "etc")
    loop = root / "symlink-loop"
    _write(loop / "main.tf", VALID)
    os.symlink(".", loop / "again")
    os.symlink(loop, loop / "modules")
    pair = root / "symlink-pair-loop"
    _write(pair / "main.tf", VALID)
    os.symlink("b.tf", pair / "a.tf")
    os.symlink("a.tf", pair / "b.tf")
    inside = root / "symlink-inside"
    os.makedirs(inside)
    os.symlink(os.path.join("..", "crlf", "main.tf"), inside / "main.tf")
    outside_note = "symlink points outside the dataset"
    return {
        "link-out-of-dataset": Expect("error", outside_note),
        "link-out-file": Expect("error", outside_note),
        "link-self": Expect("error", "cannot read"),
        "inner-links-out": Expect("ok", "", "secret.tf: symlink points outside the dataset"),
        "symlink-loop": Expect("ok", "", "not entered again"),
        "symlink-pair-loop": Expect("ok", "", "a.tf: broken symlink skipped"),
        "symlink-inside": OK,
    }


def add_generated_cases(root: Path, outside: Path) -> dict[str, Expect]:
    """Write the big and byte-level cases into `root`; returns what each must score as."""
    expected: dict[str, Expect] = {}
    size_limit = Expect(
        "error",
        "over the 5242880-byte file size limit; skipped (the limit is "
        "5 MB; raise it with --max-file-mb)",
    )
    _write(root / "big-20mb" / "main.tf", _big_file(20 * MB))
    _write(root / "big-20mb-answer.md", b"```hcl\n" + _big_file(20 * MB) + b"\n```\n")
    _write(root / "big-20mb-beside-code" / "main.tf", VALID)
    _write(root / "big-20mb-beside-code" / "lambda.zip", _big_file(20 * MB))
    expected |= {
        "big-20mb": size_limit,
        "big-20mb-answer": size_limit,
        "big-20mb-beside-code": Expect("ok", "", "lambda.zip: 20971520 bytes"),
    }
    _write(root / "lines-200k" / "main.tf", _lines_200k())
    _write(root / "lines-200k-answer.md", "```hcl\n" + _lines_200k() + "```\n")
    # 3.4 MB of one local per line: valid, and seconds of parsing.
    _write(root / "lines-200k-locals" / "main.tf", VALID + _slow_terraform(200_000 - 10))
    expected |= {"lines-200k": OK, "lines-200k-answer": OK, "lines-200k-locals": OK}
    nested = {
        "deep-blocks": "a {\n" * DEPTH + "}\n" * DEPTH,
        "deep-lists": "locals {\n  x = " + "[" * DEPTH + "]" * DEPTH + "\n}\n",
        "deep-parens": "locals {\n  x = " + "(" * DEPTH + "1" + ")" * DEPTH + "\n}\n",
        "deep-objects": "locals {\n  x = " + "{ a = " * DEPTH + "1" + " }" * DEPTH + "\n}\n",
        "deep-calls": "locals {\n  x = " + "max(" * DEPTH + "1" + ")" * DEPTH + "\n}\n",
        "deep-unbalanced": "locals {\n  x = " + "[" * DEPTH + "\n}\n",
    }
    for name, text in nested.items():
        _write(root / name / "main.tf", VALID + text)
    _write(root / "deep-json" / "main.tf.json", _json_nested(DEPTH))
    expected |= {
        "deep-blocks": Expect("parse_error", "nested too deeply"),
        "deep-lists": OK,
        "deep-parens": OK,
        "deep-objects": OK,
        "deep-calls": OK,
        "deep-unbalanced": Expect("parse_error", "main.tf:"),
        "deep-json": Expect("parse_error", "main.tf.json:1: JSON nested too deeply"),
    }
    _write(root / "binary-junk" / "main.tf", _junk(64 * 1024, seed=1))
    _write(root / "binary-junk-answer.md", _junk(16 * 1024, seed=2))
    _write(root / "binary-no-nul" / "main.tf", _junk(16 * 1024, seed=3, nul=False))
    _write(root / "binary-beside-code" / "main.tf", VALID)
    _write(root / "binary-beside-code" / "diagram.png", b"\x89PNG\r\n\x1a\n\x00" + _junk(512, 4))
    _write(root / "binary-only" / "diagram.png", b"\x89PNG\r\n\x1a\n\x00" + _junk(512, 5))
    expected |= {
        "binary-junk": Expect("error", "main.tf: binary file skipped"),
        "binary-junk-answer": Expect("error", "binary file skipped"),
        "binary-no-nul": Expect("parse_error", "main.tf:", "not valid UTF-8"),
        "binary-beside-code": Expect("ok", "", "diagram.png: binary file skipped"),
        "binary-only": Expect("no_terraform", "diagram.png: binary file skipped"),
    }
    expected |= _records_with_a_big_answer(root)
    expected |= _symlinks(root, outside)
    return expected


# --- running the corpus --------------------------------------------------------------------


@dataclass
class Scored:
    expected: dict[str, Expect]
    scores: pd.DataFrame
    results: dict[str, dict[str, Any]]
    run_info: dict[str, Any]
    stderr: str
    returncode: int


def score_cli(*args: str, timeout: float = HANG_SECONDS) -> subprocess.CompletedProcess[str]:
    """`evalkit score ...` in a fresh interpreter, as a user would run it."""
    command = [sys.executable, "-m", "evalkit.cli", "score", *args]
    env = {**os.environ, "EVALKIT_NO_PROGRESS": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env, check=False
    )


def read_journal(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    records = [json.loads(line) for line in lines]
    return {record["id"]: record for record in records}


def read_scores(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "scores.csv", keep_default_na=False, dtype=str)


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Scored:
    base = tmp_path_factory.mktemp("hostile")
    dataset = base / "dataset"
    shutil.copytree(CORPUS, dataset, symlinks=True)
    expected = {**COMMITTED, **add_generated_cases(dataset, base / "outside")}
    out = base / "out"
    done = score_cli(
        str(dataset), "--out", str(out), "--no-cache", "--quiet", "--jobs", "2", "--timeout", "0"
    )
    run_info = (
        json.loads((out / "run.json").read_text(encoding="utf-8"))
        if (out / "run.json").exists()
        else {}
    )
    return Scored(
        expected,
        read_scores(out),
        read_journal(out),
        run_info,
        done.stderr,
        done.returncode,
    )


def test_the_run_completes_quietly(scored: Scored) -> None:
    assert scored.returncode == 0, scored.stderr
    assert "Traceback" not in scored.stderr
    assert scored.stderr == ""


def test_every_submission_gets_exactly_one_row(scored: Scored) -> None:
    ids = list(scored.scores["submission_id"])
    assert len(ids) == len(set(ids)) == len(scored.expected)
    assert sorted(ids) == sorted(scored.expected)
    assert scored.run_info["counts"]["submissions"] == len(scored.expected)
    assert sorted(scored.results) == sorted(scored.expected)


def test_each_submission_gets_its_status(scored: Scored) -> None:
    rows = scored.scores.set_index("submission_id")
    wrong = {}
    for submission_id, expect in scored.expected.items():
        result = scored.results[submission_id]
        problems = " | ".join(result["problems"])
        got = (rows.loc[submission_id, "status"], result["message"], problems)
        if got[0] != expect.status or expect.message not in got[1] or expect.problem not in got[2]:
            wrong[submission_id] = f"expected {expect}, got {got}"
    assert not wrong, "\n".join(f"{key!r}: {text}" for key, text in wrong.items())


def test_errors_and_timeouts_carry_their_message_into_feedback(scored: Scored) -> None:
    rows = scored.scores.set_index("submission_id")
    for submission_id, result in scored.results.items():
        if result["status"] in ("error", "timeout"):
            assert rows.loc[submission_id, "feedback"].startswith(f"{result['status']}: ")
            assert rows.loc[submission_id, "score"] == ""


def test_run_json_lists_what_the_loader_met(scored: Scored) -> None:
    problems = [(p["submission_id"], p["problem"]) for p in scored.run_info["problems"]]
    assert ("rec-dup~2", "duplicate id 'rec-dup'; renamed to 'rec-dup~2'") in problems
    models = scored.scores.set_index("submission_id")["model"]
    assert (models["rec-dup"], models["rec-dup~2"]) == ("m1", "m2")  # both kept, in order
    assert any(
        sid == "big-20mb-beside-code" and "file size limit" in text for sid, text in problems
    )
    assert scored.run_info["counts"]["status"]["error"] == sum(
        1 for e in scored.expected.values() if e.status == "error"
    )


# --- limits ------------------------------------------------------------------------------------


def test_limits_are_named_and_the_batch_goes_on(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    _write(dataset / "a-quick" / "main.tf", VALID)
    # Four files of about 1.9 MB, each under the 2 MB file limit and seconds of parsing: many
    # times the 1 s limit on any machine. The quick ones take milliseconds.
    _write(dataset / "b-slow" / "main.tf", VALID)
    for part in range(4):
        _write(dataset / "b-slow" / f"locals_{part}.tf", _slow_terraform(110_000))
    _write(dataset / "c-too-big" / "main.tf", _big_file(3 * MB))
    _write(dataset / "c-too-big" / "network.tf", VALID)
    _write(dataset / "d-quick" / "main.tf", VALID)
    records = [
        {"id": "e-big-record", "response": "#" * (3 * MB)},
        {"id": "f-record", "response": VALID},
    ]
    _write(dataset / "records.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "out"
    done = score_cli(
        str(dataset),
        "--out",
        str(out),
        "--no-cache",
        "--quiet",
        "--jobs",
        "2",
        "--timeout",
        "1",
        "--max-file-mb",
        "2",
    )
    assert done.returncode == 0 and done.stderr == ""
    results = read_journal(out)
    assert {key: value["status"] for key, value in results.items()} == {
        "a-quick": "ok",
        "b-slow": "timeout",
        "c-too-big": "error",
        "d-quick": "ok",
        "e-big-record": "error",
        "f-record": "ok",
    }
    assert results["b-slow"]["message"] == (
        "grading took longer than the time limit of 1 s per submission (--timeout)"
    )
    too_big = results["c-too-big"]["message"]
    assert too_big.startswith("not graded: main.tf: 3145728 bytes is over the 2097152-byte")
    assert too_big.endswith("(the limit is 2 MB; raise it with --max-file-mb)")
    assert "over the 2097152-byte file size limit" in results["e-big-record"]["message"]
    assert "--max-file-mb" in results["e-big-record"]["message"]
    feedback = read_scores(out).set_index("submission_id")["feedback"]
    assert feedback["b-slow"].startswith("timeout: grading took longer than the time limit")
    assert feedback["c-too-big"].startswith("error: not graded: main.tf: 3145728 bytes")


def test_a_skipped_file_is_named_when_no_terraform_is_left(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    _write(dataset / "notes" / "README.md", "The code is in the zip.\n")
    _write(dataset / "notes" / "code.zip", _big_file(3 * MB))
    out = tmp_path / "out"
    assert (
        main(
            [
                "score",
                str(dataset),
                "--out",
                str(out),
                "--no-cache",
                "--quiet",
                "--jobs",
                "1",
                "--max-file-mb",
                "2",
            ]
        )
        == 0
    )
    (result,) = read_journal(out).values()
    assert result["status"] == "no_terraform"
    assert "code.zip: 3145728 bytes is over the 2097152-byte file size limit" in (result["message"])


# --- empty and unreadable input ---------------------------------------------------------------


def test_an_empty_directory_is_a_usage_error_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = score_cli(str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--no-cache")
    assert done.returncode == 2
    assert done.stderr == f"evalkit: {tmp_path / 'empty'}: the directory holds no submissions\n"


@pytest.mark.parametrize("name", ["empty.jsonl", "blank-lines.jsonl", "empty.csv"])
def test_an_empty_record_file_gives_empty_tables(tmp_path: Path, name: str) -> None:
    source = _write(tmp_path / name, "\n\n" if name.startswith("blank") else "")
    out = tmp_path / "out"
    done = score_cli(str(source), "--out", str(out), "--no-cache", "--quiet")
    assert (done.returncode, done.stderr) == (0, "")
    assert read_scores(out).empty
    assert json.loads((out / "run.json").read_text())["counts"]["submissions"] == 0


def _deny_like_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads files whatever their mode; make mode 000 refuse it as it refuses others."""
    if os.geteuid() != 0:
        return
    real_open, real_scandir = Path.open, os.scandir

    def refuse(path: Any) -> None:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return  # not there yet: the real call decides
        if mode & 0o777 == 0:
            raise PermissionError(13, "Permission denied", str(path))

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        refuse(self)
        return real_open(self, *args, **kwargs)

    def guarded_scandir(path: Any = ".") -> Any:
        refuse(path)
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)


def test_unreadable_files_and_directories_get_a_row_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = tmp_path / "dataset"
    _write(dataset / "fine" / "main.tf", VALID)
    _write(dataset / "locked-tf" / "main.tf", VALID)
    locked = [_write(dataset / "locked-tf" / "network.tf", VALID)]
    _write(dataset / "locked-dir" / "main.tf", VALID)
    locked.append(_write(dataset / "locked-dir" / "modules" / "vpc" / "main.tf", VALID).parent)
    _write(dataset / "locked-asset" / "main.tf", VALID)
    locked.append(_write(dataset / "locked-asset" / "logo.png", b"\x89PNG"))
    locked.append(_write(dataset / "locked-answer.md", "```hcl\n" + VALID + "```\n"))
    for path in locked:
        path.chmod(0)
    _deny_like_the_kernel(monkeypatch)
    out = tmp_path / "out"
    try:
        code = main(
            ["score", str(dataset), "--out", str(out), "--no-cache", "--quiet", "--jobs", "1"]
        )
    finally:
        for path in locked:
            path.chmod(0o755)
    assert code == 0
    results = read_journal(out)
    assert {key: value["status"] for key, value in results.items()} == {
        "fine": "ok",
        "locked-tf": "error",
        "locked-dir": "error",
        "locked-asset": "ok",
        "locked-answer": "error",
    }
    denied = "cannot read (Permission denied)"
    assert results["locked-tf"]["message"] == f"not graded: network.tf: {denied}"
    assert results["locked-dir"]["message"] == (
        "not graded: modules/vpc: cannot list (Permission denied)"
    )
    assert results["locked-asset"]["problems"] == [f"logo.png: {denied}"]
    assert results["locked-answer"]["message"] == f"not graded: locked-answer.md: {denied}"


# --- broken rubrics ------------------------------------------------------------------------------

RUBRIC_HEAD = "name: hostile\nversion: 1\nchecks:\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            RUBRIC_HEAD + "  SEC-NOT-A-CHECK: {weight: 2}\n",
            ":4: checks.SEC-NOT-A-CHECK: unknown check ID",
        ),
        (
            RUBRIC_HEAD + "  SEC-IAM-WILDCARD: {weight: heavy}\n",
            ":4: checks.SEC-IAM-WILDCARD.weight: weight must be a number",
        ),
        (
            RUBRIC_HEAD + "  SEC-IAM-WILDCARD: {weight: -5}\n",
            ":4: checks.SEC-IAM-WILDCARD.weight: weight must not be negative",
        ),
        (RUBRIC_HEAD + "  SEC-IAM-WILDCARD: {weight: 2\n", ": YAML syntax error"),
        (
            RUBRIC_HEAD + "  SEC-IAM-WILDCARD: {}\n  SEC-IAM-WILDCARD: {enabled: false}\n",
            ":5: checks.SEC-IAM-WILDCARD: duplicate key",
        ),
        ("name: hostile\nversion: 1\n\x00\xff\n", ":3: YAML error: unacceptable character"),
    ],
)
def test_a_broken_rubric_is_one_line_and_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    rubric = tmp_path / "rubric.yaml"
    rubric.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    _write(tmp_path / "data" / "a.tf", VALID)
    done = score_cli(
        str(tmp_path / "data"),
        "--out",
        str(tmp_path / "out"),
        "--rubric",
        str(rubric),
        "--no-cache",
        "--quiet",
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"evalkit: {rubric}:")
    assert expected in done.stderr


# --- a worker that dies ----------------------------------------------------------------------


def test_a_worker_killed_mid_submission_loses_no_other_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of memory, the kernel kills the worker; the batch must go on without it."""
    import signal

    import evalkit.running.runner as runner

    real_grade = runner.grade

    def grade_or_die(submission: Any, *args: Any, **kwargs: Any) -> Any:
        if submission.id.startswith("killer"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_grade(submission, *args, **kwargs)

    # Workers are forked, so they run the replaced function too.
    monkeypatch.setattr(runner, "grade", grade_or_die)
    dataset = tmp_path / "dataset"
    names = [f"sub-{n:02d}" for n in range(30)]
    for name in names:
        _write(dataset / name / "main.tf", VALID)
    _write(dataset / "killer-1" / "main.tf", VALID)
    _write(dataset / "killer-2" / "main.tf", VALID)
    out = tmp_path / "out"
    assert (
        main(["score", str(dataset), "--out", str(out), "--no-cache", "--quiet", "--jobs", "2"])
        == 0
    )
    results = read_journal(out)
    assert sorted(results) == sorted([*names, "killer-1", "killer-2"])
    assert {results[name]["status"] for name in names} == {"ok"}
    for killer in ("killer-1", "killer-2"):
        assert results[killer]["status"] == "error"
        assert "worker process died" in results[killer]["message"]
