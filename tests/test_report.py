"""`evalkit report` and `write_report`: tables and charts from a run's files only."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evalkit.analysis.plots import CHART_NAMES
from evalkit.analysis.report import report_markdown, write_report
from evalkit.api import Run, load_run
from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.records import CATEGORIES

SEC1, SEC2 = [c.id for c in REGISTRY if c.category == "security"][:2]
IAC1 = next(c.id for c in REGISTRY if c.category == "iac")
PNG = b"\x89PNG\r\n\x1a\n"


def hand_made_run() -> Run:
    """m1: 3 answers, SEC1 fails in one; m2: 2 answers, SEC1 fails in both, IAC1 in one."""
    plan = [
        ("a1", "m1", {SEC1: "fail"}),
        ("a2", "m1", {}),
        ("a3", "m1", {}),
        ("b1", "m2", {SEC1: "fail"}),
        ("b2", "m2", {SEC1: "fail", IAC1: "fail"}),
    ]
    rows, findings = [], []
    for sid, model, failed in plan:
        statuses = {c: failed.get(c, "pass") for c in (SEC1, SEC2, IAC1)}
        score = 100.0 * (1 - len(failed) / 3)
        rows.append(
            {
                "submission_id": sid,
                "model": model,
                "status": "ok",
                "score": score,
                "reward": score / 100,
                **{c: None for c in CATEGORIES},
                **statuses,
                "n_findings": len(failed),
                "feedback": "",
            }
        )
        for check_id in failed:
            findings.append(
                {
                    "submission_id": sid,
                    "check_id": check_id,
                    "category": REGISTRY.get(check_id).category,
                    "severity": "critical",
                    "file": "main.tf",
                    "line": 7,
                    "resource": "aws_security_group.web",
                    "region": "us-east-1",
                    "message": "ingress | from 0.0.0.0/0 with password ****",
                }
            )
    info = {
        "rubric": {"name": "aws-multi-region", "version": "1.0"},
        "input": ["/nowhere/answers.jsonl"],
        "evalkit_version": "0.1.0",
        "problems": [{"submission_id": "a3", "problem": "a3.md: skipped <notes.bin>"}],
    }
    return Run(pd.DataFrame(rows), pd.DataFrame(findings), info)


def test_report_tables_hold_the_runs_numbers(tmp_path: Path) -> None:
    path = write_report(hand_made_run(), tmp_path / "report", by="model", title="Nightly")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(
        "# Nightly\n\nrubric aws-multi-region 1.0; evalkit 0.1.0; input /nowhere/answers.jsonl.\n"
    )
    assert "5 submissions; 4 findings." in text
    assert "| ok | 5 |" in text
    # Mean scores: m1 (66.7 + 100 + 100) / 3, m2 (66.7 + 33.3) / 2.
    assert "| m1 | 3 | 88.9 | 100.0 | 66.7 | 100.0 |" in text
    assert "| m2 | 2 | 50.0 | 50.0 | 33.3 | 66.7 |" in text
    assert "| security | 5 | 3 | 60% | 23%–88% |" in text
    assert "| security | 33% (1/3; 6%–79%) | 100% (2/2; 34%–100%) |" in text
    assert f"| {SEC1} | security | critical | 3 | 5 | 60% | 23%–88% | 3 |" in text
    # The message's pipe is escaped so the table keeps its columns; masked text stays masked.
    assert "ingress \\| from 0.0.0.0/0 with password \\*\\*\\*\\*" in text
    assert "- `a3`: a3.md: skipped &lt;notes.bin&gt;" in text
    for chart in ("failure_rates", "check_heatmap", "score_distribution", "lost_points"):
        assert f"({chart}.png)" in text
        assert (tmp_path / "report" / f"{chart}.png").read_bytes()[:8] == PNG


def test_points_lost_table_adds_up_to_the_lost_score(tmp_path: Path) -> None:
    # Equal weights, as the hand-made scores assume, whatever the default rubric says.
    rubric = tmp_path / "equal.yaml"
    rubric.write_text(
        "name: equal\nversion: '1'\nchecks:\n"
        + "".join(f"  {c}: {{weight: 1}}\n" for c in (SEC1, SEC2, IAC1)),
        encoding="utf-8",
    )
    text = write_report(hand_made_run(), tmp_path, by="model", rubric=rubric).read_text(
        encoding="utf-8"
    )
    assert "with the weights of rubric equal 1:" in text
    section = text.split("## Where the score goes")[1].split("##")[0]
    lines = [line for line in section.splitlines() if line.startswith("| m")]
    cells = {line.split(" | ")[0][2:]: line.strip("| ").split(" | ") for line in lines}
    assert cells["m1"][-1] == "11.1" and cells["m2"][-1] == "50.0"


def test_report_without_grouping_and_without_findings(tmp_path: Path) -> None:
    run = hand_made_run()
    clean = Run(run.scores.assign(**{SEC1: "pass", IAC1: "pass"}), run.findings.iloc[0:0], {})
    text = report_markdown(clean)
    assert "No check failed." in text
    assert "## Example findings" not in text
    assert "By model" not in text


def test_cli_report_writes_beside_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hand_made_run().save(tmp_path / "run")
    assert main(["report", str(tmp_path / "run"), "--by", "model"]) == 0
    assert "report.md" in capsys.readouterr().out
    report = tmp_path / "run" / "report" / "report.md"
    assert report.read_text(encoding="utf-8").startswith("# evalkit report: run")
    # The four charts, and the difference chart of the two models
    charts = sorted(p.name for p in report.parent.glob("*.png"))
    assert charts == sorted(f"{name}.png" for name in (*CHART_NAMES, "differences-1"))
    reloaded = load_run(tmp_path / "run")
    assert len(reloaded.scores) == 5


def test_cli_report_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hand_made_run().save(tmp_path / "run")
    assert main(["report", str(tmp_path / "run"), "--by", "nope"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "no scores" in capsys.readouterr().err


def test_report_reads_no_submission_sources(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    hand_made_run().save(run_dir)
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert info["input"] == ["/nowhere/answers.jsonl"]  # an input that does not exist
    assert main(["report", str(run_dir), "--out", str(tmp_path / "shared")]) == 0
    assert (tmp_path / "shared" / "report.md").is_file()
