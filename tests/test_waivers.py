"""Per-record waivers: a record field or a waivers file makes checks n/a for that record."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import evalkit
from evalkit.cli import main
from evalkit.grading.waivers import WaiverError, load_waivers

# Fails IAC-INCONSISTENT-NAMING (labels mix snake_case and camelCase) and HA-RDS-MULTI-AZ.
ANSWER = """```hcl
variable "instance_class" {
  description = "Database size"
  type        = string
  default     = "db.t3.medium"
}

resource "aws_db_instance" "main_db" {
  engine            = "postgres"
  instance_class    = var.instance_class
  allocated_storage = 20
  storage_encrypted = true
}

resource "aws_db_instance" "replicaDb" {
  engine            = "postgres"
  instance_class    = var.instance_class
  allocated_storage = 20
  storage_encrypted = true
}
```
"""


def write_records(tmp_path: Path, records: list[dict[str, object]]) -> Path:
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def score_dir(tmp_path: Path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    code = main(["score", *args, "--out", str(out), "--quiet", "--no-cache", "--jobs", "1"])
    return code, out


def scores_of(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "scores.csv", keep_default_na=False).set_index("submission_id")


def test_the_fixture_fails_the_checks_the_tests_waive() -> None:
    run = evalkit.score([{"id": "a", "response": ANSWER}])
    row = run.scores.iloc[0]
    assert row["IAC-INCONSISTENT-NAMING"] == "fail"
    assert row["HA-RDS-MULTI-AZ"] == "fail"
    lines = run.findings[run.findings["check_id"] == "IAC-INCONSISTENT-NAMING"]["line"]
    assert lines.tolist() == [14]


def test_record_field_waives_checks_for_that_record_only(tmp_path: Path) -> None:
    data = write_records(
        tmp_path,
        [
            {"id": "plain", "response": ANSWER},
            {"id": "listed", "response": ANSWER, "waive": ["IAC-INCONSISTENT-NAMING"]},
            {"id": "text", "response": ANSWER, "waive": "IAC-INCONSISTENT-NAMING,HA-RDS-MULTI-AZ"},
        ],
    )
    code, out = score_dir(tmp_path, str(data))
    assert code == 0
    scores = scores_of(out)
    assert scores.loc["plain", "IAC-INCONSISTENT-NAMING"] == "fail"
    assert scores.loc["listed", "IAC-INCONSISTENT-NAMING"] == "n/a"
    assert scores.loc["listed", "HA-RDS-MULTI-AZ"] == "fail"
    assert scores.loc["text", "HA-RDS-MULTI-AZ"] == "n/a"
    assert scores.loc["listed", "score"] > scores.loc["plain", "score"]
    assert "IAC-INCONSISTENT-NAMING" not in scores.loc["listed", "feedback"]
    findings = pd.read_csv(out / "findings.csv")
    waived = findings[findings["check_id"] == "IAC-INCONSISTENT-NAMING"]
    assert waived["submission_id"].tolist() == ["plain"]
    info = json.loads((out / "run.json").read_text())
    assert info["waivers"]["field"] == "waive"
    assert info["waivers"]["submissions"] == {
        "listed": ["IAC-INCONSISTENT-NAMING"],
        "text": ["HA-RDS-MULTI-AZ", "IAC-INCONSISTENT-NAMING"],
    }
    assert info["waivers"]["checks"] == {"HA-RDS-MULTI-AZ": 1, "IAC-INCONSISTENT-NAMING": 2}


def test_waived_score_equals_the_score_with_the_check_disabled(tmp_path: Path) -> None:
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(
        "name: r\nversion: 1\nchecks:\n  HA-RDS-MULTI-AZ: {enabled: false}\n", encoding="utf-8"
    )
    waived = evalkit.score([{"id": "a", "response": ANSWER, "waive": "HA-RDS-MULTI-AZ"}])
    disabled = evalkit.score([{"id": "a", "response": ANSWER}], rubric=rubric)
    assert waived.scores["score"].tolist() == disabled.scores["score"].tolist()
    assert waived.info["waivers"]["submissions"] == {"a": ["HA-RDS-MULTI-AZ"]}


def test_waivers_file_keyed_by_a_metadata_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_records(
        tmp_path,
        [
            {"id": "a", "prompt_id": "p-17", "response": ANSWER},
            {"id": "b", "prompt_id": "p-18", "response": ANSWER},
            {"id": "c", "prompt_id": 17, "response": ANSWER},
        ],
    )
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "by: prompt_id\nwaivers:\n  p-17: [HA-RDS-MULTI-AZ]\n  17: IAC-INCONSISTENT-NAMING\n"
        "  p-99: [HA-SINGLE-AZ]\n",
        encoding="utf-8",
    )
    code, out = score_dir(tmp_path, str(data), "--waivers", str(waivers))
    assert code == 0
    scores = scores_of(out)
    assert scores.loc["a", "HA-RDS-MULTI-AZ"] == "n/a"
    assert scores.loc["b", "HA-RDS-MULTI-AZ"] == "fail"
    assert scores.loc["c", "IAC-INCONSISTENT-NAMING"] == "n/a"
    assert scores.loc["c", "HA-RDS-MULTI-AZ"] == "fail"
    info = json.loads((out / "run.json").read_text())["waivers"]
    assert info["by"] == "prompt_id"
    assert info["file"] == str(waivers)
    assert info["unmatched_keys"] == ["p-99"]
    assert "warning: waivers for prompt_id p-99 matched no submission" in capsys.readouterr().err
    assert info["submissions"] == {"a": ["HA-RDS-MULTI-AZ"], "c": ["IAC-INCONSISTENT-NAMING"]}


def test_custom_waive_field(tmp_path: Path) -> None:
    data = write_records(
        tmp_path,
        [{"id": "a", "response": ANSWER, "allowed": "IAC-INCONSISTENT-NAMING", "waive": "X"}],
    )
    # The default field is not read when another is named, so its unknown ID is no error.
    code, out = score_dir(tmp_path, str(data), "--waive-field", "allowed")
    assert code == 0
    assert scores_of(out).loc["a", "IAC-INCONSISTENT-NAMING"] == "n/a"
    assert scores_of(out).loc["a", "HA-RDS-MULTI-AZ"] == "fail"


def test_rescore_and_resume_keep_the_waivers(tmp_path: Path) -> None:
    data = write_records(
        tmp_path,
        [
            {"id": "a", "response": ANSWER, "waive": ["HA-RDS-MULTI-AZ"]},
            {"id": "b", "response": ANSWER},
        ],
    )
    code, out = score_dir(tmp_path, str(data))
    assert code == 0
    before = (out / "scores.csv").read_bytes()
    assert main(["rescore", str(out), "--quiet"]) == 0
    assert (out / "scores.csv").read_bytes() == before
    assert json.loads((out / "run.json").read_text())["waivers"]["submissions"] == {
        "a": ["HA-RDS-MULTI-AZ"]
    }
    # An interrupted run: only the first result made it to the journal.
    journal = out / "results.jsonl"
    journal.write_text("".join(journal.read_text().splitlines(keepends=True)[:2]))
    args = [str(data), "--out", str(out), "--quiet", "--no-cache", "--jobs", "1", "--resume"]
    assert main(["score", *args]) == 0
    assert (out / "scores.csv").read_bytes() == before


def test_resume_with_other_waivers_is_refused(tmp_path: Path) -> None:
    data = write_records(tmp_path, [{"id": "a", "response": ANSWER}])
    code, out = score_dir(tmp_path, str(data))
    assert code == 0
    waivers = tmp_path / "w.yaml"
    waivers.write_text("by: submission_id\nwaivers: {a: HA-RDS-MULTI-AZ}\n", encoding="utf-8")
    args = [str(data), "--out", str(out), "--quiet", "--resume", "--waivers", str(waivers)]
    assert main(["score", *args]) == 2


def test_unknown_check_in_a_record_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_records(tmp_path, [{"id": "a", "response": ANSWER, "waive": "HA-RDS-MULTIAZ"}])
    code, _ = score_dir(tmp_path, str(data))
    assert code == 2
    error = capsys.readouterr().err
    assert "submission a: waive: unknown check ID 'HA-RDS-MULTIAZ'" in error
    assert "valid IDs: SEC-ENCRYPTION-AT-REST, SEC-HARDCODED-CREDENTIALS, " in error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "by: prompt_id\nwaivers:\n  p-1: [HA-NO-AUTOSCALING]\n  p-2: [HA-NO-SCALING]\n",
            ":4: waivers.p-2: unknown check ID 'HA-NO-SCALING'; valid IDs: SEC-",
        ),
        ("by: prompt_id\nwaivers:\n  p-1: []\n", ":3: waivers.p-1: no check IDs given"),
        ("by: prompt_id\nwaivers:\n  p-1: X\n  p-1: Y\n", ":4: waivers.p-1: duplicate key"),
        ("waivers: {p-1: HA-SINGLE-AZ}\n", ":1: by: missing required key"),
        ("by: prompt_id\nwaiver: {}\n", ":2: waiver: unknown key"),
        ("by: prompt_id\nwaivers: [HA-SINGLE-AZ]\n", ":2: waivers: must be a mapping"),
        ("by: prompt_id\nwaivers: {p-1: [HA-SINGLE-AZ}\n", ":2: YAML syntax error"),
        ("- HA-SINGLE-AZ\n", ":1: a waivers file must be a mapping"),
    ],
)
def test_waivers_file_mistakes_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WaiverError) as raised:
        load_waivers(path)
    assert str(raised.value).startswith(str(path))
    assert expected in str(raised.value)
    assert "\n" not in str(raised.value)


def test_cli_reports_a_broken_waivers_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_records(tmp_path, [{"id": "a", "response": ANSWER}])
    waivers = tmp_path / "w.yaml"
    waivers.write_text("by: submission_id\nwaivers: {a: NOPE}\n", encoding="utf-8")
    code, _ = score_dir(tmp_path, str(data), "--waivers", str(waivers))
    assert code == 2
    assert f"{waivers}:2: waivers.a: unknown check ID 'NOPE'" in capsys.readouterr().err


def test_list_columns_of_dataframes_and_parquet_files_are_read(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        [
            {
                "id": "a",
                "response": ANSWER,
                "waive": ["HA-RDS-MULTI-AZ", "IAC-INCONSISTENT-NAMING"],
            },
            {"id": "b", "response": ANSWER, "waive": None},
        ]
    )
    frame.to_parquet(tmp_path / "answers.parquet")
    for source in (frame, tmp_path / "answers.parquet"):
        run = evalkit.score(source)
        assert run.info["waivers"]["submissions"] == {
            "a": ["HA-RDS-MULTI-AZ", "IAC-INCONSISTENT-NAMING"]
        }
        assert run.scores["HA-RDS-MULTI-AZ"].tolist() == ["n/a", "fail"]


def test_a_saved_run_keeps_its_waivers_through_rescore(tmp_path: Path) -> None:
    run = evalkit.score([{"id": "a", "response": ANSWER, "waive": "HA-RDS-MULTI-AZ"}])
    run.save(tmp_path / "saved")
    assert main(["rescore", str(tmp_path / "saved"), "--out", str(tmp_path / "again")]) == 0
    again = scores_of(tmp_path / "again")
    assert again.loc["a", "HA-RDS-MULTI-AZ"] == "n/a"
    assert again.loc["a", "score"] == run.scores.loc[0, "score"]
    info = json.loads((tmp_path / "again" / "run.json").read_text())
    assert info["waivers"]["submissions"] == {"a": ["HA-RDS-MULTI-AZ"]}


def test_rescore_applies_other_waivers(tmp_path: Path) -> None:
    data = write_records(
        tmp_path,
        [
            {"id": "a", "prompt_id": "p-1", "response": ANSWER, "waive": "HA-RDS-MULTI-AZ"},
            {"id": "b", "prompt_id": "p-2", "response": ANSWER},
        ],
    )
    code, out = score_dir(tmp_path, str(data))
    assert code == 0
    journal_before = (out / "results.jsonl").read_bytes()
    waivers = tmp_path / "w.yaml"
    waivers.write_text("by: prompt_id\nwaivers: {p-2: IAC-INCONSISTENT-NAMING}\n", encoding="utf-8")
    assert main(["rescore", str(out), "--waivers", str(waivers), "--quiet"]) == 0
    scores = scores_of(out)
    # The file's waiver is added; the record field (read by default) still waives for a.
    assert scores.loc["a", "HA-RDS-MULTI-AZ"] == "n/a"
    assert scores.loc["b", "IAC-INCONSISTENT-NAMING"] == "n/a"
    assert scores.loc["b", "HA-RDS-MULTI-AZ"] == "fail"
    info = json.loads((out / "run.json").read_text())["waivers"]
    assert (info["file"], info["by"]) == (str(waivers), "prompt_id")
    assert info["submissions"] == {"a": ["HA-RDS-MULTI-AZ"], "b": ["IAC-INCONSISTENT-NAMING"]}

    # A field no record has drops every waiver; the verdicts are the graded ones again.
    assert main(["rescore", str(out), "--waive-field", "none_here", "--quiet"]) == 0
    scores = scores_of(out)
    assert scores.loc["a", "HA-RDS-MULTI-AZ"] == "fail"
    assert scores.loc["b", "IAC-INCONSISTENT-NAMING"] == "fail"
    assert json.loads((out / "run.json").read_text())["waivers"]["submissions"] == {}
    assert (out / "results.jsonl").read_bytes() != journal_before

    # A broken waivers file leaves the run as it was.
    before = (out / "results.jsonl").read_bytes()
    waivers.write_text("by: prompt_id\nwaivers: {p-2: NOPE}\n", encoding="utf-8")
    assert main(["rescore", str(out), "--waivers", str(waivers), "--quiet"]) == 2
    assert (out / "results.jsonl").read_bytes() == before


def test_rescore_with_waivers_into_another_folder_leaves_the_run(tmp_path: Path) -> None:
    data = write_records(tmp_path, [{"id": "a", "response": ANSWER}])
    code, out = score_dir(tmp_path, str(data))
    assert code == 0
    before = (out / "results.jsonl").read_bytes()
    waivers = tmp_path / "w.yaml"
    waivers.write_text("by: submission_id\nwaivers: {a: HA-RDS-MULTI-AZ}\n", encoding="utf-8")
    other = tmp_path / "waived"
    args = ["rescore", str(out), "--out", str(other), "--waivers", str(waivers), "--quiet"]
    assert main(args) == 0
    assert scores_of(other).loc["a", "HA-RDS-MULTI-AZ"] == "n/a"
    assert scores_of(out).loc["a", "HA-RDS-MULTI-AZ"] == "fail"
    assert (out / "results.jsonl").read_bytes() == before


def test_a_mistyped_by_column_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_records(tmp_path, [{"id": "a", "prompt_id": "p-1", "response": ANSWER}])
    waivers = tmp_path / "w.yaml"
    waivers.write_text("by: promptid\nwaivers: {p-1: HA-RDS-MULTI-AZ}\n", encoding="utf-8")
    code, out = score_dir(tmp_path, str(data), "--waivers", str(waivers))
    assert code == 0
    assert scores_of(out).loc["a", "HA-RDS-MULTI-AZ"] == "fail"
    problem = "no submission has the column 'promptid' that the waivers file uses"
    assert json.loads((out / "run.json").read_text())["waivers"]["problem"] == problem
    assert f"evalkit: warning: {problem}; nothing was waived by it" in capsys.readouterr().err


def test_checks_table_summary_and_sarif_leave_waived_checks_out(tmp_path: Path) -> None:
    data = write_records(
        tmp_path,
        [
            {"id": "a", "response": ANSWER, "waive": "HA-RDS-MULTI-AZ"},
            {"id": "b", "response": ANSWER},
        ],
    )
    code, out = score_dir(tmp_path, str(data), "--format", "sarif")
    assert code == 0
    checks = pd.read_csv(out / "checks.csv", keep_default_na=False)
    checks = checks.set_index(["submission_id", "check_id"])
    assert checks.loc[("a", "HA-RDS-MULTI-AZ"), "status"] == "n/a"
    assert checks.loc[("a", "HA-RDS-MULTI-AZ"), "points_lost"] == 0.0
    assert checks.loc[("b", "HA-RDS-MULTI-AZ"), "status"] == "fail"
    lost = checks.groupby(level="submission_id")["points_lost"].sum()
    assert lost["a"] == pytest.approx(100 - scores_of(out).loc["a", "score"], abs=0.01)
    sarif = json.loads((out / "findings.sarif").read_text())
    flagged = {
        result["properties"]["submission_id"]
        for run in sarif["runs"]
        for result in run["results"]
        if result["ruleId"] == "HA-RDS-MULTI-AZ"
    }
    assert flagged == {"b"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["checks"]["HA-RDS-MULTI-AZ"]["n"] == 1
