"""Coverage as the tables show it: the share of a reference a result's answer builds, and
what it lacks, in words.

Grading (`evalkit.grading.coverage`) stores with each result the footprints coverage is
computed from; this module reads them, and needs neither the Terraform model nor the AWS
catalog (the names of the kinds come from `evalkit.checks.metadata`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from evalkit.checks.metadata import coverage_kind_name
from evalkit.records import BASIS_BOTH, BASIS_REFERENCE, BASIS_REQUIRES

_LEADS = {
    BASIS_REFERENCE: "the reference builds",
    BASIS_REQUIRES: "the task requires",
    BASIS_BOTH: "the task asks for",
}
_FEEDBACK_KINDS = 6  # kinds named in one feedback line before "(+N more)"


def coverage(answer: Mapping[str, int], reference: Mapping[str, int]) -> float | None:
    """The share of the reference's kinds the answer builds, each in as many regions; None
    (n/a) when the reference builds no counted kind."""
    shares = [min(answer.get(kind, 0), n) / n for kind, n in reference.items() if n > 0]
    return sum(shares) / len(shares) if shares else None


def has_coverage_column(columns: Iterable[Any]) -> bool:
    """Whether a scores table measures coverage: its `coverage` column sits right after
    `score` (a metadata field of that name, in a run without references, sits before
    `status`)."""
    names = [str(c) for c in columns]
    at = names.index("score") + 1 if "score" in names else 0
    return 0 < at < len(names) and names[at] == "coverage"


def coverage_of(data: Mapping[str, Any] | None) -> float | None:
    """Coverage from what `measure` stored, None when there is none or it is undefined."""
    if not data:
        return None
    return coverage(data.get("answer", {}), data.get("reference", {}))


def missing_text(data: Mapping[str, Any]) -> str:
    """What the answer lacks, in words: "the reference builds a relational database in 2
    regions and a CDN; this answer builds neither". "" when nothing is missing."""
    answer: Mapping[str, int] = data.get("answer", {})
    reference: Mapping[str, int] = data.get("reference", {})
    lead = _LEADS.get(str(data.get("basis")), _LEADS[BASIS_REFERENCE])
    absent = [kind for kind, n in reference.items() if n > 0 and answer.get(kind, 0) == 0]
    partial = [kind for kind, n in reference.items() if 0 < answer.get(kind, 0) < n]
    sentences = []
    if absent:
        named = _listed([_phrase(kind, reference[kind]) for kind in absent])
        sentences.append(f"{lead} {named}; this answer {_none_of(len(absent))}")
    for kind in partial:
        sentences.append(
            f"{_phrase(kind, 1)} is built in {answer[kind]} of the {reference[kind]} regions "
            f"{'the reference builds it in' if lead.startswith('the reference') else 'required'}"
        )
    return "; ".join(sentences)


def _phrase(kind: str, regions: int) -> str:
    name = coverage_kind_name(kind)
    return f"{name} in {regions} regions" if regions > 1 else name


def _listed(items: list[str]) -> str:
    shown = items[:_FEEDBACK_KINDS]
    more = len(items) - len(shown)
    if more:
        return ", ".join(shown) + f" (+{more} more)"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _none_of(count: int) -> str:
    return {1: "does not", 2: "builds neither"}.get(count, "builds none of them")
