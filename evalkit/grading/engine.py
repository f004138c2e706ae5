"""Grading one submission: build the Terraform model, run the checks, keep what they found.

`grade` never raises for anything a submission contains: a broken record, an unparseable file
or a check that fails on an unexpected shape becomes a status and a message on that
submission's result, and the batch goes on.
"""

from __future__ import annotations

import gc
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from evalkit.aws import release as release_aws_layer
from evalkit.checks.registry import Check
from evalkit.grading.coverage import measure, wants_coverage
from evalkit.masking import masked, source_secrets
from evalkit.records import (
    CheckResult,
    Finding,
    Submission,
    SubmissionResult,
    SubmissionStatus,
)
from evalkit.secrets.credentials import secret_values
from evalkit.terraform.infrastructure import no_infrastructure_message, what_is_built
from evalkit.terraform.model import TerraformModel, build_model

PARSE_CHECK = "IAC-PARSE-ERROR"
DEFAULT_TIME_LIMIT = 60.0  # seconds per submission


class SubmissionTimeout(BaseException):
    """Raised inside grading when a submission runs past its time limit.

    A BaseException, so that the broad handlers that keep one bad file or check from stopping
    a batch do not swallow it."""


def grade(
    submission: Submission,
    checks: list[Check],
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    parser: str | None = None,
) -> SubmissionResult:
    """Grade one submission with the HCL `parser` (None: the process default); past
    `time_limit` seconds it gets status ``timeout``."""
    started = time.perf_counter()
    if submission.load_error:
        return _failed(submission, checks, "error", submission.load_error, started)
    try:
        with _time_limit(time_limit), collector_paused():
            return _grade(submission, checks, started, parser)
    except SubmissionTimeout:
        message = (
            f"grading took longer than the time limit of {time_limit:g} s per "
            "submission (--timeout)"
        )
        return _failed(submission, checks, "timeout", message, started)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while one submission, or a batch, is graded.

    Parsing allocates hundreds of thousands of small tree objects that live until the
    submission is done; generational collections over them cost a third of the run time and
    free nothing. The collector runs again as soon as the outermost pause ends. Grading a
    batch in one process, pause it for the whole batch: re-enabled between two submissions,
    it traces what the last one left alive and the long-lived tables of the process again
    and again (a sixth of a reward's time on real answers), to free a few objects (models
    break their own cycles).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Submissions graded in a row between two runs of the cyclic collector, in a process that
# grades a whole run (see `CollectorPacing`).
COLLECT_EVERY = 64


class CollectorPacing:
    """The cyclic garbage collector, paused (`gc.disable`) over a whole run of submissions
    graded in one of evalkit's own processes, run on the young generations every `every`
    submissions.

    Re-enabled after each submission, the collector runs at once (the submission's
    allocations are counted) and traces whatever outlives it: a parsed module kept for reuse,
    tables loaded for it, the result. That is a tenth or more of a run's time, and frees next
    to nothing, because a model breaks its own reference cycles once graded. What cycles a
    submission still leaves (an exception caught with its frames) are freed at the next
    paced collection, so memory stays bounded.
    """

    def __init__(self, every: int = COLLECT_EVERY) -> None:
        self.every = every
        self._since_collection = 0

    def graded(self) -> None:
        """Count a graded submission; every `every` of them, collect the young generations."""
        self._since_collection += 1
        if self._since_collection >= self.every:
            self._since_collection = 0
            gc.collect(1)


@contextmanager
def collector_paced(every: int = COLLECT_EVERY) -> Iterator[CollectorPacing]:
    """`CollectorPacing` for the duration of a run graded in this process: automatic
    collections resume (if they were on) when the run ends, however it ends."""
    with collector_paused():
        yield CollectorPacing(every)


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    # A timer signal interrupts pure-Python parsing wherever it is; it only works in the main
    # thread, which is where the CLI and the worker processes grade.
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise SubmissionTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _grade(
    submission: Submission, checks: list[Check], started: float, parser: str | None
) -> SubmissionResult:
    try:
        model = build_model(submission.files, parser)
    except Exception as error:  # noqa: BLE001 - a submission must never stop the batch
        return _failed(submission, checks, "error", _describe(error, "building the model"), started)
    try:
        result = _run_checks(submission, checks, model, started)
        return _with_coverage(result, submission, model, started, parser)
    finally:
        # Checks judge each deployment of each root configuration on its own model (see
        # Check.run); each holds its own AWS layer.
        for graded in _model_and_graded(model):
            release_aws_layer(graded)
        model.release()


def _model_and_graded(model: TerraformModel) -> list[TerraformModel]:
    """`model` and every model the checks judged (see `graded_models`), each once: with one
    root configuration and one deployment, that is `model` itself."""
    return list({id(m): m for m in [model, *model.graded_models()]}.values())


