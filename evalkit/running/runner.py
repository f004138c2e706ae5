"""Running the grader over a stream of submissions: in-process, in a process pool, or on a
Dask cluster, always yielding results in input order with a bounded number in flight.

Input order is what makes output byte-identical whatever the number of workers; the bound is
what keeps memory flat on a 100k-submission run.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.checks import REGISTRY
from evalkit.checks.registry import Check
from evalkit.grading.engine import CollectorPacing, SubmissionResult, collector_paced, grade
from evalkit.records import GRADED_STATUSES, Submission, SubmissionStatus
from evalkit.running.cache import ResultCache, cached_result, content_key

_CACHEABLE = GRADED_STATUSES


@dataclass(frozen=True)
class Execution:
    """How to run: workers, time limit, where (local processes or a Dask scheduler), and
    the HCL parser (None: the process default)."""

    jobs: int = 1
    time_limit: float | None = None
    executor: str = "local"
    scheduler: str | None = None
    parser: str | None = None


def default_jobs() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def grade_stream(
    submissions: Iterable[Submission],
    execution: Execution,
    cache: ResultCache | None = None,
    tick: Callable[[], None] = lambda: None,
) -> Generator[SubmissionResult, None, None]:
    """Grade every submission with every registered check; results come in input order.
    Closing the generator early stops the grading, worker processes included."""
    checks = list(REGISTRY)
    # Imported modules and tables live for the whole run: moving them out of the collector's
    # generations keeps each between-submission collection small.
    gc.freeze()
    pending = _with_cache(submissions, cache, execution.parser)
    if execution.executor == "dask":
        graded = _dask(pending, checks, execution)
    elif execution.jobs <= 1:
        graded = _in_process(pending, checks, execution)
    else:
        graded = _processes(pending, execution)
    try:
        for submission, result in graded:
            if cache is not None and result.status in _CACHEABLE and result.seconds > 0:
                cache.put(content_key(submission, execution.parser), result)
            yield result
            tick()
    finally:
        # Closed early, the grading below stops now: its worker processes end with it.
        close = getattr(graded, "close", None)
        if close is not None:
            close()


def _in_process(
    pending: Iterable[tuple[Submission, SubmissionResult | None]],
    checks: list[Check],
    execution: Execution,
) -> Iterator[tuple[Submission, SubmissionResult]]:
    with collector_paced() as collector:
        for submission, hit in pending:
            if hit is not None:
                yield submission, hit
                continue
            result = grade(submission, checks, execution.time_limit, execution.parser)
            collector.graded()
            yield submission, result


def _with_cache(
    submissions: Iterable[Submission], cache: ResultCache | None, parser: str | None
) -> Iterator[tuple[Submission, SubmissionResult | None]]:
    for submission in submissions:
        hit = None
        if cache is not None and not submission.load_error:
            value = cache.get(content_key(submission, parser))
            if value is not None:
                hit = cached_result(submission, value)
        yield submission, hit


# --- a local process pool ----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _start_worker(time_limit: float | None, parser: str | None = None) -> None:
    from evalkit.terraform.parse import load_parser

    # Ctrl-C reaches every process of the terminal's group; the main process alone stops
    # the run (keeping the journal), so workers must not print tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_parser(parser)
    gc.freeze()
    # The worker grades until the pool ends: its collections are paced for its whole life.
    gc.disable()
    _WORKER["collector"] = CollectorPacing()
    _WORKER["checks"] = list(REGISTRY)
    _WORKER["time_limit"] = time_limit
    _WORKER["parser"] = parser


def _grade_in_worker(submission: Submission) -> SubmissionResult:
    result = grade(submission, _WORKER["checks"], _WORKER["time_limit"], _WORKER["parser"])
    _WORKER["collector"].graded()
    return result


def _worker_ready() -> bool:
    """Answered by a worker once its initializer has run: the pool can grade."""
    return True


def _processes(
    pending: Iterable[tuple[Submission, SubmissionResult | None]], execution: Execution
) -> Iterator[tuple[Submission, SubmissionResult]]:
    window = execution.jobs * 8
    pool = _WorkerPool(execution.jobs, execution.time_limit, parser=execution.parser)
    finished = False
    try:
        queue: deque[tuple[Submission, Future[SubmissionResult] | SubmissionResult]] = deque()
        for submission, hit in pending:
            queue.append((submission, hit if hit is not None else pool.submit(submission)))
            while len(queue) >= window:
                yield pool.resolve(*queue.popleft())
        while queue:
            yield pool.resolve(*queue.popleft())
        finished = True
    finally:
        if finished:
            pool.close()
        else:
            # Stopped early (Ctrl-C, an error in the reader): workers ignore Ctrl-C, so they
            # are ended here rather than left to finish, or to outlive the run.
            pool.stop()


_WORKER_DIED = (
    "the worker process died while grading this submission (killed by the system, "
    "for example for using too much memory)"
)


class _WorkerPool:
    """A process pool that replaces itself when a worker dies.

    A worker killed mid-submission (out of memory, a crash in native code) breaks the whole
    pool: every submission in flight fails with it and no new one can be queued. Those in
    flight are graded again one at a time, each in a pool of its own, so that only the
    submission that kills its worker again is reported, and the batch goes on.

    With `probe`, every pool is first asked to answer once: a pool whose workers cannot start
    at all raises `WorkerStartError` at once, instead of every submission being reported as
    having killed its worker (and a new pool being started for each).
    """

    def __init__(
        self,
        jobs: int,
        time_limit: float | None,
        start_method: str | None = None,
        probe: bool = False,
        parser: str | None = None,
    ) -> None:
        self.jobs = jobs
        self.time_limit = time_limit
        self.parser = parser
        self.probe = probe
        default_method = "fork" if sys.platform == "linux" else "spawn"
        self.context = multiprocessing.get_context(start_method or default_method)
        self.pool = self._new(jobs)

    def _new(self, workers: int) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            workers,
            mp_context=self.context,
            initializer=_start_worker,
            initargs=(self.time_limit, self.parser),
        )
        if self.probe:
            _check_started(pool, self.context.get_start_method(), workers)
        return pool

    def submit(self, submission: Submission) -> Future[SubmissionResult]:
        try:
            return self.pool.submit(_grade_in_worker, submission)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new(self.jobs)
            return self.pool.submit(_grade_in_worker, submission)

    def resolve(
        self, submission: Submission, outcome: Future[SubmissionResult] | SubmissionResult
    ) -> tuple[Submission, SubmissionResult]:
        if isinstance(outcome, SubmissionResult):
            return submission, outcome
        try:
            return submission, outcome.result()
        except BrokenProcessPool:
            return submission, self._alone(submission)
        except Exception as error:  # noqa: BLE001 - a failed worker must not lose the batch
            return submission, _crashed(submission, _failure(error))

    def _alone(self, submission: Submission) -> SubmissionResult:
        pool = self._new(1)
        try:
            return pool.submit(_grade_in_worker, submission).result()
        except BrokenProcessPool:
            return _crashed(submission, _WORKER_DIED)
        except Exception as error:  # noqa: BLE001 - a failed worker must not lose the batch
            return _crashed(submission, _failure(error))
        finally:
            pool.shutdown(wait=True)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def stop(self) -> None:
        _stop(self.pool)


class WorkerStartError(RuntimeError):
    """The worker processes could not start, so nothing was graded."""


# Spawned workers import evalkit and build the parser tables; on a loaded machine that takes
# seconds, never minutes.
WORKER_START_TIMEOUT = 180.0


def _check_started(pool: ProcessPoolExecutor, method: str, workers: int) -> None:
    try:
        pool.submit(_worker_ready).result(timeout=WORKER_START_TIMEOUT)
    except BrokenProcessPool as error:
        _stop(pool)
        raise WorkerStartError(_start_failure(method, workers, str(error))) from error
    except TimeoutError as error:
        _stop(pool)
        waited = f"no worker answered within {WORKER_START_TIMEOUT:g} s"
        raise WorkerStartError(_start_failure(method, workers, waited)) from error
    except OSError as error:
        # The system refused the processes themselves (process or memory limits).
        _stop(pool)
        raise WorkerStartError(
            f"evalkit could not start {workers} worker process(es) ({method}): "
            f"{type(error).__name__}: {error}. Lower jobs, or use jobs=1 to grade in this process."
        ) from error


def _stop(pool: ProcessPoolExecutor) -> None:
    # Workers still running a script they imported must not outlive the failed start, nor
    # write to the shared stderr after the error evalkit reports: they are waited for.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=_STOP_TIMEOUT)


# A terminated worker is gone in milliseconds; this only bounds a pathological case.
_STOP_TIMEOUT = 5.0


def _start_failure(method: str, workers: int, reason: str) -> str:
    """Why the workers did not start, and the fix, as far as evalkit can tell."""
    reason = reason.rstrip(".")
    text = f"evalkit's {workers} worker process(es) could not start ({method}): {reason}."
    if method == "fork":
        return f"{text} See the workers' error output above; jobs=1 grades in this process."
    script = _main_script()
    guard = 'if __name__ == "__main__":'
    if script is not None and not _has_main_guard(script):
        return (
            f"{text} {script} has no `{guard}` guard: a worker started by {method} imports "
            "the script that started it, which runs its code again instead of grading. Put "
            f"the script's entry point under `{guard}` (for example `{guard} main()`), or use "
            "jobs=1."
        )
    return (
        f"{text} A worker started by {method} imports the main script: code that creates or "
        f"calls the reward function must run under `{guard}`, not when the script is "
        "imported. See the workers' error output above; jobs=1 grades in this process."
    )


def _main_script() -> str | None:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path if isinstance(path, str) and path.endswith(".py") else None


def _has_main_guard(path: str) -> bool:
    """Whether a script has an ``if __name__ == "__main__":`` block at its top level."""
    import ast

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return True  # cannot tell: say nothing about the guard
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            if any(isinstance(n, ast.Name) and n.id == "__name__" for n in names) and any(
                isinstance(n, ast.Constant) and n.value == "__main__" for n in names
            ):
                return True
    return False


def _failure(error: BaseException) -> str:
    return f"worker failed while grading: {type(error).__name__}: {error}"


def _crashed(
    submission: Submission, message: str, status: SubmissionStatus = "error"
) -> SubmissionResult:
    from evalkit.masking import masked, source_secrets
    from evalkit.records import CheckResult

    checks = tuple(CheckResult(c.id, "n/a") for c in REGISTRY)
    return masked(
        SubmissionResult(
            submission.id,
            dict(submission.meta),
            status,
            message[:500],
            checks,
            0.0,
            submission.problems,
            files=dict(submission.files),
        ),
        source_secrets(submission),
    )


# --- Dask --------------------------------------------------------------------------------------


class ExecutorUnavailable(RuntimeError):
    """The chosen executor cannot run here (its package is missing)."""


def _batch_results(
    future: Any, todo: list[Submission], time_limit: float | None
) -> list[SubmissionResult]:
    """A batch's results; a batch that fails or outlives its time budget still gives rows.

    The per-submission timer cannot run in Dask's worker threads, so the batch as a whole
    gets the budget of all its submissions: a stuck worker or a lost cluster ends as
    `timeout`/`error` rows instead of a run that waits forever.
    """
    if future is None:
        return []
    budget = None if not time_limit else time_limit * len(todo) + 60
    try:
        return list(future.result(timeout=budget))
    except TimeoutError:
        future.cancel()
        message = (
            f"grading on the cluster took longer than the time limit of {time_limit:g} s "
            "per submission (--timeout)"
        )
        return [_crashed(s, message, status="timeout") for s in todo]
    except Exception as error:  # noqa: BLE001 - a lost worker must not lose the batch
        return [_crashed(s, _failure(error)) for s in todo]


def _grade_batch(
    batch: list[Submission], time_limit: float | None, parser: str | None = None
) -> list[SubmissionResult]:
    checks = list(REGISTRY)
    with collector_paced() as collector:
        results = []
        for submission in batch:
            results.append(grade(submission, checks, time_limit, parser))
            collector.graded()
        return results


def _dask(
    pending: Iterable[tuple[Submission, SubmissionResult | None]],
    checks: list[Check],
    execution: Execution,
) -> Iterator[tuple[Submission, SubmissionResult]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise ExecutorUnavailable(
            "the dask executor needs the dask extra: pip install -e '.[dask]'"
        ) from error
    cluster = None
    if execution.scheduler:
        client = Client(execution.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=max(1, execution.jobs),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    batch_size = 16
    window = max(2, execution.jobs * 4)
    try:
        queue: deque[tuple[list[tuple[Submission, SubmissionResult | None]], Any]] = deque()
        batch: list[tuple[Submission, SubmissionResult | None]] = []

        def flush() -> None:
            todo = [s for s, hit in batch if hit is None]
            # Worker threads cannot use the signal timer, so no per-submission limit here.
            future = (
                client.submit(_grade_batch, todo, None, execution.parser, pure=False)
                if todo
                else None
            )
            queue.append((list(batch), future))
            batch.clear()

        def drain_one() -> Iterator[tuple[Submission, SubmissionResult]]:
            items, future = queue.popleft()
            todo = [s for s, hit in items if hit is None]
            graded = iter(_batch_results(future, todo, execution.time_limit))
            for submission, hit in items:
                yield submission, hit if hit is not None else next(graded)

        for item in pending:
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
                while len(queue) >= window:
                    yield from drain_one()
        if batch:
            flush()
        while queue:
            yield from drain_one()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
