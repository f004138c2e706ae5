"""The check registry: one declarative unit per catalog ID.

A check is a function over the `TerraformModel` that returns ``None`` when nothing it is about
is present (``n/a``), an empty list when it passes, or the findings that make it fail. Its
docstring is the user-facing documentation: the failure, why it matters, and the fix.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from evalkit.checks import metadata
from evalkit.records import CATEGORIES, CheckResult, Finding
from evalkit.terraform.model import TerraformModel

SEVERITIES = metadata.SEVERITIES

CheckFunction = Callable[[TerraformModel], "list[Finding] | None"]
NoteFunction = Callable[[TerraformModel], "list[str]"]


@dataclass(frozen=True)
class Check:
    id: str
    category: str
    severity: str
    title: str
    function: CheckFunction
    # Optional: what the verdict adds in words, whatever the status (never changes it).
    notes: NoteFunction | None = None

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.function.__doc__ or "")

    def run(self, model: TerraformModel) -> CheckResult:
        """Judge every deployment of every root configuration of the submission on its own.

        Fails when some deployment fails, passes when some passes, else n/a. A finding that
        only some deployments of a root have says which (`with prod.tfvars`). Module code
        that several roots share is reported once per distinct problem: findings with the
        same file, line and message from different roots are one finding."""
        results = [self._judge_root(root) for root in model.root_models]
        note = self._note(model)
        if all(findings is None for findings in results):
            return CheckResult(self.id, "n/a", note=note)
        located = sorted(
            {replace(f, check_id=self.id) for findings in results for f in findings or ()},
            key=lambda f: (f.file, f.line, f.resource, f.message),
        )
        unique = {(f.file, f.line, f.message): f for f in reversed(located)}
        kept = tuple(f for f in located if unique[(f.file, f.line, f.message)] is f)
        return CheckResult(self.id, "fail" if kept else "pass", kept, note)

    def _note(self, model: TerraformModel) -> str:
        if self.notes is None:
            return ""
        found = [note for root in model.root_models for note in self.notes(root)]
        return "; ".join(dict.fromkeys(found))

    def _judge_root(self, root: TerraformModel) -> list[Finding] | None:
        deployments = root.deployments
        results = [(d.var_file, self.function(d.model)) for d in deployments]
        if all(findings is None for _, findings in results):
            return None
        holders: dict[Finding, list[str]] = {}
        for var_file, findings in results:
            for item in findings or ():
                holders.setdefault(item, []).append(var_file)
        return [
            item if len(set(files)) == len(deployments) else with_deployments(item, files)
            for item, files in holders.items()
        ]


def with_deployments(item: Finding, var_files: list[str]) -> Finding:
    """The finding with the deployments that have it named at the end of its message:
    ``... pick a smaller class (with prod.tfvars).``"""
    named = ", ".join(sorted(dict.fromkeys(var_files)))
    message = item.message
    stop = "." if message.endswith(".") else ""
    return replace(item, message=f"{message.removesuffix(stop)} (with {named}){stop}")


# One error for an unknown check ID, whether the registry or the catalog is asked.
UnknownCheckError = metadata.UnknownCheck


class CheckRegistry:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def add(self, check: Check) -> None:
        if check.id in self._checks:
            raise ValueError(f"check {check.id} is registered twice")
        if check.category not in CATEGORIES:
            raise ValueError(f"check {check.id}: unknown category {check.category!r}")
        if check.severity not in SEVERITIES:
            raise ValueError(f"check {check.id}: unknown severity {check.severity!r}")
        self._checks[check.id] = check

    def get(self, check_id: str) -> Check:
        try:
            return self._checks[check_id]
        except KeyError:
            available = ", ".join(self.ids())
            raise UnknownCheckError(
                f"unknown check ID {check_id!r}; available: {available}"
            ) from None

    def ids(self) -> list[str]:
        return [c.id for c in self]

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def __iter__(self) -> Iterator[Check]:
        return iter(sorted(self._checks.values(), key=metadata.catalog_order))

    def __len__(self) -> int:
        return len(self._checks)


REGISTRY = CheckRegistry()


def check(
    check_id: str,
    *,
    category: str,
    severity: str,
    title: str,
    notes: NoteFunction | None = None,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under its catalog ID."""

    def register(function: CheckFunction) -> CheckFunction:
        REGISTRY.add(Check(check_id, category, severity, title, function, notes))
        return function

    return register


def finding(file: str, line: int, resource: str, message: str, region: str = "") -> Finding:
    """A finding whose check ID the registry fills in."""
    return Finding(
        check_id="", file=file, line=line, resource=resource, message=message, region=region
    )
