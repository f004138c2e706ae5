"""A reward function that fails loudly: a batch that was never graded raises, never scores 0."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from evalkit.running import runner
from evalkit.running.runner import _has_main_guard
from evalkit.training.reward import RewardError, WorkerStartError, make_reward_fn, reward

BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "app-logs"\n}\n'
QUEUE = 'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n'
# Worker start, a failure and the error take seconds; minutes mean respawning.
QUICK = 120.0

SCRIPT = """\
from evalkit.training.reward import make_reward_fn

fn = make_reward_fn(jobs=2, memory_cache=0)
{call}
"""
CALL = "print('rewards', fn([{bucket!r}, {queue!r}]))"


def run_script(tmp_path: Path, body: str) -> tuple[subprocess.CompletedProcess[str], float]:
    script = tmp_path / "train.py"
    script.write_text(body, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done, time.monotonic() - started


def test_a_script_without_the_main_guard_fails_quickly_naming_the_guard(tmp_path: Path) -> None:
    call = CALL.format(bucket=BUCKET, queue=QUEUE)
    done, seconds = run_script(tmp_path, SCRIPT.format(call=call))
    assert done.returncode != 0
    assert "rewards" not in done.stdout  # no list of zeros for a batch never graded
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("evalkit.running.runner.WorkerStartError: ")
    assert 'has no `if __name__ == "__main__":` guard' in last
    assert str(tmp_path / "train.py") in last
    assert "memory" not in last
    assert seconds < QUICK


def test_the_same_script_with_the_guard_grades(tmp_path: Path) -> None:
    call = "if __name__ == '__main__':\n    " + CALL.format(bucket=BUCKET, queue=QUEUE)
    done, _ = run_script(tmp_path, SCRIPT.format(call=call))
    assert done.returncode == 0, done.stderr
    rewards = ast.literal_eval(done.stdout.split("rewards", 1)[1].strip())
    assert rewards == make_reward_fn()([BUCKET, QUEUE])
    assert all(0.0 < value <= 1.0 for value in rewards)


def test_the_guard_is_found_only_at_the_top_level(tmp_path: Path) -> None:
    guarded = tmp_path / "guarded.py"
    guarded.write_text("def main():\n    pass\n\nif '__main__' == __name__:\n    main()\n")
    nested = tmp_path / "nested.py"
    nested.write_text(
        textwrap.dedent(
            """\
            def main():
                if __name__ == "__main__":
                    pass
            main()
            """
        )
    )
    other = tmp_path / "other.py"
    other.write_text('if __name__ == "evalkit":\n    pass\n')
    assert _has_main_guard(str(guarded))
    assert not _has_main_guard(str(nested))
    assert not _has_main_guard(str(other))


def test_a_batch_that_no_completion_could_be_graded_in_raises() -> None:
    fn = make_reward_fn(max_file_bytes=2000)
    too_big = ["#" * 5000, "# " + "x" * 4000]
    with pytest.raises(RewardError, match=r"none of the 2 completions could be graded") as info:
        fn(too_big)
    message = str(info.value)
    assert "over the 2000-byte file size limit" in message
    assert 'on_error="zero"' in message
    # The statuses are still there to read, one per completion.
    assert [g.status for g in fn.grade(too_big)] == ["error", "error"]


def test_on_error_zero_gives_error_reward_to_an_ungraded_batch() -> None:
    fn = make_reward_fn(max_file_bytes=2000, on_error="zero", error_reward=-0.5)
    assert fn(["#" * 5000, "# " + "x" * 4000]) == [-0.5, -0.5]
    assert reward(["#" * 6_000_000], on_error="zero") == [0.0]
    with pytest.raises(RewardError):
        reward(["#" * 6_000_000])


def test_one_graded_completion_keeps_the_batch_per_completion() -> None:
    fn = make_reward_fn(max_file_bytes=2000, error_reward=-1.0)
    rewards = fn([BUCKET, "#" * 5000])
    assert rewards[1] == -1.0 and 0.0 < rewards[0] <= 1.0


def test_no_infrastructure_is_a_graded_zero_not_an_error() -> None:
    fn = make_reward_fn()
    assert fn(['resource "random_id" "x" {\n  byte_length = 4\n}\n', "locals {\n  x = 1\n}\n"]) == [
        0.0,
        0.0,
    ]


def test_on_error_must_be_raise_or_zero() -> None:
    with pytest.raises(ValueError, match="on_error must be one of raise, zero, got 'skip'"):
        make_reward_fn(on_error="skip")


class _BrokenAtStart:
    """A process pool whose workers die before answering, as without the guard."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.shut = False

    def submit(self, *args: object) -> Future[object]:
        future: Future[object] = Future()
        future.set_exception(BrokenProcessPool("A process in the process pool was terminated"))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.shut = True


class _Refused(_BrokenAtStart):
    """A process pool the system refuses to start."""

    def submit(self, *args: object) -> Future[object]:
        raise OSError(11, "Resource temporarily unavailable")


def test_a_pool_that_cannot_start_raises_at_once_and_grades_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "train.py"
    script.write_text("fn = make_reward_fn(jobs=2)\nfn(batch)\n", encoding="utf-8")
    monkeypatch.setattr(runner, "ProcessPoolExecutor", _BrokenAtStart)
    monkeypatch.setattr(runner, "_main_script", lambda: str(script))
    fn = make_reward_fn(jobs=2, memory_cache=0)
    with pytest.raises(WorkerStartError, match=r"train\.py has no `if __name__") as info:
        fn([BUCKET, QUEUE])
    assert "could not start (spawn)" in str(info.value) and "memory" not in str(info.value)
    assert fn.grader.misses == 2 and fn.grader.hits == 0  # nothing was cached as graded

    script.write_text("def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n")
    with pytest.raises(WorkerStartError, match="must run under `if __name__"):
        make_reward_fn(jobs=2)([BUCKET, QUEUE])


def test_a_pool_the_system_refuses_names_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "ProcessPoolExecutor", _Refused)
    with pytest.raises(WorkerStartError, match=r"BlockingIOError: .*Lower jobs, or use jobs=1"):
        make_reward_fn(jobs=2)([BUCKET, QUEUE])
