"""Rewards for reinforcement learning: grade completions in process, one float each.

`reward(completions, prompts=None, **kwargs) -> list[float]` has the signature that RL
trainers such as TRL's GRPOTrainer call: completions are strings or chat message lists
(``[{"role": "assistant", "content": "..."}]``), and the dataset's other columns arrive as
keyword lists, one value per completion. Each completion is graded like one record of
`evalkit score` (markdown answer or bare HCL), and its reward is the ``reward`` column of
``scores.csv``: score / 100. ``parse_error``, ``no_terraform`` and ``no_infrastructure`` score
0, so their reward is 0.0; ``error`` and ``timeout`` (evalkit could not grade) give
`error_reward` (0.0 unless set).

`make_reward_fn` builds one with a rubric, shaping weights, waivers, caching and a process
pool. Results are cached by content: the same completion is graded once per process (and once
ever with ``cache=True``, across processes and runs).

A reward function never returns numbers for a batch it did not grade: worker processes that
cannot start raise `WorkerStartError` (naming the fix, most often the missing
``if __name__ == "__main__":`` guard), and a batch in which no completion could be graded
raises `RewardError` unless ``on_error="zero"``.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict, Unpack

from evalkit.checks import REGISTRY
from evalkit.dataset import DEFAULT_MAX_FILE_BYTES, submissions_from_records
from evalkit.grading.engine import DEFAULT_TIME_LIMIT, SubmissionResult, collector_paused, grade
from evalkit.grading.rubric import Rubric, RubricEntry, load_rubric
from evalkit.grading.waivers import DEFAULT_WAIVE_FIELD, Waivers, load_waivers
from evalkit.records import CATEGORIES, GRADED_STATUSES, Finding, Submission
from evalkit.results.tables import score_row
from evalkit.running.cache import ResultCache, cached_result, content_key, default_cache_dir
from evalkit.running.runner import WorkerStartError
from evalkit.terraform import parse_memo
from evalkit.terraform.parse import chosen_parser, use_parser

Completion = str | Sequence[Mapping[str, Any]] | Mapping[str, Any]
_CACHEABLE = GRADED_STATUSES
_TEXT = "response"
# Where a completion's reference and requirements travel inside the grader's records.
_REFERENCE = "_reference"
_REQUIRES = "_requires"
REFERENCE_COLUMNS = ("reference", "references")

ON_ERROR = ("raise", "zero")
_UNGRADED = ("error", "timeout")

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


class RewardError(RuntimeError):
    """No completion of a batch could be graded: its rewards would say nothing."""


@dataclass(frozen=True)
class GradedCompletion:
    """One completion's grade: what `scores.csv` and `findings.csv` would hold for it."""

    status: str
    score: float | None
    reward: float
    checks: dict[str, str]  # check ID -> pass | fail | n/a (waived and disabled checks: n/a)
    feedback: str
    findings: tuple[Finding, ...]
    waived: tuple[str, ...]
    message: str
    coverage: float | None = None  # 0-1 with a reference or requirements, else None


