"""Rewards for reinforcement learning, at the import path the documentation gives:
``from evalkit.reward import make_reward_fn``. They live in `evalkit.training.reward`."""

from evalkit.training.reward import (
    GradedCompletion,
    Grader,
    RewardError,
    RewardFunction,
    WorkerStartError,
    completion_text,
    make_reward_fn,
    reward,
    shaped_rubric,
)

__all__ = [
    "GradedCompletion",
    "Grader",
    "RewardError",
    "RewardFunction",
    "WorkerStartError",
    "completion_text",
    "make_reward_fn",
    "reward",
    "shaped_rubric",
]
