"""The reward function: the contract RL trainers call, caching, determinism and shaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from answers import OPEN_SSH_GROUP

import evalkit
import evalkit.running.cache as cache_module
import evalkit.training.reward as reward_module
from evalkit.checks import REGISTRY
from evalkit.grading.rubric import load_rubric
from evalkit.grading.waivers import WaiverError
from evalkit.training.reward import completion_text, make_reward_fn, reward

# Fails SEC-ENCRYPTION-AT-REST and SEC-OPEN-ADMIN-PORTS (critical), HA-RDS-MULTI-AZ (high) and
# IAC-HARDCODED-VALUES (medium), among others; passes SEC-HARDCODED-CREDENTIALS.
DATABASE = """resource "aws_db_instance" "main" {
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  allocated_storage = 20
  storage_encrypted = false
}"""
DATABASE_ANSWER = f"Here is the configuration.\n\n```hcl\n{DATABASE}\n\n{OPEN_SSH_GROUP}\n```\n"
DATABASE_FAILS = (
    "SEC-ENCRYPTION-AT-REST",
    "SEC-OPEN-ADMIN-PORTS",
    "HA-RDS-MULTI-AZ",
    "IAC-HARDCODED-VALUES",
)

VPC_ANSWER = """```hcl
variable "cidr" {
  description = "VPC range"
  type        = string
  default     = "10.0.0.0/16"
}

resource "aws_vpc" "main" {
  cidr_block = var.cidr
}
```
"""


def expected_reward(
    checks: dict[str, str], factors: dict[str, float] | None = None, waived: tuple[str, ...] = ()
) -> float:
    """The reward by the README's formula, from check statuses and the default rubric."""
    factors = factors or {}
    rubric = load_rubric(None, REGISTRY)
    failed = applicable = 0.0
    for check_id, status in checks.items():
        if status == "n/a" or check_id in waived:
            continue
        category = REGISTRY.get(check_id).category
        weight = rubric.entry(check_id).weight * factors.get(check_id, factors.get(category, 1.0))
        applicable += weight
        failed += weight if status == "fail" else 0.0
    return 1 - failed / applicable


DATABASE_CHECKS = make_reward_fn().grade([DATABASE_ANSWER])[0].checks
DATABASE_REWARD = expected_reward(DATABASE_CHECKS)


def test_the_database_answer_fails_what_the_tests_rely_on() -> None:
    assert all(DATABASE_CHECKS[check_id] == "fail" for check_id in DATABASE_FAILS)
    assert DATABASE_CHECKS["SEC-HARDCODED-CREDENTIALS"] == "pass"