def _run_checks(
    submission: Submission, checks: list[Check], model: TerraformModel, started: float
) -> SubmissionResult:
    # One file that does not parse stops `terraform plan` for the whole module, so a
    # submission with any parse failure is graded as unparseable.
    gradable = model.has_terraform and not model.failures
    status: SubmissionStatus
    if not model.has_terraform:
        status, message = "no_terraform", _no_terraform_message(submission)
    elif model.failures:
        status = "parse_error"
        first = model.failures[0]
        message = f"{first.file}:{first.line}: {first.message}"
    else:
        status, message = "ok", ""
    if gradable:
        status, message = _infrastructure_status(model)
        gradable = status == "ok"
    results: list[CheckResult] = []
    for check in checks:
        if check.id == PARSE_CHECK and status == "no_infrastructure":
            # Built nothing: graded like code that does not parse, the reason as its finding.
            found = Finding(PARSE_CHECK, "", 0, "", message)
            results.append(CheckResult(PARSE_CHECK, "fail", (found,)))
            continue
        if check.id != PARSE_CHECK and not gradable:
            results.append(CheckResult(check.id, "n/a"))
            continue
        try:
            results.append(check.run(model))
        except Exception as error:  # noqa: BLE001 - one check must not lose the others
            results.append(CheckResult(check.id, "n/a"))
            status = "error"
            message = _describe(error, f"check {check.id}")
    secrets, failure = _collect_secrets(model)
    if failure:
        status, message = "error", failure
    result = SubmissionResult(
        submission.id,
        dict(submission.meta),
        status,
        message,
        tuple(results),
        time.perf_counter() - started,
        submission.problems,
        files=dict(submission.files),
    )
    return masked(result, secrets | source_secrets(submission))


def _infrastructure_status(model: TerraformModel) -> tuple[SubmissionStatus, str]:
    """``no_infrastructure`` for Terraform that parses and builds nothing (see
    evalkit.terraform.infrastructure): only variables, outputs, providers, data sources or
    utility resources, whatever tests come with it."""
    try:
        inventory = what_is_built(model)
    except Exception as error:  # noqa: BLE001 - a submission must never stop the batch
        return "error", _describe(error, "finding what the submission builds")
    if inventory.builds_infrastructure:
        return "ok", ""
    return "no_infrastructure", no_infrastructure_message(inventory)


def _with_coverage(
    result: SubmissionResult,
    submission: Submission,
    model: TerraformModel,
    started: float,
    parser: str | None,
) -> SubmissionResult:
    """The result with what coverage is computed from, when the record asks for coverage."""
    if not wants_coverage(submission):
        return result
    try:
        data = measure(submission, model, result.status, parser)
    except Exception as error:  # noqa: BLE001 - a submission must never stop the batch
        return replace(result, status="error", message=_describe(error, "measuring coverage"))
    notes = tuple(data.pop("notes", ()))
    return replace(
        result,
        coverage=data,
        problems=result.problems + notes,
        seconds=time.perf_counter() - started,
    )


def _collect_secrets(model: TerraformModel) -> tuple[set[str], str]:
    """The secret values to mask, found by a pass of their own over the whole model.

    Masking must not depend on which checks a rubric enables, so the credential pass runs
    for every submission, parseable or not (the files that did parse are read), whatever
    checks run. Its result is shared with SEC-HARDCODED-CREDENTIALS.
    """
    try:
        # Every deployment: a value only a -var-file sets is as secret as any other.
        return set().union(*(secret_values(m) for m in _model_and_graded(model))), ""
    except Exception as error:  # noqa: BLE001 - the text scans below still mask secrets
        return set(), _describe(error, "the credential pass")


def _no_terraform_message(submission: Submission) -> str:
    # What the loader skipped (a binary or oversized file) may be why nothing was found;
    # saying so keeps a reader from blaming the answer for it.
    if not submission.problems:
        return "no Terraform code found"
    return "no Terraform code found; while reading: " + "; ".join(submission.problems)


def _failed(
    submission: Submission,
    checks: list[Check],
    status: SubmissionStatus,
    message: str,
    started: float,
) -> SubmissionResult:
    results = tuple(CheckResult(c.id, "n/a") for c in checks)
    result = SubmissionResult(
        submission.id,
        dict(submission.meta),
        status,
        message,
        results,
        time.perf_counter() - started,
        submission.problems,
        files=dict(submission.files),
    )
    return masked(result, source_secrets(submission))


def _describe(error: BaseException, during: str) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    location = f" ({frame[0].name})" if frame else ""
    return f"internal error in {during}{location}: {type(error).__name__}: {error}"[:500]
