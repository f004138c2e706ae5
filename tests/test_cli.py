"""End-to-end: the `evalkit` command and the Python API on small datasets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import evalkit
from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.dataset import extract_files
from evalkit.records import CATEGORIES

SAMPLE = Path(__file__).parent.parent / "datasets" / "sample"
FAKE_KEY = "AKIAEVALKITTEST12345"
FAKE_PASSWORD = "Hunter2-Plant3d-Pass"

INSECURE = f"""
provider "aws" {{
  region     = "us-east-1"
  access_key = "{FAKE_KEY}"
}}

resource "aws_db_instance" "db" {{
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  password          = "{FAKE_PASSWORD}"
  storage_encrypted = true
}}
"""

SECURE = """
provider "aws" {
  region = "us-east-1"
}

resource "aws_db_instance" "db" {
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  manage_master_user_password = true
  storage_encrypted           = true
}
"""


def _dataset(tmp_path: Path) -> Path:
    records = [
        {
            "id": "secure",
            "model": "m1",
            "prompt_id": "p1",
            "response": f"Here it is:\n\n```hcl\n{SECURE}\n```\n",
        },
        {
            "id": "insecure",
            "model": "m2",
            "prompt_id": "p1",
            "response": f"## main.tf\n\n```hcl\n{INSECURE}\n```\n",
        },
        {
            "id": "broken",
            "model": "m2",
            "prompt_id": "p2",
            "response": '```hcl\nresource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n```\n',
        },
        {"id": "prose", "model": "m1", "prompt_id": "p2", "response": "I cannot help with that."},
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


CORE_CHECKS = (
    "SEC-HARDCODED-CREDENTIALS",
    "SEC-IAM-WILDCARD",
    "SEC-OPEN-ADMIN-PORTS",
    "SEC-ENCRYPTION-AT-REST",
    "IAC-PARSE-ERROR",
    "IAC-UNDEFINED-REFERENCE",
)


def _core_rubric(tmp_path: Path) -> Path:
    """A rubric with only the six core checks enabled, so expected scores are fixed."""
    lines = ["name: core", "version: 1", "checks:"]
    lines += [f"  {cid}: {{enabled: false}}" for cid in REGISTRY.ids() if cid not in CORE_CHECKS]
    path = tmp_path / "core.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_writes_contracted_tables(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "score",
                str(_dataset(tmp_path)),
                "--out",
                str(out),
                "--quiet",
                "--rubric",
                str(_core_rubric(tmp_path)),
            ]
        )
        == 0
    )
    scores = pd.read_csv(out / "scores.csv", keep_default_na=False)
    expected_columns = [
        "submission_id",
        "model",
        "prompt_id",
        "status",
        "score",
        "reward",
        *CATEGORIES,
        *REGISTRY.ids(),
        "n_findings",
        "feedback",
    ]
    assert list(scores.columns) == expected_columns
    rows = scores.set_index("submission_id")
    assert rows.loc["secure", "status"] == "ok"
    assert float(rows.loc["secure", "score"]) == 100.0
    assert rows.loc["insecure", "SEC-HARDCODED-CREDENTIALS"] == "fail"
    assert rows.loc["insecure", "SEC-ENCRYPTION-AT-REST"] == "pass"
    # 4 applicable critical checks (open ports and IAM are n/a), one failed.
    assert float(rows.loc["insecure", "score"]) == 75.0
    assert float(rows.loc["insecure", "reward"]) == 0.75
    assert rows.loc["broken", "status"] == "parse_error"
    assert float(rows.loc["broken", "score"]) == 0.0
    assert rows.loc["broken", "SEC-IAM-WILDCARD"] == "n/a"
    assert rows.loc["prose", "status"] == "no_terraform"
    assert rows.loc["insecure", "feedback"].startswith("SEC-HARDCODED-CREDENTIALS: ")

    findings = pd.read_csv(out / "findings.csv", keep_default_na=False)
    assert list(findings.columns) == [
        "submission_id",
        "check_id",
        "category",
        "severity",
        "file",
        "line",
        "resource",
        "region",
        "message",
    ]
    password = findings[
        (findings.submission_id == "insecure") & (findings.resource == "aws_db_instance.db")
    ].iloc[0]
    extracted = extract_files(f"## main.tf\n\n```hcl\n{INSECURE}\n```\n")["main.tf"]
    password_line = next(
        number
        for number, text in enumerate(extracted.splitlines(), 1)
        if text.strip().startswith("password")
    )
    assert (password.file, int(password.line), password.severity) == (
        "main.tf",
        password_line,
        "critical",
    )
    run_info = json.loads((out / "run.json").read_text())
    assert run_info["counts"]["submissions"] == 4
    assert run_info["rubric"]["name"] == "core"


def test_secrets_are_masked_in_every_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["score", str(_dataset(tmp_path)), "--out", str(out), "--quiet"]) == 0
    for path in (p for p in out.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        assert FAKE_KEY not in text, path.name
        assert FAKE_PASSWORD not in text, path.name


def test_outputs_are_byte_identical_across_runs_and_jobs(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["score", str(SAMPLE), "--out", str(first), "--quiet"]) == 0
    assert main(["score", str(SAMPLE), "--out", str(second), "--quiet", "--jobs", "2"]) == 0
    for name in ("scores.csv", "findings.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_other_formats_round_trip_through_load_run(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / fmt
    assert (
        main(["score", str(_dataset(tmp_path)), "--out", str(out), "--format", fmt, "--quiet"]) == 0
    )
    assert (out / f"scores.{fmt}").exists()
    run = evalkit.load_run(out)
    assert sorted(run.scores["submission_id"]) == ["broken", "insecure", "prose", "secure"]
    assert len(run.findings) >= 2


def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("evalkit: ") and "\n" not in error

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: 1\nchecks:\n  NOT-A-CHECK: {}\n")
    assert main(["score", str(SAMPLE), "--out", str(tmp_path / "o"), "--rubric", str(bad)]) == 2
    error = capsys.readouterr().err.strip()
    assert f"{bad}:4: checks.NOT-A-CHECK" in error and "\n" not in error


def test_fail_under_exits_3(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path)
    assert (
        main(["score", str(dataset), "--out", str(tmp_path / "o"), "--quiet", "--fail-under", "99"])
        == 3
    )
    assert (
        main(["score", str(dataset), "--out", str(tmp_path / "o2"), "--quiet", "--fail-under", "1"])
        == 0
    )


def test_checks_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks"]) == 0
    listing = capsys.readouterr().out
    for check in REGISTRY:
        assert check.id in listing
    assert main(["explain", "sec-iam-wildcard"]) == 0
    explained = capsys.readouterr().out
    assert explained.startswith("SEC-IAM-WILDCARD") and "Fix:" in explained
    assert main(["explain", "NOPE"]) == 2
    assert "evalkit checks` lists all" in capsys.readouterr().err


def test_metadata_named_like_a_check_never_takes_its_column(tmp_path: Path) -> None:
    # One field per category, named like a registered check; and one that names no check.
    like_checks = {next(c.id for c in REGISTRY if c.category == cat): "meta" for cat in CATEGORIES}
    record = {"id": "a", "model": "m1", "SEC-NOT-A-CHECK": "kept", **like_checks}
    record["response"] = f"```hcl\n{SECURE}\n```"
    data = tmp_path / "answers.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    written = pd.read_csv(out / "scores.csv", keep_default_na=False)
    in_memory = evalkit.score([record]).scores
    for scores in (written, in_memory):
        columns = list(scores.columns)
        assert len(columns) == len(set(columns))
        assert columns[0] == "submission_id" and columns[3] == "status"
        assert sorted(columns[1:3]) == ["SEC-NOT-A-CHECK", "model"]
        assert columns[-len(REGISTRY.ids()) - 2 : -2] == REGISTRY.ids()
        assert {scores.loc[0, cid] for cid in like_checks} <= {"pass", "fail", "n/a"}


def test_api_accepts_records_and_groups_failure_rates(tmp_path: Path) -> None:
    records = [
        {"id": "a", "model": "m1", "response": f"```hcl\n{SECURE}\n```"},
        {"id": "b", "model": "m2", "response": f"```hcl\n{INSECURE}\n```"},
    ]
    run = evalkit.score(records, rubric=_core_rubric(tmp_path))
    assert list(run.scores["submission_id"]) == ["a", "b"]
    rates = run.failure_rates(by="model").set_index(["model", "category"])
    assert rates.loc[("m1", "security"), "failure_rate"] == 0.0
    assert rates.loc[("m2", "security"), "failure_rate"] == 1.0
    assert rates.loc[("m2", "security"), "n"] == 1


def test_output_files_get_ordinary_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    previous = os.umask(0o022)
    try:
        assert main(["score", str(_dataset(tmp_path)), "--out", str(out), "--quiet"]) == 0
    finally:
        os.umask(previous)
    for name in ("scores.csv", "findings.csv", "run.json"):
        assert (out / name).stat().st_mode & 0o777 == 0o644, name