class Grader:
    """Grades completion texts in this process (or a reused process pool), cached by content.

    `rubric` is a YAML path, a `Rubric` or None (the default rubric). `weights` shapes the
    score: a mapping of category or check ID to a factor on the rubric weight (a check's own
    factor wins over its category's; 0 leaves it out). `cache=True` (or a directory) also
    keeps results in evalkit's on-disk cache; `memory_cache` is how many results the
    in-process cache keeps. `jobs` > 1 grades each call's new completions in that many worker
    processes, started on first use and reused until `close()`.
    A completion's reference solution is read from its `reference_field` column (by default
    ``reference`` or ``references``) and its required kinds from `requires_field`; with either,
    the score is multiplied by coverage as the rubric says (see `evalkit.grading.coverage`).
    """

    def __init__(
        self,
        rubric: str | Path | Rubric | None = None,
        *,
        weights: Mapping[str, float] | None = None,
        waivers: str | Path | Waivers | None = None,
        waive_field: str = DEFAULT_WAIVE_FIELD,
        cache: bool | str | Path = False,
        memory_cache: int = 4096,
        jobs: int = 1,
        time_limit: float | None = DEFAULT_TIME_LIMIT,
        error_reward: float = 0.0,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        reference_field: str | None = None,
        requires_field: str = "requires",
    ) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        base = rubric if isinstance(rubric, Rubric) else load_rubric(rubric, REGISTRY)
        # Chosen once: a later rubric or setting does not change what this grader's cache holds.
        self.parser = chosen_parser(base.parser)
        self.rubric = shaped_rubric(base, weights) if weights else base
        self.waivers = (
            waivers if isinstance(waivers, Waivers) else load_waivers(waivers, waive_field)
        )
        self.jobs = jobs
        self.time_limit = time_limit
        self.error_reward = float(error_reward)
        self.max_file_bytes = max_file_bytes
        self.reference_columns = (reference_field,) if reference_field else REFERENCE_COLUMNS
        self.requires_column = requires_field
        self._memory: OrderedDict[str, SubmissionResult] = OrderedDict()
        self._memory_size = max(0, memory_cache)
        self._disk = (
            None
            if cache is False or cache is None
            else ResultCache(default_cache_dir() if cache is True else Path(cache))
        )
        self._pool: Any = None
        self._checks = list(REGISTRY)
        self.hits = 0
        self.misses = 0
        weakref.finalize(self, _close_quietly, self.__dict__)

    def grade_texts(
        self, texts: Sequence[str], metas: Sequence[Mapping[str, Any]] | None = None
    ) -> list[GradedCompletion]:
        """Grade completion texts; `metas` (one mapping per text, such as a sample's
        metadata) supplies the waive field and the waivers file's column."""
        metas = metas if metas is not None else [{}] * len(texts)
        records = [
            {
                **self._waiver_fields(meta),
                **self._coverage_fields(meta),
                "id": f"completion-{index + 1}",
                _TEXT: text,
            }
            for index, (text, meta) in enumerate(zip(texts, metas, strict=True))
        ]
        coverage_fields = {
            option: name
            for option, name in (("reference_field", _REFERENCE), ("requires_field", _REQUIRES))
            if any(name in record for record in records)
        }
        submissions = list(
            submissions_from_records(
                records,
                text_field=_TEXT,
                source="completion",
                max_file_bytes=self.max_file_bytes,
                **coverage_fields,
            )
        )
        results = self._results(submissions)
        return [self._graded(self.waivers.apply(result)) for result in results]

    @property
    def waiver_columns(self) -> list[str]:
        """The metadata columns waivers are read from."""
        by = [self.waivers.file.by] if self.waivers.file is not None else []
        return [self.waivers.field, *by]

    def _waiver_fields(self, meta: Mapping[str, Any]) -> dict[str, Any]:
        return {name: meta[name] for name in self.waiver_columns if name in meta}

    @property
    def record_columns(self) -> list[str]:
        """The columns read per completion: waivers', references' and requirements'."""
        return [*self.waiver_columns, *self.reference_columns, self.requires_column]

    def _coverage_fields(self, meta: Mapping[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in self.reference_columns:
            if meta.get(name) is not None:
                found[_REFERENCE] = meta[name]
                break
        if meta.get(self.requires_column) is not None:
            found[_REQUIRES] = meta[self.requires_column]
        return found

    def close(self) -> None:
        """Stop the worker processes and commit the on-disk cache."""
        _close_quietly(self.__dict__)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- grading with the caches -------------------------------------------------------------

    def _results(self, submissions: list[Submission]) -> list[SubmissionResult]:
        found: dict[int, SubmissionResult] = {}
        todo: dict[str, list[int]] = {}
        for index, submission in enumerate(submissions):
            if submission.load_error:
                found[index] = grade(submission, self._checks, self.time_limit, self.parser)
                continue
            key = content_key(submission, self.parser, across_processes=self._disk is not None)
            hit = self._lookup(key, submission)
            if hit is not None:
                found[index] = hit
            else:
                # The same content twice in one batch (a group of identical samples) is
                # graded once.
                todo.setdefault(key, []).append(index)
        graded = self._grade([submissions[indexes[0]] for indexes in todo.values()])
        for key, result in zip(todo, graded, strict=True):
            self._remember(key, result)
            for index in todo[key]:
                found[index] = _for_submission(result, submissions[index])
        if self._disk is not None:
            self._disk.flush()
        return [found[index] for index in range(len(submissions))]

    def _lookup(self, key: str, submission: Submission) -> SubmissionResult | None:
        if key in self._memory:
            self._memory.move_to_end(key)
            self.hits += 1
            return _for_submission(self._memory[key], submission)
        value = self._disk.get(key) if self._disk is not None else None
        if value is not None:
            self.hits += 1
            result = cached_result(submission, value)
            self._remember(key, result, to_disk=False)
            return result
        self.misses += 1
        return None

    def _remember(self, key: str, result: SubmissionResult, to_disk: bool = True) -> None:
        if result.status not in _CACHEABLE:
            return
        if self._memory_size:
            # Rewards need no file text; the disk cache keeps it for runs that save files.
            self._memory[key] = replace(result, files={})
            self._memory.move_to_end(key)
            while len(self._memory) > self._memory_size:
                self._memory.popitem(last=False)
        if to_disk and self._disk is not None:
            self._disk.put(key, result)

    def _grade(self, submissions: list[Submission]) -> list[SubmissionResult]:
        if self.jobs <= 1 or len(submissions) <= 1:
            with collector_paused(), parse_memo.bypassed():
                return [grade(s, self._checks, self.time_limit, self.parser) for s in submissions]
        pool = self._worker_pool()
        futures = [pool.submit(s) for s in submissions]
        return [pool.resolve(s, f)[1] for s, f in zip(submissions, futures, strict=True)]

    def _worker_pool(self) -> Any:
        if self._pool is None:
            from evalkit.running.runner import _WorkerPool

            # Trainers hold threads and accelerator state that a forked child must not
            # inherit, so workers start fresh. Checking that they answer turns a script
            # that cannot start them (no __main__ guard) into one error, not zero rewards.
            self._pool = _WorkerPool(
                self.jobs, self.time_limit, start_method="spawn", probe=True, parser=self.parser
            )
        return self._pool

    # --- scoring -----------------------------------------------------------------------------

    def _graded(self, result: SubmissionResult) -> GradedCompletion:
        row = score_row(result, self.rubric, REGISTRY, [])
        reward = row["reward"]
        checks = {check.id: row[check.id] for check in REGISTRY}
        findings = tuple(
            f for r in result.results if checks.get(r.check_id) == "fail" for f in r.findings
        )
        return GradedCompletion(
            status=result.status,
            score=row["score"],
            reward=self.error_reward if reward is None else float(reward),
            checks=checks,
            feedback=row["feedback"],
            findings=findings,
            waived=result.waived,
            message=result.message,
            coverage=row.get("coverage"),
        )


class RewardFunction:
    """A reward function for RL trainers: ``fn(completions, prompts=None, **kwargs)``.

    Keyword arguments that are lists with one value per completion are the dataset's columns;
    the waive field and the waivers file's column are read from them. Anything else a trainer
    passes (``completion_ids``, ``trainer_state``) is ignored.

    A completion evalkit could not grade (``error``, ``timeout``) gets the grader's
    `error_reward`; a batch in which none could be graded raises `RewardError` with
    ``on_error="raise"`` (the default), and gets `error_reward` throughout with ``"zero"``.
    """

    def __init__(
        self, grader: Grader, name: str = "terraform_reward", on_error: str = "raise"
    ) -> None:
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, got {on_error!r}")
        self.grader = grader
        self.on_error = on_error
        # Trainers log each reward function under its __name__.
        self.__name__ = name

    def __call__(
        self, completions: Sequence[Completion], prompts: Sequence[Any] | None = None, **kwargs: Any
    ) -> list[float]:
        graded = self.grade(completions, **kwargs)
        if self.on_error == "raise" and graded and all(g.status in _UNGRADED for g in graded):
            raise RewardError(_ungraded_message(graded, self.grader.error_reward))
        return [g.reward for g in graded]

    def grade(self, completions: Sequence[Completion], **kwargs: Any) -> list[GradedCompletion]:
        """The full grade of each completion (status, checks, feedback), not just the reward."""
        texts = [completion_text(c) for c in completions]
        return self.grader.grade_texts(texts, self._metas(len(texts), kwargs))

    def close(self) -> None:
        self.grader.close()

    def _metas(self, count: int, columns: Mapping[str, Any]) -> list[dict[str, Any]]:
        metas: list[dict[str, Any]] = [{} for _ in range(count)]
        for name in self.grader.record_columns:
            values = columns.get(name)
            if isinstance(values, list | tuple) and len(values) == count:
                for meta, value in zip(metas, values, strict=True):
                    meta[name] = value
        return metas


class GraderOptions(TypedDict, total=False):
    """The keyword options of `Grader`, which `make_reward_fn` passes on (defaults and
    meanings: `Grader`). Type checkers hold the two to the same names and types."""

    weights: Mapping[str, float] | None
    waivers: str | Path | Waivers | None
    waive_field: str
    cache: bool | str | Path
    memory_cache: int
    jobs: int
    time_limit: float | None
    error_reward: float
    max_file_bytes: int
    reference_field: str | None
    requires_field: str


def make_reward_fn(
    rubric: str | Path | Rubric | None = None,
    *,
    name: str = "terraform_reward",
    on_error: str = "raise",
    parser: str | None = None,
    **options: Unpack[GraderOptions],
) -> RewardFunction:
    """A reward function over completions; `options` are those of `Grader` (weights,
    waivers, cache, jobs, time limit, references...) and `on_error` is `RewardFunction`'s
    (``"raise"`` or ``"zero"``). `parser` (``"tree-sitter"`` or ``"hcl2"``) becomes the HCL
    parser of this process and its workers; both give the same rewards.

    >>> reward = make_reward_fn(weights={"security": 2.0})
    >>> reward(["```hcl\\nresource ...\\n```"])
    """
    unknown = set(options) - set(GraderOptions.__annotations__)
    if unknown:
        raise TypeError(
            f"make_reward_fn() got unexpected options {sorted(unknown)}; "
            f"Grader takes {sorted(GraderOptions.__annotations__)}"
        )
    if parser is not None:
        use_parser(parser)
    return RewardFunction(Grader(rubric, **options), name, on_error)


_DEFAULT: dict[str, RewardFunction] = {}


def reward(
    completions: Sequence[Completion],
    prompts: Sequence[Any] | None = None,
    *,
    on_error: str = "raise",
    **kwargs: Any,
) -> list[float]:
    """The default reward: the default rubric, in process, with an in-memory cache."""
    if on_error not in _DEFAULT:
        _DEFAULT[on_error] = make_reward_fn(name="reward", on_error=on_error)
    return _DEFAULT[on_error](completions, prompts, **kwargs)


# --- helpers -----------------------------------------------------------------------------------


def completion_text(completion: Completion) -> str:
    """The answer text of a completion: a string, or the assistant content of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content_text(completion.get("content"))
    if isinstance(completion, Sequence):
        messages = [m for m in completion if isinstance(m, Mapping)]
        if len(messages) != len(completion):
            raise TypeError("a chat completion must be a list of message mappings")
        answer = [m for m in messages if m.get("role") == "assistant"] or messages
        return "\n\n".join(_content_text(m.get("content")) for m in answer)
    raise TypeError(
        f"a completion must be a string or a list of chat messages, not {type(completion).__name__}"
    )


def _content_text(content: Any) -> str:
    # Message content is a string, or a list of parts ({"type": "text", "text": ...}).
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(
            str(part.get("text", "")) if isinstance(part, Mapping) else str(part)
            for part in content
        )
    return str(content)


def shaped_rubric(rubric: Rubric, weights: Mapping[str, float]) -> Rubric:
    """`rubric` with each check's weight multiplied by its factor in `weights`.

    Keys are categories or check IDs; a check's own factor wins over its category's. Unknown
    keys and negative factors raise ValueError.
    """
    valid = set(CATEGORIES) | set(REGISTRY.ids())
    for key, factor in weights.items():
        if key not in valid:
            raise ValueError(
                f"weights: unknown key {key!r}; expected a category ({', '.join(CATEGORIES)}) "
                "or a check ID (see `evalkit checks`)"
            )
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor >= 0:
            raise ValueError(f"weights: {key}: factor must be a number >= 0, got {factor!r}")
    entries: dict[str, RubricEntry] = {}
    for check_id, entry in rubric.entries.items():
        category = REGISTRY.get(check_id).category
        factor = float(weights.get(check_id, weights.get(category, 1.0)))
        entries[check_id] = replace(entry, weight=entry.weight * factor)
    shaping = repr(sorted((str(k), float(v)) for k, v in weights.items()))
    digest = hashlib.sha256((rubric.sha256 + shaping).encode()).hexdigest()
    return replace(rubric, name=f"{rubric.name}+shaped", sha256=digest, entries=entries)


def _ungraded_message(graded: Sequence[GradedCompletion], error_reward: float) -> str:
    reasons = list(dict.fromkeys(f"{g.status}: {g.message}" for g in graded))
    shown = "; ".join(reasons[:3]) + (f" (+{len(reasons) - 3} more)" if len(reasons) > 3 else "")
    return (
        f"none of the {len(graded)} completions could be graded, so their rewards "
        f"({error_reward:g} each) would measure nothing: {shown}. Fix the cause (the time "
        'limit, the file size limit, the rubric), or pass on_error="zero" to make_reward_fn '
        "to reward such batches with error_reward."
    )


def _for_submission(result: SubmissionResult, submission: Submission) -> SubmissionResult:
    """A cached result under another completion's id and metadata."""
    return replace(
        result,
        submission_id=submission.id,
        meta=dict(submission.meta),
        problems=submission.problems,
        waived=(),
    )


def _close_quietly(state: dict[str, Any]) -> None:
    pool, state["_pool"] = state.get("_pool"), None
    if pool is not None:
        pool.close()
    disk, state["_disk"] = state.get("_disk"), None
    if disk is not None:
        disk.close()
