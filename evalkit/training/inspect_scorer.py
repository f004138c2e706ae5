"""An inspect_ai scorer: grade a sample's output as Terraform (extra: evalkit[inspect]).

The Score's value is the reward (score / 100, in [0, 1]) or, with ``value="score"``, the
0-100 score; its explanation is the feedback text (the failed checks' messages, most severe
first); its metadata holds the status, the score, every check's status, the waived checks and
the findings. The sample's `target`, when it holds Terraform, is the reference solution: the
score then measures coverage of it (`coverage` in the metadata). A sample that evalkit could
not grade (``error``, ``timeout``) is unscored, so it does not count in the metrics, and says
why.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState

from evalkit.dataset import DEFAULT_MAX_FILE_BYTES
from evalkit.grading.engine import DEFAULT_TIME_LIMIT
from evalkit.grading.rubric import Rubric
from evalkit.grading.waivers import DEFAULT_WAIVE_FIELD, Waivers
from evalkit.training.reward import GradedCompletion, Grader

VALUES = ("reward", "score")


@scorer(metrics=[mean(), stderr()], name="evalkit_terraform")
def terraform_scorer(
    rubric: str | Path | Rubric | None = None,
    *,
    value: str = "reward",
    weights: Mapping[str, float] | None = None,
    waivers: str | Path | Waivers | None = None,
    waive_field: str = DEFAULT_WAIVE_FIELD,
    cache: bool | str | Path = False,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    reference_from_target: bool = True,
) -> Scorer:
    """Score the model's completion with evalkit's checks under `rubric` (default rubric).

    `weights` shapes the score as for `evalkit.training.reward.make_reward_fn`; waivers are
    read from the sample's metadata (the `waive_field`, and the column a `waivers` file is
    keyed by).
    With `reference_from_target`, the sample's target is the reference solution (a target
    with no code in it measures nothing); required kinds are read from the metadata's
    ``requires``.
    """
    if value not in VALUES:
        raise ValueError(f"value must be one of {', '.join(VALUES)}, got {value!r}")
    grader = Grader(
        rubric,
        weights=weights,
        waivers=waivers,
        waive_field=waive_field,
        cache=cache,
        time_limit=time_limit,
        max_file_bytes=max_file_bytes,
    )

    async def score(state: TaskState, target: Target) -> Score:
        meta = dict(state.metadata or {})
        if reference_from_target and target.text.strip():
            meta[grader.reference_columns[0]] = target.text
        graded = grader.grade_texts([state.output.completion], [meta])[0]
        return to_score(graded, value)

    return score


def to_score(graded: GradedCompletion, value: str = "reward") -> Score:
    """An inspect `Score` from one graded completion."""
    metadata = score_metadata(graded)
    if graded.score is None:
        return Score.unscored(
            reason=graded.status,
            explanation=graded.feedback or graded.message,
            metadata=metadata,
        )
    number = graded.reward if value == "reward" else graded.score
    return Score(value=number, explanation=graded.feedback, metadata=metadata)


def score_metadata(graded: GradedCompletion) -> dict[str, Any]:
    return {
        "status": graded.status,
        "score": graded.score,
        "reward": graded.reward if graded.score is not None else None,
        "checks": dict(graded.checks),
        "failed": [cid for cid, status in graded.checks.items() if status == "fail"],
        "waived": list(graded.waived),
        "coverage": graded.coverage,
        "findings": [
            {
                "check_id": f.check_id,
                "file": f.file,
                "line": f.line,
                "resource": f.resource,
                "region": f.region,
                "message": f.message,
            }
            for f in graded.findings
        ],
        "message": graded.message,
    }
