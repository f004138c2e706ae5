"""The inspect_ai scorer, end to end on a tiny task with inspect's mock model (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_reward import (
    DATABASE_ANSWER,
    DATABASE_CHECKS,
    DATABASE_REWARD,
    VPC_ANSWER,
    expected_reward,
)

inspect_ai = pytest.importorskip(
    "inspect_ai", reason="inspect_ai is not installed (pip install -e '.[inspect]')"
)

from inspect_ai import Task, eval  # noqa: E402
from inspect_ai.dataset import Sample  # noqa: E402
from inspect_ai.model import ModelOutput, ModelUsage, get_model  # noqa: E402
from inspect_ai.solver import generate  # noqa: E402

from evalkit.integrations.inspect import terraform_scorer  # noqa: E402

ANSWERS = {
    "Write Terraform for a Postgres database": DATABASE_ANSWER,
    "Write Terraform for a VPC": VPC_ANSWER,
    "Write Terraform for a bucket": '```hcl\nresource "aws_s3_bucket" "b" {\n```',
    "Write Terraform for a queue": "x" * 3000,
}


@pytest.fixture(autouse=True)
def _inspect_files_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # inspect keeps traces and caches in the user's data directories; keep them in the test's.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def answer_for(messages, tools, tool_choice, config):  # type: ignore[no-untyped-def]
    # Samples run concurrently, so answers are chosen by prompt, not by call order.
    prompt = messages[-1].text
    output = ModelOutput.from_content(model="mockllm/model", content=ANSWERS[prompt])
    # Given usage, the mock model does not count tokens, which would download a tokenizer.
    output.usage = ModelUsage(input_tokens=10, output_tokens=100, total_tokens=110)
    return output


def run_task(
    tmp_path: Path, metadata: dict[str, object] | None = None, **options: object
) -> dict[str, object]:
    samples = [
        Sample(id=f"s{n}", input=prompt, metadata=metadata or {})
        for n, prompt in enumerate(ANSWERS)
    ]
    task = Task(dataset=samples, solver=generate(), scorer=terraform_scorer(**options))
    model = get_model("mockllm/model", custom_outputs=answer_for)
    [log] = eval(task, model=model, log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    assert log.samples is not None
    return {str(sample.id): sample for sample in log.samples} | {"_log": log}


def score_of(sample: object):  # type: ignore[no-untyped-def]
    [score] = sample.scores.values()  # type: ignore[attr-defined]
    return score


def test_scores_carry_reward_feedback_and_check_statuses(tmp_path: Path) -> None:
    samples = run_task(tmp_path, max_file_bytes=2000)
    database = score_of(samples["s0"])
    assert database.value == pytest.approx(DATABASE_REWARD, abs=1e-4)
    assert database.explanation.splitlines()[0].startswith("SEC-ENCRYPTION-AT-REST: ")
    assert database.metadata["status"] == "ok"
    assert database.metadata["checks"]["SEC-OPEN-ADMIN-PORTS"] == "fail"
    assert database.metadata["checks"]["SEC-IAM-WILDCARD"] == "n/a"
    finding = next(
        f for f in database.metadata["findings"] if f["check_id"] == "SEC-OPEN-ADMIN-PORTS"
    )
    assert (finding["file"], finding["line"], finding["resource"]) == (
        "main.tf",
        14,
        "aws_security_group.web",
    )
    assert score_of(samples["s1"]).value > database.value
    broken = score_of(samples["s2"])
    assert broken.value == 0.0
    assert broken.metadata["status"] == "parse_error"
    # The oversized answer could not be graded: unscored, so it is left out of the mean.
    oversized = score_of(samples["s3"])
    assert oversized.metadata["status"] == "error"
    assert oversized.value != oversized.value
    [result] = samples["_log"].results.scores  # type: ignore[attr-defined]
    expected_mean = (database.value + score_of(samples["s1"]).value + 0.0) / 3
    assert result.metrics["mean"].value == pytest.approx(expected_mean)


def test_score_value_and_waivers_from_sample_metadata(tmp_path: Path) -> None:
    samples = run_task(tmp_path, value="score")
    assert score_of(samples["s0"]).value == pytest.approx(100 * DATABASE_REWARD, abs=0.01)
    waived = run_task(tmp_path, {"waive": ["SEC-OPEN-ADMIN-PORTS"]}, value="score")
    database = score_of(waived["s0"])
    waived_reward = expected_reward(DATABASE_CHECKS, waived=("SEC-OPEN-ADMIN-PORTS",))
    assert database.value == pytest.approx(100 * waived_reward, abs=0.01)
    assert database.metadata["checks"]["SEC-OPEN-ADMIN-PORTS"] == "n/a"
    assert database.metadata["waived"] == ["SEC-OPEN-ADMIN-PORTS"]
    assert "SEC-OPEN-ADMIN-PORTS" not in database.explanation


def test_unknown_value_is_rejected() -> None:
    with pytest.raises(ValueError, match="value must be one of reward, score"):
        terraform_scorer(value="points")


def test_the_target_is_the_reference_solution(tmp_path: Path) -> None:
    # The database answer builds a database in one region; the target asks for two and a CDN.
    reference = (
        '```hcl\nprovider "aws" {\n  region = "us-east-1"\n}\n'
        'provider "aws" {\n  alias  = "dr"\n  region = "eu-west-1"\n}\n'
        'resource "aws_db_instance" "a" {}\n'
        'resource "aws_db_instance" "b" {\n  provider = aws.dr\n}\n'
        'resource "aws_cloudfront_distribution" "cdn" {}\n```\n'
    )
    prompt = "Write Terraform for a Postgres database"
    sample = Sample(id="s0", input=prompt, target=reference)
    untargeted = Sample(id="s1", input=prompt)
    task = Task(dataset=[sample, untargeted], solver=generate(), scorer=terraform_scorer())
    model = get_model("mockllm/model", custom_outputs=answer_for)
    [log] = eval(task, model=model, log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    scores = {str(s.id): score_of(s) for s in log.samples or []}
    assert scores["s0"].metadata["coverage"] == 0.25
    assert scores["s0"].value == pytest.approx(DATABASE_REWARD * 0.25, abs=1e-4)
    assert scores["s0"].explanation.startswith("coverage 0.25: the reference builds a CDN")
    assert scores["s1"].metadata["coverage"] is None
    assert scores["s1"].value == pytest.approx(DATABASE_REWARD, abs=1e-4)
