"""Training: evalkit's grader as a reward for reinforcement learning.

In: model completions (strings or chat messages) and their dataset columns. Out: one reward
per completion (`reward`, `make_reward_fn`), or an inspect_ai `Score`
(`evalkit.training.inspect_scorer`, also importable as `evalkit.integrations.inspect`).
"""