def chat(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def test_string_and_chat_completions_get_the_same_reward() -> None:
    fn = make_reward_fn()
    as_text = fn([DATABASE_ANSWER, VPC_ANSWER], prompts=["p1", "p2"])
    as_chat = fn([chat(DATABASE_ANSWER), chat(VPC_ANSWER)], prompts=[chat("p1"), chat("p2")])
    assert as_text == as_chat
    assert as_text[0] == pytest.approx(DATABASE_REWARD, abs=1e-4)
    assert all(isinstance(value, float) for value in as_text)


def test_trainer_keyword_arguments_are_accepted_and_ignored() -> None:
    # What GRPOTrainer passes besides completions: dataset columns as lists, token ids and
    # the trainer state.
    values = reward(
        completions=[DATABASE_ANSWER],
        prompts=["Write Terraform for a database"],
        completion_ids=[[1, 2, 3]],
        trainer_state=object(),
        prompt_id=["p-1"],
        solution=["unused"],
    )
    assert values == [pytest.approx(DATABASE_REWARD, abs=1e-4)]


def test_reward_matches_the_reward_column_of_scores() -> None:
    records = [
        {"id": "a", "response": DATABASE_ANSWER},
        {"id": "b", "response": VPC_ANSWER},
        {"id": "c", "response": "resource {"},
    ]
    run = evalkit.score(records)
    assert make_reward_fn()([r["response"] for r in records]) == run.scores["reward"].tolist()


def test_unparseable_and_empty_answers_get_zero_and_errors_get_error_reward() -> None:
    fn = make_reward_fn(error_reward=-1.0, max_file_bytes=2000)
    graded = fn.grade(['```hcl\nresource "aws_vpc" "v" {\n```', "Sorry, I cannot.", "#" * 5000])
    assert [g.status for g in graded] == ["parse_error", "no_terraform", "error"]
    assert [g.reward for g in graded] == [0.0, 0.0, -1.0]
    assert graded[0].feedback.startswith("IAC-PARSE-ERROR: main.tf does not parse")


def test_chat_messages_take_the_assistant_content_and_text_parts() -> None:
    parts = [{"role": "assistant", "content": [{"type": "text", "text": VPC_ANSWER}]}]
    assert completion_text(parts) == VPC_ANSWER
    conversation = [{"role": "user", "content": "write it"}, *chat(VPC_ANSWER)]
    assert completion_text(conversation) == VPC_ANSWER
    with pytest.raises(TypeError, match="string or a list of chat messages"):
        completion_text(42)  # type: ignore[arg-type]


def test_repeated_completions_are_graded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_grade = reward_module.grade

    def counting_grade(submission, checks, time_limit, parser):  # type: ignore[no-untyped-def]
        calls.append(submission.id)
        return real_grade(submission, checks, time_limit, parser)

    monkeypatch.setattr(reward_module, "grade", counting_grade)
    fn = make_reward_fn()
    first = fn([DATABASE_ANSWER, VPC_ANSWER, DATABASE_ANSWER])
    assert len(calls) == 2  # the duplicate in one batch is graded once
    second = fn([chat(VPC_ANSWER), DATABASE_ANSWER])
    assert len(calls) == 2  # both from the in-memory cache
    assert second == [first[1], first[0]]
    assert fn.grader.hits == 2


def test_on_disk_cache_is_shared_between_reward_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_reward_fn(cache=tmp_path / "cache").grader as grader:
        expected = [g.reward for g in grader.grade_texts([DATABASE_ANSWER])]

    def no_grading(*args: object) -> None:
        raise AssertionError("graded again despite the on-disk cache")

    monkeypatch.setattr(reward_module, "grade", no_grading)
    fresh = make_reward_fn(cache=tmp_path / "cache", memory_cache=0)
    assert fresh([DATABASE_ANSWER]) == expected
    assert fresh.grader.hits == 1
    fresh.close()


def test_only_a_disk_cache_key_hashes_evalkits_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[bool] = []
    real_fingerprint = cache_module.code_fingerprint

    def counting_fingerprint() -> str:
        hashed.append(True)
        return real_fingerprint()

    monkeypatch.setattr(cache_module, "code_fingerprint", counting_fingerprint)
    in_process = make_reward_fn()
    assert in_process([DATABASE_ANSWER, DATABASE_ANSWER]) == [in_process([DATABASE_ANSWER])[0]] * 2
    assert in_process.grader.hits == 1 and not hashed  # still one key per content
    with make_reward_fn(cache=tmp_path / "cache").grader as grader:
        grader.grade_texts([DATABASE_ANSWER])
    assert hashed  # a key other processes read must change with the code


def test_rewards_are_deterministic_and_independent_of_batch_order() -> None:
    batch = [DATABASE_ANSWER, VPC_ANSWER, "no code here"]
    first = make_reward_fn(memory_cache=0)(batch)
    second = make_reward_fn(memory_cache=0)(list(reversed(batch)))
    assert first == list(reversed(second))


def test_category_weights_shape_the_reward() -> None:
    plain = make_reward_fn()([DATABASE_ANSWER])[0]
    shaped = make_reward_fn(weights={"security": 2.0})([DATABASE_ANSWER])[0]
    assert shaped == pytest.approx(expected_reward(DATABASE_CHECKS, {"security": 2.0}), abs=1e-4)
    assert shaped < plain


def test_a_check_weight_overrides_its_category_and_zero_leaves_it_out() -> None:
    factors = {"security": 0.0, "SEC-OPEN-ADMIN-PORTS": 1.0}
    shaped = make_reward_fn(weights=factors)([DATABASE_ANSWER])[0]
    assert shaped == pytest.approx(expected_reward(DATABASE_CHECKS, factors), abs=1e-4)
    # The same as waiving the other security checks that apply.
    others = ("SEC-ENCRYPTION-AT-REST", "SEC-HARDCODED-CREDENTIALS")
    assert shaped == pytest.approx(expected_reward(DATABASE_CHECKS, waived=others), abs=1e-4)
    assert shaped != pytest.approx(DATABASE_REWARD, abs=1e-4)


def test_unknown_or_negative_weights_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown key 'secuirty'"):
        make_reward_fn(weights={"secuirty": 2.0})
    with pytest.raises(ValueError, match="factor must be a number >= 0"):
        make_reward_fn(weights={"SEC-IAM-WILDCARD": -1})


def test_waive_column_makes_checks_not_applicable() -> None:
    fn = make_reward_fn()
    values = fn(
        [DATABASE_ANSWER, DATABASE_ANSWER, DATABASE_ANSWER],
        waive=[["SEC-OPEN-ADMIN-PORTS"], "SEC-OPEN-ADMIN-PORTS, HA-RDS-MULTI-AZ", None],
    )
    open_ports = expected_reward(DATABASE_CHECKS, waived=("SEC-OPEN-ADMIN-PORTS",))
    both = expected_reward(DATABASE_CHECKS, waived=("SEC-OPEN-ADMIN-PORTS", "HA-RDS-MULTI-AZ"))
    assert values[0] == pytest.approx(open_ports, abs=1e-4)
    assert values[1] == pytest.approx(both, abs=1e-4)
    assert values[2] < values[0] < values[1]
    assert values[2] == pytest.approx(DATABASE_REWARD, abs=1e-4)
    graded = fn.grade([DATABASE_ANSWER], waive=["HA-RDS-MULTI-AZ"])[0]
    assert graded.checks["HA-RDS-MULTI-AZ"] == "n/a"
    assert graded.waived == ("HA-RDS-MULTI-AZ",)
    assert "HA-RDS-MULTI-AZ" not in graded.feedback
    assert all(f.check_id != "HA-RDS-MULTI-AZ" for f in graded.findings)


def test_waivers_file_is_read_from_the_keyed_column(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("by: prompt_id\nwaivers:\n  p-17: [SEC-OPEN-ADMIN-PORTS]\n", encoding="utf-8")
    fn = make_reward_fn(waivers=path)
    values = fn([DATABASE_ANSWER, DATABASE_ANSWER], prompt_id=["p-17", "p-18"])
    assert values == [
        pytest.approx(expected_reward(DATABASE_CHECKS, waived=("SEC-OPEN-ADMIN-PORTS",)), abs=1e-4),
        pytest.approx(DATABASE_REWARD, abs=1e-4),
    ]


def test_unknown_waived_check_is_an_error_naming_valid_ids() -> None:
    with pytest.raises(WaiverError, match="unknown check ID 'HA-NO-SCALING'; valid IDs: SEC-"):
        make_reward_fn()([VPC_ANSWER], waive=["HA-NO-SCALING"])


def test_worker_pool_gives_the_same_rewards_and_is_reused() -> None:
    batch = [DATABASE_ANSWER, VPC_ANSWER, "resource {", "nothing"]
    expected = make_reward_fn()(batch)
    with make_reward_fn(jobs=2, memory_cache=0).grader as grader:
        assert [g.reward for g in grader.grade_texts(batch)] == expected
        pool = grader._pool
        assert pool is not None
        assert [g.reward for g in grader.grade_texts(list(reversed(batch)))] == expected[::-1]
        assert grader._pool is pool
    assert grader._pool is None


def test_make_reward_fn_takes_exactly_the_options_of_grader() -> None:
    import inspect

    from evalkit.training.reward import Grader, GraderOptions

    keyword_only = {
        name
        for name, parameter in inspect.signature(Grader).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert set(GraderOptions.__annotations__) == keyword_only
    reward_fn = make_reward_fn(weights={"security": 0.0}, jobs=1)
    assert reward_fn.grader.rubric.entry("SEC-IAM-WILDCARD").weight == 0
    with pytest.raises(TypeError, match="unexpected options \\['job'\\]"):
        make_reward_fn(job=2)  # type: ignore[call-arg]
