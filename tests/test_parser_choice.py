"""Which HCL parser a run uses: the user's choice, else the rubric's ``parser:``, else
tree-sitter."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.grading.rubric import PARSER_CHOICES, RubricError, load_rubric
from evalkit.terraform import parse
from evalkit.terraform.parse import (
    HCL2,
    PARSER_ENV,
    PARSERS,
    TREE_SITTER,
    default_parser,
    use_parser,
    use_rubric_parser,
)
from evalkit.training.reward import make_reward_fn

ANSWER = '```hcl\nresource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n```\n'


@pytest.fixture(autouse=True)
def no_parser_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    # Set, then deleted: monkeypatch then restores the variable's absence after the test.
    monkeypatch.setenv(PARSER_ENV, TREE_SITTER)
    monkeypatch.delenv(PARSER_ENV)
    monkeypatch.setattr(parse, "_CHOSEN_BY_RUBRIC", False)


def rubric_file(tmp_path: Path, parser_line: str) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(f"name: fast\nversion: 1\n{parser_line}\n", encoding="utf-8")
    return path


def test_the_rubric_names_the_parsers_the_parse_layer_has() -> None:
    assert PARSER_CHOICES == PARSERS


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
    use_rubric_parser(HCL2)
    assert default_parser() == HCL2
    # The next rubric without the key goes back to the default rather than keeping it.
    use_rubric_parser(None)
    assert default_parser() == TREE_SITTER


def test_the_users_choice_outranks_the_rubric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PARSER_ENV, HCL2)
    use_rubric_parser(TREE_SITTER)
    assert default_parser() == HCL2
    monkeypatch.delenv(PARSER_ENV)
    use_rubric_parser(HCL2)
    use_parser(TREE_SITTER)
    use_rubric_parser(HCL2)
    assert default_parser() == TREE_SITTER


def test_a_reward_function_takes_its_rubrics_parser_unless_given_one(tmp_path: Path) -> None:
    rubric = rubric_file(tmp_path, "parser: hcl2")
    reward = make_reward_fn(rubric)
    assert default_parser() == HCL2
    assert reward([ANSWER])[0] > 0
    make_reward_fn(rubric, parser=TREE_SITTER)
    assert default_parser() == TREE_SITTER


def test_score_takes_the_rubrics_parser_unless_given_one(tmp_path: Path) -> None:
    data = tmp_path / "answers.jsonl"
    data.write_text('{"id": "a", "response": ' + repr(ANSWER).replace("'", '"') + "}\n")
    rubric = rubric_file(tmp_path, "parser: hcl2")
    common = ["score", str(data), "--rubric", str(rubric), "--jobs", "1", "--no-cache", "--quiet"]
    assert main([*common, "--out", str(tmp_path / "one")]) == 0
    assert default_parser() == HCL2
    assert main([*common, "--out", str(tmp_path / "two"), "--parser", TREE_SITTER]) == 0
    assert default_parser() == TREE_SITTER
    scores = [(tmp_path / run / "scores.csv").read_bytes() for run in ("one", "two")]
    assert scores[0] == scores[1]
