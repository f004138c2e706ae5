"""A submission that builds nothing scores 0 with status `no_infrastructure`, in every output.

The cheapest answers a policy can find (a `random_id`, a `locals` block, a stub test, only
variables and a provider) must never outscore an answer that builds something.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import evalkit
from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.grading.engine import PARSE_CHECK, grade
from evalkit.records import Submission
from evalkit.training.reward import make_reward_fn

PROVIDER = 'provider "aws" {\n  region = var.region\n}\n'
VARIABLES = (
    'variable "region" {\n  description = "Region."\n  type        = string\n'
    '  default     = "us-east-1"\n}\n'
    'variable "name" {\n  description = "Name prefix."\n  type        = string\n'
    '  default     = "app"\n}\n'
)
RANDOM_ID = 'resource "random_id" "x" {\n  byte_length = 4\n}\n'
# A stub test of twelve lines: tests beside no infrastructure earn nothing.
STUB_TEST = """run "id_has_four_bytes" {
  command = plan

  assert {
    condition     = random_id.x.byte_length == 4
    error_message = "the id must have four bytes"
  }

  assert {
    condition     = length(random_id.x.byte_length) > 0
    error_message = "the id must be set"
  }
}
"""
BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "app-logs"\n}\n'

NOTHING_BUILT = {
    "random_id alone": {"main.tf": RANDOM_ID},
    "locals alone": {"main.tf": "locals {\n  x = 1\n}\n"},
    "random_id and a stub test": {"main.tf": RANDOM_ID, "tests/stub.tftest.hcl": STUB_TEST},
    "variables and a provider": {"variables.tf": VARIABLES, "providers.tf": PROVIDER},
    "data sources only": {
        "main.tf": 'data "aws_caller_identity" "me" {}\ndata "aws_region" "here" {}\n'
        'output "account" {\n  value = data.aws_caller_identity.me.account_id\n}\n'
    },
    "utility resources of several providers": {
        "main.tf": 'resource "null_resource" "a" {}\nresource "terraform_data" "b" {}\n'
        'resource "time_sleep" "c" {\n  create_duration = "30s"\n}\n'
        'resource "tls_private_key" "d" {\n  algorithm = "RSA"\n}\n'
        'resource "local_file" "e" {\n  filename = "x"\n  content = "y"\n}\n'
        'data "archive_file" "f" {\n  type = "zip"\n  source_dir = "src"\n'
        '  output_path = "f.zip"\n}\n'
        'data "http" "g" {\n  url = "https://example.com"\n}\n'
    },
    "a local module that builds nothing": {
        "main.tf": 'module "labels" {\n  source = "./modules/labels"\n  name   = "app"\n}\n',
        "modules/labels/main.tf": 'variable "name" {\n  type = string\n}\n'
        'output "tags" {\n  value = { Name = var.name }\n}\n',
    },
    "a local module the submission does not contain": {
        "main.tf": PROVIDER + VARIABLES + 'module "vpc" {\n  source = "./modules/vpc"\n}\n'
    },
    "a bare-path module source that names nothing": {
        "main.tf": PROVIDER + 'module "vpc" {\n  source = "modules/vpc"\n}\n'
    },
    "a registry module of a utility provider": {
        "main.tf": 'module "label" {\n  source  = "cloudposse/label/null"\n'
        '  version = "0.25.0"\n  name    = "app"\n}\n'
    },
    "resources known not to exist": {
        "main.tf": VARIABLES
        + 'variable "create" {\n  type    = bool\n  default = false\n}\n'
        + 'resource "aws_s3_bucket" "logs" {\n  count  = var.create ? 1 : 0\n'
        '  bucket = "app-logs"\n}\n'
        + 'resource "aws_sqs_queue" "jobs" {\n  for_each = toset([])\n  name = each.key\n}\n'
    },
    "a module call with count = 0": {
        "main.tf": 'module "queue" {\n  source = "./modules/queue"\n  count  = 0\n}\n',
        "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
    },
    "two roots that build nothing": {
        "envs/dev/main.tf": PROVIDER + VARIABLES,
        "envs/prod/main.tf": PROVIDER + VARIABLES,
    },
}

BUILT = {
    "one AWS resource": {"main.tf": BUCKET},
    "a resource whose count is unknown": {
        "main.tf": 'variable "create" {\n  type = bool\n}\n'
        'resource "aws_s3_bucket" "logs" {\n  count = var.create ? 1 : 0\n}\n'
    },
    "a bare-path module source naming a directory of the submission": {
        "main.tf": 'module "queue" {\n  source = "modules/queue"\n}\n',
        "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
    },
    "a resource that a shipped var-file creates": {
        "main.tf": 'variable "create" {\n  type    = bool\n  default = false\n}\n'
        'resource "aws_s3_bucket" "logs" {\n  count = var.create ? 1 : 0\n}\n',
        "prod.tfvars": "create = true\n",
    },
    "a registry module": {
        "main.tf": 'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n'
        '  version = "5.8.1"\n  cidr    = "10.0.0.0/16"\n}\n'
    },
    "a git module": {
        "main.tf": 'module "vpc" {\n  source = "git::https://example.com/vpc.git"\n}\n'
    },
    "a local module that builds": {
        "main.tf": 'module "queue" {\n  source = "./modules/queue"\n}\n',
        "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
    },
    "a local module whose nested module builds": {
        "main.tf": 'module "outer" {\n  source = "./modules/outer"\n}\n',
        "modules/outer/main.tf": 'module "inner" {\n  source = "../inner"\n}\n',
        "modules/inner/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
    },
    "another cloud's resource": {
        "main.tf": 'resource "azurerm_resource_group" "rg" {\n  name     = "rg"\n'
        '  location = "westeurope"\n}\n'
    },
    "a kubernetes resource": {
        "main.tf": 'resource "kubernetes_namespace" "ns" {\n  metadata {\n    name = "app"\n'
        "  }\n}\n"
    },
    "one root of two builds": {
        "envs/dev/main.tf": PROVIDER + VARIABLES,
        "envs/prod/main.tf": PROVIDER + VARIABLES + BUCKET,
    },
}


def _grade(files: dict[str, str]) -> evalkit.grading.engine.SubmissionResult:
    return grade(Submission("s", files), list(REGISTRY))


@pytest.mark.parametrize("label", sorted(NOTHING_BUILT))
def test_answers_that_build_nothing_are_no_infrastructure(label: str) -> None:
    result = _grade(NOTHING_BUILT[label])
    assert result.status == "no_infrastructure", result.message
    verdicts = {r.check_id: r for r in result.results}
    assert verdicts[PARSE_CHECK].status == "fail"
    assert [f.message for f in verdicts[PARSE_CHECK].findings] == [result.message]
    assert {r.status for cid, r in verdicts.items() if cid != PARSE_CHECK} == {"n/a"}
    assert result.message.startswith("the submission builds no infrastructure: it declares ")


@pytest.mark.parametrize("label", sorted(BUILT))
def test_answers_that_build_something_are_graded(label: str) -> None:
    assert _grade(BUILT[label]).status == "ok"


def test_the_cheapest_answers_get_reward_zero_below_a_real_resource() -> None:
    answers = [
        f"```hcl\n{RANDOM_ID}```",
        "```hcl\nlocals {\n  x = 1\n}\n```",
        f"```hcl\n{VARIABLES}{PROVIDER}```",
    ]
    fn = make_reward_fn()
    assert fn(answers) == [0.0, 0.0, 0.0]
    bucket = fn([f"```hcl\n{VARIABLES}{PROVIDER}{BUCKET}```"])[0]
    assert bucket > 0.0


def test_a_stub_test_beside_random_id_scores_zero() -> None:
    run = evalkit.score([{"id": "stub", "files": NOTHING_BUILT["random_id and a stub test"]}])
    row = run.scores.iloc[0]
    assert (row["status"], row["score"], row["reward"]) == ("no_infrastructure", 0.0, 0.0)
    assert row["testing"] != row["testing"]  # NaN: no testing check applies
    assert row["iac"] == 0.0


@pytest.mark.parametrize(
    ("files", "words"),
    [
        (
            {"variables.tf": VARIABLES, "providers.tf": PROVIDER},
            "it declares 2 variables and provider aws but no resource or module call",
        ),
        ({"main.tf": RANDOM_ID}, "random_id.x is a utility resource: it creates nothing"),
        (
            NOTHING_BUILT["resources known not to exist"],
            "aws_s3_bucket.logs, aws_sqs_queue.jobs are known not to exist",
        ),
        (
            NOTHING_BUILT["a local module that builds nothing"],
            "module.labels calls ./modules/labels, which declares no resource",
        ),
        (
            NOTHING_BUILT["a local module the submission does not contain"],
            "module.vpc calls ./modules/vpc, which is not in the submission",
        ),
        (
            NOTHING_BUILT["data sources only"],
            "1 output and data sources aws_caller_identity, aws_region",
        ),
    ],
)
def test_the_feedback_says_what_is_declared_and_what_is_missing(
    files: dict[str, str], words: str
) -> None:
    assert words in _grade(files).message


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def _records(tmp_path: Path) -> Path:
    records = [
        {"id": "nothing", "response": f"```hcl\n{VARIABLES}{PROVIDER}```"},
        {"id": "bucket", "response": f"```hcl\n{BUCKET}```"},
        {"id": "prose", "response": "I would build a VPC."},
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_every_output_of_a_run_carries_the_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["score", str(_records(tmp_path)), "--out", str(out), "--no-cache"]) == 0
    printed = capsys.readouterr().out
    assert "scored 3 submissions (1 no_infrastructure, 1 no_terraform, 1 ok)" in printed
    scores = {r["submission_id"]: r for r in _csv(out / "scores.csv")}
    assert (scores["nothing"]["status"], scores["nothing"]["score"]) == ("no_infrastructure", "0.0")
    assert scores["nothing"]["feedback"].startswith(
        "IAC-PARSE-ERROR: the submission builds no infrastructure"
    )
    findings = [r for r in _csv(out / "findings.csv") if r["submission_id"] == "nothing"]
    assert [(r["check_id"], r["file"], r["line"]) for r in findings] == [(PARSE_CHECK, "", "0")]
    checks = [r for r in _csv(out / "checks.csv") if r["submission_id"] == "nothing"]
    lost = {r["check_id"]: float(r["points_lost"] or 0) for r in checks}
    assert lost[PARSE_CHECK] == 100.0 and sum(lost.values()) == 100.0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["status_counts"] == {
        "no_infrastructure": 1,
        "no_terraform": 1,
        "ok": 1,
    }
    run_info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run_info["counts"]["status"]["no_infrastructure"] == 1
    journal = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [j["status"] for j in journal if j.get("id") == "nothing"] == ["no_infrastructure"]

    # rescore reads the status back from results.jsonl
    assert main(["rescore", str(out), "--out", str(tmp_path / "again")]) == 0
    again = {r["submission_id"]: r for r in _csv(tmp_path / "again" / "scores.csv")}
    assert again["nothing"]["status"] == "no_infrastructure"
    assert again == scores

    # the report counts it among the statuses and in the mean score
    assert main(["report", str(out)]) == 0
    report = (out / "report" / "report.md").read_text(encoding="utf-8")
    assert "| no_infrastructure | 1 |" in report

    # the viewer colours it like the other zero-score statuses
    assert main(["view", str(out)]) == 0
    page = (out / "view.html").read_text(encoding="utf-8")
    assert ".status.st-no_infrastructure" in page
    assert '"no_infrastructure"' in page


def test_resume_and_sarif_keep_the_status(tmp_path: Path) -> None:
    data = _records(tmp_path)
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--format", "sarif"]) == 0
    log = json.loads((out / "findings.sarif").read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert any(
        r["ruleId"] == PARSE_CHECK and "builds no infrastructure" in r["message"]["text"]
        for r in results
    )
    first = (out / "scores.csv").read_text(encoding="utf-8")
    journal = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    (out / "results.jsonl").write_text(journal[0] + "\n", encoding="utf-8")
    assert (
        main(["score", str(data), "--out", str(out), "--quiet", "--format", "sarif", "--resume"])
        == 0
    )
    assert (out / "scores.csv").read_text(encoding="utf-8") == first


def test_the_inspect_scorer_gives_no_infrastructure_a_score_of_zero() -> None:
    pytest.importorskip("inspect_ai")
    from evalkit.integrations.inspect import to_score
    from evalkit.training.reward import Grader

    graded = Grader().grade_texts([f"```hcl\n{RANDOM_ID}```"])[0]
    score = to_score(graded)
    assert score.value == 0.0
    assert score.metadata is not None and score.metadata["status"] == "no_infrastructure"
    assert score.explanation is not None
    assert "random_id.x is a utility resource" in score.explanation


def test_a_failure_to_take_the_inventory_is_an_error_not_a_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(model: object) -> None:
        raise RuntimeError("unexpected shape")

    monkeypatch.setattr(evalkit.grading.engine, "what_is_built", broken)
    result = _grade({"main.tf": BUCKET})
    assert result.status == "error"
    assert "finding what the submission builds" in result.message
    assert "RuntimeError: unexpected shape" in result.message
