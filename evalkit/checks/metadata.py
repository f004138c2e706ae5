"""What evalkit's tables, reports and rubrics need to know about the checks, without the checks.

Every check's ID, category, default severity and title, and the names feedback gives to
coverage kinds, are kept in ``catalog.json`` beside this module, written from the registry by

    python -m evalkit.checks.metadata --write

Reading results (rates, comparisons, charts, the viewer, rescoring) needs these facts only, so
it reads this file instead of importing every check, the Terraform parser and the AWS layer.
`tests/test_check_catalog.py` fails when the file no longer matches the registry.

A check registered from outside evalkit (with ``@check``) is not in the file; `catalog` adds
the checks registered in this process to the ones the file lists.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from evalkit.records import CATEGORIES

SEVERITIES = ("critical", "high", "medium", "low")
CATALOG_PATH = Path(__file__).with_name("catalog.json")
WRITE_COMMAND = "python -m evalkit.checks.metadata --write"


class DescribedCheck(Protocol):
    """What is known of a check without running it (a registered `Check` or a `CheckInfo`)."""

    @property
    def id(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def title(self) -> str: ...


class CheckTable(Protocol):
    """The checks in catalog order (category, then ID): the registry, or a `CheckCatalog`."""

    def __iter__(self) -> Iterator[DescribedCheck]: ...

    def __contains__(self, check_id: object) -> bool: ...

    def __len__(self) -> int: ...

    def get(self, check_id: str) -> DescribedCheck: ...

    def ids(self) -> list[str]: ...


@dataclass(frozen=True)
class CheckInfo:
    id: str
    category: str
    severity: str
    title: str


class UnknownCheck(KeyError):
    """A check ID that neither the catalog nor the registry has (`registry.UnknownCheckError`
    is this class)."""

    def __str__(self) -> str:
        return str(self.args[0])


_CATEGORY_RANK = {category: index for index, category in enumerate(CATEGORIES)}


def catalog_order(check: DescribedCheck) -> tuple[int, str]:
    """The sort key of catalog order: by category (an unknown one last), then by ID."""
    return (_CATEGORY_RANK.get(check.category, len(_CATEGORY_RANK)), check.id)


class CheckCatalog:
    """Checks by ID, iterated in the registry's order: by category, then by ID."""

    def __init__(self, checks: Iterable[DescribedCheck]) -> None:
        ranked = sorted(checks, key=catalog_order)
        self._checks: dict[str, DescribedCheck] = {c.id: c for c in ranked}

    def __iter__(self) -> Iterator[DescribedCheck]:
        return iter(self._checks.values())

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def __len__(self) -> int:
        return len(self._checks)

    def get(self, check_id: str) -> DescribedCheck:
        try:
            return self._checks[check_id]
        except KeyError:
            available = ", ".join(self._checks)
            raise UnknownCheck(f"unknown check ID {check_id!r}; available: {available}") from None

    def ids(self) -> list[str]:
        return list(self._checks)


def catalog() -> CheckCatalog:
    """The checks of catalog.json, with any check registered in this process that it lacks
    (one from outside evalkit). Reads no check module."""
    global _merged
    registry = sys.modules.get("evalkit.checks.registry")
    if registry is None:
        return _stored_catalog()
    size = len(registry.REGISTRY)
    if _merged is None or _merged[0] != size:
        _merged = (size, _with_registered(registry.REGISTRY))
    return _merged[1]


# The last merged catalog and the size of the registry it was merged from. Callers ask for the
# catalog per graded result and per plotted row, and merging sorts the registry. Checks are only
# ever added to it (it refuses an ID twice and removes none), so a registry of the same size
# holds the same checks.
_merged: tuple[int, CheckCatalog] | None = None


def _with_registered(registered: Iterable[DescribedCheck]) -> CheckCatalog:
    stored = _stored_catalog()
    extra = [c for c in registered if c.id not in stored]
    return CheckCatalog([*stored, *extra]) if extra else stored


def coverage_kind_name(kind: str) -> str:
    """How feedback names a coverage kind ("a relational database"); a resource type or an
    unknown kind is named as written."""
    names: dict[str, str] = _stored()["coverage_kinds"]
    return names.get(kind, kind)


@cache
def _stored() -> dict[str, Any]:
    return json.loads(CATALOG_PATH.read_text(encoding="utf-8"))


@cache
def _stored_catalog() -> CheckCatalog:
    return CheckCatalog(CheckInfo(**entry) for entry in _stored()["checks"])


# --- writing catalog.json from the registry ------------------------------------------------------


def catalog_text() -> str:
    """catalog.json as the registry and the AWS catalog say it should be: keys sorted, checks
    in catalog order, so the same checks always give the same bytes."""
    from evalkit.aws.catalog import COVERAGE_KINDS
    from evalkit.checks import REGISTRY

    document = {
        "checks": [
            asdict(CheckInfo(c.id, c.category, c.severity, c.title))
            for c in REGISTRY
            if c.function.__module__.startswith("evalkit.")
        ],
        "coverage_kinds": {kind: name for kind, (name, _types) in COVERAGE_KINDS.items()},
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evalkit.checks.metadata",
        description="Write or verify evalkit/checks/catalog.json from the check registry.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="write catalog.json")
    action.add_argument("--check", action="store_true", help="fail when catalog.json is stale")
    args = parser.parse_args(argv)
    expected = catalog_text()
    if args.write:
        CATALOG_PATH.write_text(expected, encoding="utf-8")
        print(f"wrote {CATALOG_PATH}")
        return 0
    current = CATALOG_PATH.read_text(encoding="utf-8") if CATALOG_PATH.exists() else ""
    if current != expected:
        print(f"{CATALOG_PATH} is stale; run: {WRITE_COMMAND}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
