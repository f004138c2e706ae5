"""Plain records that flow between evalkit's stages.

They are frozen dataclasses with stable field names: the fields of `Finding` become the columns
of `findings.csv`, and `Submission` is what every loader yields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Status = Literal["pass", "fail", "n/a"]
SubmissionStatus = Literal[
    "ok", "parse_error", "no_terraform", "no_infrastructure", "error", "timeout"
]
# In the order summaries and reports list them.
SUBMISSION_STATUSES: tuple[SubmissionStatus, ...] = get_args(SubmissionStatus)
# Graded, with a score of 0 whatever the rubric: nothing parses, or nothing is built.
ZERO_STATUSES: tuple[SubmissionStatus, ...] = ("parse_error", "no_terraform", "no_infrastructure")
# Graded to the end (what the caches keep and the failure rates count).
GRADED_STATUSES: tuple[SubmissionStatus, ...] = ("ok", *ZERO_STATUSES)

# What the coverage a result stores is measured against (`SubmissionResult.coverage["basis"]`).
BASIS_REFERENCE = "reference"
BASIS_REQUIRES = "requires"
BASIS_BOTH = "reference+requires"

# The HCL parsers a run may use (`evalkit.terraform.parse`); both give the same results.
PARSER_NAMES: tuple[str, ...] = ("tree-sitter", "hcl2")

CATEGORIES: tuple[str, ...] = (
    "security",
    "networking",
    "availability",
    "iac",
    "observability",
    "testing",
    "performance",
    "cost",
    "documentation",
)


@dataclass(frozen=True)
class Submission:
    """One graded unit: a model answer or a directory of Terraform.

    `files` maps a relative file name (``main.tf``, ``modules/vpc/main.tf``,
    ``tests/vpc.tftest.hcl``) to its text. `meta` holds every other field of the input
    record (model, prompt id, ...) and is carried through to ``scores.csv``.
    `problems` lists what the loader had to skip or repair, in words a user can act on.
    `load_error` is set when the record itself could not be read (a broken JSONL line, an
    unreadable file); such a submission still gets a row, with status ``error``.
    `reference` holds the files of a reference solution and `requires` a list of required
    kinds (see `evalkit.grading.coverage`); with either, the result measures coverage.
    """

    id: str
    files: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    load_error: str = ""
    reference: dict[str, str] | None = None
    requires: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Finding:
    """One concrete failure, located in the submission."""

    check_id: str
    file: str
    line: int
    resource: str
    message: str
    region: str = ""


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict on one submission."""

    check_id: str
    status: Status
    findings: tuple[Finding, ...] = ()
    # What a check says beyond its findings (why it is n/a, deprecations a pass uses).
    note: str = ""


@dataclass(frozen=True)
class SubmissionResult:
    submission_id: str
    meta: dict[str, Any]
    status: SubmissionStatus
    message: str
    results: tuple[CheckResult, ...]
    seconds: float = 0.0
    problems: tuple[str, ...] = field(default=())
    # Checks waived for this submission (see evalkit.grading.waivers): graded, but counted as n/a.
    waived: tuple[str, ...] = field(default=())
    # What coverage is computed from (evalkit.grading.coverage.measure), when the record carries a
    # reference or requirements: the basis and the reference's and the answer's footprints.
    coverage: dict[str, Any] | None = None
    # The submission's files as graded, secrets masked: saved with the run (DIR/files/), never
    # written to the journal.
    files: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
