"""Reference solutions joined to a dataset by id (`evalkit score --references PATH`).

PATH is any dataset evalkit can read (a JSONL/JSON/CSV/Parquet file, a directory of answers,
globs): each of its submissions is the reference of the submission with the same id. A
submission without one gets no coverage; a reference whose id is in no submission is reported
as a problem of the run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from evalkit.dataset.loader import iter_submissions
from evalkit.dataset.textfiles import DEFAULT_MAX_FILE_BYTES
from evalkit.records import Submission


class ReferenceJoin:
    """The references of a dataset by id, and which of them found their submission."""

    def __init__(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        id_field: str = "id",
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        self.paths = [str(paths)] if isinstance(paths, str | Path) else [str(p) for p in paths]
        self.references: dict[str, Submission] = {}
        for reference in iter_submissions(
            self.paths, id_field=id_field, max_file_bytes=max_file_bytes
        ):
            # A repeated id keeps its first reference; the loader renamed the others.
            self.references.setdefault(reference.id, reference)
        self.matched: set[str] = set()

    def attach(self, submissions: Iterable[Submission]) -> Iterator[Submission]:
        """The submissions, each with its reference (a reference in the record itself wins)."""
        for submission in submissions:
            reference = self.references.get(submission.id)
            if reference is not None:
                self.matched.add(submission.id)
            if reference is None or submission.reference is not None:
                yield submission
                continue
            if reference.load_error:
                note = f"reference not read: {reference.load_error}"
                yield dataclasses.replace(submission, problems=(*submission.problems, note))
                continue
            notes = tuple(f"reference: {problem}" for problem in reference.problems)
            yield dataclasses.replace(
                submission,
                reference=dict(reference.files),
                problems=submission.problems + notes,
            )

    def unmatched(self) -> list[str]:
        """Ids of references no submission had, in the order of the references."""
        return [ref_id for ref_id in self.references if ref_id not in self.matched]

    def problems(self) -> list[dict[str, Any]]:
        """The unmatched references as run.json problems."""
        source = ", ".join(self.paths)
        return [
            {
                "submission_id": ref_id,
                "problem": f"reference in {source} matches no submission id",
                "source": "references",
            }
            for ref_id in self.unmatched()
        ]
