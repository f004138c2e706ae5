"""Coverage in runs: references and requirements read by the loader, the coverage column and
score, rescoring with another coverage mode, the reward function with references."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

import evalkit
from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.dataset import DatasetError, iter_submissions
from evalkit.grading.rubric import RubricError, load_rubric
from evalkit.training.reward import make_reward_fn

PROVIDERS = """provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "dr"
  region = "eu-west-1"
}
"""
DATABASES = """resource "aws_db_instance" "primary" {
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  allocated_storage = 20
  storage_encrypted = true
  multi_az          = true
}

resource "aws_db_instance" "dr" {
  provider          = aws.dr
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  allocated_storage = 20
  storage_encrypted = true
  multi_az          = true
}
"""
CDN = """resource "aws_cloudfront_distribution" "site" {
  enabled = true
}
"""
REFERENCE_HCL = PROVIDERS + DATABASES + CDN
REFERENCE_MD = f"The design:\n\n```hcl\n{REFERENCE_HCL}```\n"
# The primary database only: half the database regions, no CDN.
ONE_DB = """provider "aws" {
  region = "us-west-2"
}

resource "aws_db_instance" "primary" {
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  allocated_storage = 20
  storage_encrypted = true
  multi_az          = true
}
"""


def md(hcl: str) -> str:
    return f"```hcl\n{hcl}```\n"


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --- the loader ----------------------------------------------------------------------------------


def test_reference_field_takes_markdown_bare_hcl_and_files_objects(tmp_path: Path) -> None:
    data = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "md", "response": md(ONE_DB), "ref": REFERENCE_MD, "model": "m"},
            {"id": "hcl", "response": md(ONE_DB), "ref": REFERENCE_HCL},
            {"id": "files", "response": md(ONE_DB), "ref": {"main.tf": REFERENCE_HCL}},
            {"id": "none", "response": md(ONE_DB)},
        ],
    )
    found = {s.id: s for s in iter_submissions([data], reference_field="ref")}
    assert found["md"].reference == {"main.tf": REFERENCE_HCL}
    assert found["hcl"].reference == {"main.tf": REFERENCE_HCL}
    assert found["files"].reference == {"main.tf": REFERENCE_HCL}
    assert found["none"].reference is None
    # The reference is read, not carried as metadata.
    assert found["md"].meta == {"model": "m"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_reference_field_in_csv_and_parquet(tmp_path: Path, fmt: str) -> None:
    frame = pd.DataFrame(
        [
            {"id": "a", "response": md(ONE_DB), "ref": REFERENCE_MD},
            {"id": "b", "response": md(ONE_DB), "ref": json.dumps({"db.tf": REFERENCE_HCL})},
        ]
    )
    path = tmp_path / f"answers.{fmt}"
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
    found = {s.id: s for s in iter_submissions([path], reference_field="ref")}
    assert found["a"].reference == {"main.tf": REFERENCE_HCL}
    assert found["b"].reference == {"db.tf": REFERENCE_HCL}


def test_dataset_yaml_names_the_reference_and_requires_fields(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "a", "response": md(ONE_DB), "solution": REFERENCE_HCL, "needs": "cdn"}],
    )
    (tmp_path / "dataset.yaml").write_text(
        "format: jsonl\nreference_field: solution\nrequires_field: needs\n", encoding="utf-8"
    )
    [found] = iter_submissions([tmp_path])
    assert found.reference == {"main.tf": REFERENCE_HCL}
    assert found.requires == ("cdn@1",)
    assert found.meta == {}


def test_a_named_reference_field_no_record_holds_is_a_usage_error(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "response": "x", "reference": "y"}])
    with pytest.raises(DatasetError, match=r"reference field 'referense'.*did you mean"):
        list(iter_submissions([data], reference_field="referense"))


def test_requires_field_is_validated_before_anything_is_read(tmp_path: Path) -> None:
    rows = [{"id": f"r{n}", "response": md(ONE_DB), "requires": ["database@2"]} for n in range(3)]
    rows.append({"id": "bad", "response": md(ONE_DB), "requires": "database@2, lod_balancer"})
    data = write_jsonl(tmp_path / "a.jsonl", rows)
    with pytest.raises(DatasetError) as raised:
        iter_submissions([data], requires_field="requires")  # raises before iteration
    message = str(raised.value)
    assert "record 'bad'" in message and "'lod_balancer'" in message
    assert "did you mean 'load_balancer'?" in message


def test_references_join_by_id_and_report_the_unmatched(tmp_path: Path) -> None:
    answers = write_jsonl(
        tmp_path / "answers.jsonl",
        [{"id": "t1", "response": md(ONE_DB)}, {"id": "t2", "response": md(ONE_DB)}],
    )
    refs = tmp_path / "refs"
    (refs / "t1").mkdir(parents=True)
    (refs / "t1" / "main.tf").write_text(REFERENCE_HCL, encoding="utf-8")
    (refs / "t9").mkdir()
    (refs / "t9" / "main.tf").write_text(CDN, encoding="utf-8")
    out = tmp_path / "out"
    args = ["score", str(answers), "--out", str(out), "--references", str(refs), "--quiet"]
    assert main([*args, "--no-cache", "--jobs", "1"]) == 0
    coverage = {key: row["coverage"] for key, row in rows_of(out).items()}
    assert coverage == {"t1": "0.25", "t2": ""}  # t2 has no reference: no coverage
    info = json.loads((out / "run.json").read_text())
    assert {"submission_id": "t9", "source": "references"}.items() <= info["problems"][0].items()
    assert info["coverage"]["references"] == str(refs)


# --- scores --------------------------------------------------------------------------------------


def scored(tmp_path: Path, rubric: str | None = None, extra: tuple[str, ...] = ()) -> Path:
    data = write_jsonl(
        tmp_path / "answers.jsonl",
        [
            {"id": "same", "response": REFERENCE_MD, "reference": REFERENCE_MD},
            {"id": "half", "response": md(ONE_DB), "reference": REFERENCE_MD},
            {"id": "nothing", "response": md('resource "random_id" "x" {}\n')},
            {"id": "required", "response": md(ONE_DB), "requires": '["database@2", "cdn"]'},
            {"id": "plain", "response": md(ONE_DB)},
        ],
    )
    data_rows = [json.loads(line) for line in data.read_text().splitlines()]
    data_rows[2]["reference"] = REFERENCE_MD
    write_jsonl(data, data_rows)
    out = tmp_path / "out"
    args = ["score", str(data), "--out", str(out), "--quiet", "--no-cache", "--jobs", "1"]
    args += ["--reference-field", "reference", "--requires-field", "requires", *extra]
    if rubric:
        args += ["--rubric", rubric]
    assert main(args) == 0
    return out


def rows_of(out: Path) -> dict[str, dict[str, str]]:
    with (out / "scores.csv").open(encoding="utf-8") as source:
        return {row["submission_id"]: row for row in csv.DictReader(source)}


def test_score_is_quality_times_coverage_and_feedback_names_what_is_missing(
    tmp_path: Path,
) -> None:
    out = scored(tmp_path)
    header = (out / "scores.csv").read_text().splitlines()[0].split(",")
    assert header[header.index("score") + 1] == "coverage"
    rows = rows_of(out)
    assert rows["same"]["coverage"] == "1.0"
    assert rows["half"]["coverage"] == "0.25"
    assert rows["nothing"]["coverage"] == "0.0" and float(rows["nothing"]["score"]) == 0
    assert rows["required"]["coverage"] == "0.25"
    assert rows["plain"]["coverage"] == ""
    quality = evalkit.score([{"id": "half", "response": md(ONE_DB)}]).scores["score"][0]
    assert float(rows["half"]["score"]) == pytest.approx(quality * 0.25, abs=0.01)
    assert float(rows["plain"]["score"]) == pytest.approx(quality, abs=0.01)
    assert rows["half"]["feedback"].splitlines()[0] == (
        "coverage 0.25: the reference builds a CDN; this answer does not; a relational database "
        "is built in 1 of the 2 regions the reference builds it in"
    )
    assert rows["required"]["feedback"].startswith("coverage 0.25: the task requires a CDN")
    assert not rows["same"]["feedback"].startswith("coverage")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["coverage_mean"] == pytest.approx((1 + 0.25 + 0 + 0.25) / 4)
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()[1:]]
    half = next(r for r in results if r["id"] == "half")
    assert half["coverage"] == {
        "basis": "reference",
        "reference": {"cdn": 1, "database": 2},
        "answer": {"database": 1},
    }


def test_rescore_with_coverage_column_reports_it_without_multiplying(tmp_path: Path) -> None:
    out = scored(tmp_path)
    multiplied = rows_of(out)
    rubric = tmp_path / "column.yaml"
    rubric.write_text("name: r\nversion: 1\ncoverage: column\n", encoding="utf-8")
    again = tmp_path / "again"
    assert main(["rescore", str(out), "--rubric", str(rubric), "--out", str(again), "--quiet"]) == 0
    rows = rows_of(again)
    assert rows["half"]["coverage"] == "0.25"
    assert float(rows["half"]["score"]) == pytest.approx(
        float(multiplied["half"]["score"]) / 0.25, abs=0.05
    )
    assert json.loads((again / "run.json").read_text())["coverage"]["mode"] == "column"
    off = tmp_path / "off.yaml"
    off.write_text("name: r\nversion: 1\ncoverage: off\n", encoding="utf-8")
    assert main(["rescore", str(again), "--rubric", str(off), "--quiet"]) == 0
    assert "coverage" not in rows_of(again)["half"]
    assert rows_of(again)["half"]["score"] == rows["half"]["score"]


def test_without_references_the_tables_do_not_change(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "response": md(ONE_DB)}])
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    assert "coverage" not in (out / "scores.csv").read_text().splitlines()[0].split(",")
    assert "coverage" not in json.loads((out / "run.json").read_text())
    assert "coverage_mean" not in json.loads((out / "summary.json").read_text())["overall"]


def test_a_bad_requirement_stops_the_run_before_grading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "a", "response": md(ONE_DB), "requires": ["database"]},
            {"id": "b", "response": md(ONE_DB), "requires": ["databse@2"]},
        ],
    )
    out = tmp_path / "out"
    args = ["score", str(data), "--out", str(out), "--requires-field", "requires", "--quiet"]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "record 'b'" in error and "did you mean 'database'?" in error
    assert not (out / "results.jsonl").exists()


@pytest.mark.parametrize("value", ["multiply-ish", "[column]", "1"])
def test_rubric_coverage_mode_is_validated(tmp_path: Path, value: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"name: r\nversion: 1\n\ncoverage: {value}\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"r.yaml:4: coverage: must be one of multiply"):
        load_rubric(path, REGISTRY)


def test_rubric_coverage_modes_load(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    for value in ("multiply", "column", "off"):
        path.write_text(f"name: r\nversion: 1\ncoverage: {value}\n", encoding="utf-8")
        assert load_rubric(path, REGISTRY).coverage == value
    assert load_rubric(None, REGISTRY).coverage == "multiply"


# --- the reward function ---------------------------------------------------------------------


def test_reward_takes_references_as_a_dataset_column() -> None:
    fn = make_reward_fn()
    plain = fn([md(ONE_DB), REFERENCE_MD])
    with_refs = fn([md(ONE_DB), REFERENCE_MD], reference=[REFERENCE_MD, REFERENCE_MD])
    assert with_refs[0] == pytest.approx(plain[0] * 0.25, abs=1e-4)
    assert with_refs[1] == plain[1]
    graded = fn.grade([md(ONE_DB)], references=[REFERENCE_MD])
    assert graded[0].coverage == 0.25
    assert graded[0].feedback.startswith("coverage 0.25: the reference builds a CDN")
    # A missing reference for one completion leaves its reward as it was.
    assert fn([md(ONE_DB)], reference=[None]) == plain[:1]
    named = make_reward_fn(reference_field="solution")
    assert named([md(ONE_DB)], solution=[REFERENCE_MD])[0] == with_refs[0]
    assert fn([md(ONE_DB)], requires=[["database@2", "cdn"]])[0] == with_refs[0]


def test_a_degraded_answer_scores_below_its_original_with_a_reference() -> None:
    fn = make_reward_fn()
    original = md(REFERENCE_HCL)
    half = md(PROVIDERS + DATABASES)  # the CDN deleted
    nothing = md('resource "random_id" "x" {\n  byte_length = 4\n}\n')
    rewards = fn([original, half, nothing], reference=[REFERENCE_MD] * 3)
    assert rewards[0] > rewards[1] > rewards[2] == 0.0
    # Without the reference, deleting the CDN does not lower the score: what coverage is for.
    assert fn([half])[0] >= fn([original])[0]


def test_compare_and_report_show_coverage_beside_the_score(tmp_path: Path) -> None:
    out = scored(tmp_path)
    plain = tmp_path / "plain"
    data = write_jsonl(tmp_path / "plain.jsonl", [{"id": "half", "response": md(ONE_DB)}])
    assert main(["score", str(data), "--out", str(plain), "--quiet", "--no-cache"]) == 0
    comparison = evalkit.load_run(plain).compare(evalkit.load_run(out), n_boot=50, paired=False)
    assert comparison.coverage is not None
    assert "Mean coverage: A - (n=0), B 0.38 (n=4); B − A" in comparison.summary()
    no_coverage = evalkit.load_run(plain).compare(evalkit.load_run(plain), n_boot=50)
    assert no_coverage.coverage is None and "coverage" not in no_coverage.summary()
    assert main(["report", str(out), "--out", str(tmp_path / "report")]) == 0
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "Mean coverage 0.38 over 4 submissions" in report
    assert "| scored | mean | median | min | max | mean coverage |" in report


def test_a_metadata_field_named_coverage_stays_in_runs_without_references() -> None:
    run = evalkit.score([{"id": "a", "response": md(ONE_DB), "coverage": "high"}])
    assert run.scores["coverage"].tolist() == ["high"]
    measured = evalkit.score(
        [{"id": "a", "response": md(ONE_DB), "coverage": "high", "reference": REFERENCE_MD}],
        reference_field="reference",
    )
    assert list(measured.scores.columns).count("coverage") == 1
    assert measured.scores["coverage"].tolist() == [0.25]


def test_cached_results_keep_their_coverage_and_a_new_reference_grades_again(
    tmp_path: Path,
) -> None:
    def run(reference: str) -> float:
        records = [{"id": "a", "response": md(ONE_DB), "reference": reference}]
        scored = evalkit.score(records, reference_field="reference", cache=tmp_path / "cache")
        return float(scored.scores["coverage"][0])

    assert run(REFERENCE_MD) == 0.25
    assert run(REFERENCE_MD) == 0.25  # from the cache
    assert run(md(ONE_DB)) == 1.0  # another reference: another cache entry


def test_tables_summaries_and_pages_ignore_a_metadata_field_named_coverage(
    tmp_path: Path,
) -> None:
    data = write_jsonl(
        tmp_path / "a.jsonl", [{"id": "a", "response": md(ONE_DB), "coverage": "high"}]
    )
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    assert main(["view", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    assert rows_of(out)["a"]["coverage"] == "high"
    assert "coverage_mean" not in json.loads((out / "summary.json").read_text())["overall"]
    assert evalkit.load_run(out).compare(evalkit.load_run(out), n_boot=20).coverage is None
