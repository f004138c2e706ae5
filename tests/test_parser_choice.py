"""Which HCL parser a run uses: the user's choice, else the rubric's ``parser:``, else
tree-sitter; chosen per run, so one run's rubric never changes another's parser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.grading.rubric import RubricError, load_rubric
from evalkit.terraform import parse_memo, syntax, testfiles
from evalkit.terraform.model import build_model
from evalkit.terraform.parse import (
    HCL2,
    PARSER_ENV,
    TREE_SITTER,
    chosen_parser,
    default_parser,
)
from evalkit.training.reward import make_reward_fn

ANSWER = '```hcl\nresource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n```\n'


@pytest.fixture(autouse=True)
def no_parser_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    # Set, then deleted: monkeypatch then restores the variable's absence after the test.
    monkeypatch.setenv(PARSER_ENV, TREE_SITTER)
    monkeypatch.delenv(PARSER_ENV)


@pytest.fixture
def parsers_used(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The parser of every file parsed in this process while the test runs."""
    used: list[str] = []
    parse_file = parse_memo.parse_file

    def recording(name: str, text: str, parser: str | None = None) -> object:
        used.append(parser or default_parser())
        return parse_file(name, text, parser)

    parse_memo.clear()
    monkeypatch.setattr(parse_memo, "parse_file", recording)
    monkeypatch.setattr(syntax, "parse_file", recording)
    yield used
    parse_memo.clear()


def rubric_file(tmp_path: Path, parser_line: str) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(f"name: fast\nversion: 1\n{parser_line}\n", encoding="utf-8")
    return path


def test_a_rubric_may_name_a_parser(tmp_path: Path) -> None:
    assert load_rubric(rubric_file(tmp_path, "parser: hcl2"), REGISTRY).parser == HCL2
    assert load_rubric(rubric_file(tmp_path, ""), REGISTRY).parser is None
    assert load_rubric(None, REGISTRY).parser is None


@pytest.mark.parametrize("value", ["antlr", "[hcl2]", "''"])
def test_an_unknown_parser_in_a_rubric_is_a_one_line_error(tmp_path: Path, value: str) -> None:
    path = rubric_file(tmp_path, f"parser: {value}")
    with pytest.raises(RubricError, match=r"rubric\.yaml:3: parser: must be one of tree-sitter"):
        load_rubric(path, REGISTRY)


def test_the_rubric_choice_applies_when_the_user_made_none() -> None:
    assert chosen_parser(HCL2) == HCL2
    assert chosen_parser(None) == TREE_SITTER
    # Choosing for a run leaves the process default alone.
    assert default_parser() == TREE_SITTER


def test_the_users_choice_outranks_the_rubric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PARSER_ENV, HCL2)
    assert chosen_parser(TREE_SITTER) == HCL2
    monkeypatch.setenv(PARSER_ENV, TREE_SITTER)
    assert chosen_parser(HCL2) == TREE_SITTER


def test_each_reward_function_grades_with_its_own_rubrics_parser(
    tmp_path: Path, parsers_used: list[str]
) -> None:
    with_hcl2 = make_reward_fn(rubric_file(tmp_path, "parser: hcl2"))
    with_default = make_reward_fn()
    # Made after the first, the second does not change the first's parser.
    assert with_hcl2([ANSWER])[0] > 0
    assert parsers_used == [HCL2]
    assert with_default([ANSWER])[0] > 0
    assert parsers_used == [HCL2, TREE_SITTER]
    make_reward_fn(rubric_file(tmp_path, "parser: hcl2"), parser=TREE_SITTER)([ANSWER])
    assert parsers_used == [HCL2, TREE_SITTER, TREE_SITTER]


def test_score_takes_the_rubrics_parser_unless_given_one(
    tmp_path: Path, parsers_used: list[str]
) -> None:
    data = tmp_path / "answers.jsonl"
    data.write_text(json.dumps({"id": "a", "response": ANSWER}) + "\n", encoding="utf-8")
    rubric = rubric_file(tmp_path, "parser: hcl2")
    common = ["score", str(data), "--rubric", str(rubric), "--jobs", "1", "--no-cache", "--quiet"]
    assert main([*common, "--out", str(tmp_path / "one")]) == 0
    assert parsers_used == [HCL2]
    assert main([*common, "--out", str(tmp_path / "two"), "--parser", TREE_SITTER]) == 0
    assert parsers_used == [HCL2, TREE_SITTER]
    scores = [(tmp_path / run / "scores.csv").read_bytes() for run in ("one", "two")]
    assert b",ok," in scores[0]
    assert scores[0] == scores[1]


def test_test_files_are_read_with_the_runs_parser(parsers_used: list[str]) -> None:
    files = {
        "main.tf": 'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n',
        "tests/queue.tftest.hcl": 'run "plan" {\n  command = plan\n}\n',
    }
    model = build_model(files, HCL2)
    blocks = testfiles.test_file_blocks(model, "tests/queue.tftest.hcl")
    assert blocks is not None and [b.type for b in blocks] == ["run"]
    assert parsers_used == [HCL2, HCL2]
