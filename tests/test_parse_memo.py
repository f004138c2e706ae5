"""Large parsed files are kept and shared between submissions without changing any verdict."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from evalkit.checks import REGISTRY
from evalkit.grading.engine import grade
from evalkit.records import Submission
from evalkit.terraform import parse_memo
from evalkit.terraform.model import build_model
from evalkit.terraform.parse import ParsedFile, ParseFailure, parse_file

BENCHMARK = Path(__file__).parent.parent / "benchmarks" / "large_module.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("large_module_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _empty_memo() -> Iterator[None]:
    parse_memo.clear()
    yield
    parse_memo.clear()


def _large(label: str) -> str:
    text = "".join(
        f'resource "aws_sqs_queue" "{label}_{n}" {{\n  name = "{label}-{n}"\n}}\n\n'
        for n in range(400)
    )
    assert len(text) > parse_memo.MIN_CHARS
    return text


def test_same_name_and_text_parse_once() -> None:
    text = _large("q")
    first = parse_memo.parse_file_once("modules/q/main.tf", text)
    assert isinstance(first, ParsedFile) and len(first.blocks) == 400
    assert parse_memo.parse_file_once("modules/q/main.tf", text) is first
    # Under another path, the blocks name that path and are what parsing there would give.
    other = parse_memo.parse_file_once("other/main.tf", text)
    assert other is not first
    assert other == parse_file("other/main.tf", text)
    assert {block.file for block in other.blocks} == {"other/main.tf"}
    assert first.blocks[0].file == "modules/q/main.tf"


def test_a_file_that_fails_to_parse_fails_under_every_path() -> None:
    text = _large("q") + 'resource "aws_sqs_queue" "broken" {\n'
    first = parse_memo.parse_file_once("a/main.tf", text)
    assert isinstance(first, ParseFailure) and first.file == "a/main.tf"
    assert parse_memo.parse_file_once("b/main.tf", text) == parse_file("b/main.tf", text)


def test_small_files_are_not_kept() -> None:
    text = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
    first = parse_memo.parse_file_once("main.tf", text)
    assert parse_memo.parse_file_once("main.tf", text) is not first


def test_kept_text_stays_within_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _large("a"), _large("b")
    monkeypatch.setattr(parse_memo, "MAX_TOTAL_CHARS", len(first) + len(second) - 1)
    kept_first = parse_memo.parse_file_once("a.tf", first)
    parse_memo.parse_file_once("b.tf", second)
    # Keeping b.tf went over the bound, so the least recently used file was dropped.
    assert parse_memo.parse_file_once("a.tf", first) is not kept_first


def _vendored_elsewhere(submission: Submission) -> Submission:
    """The same example with its modules under ``ecs/`` (another layout of the same repo)."""
    files = {
        (name if name == "main.tf" else f"ecs/{name}"): text.replace(
            "./modules/service", "./ecs/modules/service"
        )
        for name, text in submission.files.items()
    }
    return Submission(f"{submission.id}-ecs", files)


def test_grading_with_kept_files_gives_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    submissions = _benchmark().examples(2, 40, 2)
    submissions.append(_vendored_elsewhere(submissions[1]))
    assert len(submissions[0].files["modules/service/main.tf"]) > parse_memo.MIN_CHARS
    with monkeypatch.context() as patch:
        patch.setattr(parse_memo, "MAX_TOTAL_CHARS", 0)
        cold = [grade(sub, list(REGISTRY), None) for sub in submissions]
    parse_memo.clear()
    warm = [grade(sub, list(REGISTRY), None) for sub in submissions]
    # The second example graded on the first one's parsed module.
    name = "modules/service/main.tf"
    assert (
        build_model(submissions[0].files).parsed[name]
        is (build_model(submissions[1].files).parsed[name])
    )
    for before, after in zip(cold, warm, strict=True):
        assert after.status == before.status == "ok"
        assert after.results == before.results
        assert any(result.findings for result in after.results)
    files_of = {f.file for result in warm[2].results for f in result.findings}
    assert any(name.startswith("ecs/modules/service/") for name in files_of)


def test_nothing_is_kept_while_bypassed() -> None:
    text = _large("q")
    with parse_memo.bypassed():
        first = parse_memo.parse_file_once("main.tf", text)
        assert parse_memo.parse_file_once("main.tf", text) is not first
    assert first == parse_file("main.tf", text)
    # Once the bypass ends, files are kept again.
    kept = parse_memo.parse_file_once("main.tf", text)
    assert parse_memo.parse_file_once("main.tf", text) is kept


def test_a_reward_batch_keeps_no_parsed_file() -> None:
    from evalkit.reward import make_reward_fn

    answer = f"```hcl\n{_large('q')}```\n"
    reward = make_reward_fn(memory_cache=0, cache=False)
    try:
        first, second = reward([answer, answer + "\n"])
    finally:
        reward.close()
    assert first == second
    # Kept trees would be traced by the trainer's garbage collector at every collection.
    assert not parse_memo._KEPT
