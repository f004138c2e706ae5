"""Machine-readable results: checks.<fmt>, Run.checks, summary.json, load_runs, SARIF."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pandas as pd
import pytest
from answers import OPEN_SSH

import evalkit
from evalkit.analysis.plots import category_rates, check_rates
from evalkit.checks import REGISTRY
from evalkit.cli import main

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

SSH_FINDING_LINE = 'cidr_blocks = ["0.0.0.0/0"]'
BUCKET = """```hcl
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
```"""


def _data(tmp_path: Path) -> Path:
    records = [
        {"id": "a1", "model": "alpha", "response": OPEN_SSH},
        {"id": "a2", "model": "alpha", "response": BUCKET},
        {"id": "b1", "model": "beta", "response": BUCKET},
        {"id": "b2", "model": "beta", "response": "```hcl\nresource {\n```"},
        {"id": "c1", "response": "just prose, no code"},
    ]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _score(tmp_path: Path, *options: str) -> Path:
    out = tmp_path / "out"
    assert main(["score", str(_data(tmp_path)), "--out", str(out), "--quiet", *options]) == 0
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def test_checks_table_has_a_row_per_submission_and_check_and_points_add_up(
    tmp_path: Path,
) -> None:
    out = _score(tmp_path, "--no-cache")
    scores = {r["submission_id"]: r for r in _csv(out / "scores.csv")}
    checks = _csv(out / "checks.csv")
    assert list(checks[0]) == [
        "submission_id",
        "check_id",
        "category",
        "severity",
        "weight",
        "status",
        "points_lost",
    ]
    n_checks = len(REGISTRY)
    assert len(checks) == len(scores) * n_checks
    for submission_id, row in scores.items():
        rows = [c for c in checks if c["submission_id"] == submission_id]
        assert {c["check_id"]: c["status"] for c in rows} == {
            c["check_id"]: row[c["check_id"]] for c in rows
        }
        lost = sum(float(c["points_lost"]) for c in rows)
        assert lost == pytest.approx(100.0 - float(row["score"]), abs=0.01)
    ssh = next(
        c for c in checks if c["submission_id"] == "a1" and c["check_id"] == "SEC-OPEN-ADMIN-PORTS"
    )
    assert (ssh["status"], ssh["severity"], ssh["weight"]) == ("fail", "critical", "10.0")
    assert float(ssh["points_lost"]) > 0
    parse = [c for c in checks if c["submission_id"] == "b2" and c["status"] == "fail"]
    assert [(c["check_id"], c["points_lost"]) for c in parse] == [("IAC-PARSE-ERROR", "100.0")]

    loaded = evalkit.load_run(out)
    assert len(loaded.checks) == len(checks)
    assert loaded.checks["points_lost"].dtype == "float64"
    # In memory, the same table is derived from the scores with the run's rubric.
    in_memory = evalkit.score(_data(tmp_path)).checks
    pd.testing.assert_frame_equal(
        in_memory.reset_index(drop=True), loaded.checks.reset_index(drop=True), check_dtype=False
    )


def test_checks_table_follows_the_chosen_format(tmp_path: Path) -> None:
    out = _score(tmp_path, "--no-cache", "--format", "jsonl")
    lines = (out / "checks.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert isinstance(first["weight"], float) and isinstance(first["points_lost"], float)
    assert not (out / "checks.csv").exists()


def test_summary_json_matches_the_report_numbers_overall_and_per_group(tmp_path: Path) -> None:
    out = _score(tmp_path, "--no-cache", "--by", "model")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    run = evalkit.load_run(out)
    overall = summary["overall"]
    assert overall["n_submissions"] == 5
    assert overall["status_counts"] == {"no_terraform": 1, "ok": 3, "parse_error": 1}
    assert overall["score_mean"] == pytest.approx(run.scores["score"].mean(), abs=1e-6)
    # Counted from _data: a1, a2 and b1 are graded; a1 opens SSH; a2 and b1 are buckets
    # without lifecycle rules; none has tests; b2 does not parse and c1 has no code, so only
    # IAC-PARSE-ERROR judges them (and fails them).
    counted = {
        category: (block["n"], block["failed"])
        for category, block in overall["categories"].items()
        if block["n"]
    }
    assert counted == {"security": (3, 1), "iac": (5, 2), "testing": (3, 3), "cost": (2, 2)}
    assert overall["categories"]["networking"]["failure_rate"] is None
    assert overall["categories"]["networking"]["ci_low"] is None
    # 95% Wilson intervals worked out by hand: 1 of 3 and 2 of 5.
    security, iac = overall["categories"]["security"], overall["categories"]["iac"]
    assert (security["ci_low"], security["ci_high"]) == pytest.approx((0.06149, 0.79234), abs=1e-4)
    assert (iac["ci_low"], iac["ci_high"]) == pytest.approx((0.11762, 0.76928), abs=1e-4)
    ssh = overall["checks"]["SEC-OPEN-ADMIN-PORTS"]
    assert (ssh["n"], ssh["failed"]) == (1, 1)
    assert 0 < ssh["ci_low"] < 1 and ssh["ci_high"] == 1.0

    assert summary["by"] == "model"
    assert set(summary["groups"]) == {"alpha", "beta", "(no model)"}
    beta = summary["groups"]["beta"]
    assert beta["n_submissions"] == 2
    assert beta["status_counts"] == {"ok": 1, "parse_error": 1}
    per_check = check_rates(run, by="model")
    row = per_check[
        (per_check["model"] == "alpha") & (per_check["check_id"] == "SEC-OPEN-ADMIN-PORTS")
    ]
    assert summary["groups"]["alpha"]["checks"]["SEC-OPEN-ADMIN-PORTS"]["failed"] == int(
        row["failed"].iloc[0]
    )
    # Rates over no submission are null, never NaN (which JSON cannot hold).
    text = (out / "summary.json").read_text(encoding="utf-8")
    assert "NaN" not in text
    assert summary["groups"]["(no model)"]["checks"]["SEC-OPEN-ADMIN-PORTS"]["failure_rate"] is None


def test_rescore_keeps_the_grouping_and_an_unknown_column_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _score(tmp_path, "--no-cache", "--by", "model")
    assert main(["rescore", str(out), "--quiet"]) == 0
    assert json.loads((out / "summary.json").read_text())["by"] == "model"
    capsys.readouterr()
    assert main(["rescore", str(out), "--quiet", "--by", "modle"]) == 2
    message = capsys.readouterr().err
    assert "--by: no column 'modle' in the scores (did you mean 'model'?)" in message


def test_load_runs_concatenates_runs_with_a_run_column(tmp_path: Path) -> None:
    first = _score(tmp_path / "one", "--no-cache")
    second = tmp_path / "two"
    data = tmp_path / "two.jsonl"
    data.write_text(json.dumps({"id": "z1", "team": "t", "response": OPEN_SSH}) + "\n")
    assert main(["score", str(data), "--out", str(second), "--quiet", "--no-cache"]) == 0

    runs = evalkit.load_runs([first, second])
    assert list(runs.scores.columns[:2]) == ["run", "submission_id"]
    assert runs.scores["run"].tolist() == ["out"] * 5 + ["two"]
    assert runs.scores.loc[runs.scores["run"] == "two", "model"].isna().all()
    assert runs.scores.loc[runs.scores["run"] == "out", "team"].isna().all()
    assert set(runs.findings["run"]) == {"out", "two"}
    assert len(runs.checks) == 6 * len(REGISTRY)
    assert set(runs.info["runs"]) == {"out", "two"}
    assert category_rates(runs, by="run")["run"].unique().tolist() == ["out", "two"]

    named = evalkit.load_runs([first, second], names=["base", "new"])
    assert named.scores["run"].unique().tolist() == ["base", "new"]
    with pytest.raises(ValueError, match="distinct"):
        evalkit.load_runs([first, first])


def test_sarif_output_is_valid_sarif_2_1_0_and_keeps_csv_tables(tmp_path: Path) -> None:
    out = _score(tmp_path, "--no-cache", "--format", "sarif")
    log = json.loads((out / "findings.sarif").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)

    findings = _csv(out / "findings.csv")
    assert (out / "scores.csv").exists() and (out / "checks.csv").exists()
    assert json.loads((out / "run.json").read_text())["format"] == "sarif"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == REGISTRY.ids()
    ssh_rule = rules[[r["id"] for r in rules].index("SEC-OPEN-ADMIN-PORTS")]
    assert ssh_rule["defaultConfiguration"]["level"] == "error"
    assert "Why:" in ssh_rule["help"]["text"] and "Fix:" in ssh_rule["help"]["text"]
    assert len(run["results"]) == len(findings)

    ssh = next(r for r in run["results"] if r["ruleId"] == "SEC-OPEN-ADMIN-PORTS")
    expected = next(f for f in findings if f["check_id"] == "SEC-OPEN-ADMIN-PORTS")
    assert rules[ssh["ruleIndex"]]["id"] == "SEC-OPEN-ADMIN-PORTS"
    assert ssh["level"] == "error"
    assert ssh["message"]["text"] == expected["message"]
    location = ssh["locations"][0]
    assert location["physicalLocation"]["region"]["startLine"] == int(expected["line"])
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "aws_security_group.web"
    # The uri leads, from the run directory, to the graded copy of the file.
    saved = out / unquote(location["physicalLocation"]["artifactLocation"]["uri"])
    line = saved.read_text(encoding="utf-8").split("\n")[int(expected["line"]) - 1]
    assert line.strip() == SSH_FINDING_LINE
    low = [r for r in run["results"] if r["ruleId"] == "COST-NO-S3-LIFECYCLE"]
    assert low and all(r["level"] == "note" for r in low)

    before = (out / "findings.sarif").read_bytes()
    assert main(["rescore", str(out), "--quiet"]) == 0
    assert (out / "findings.sarif").read_bytes() == before


def test_sarif_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = _score(tmp_path / "a", "--no-cache", "--format", "sarif")
    second = _score(tmp_path / "b", "--no-cache", "--format", "sarif", "--jobs", "2")
    assert (first / "findings.sarif").read_bytes() == (second / "findings.sarif").read_bytes()
    assert (first / "checks.csv").read_bytes() == (second / "checks.csv").read_bytes()
    assert math.isfinite(json.loads((first / "summary.json").read_text())["overall"]["score_mean"])
