"""evalkit/checks/catalog.json: the check metadata results and analysis read instead of
importing the checks. It must say what the registry says."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.aws.catalog import COVERAGE_KINDS
from evalkit.checks import REGISTRY
from evalkit.checks.metadata import (
    CATALOG_PATH,
    WRITE_COMMAND,
    UnknownCheck,
    catalog,
    catalog_text,
    coverage_kind_name,
    main,
)
from evalkit.checks.registry import Check


def test_the_committed_catalog_matches_the_registry() -> None:
    committed = CATALOG_PATH.read_text(encoding="utf-8")
    assert committed == catalog_text(), (
        f"{CATALOG_PATH.name} is stale (a check was added, renamed or re-titled); "
        f"run: {WRITE_COMMAND}"
    )


def test_the_catalog_gives_every_check_as_the_registry_does_in_its_order() -> None:
    described = [(c.id, c.category, c.severity, c.title) for c in catalog()]
    assert described == [(c.id, c.category, c.severity, c.title) for c in REGISTRY]


def test_writing_the_catalog_twice_gives_the_same_bytes() -> None:
    assert catalog_text() == catalog_text()


def test_check_mode_fails_on_a_stale_file_and_names_the_command(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "catalog.json"
    stale.write_text('{"checks": [], "coverage_kinds": {}}\n', encoding="utf-8")
    monkeypatch.setattr("evalkit.checks.metadata.CATALOG_PATH", stale)
    assert main(["--check"]) == 1
    assert WRITE_COMMAND in capsys.readouterr().err
    assert main(["--write"]) == 0
    assert main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == catalog_text()


def test_a_check_registered_from_outside_evalkit_joins_the_catalog(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def local_check(model: Any) -> list[Any]:
        return []

    local_check.__module__ = "__main__"  # as defined in a notebook cell
    foreign = Check("ZZ-LOCAL", "security", "low", "a check defined in a notebook", local_check)
    assert "ZZ-LOCAL" not in catalog()
    monkeypatch.setitem(REGISTRY._checks, foreign.id, foreign)
    assert catalog().get("ZZ-LOCAL").title == "a check defined in a notebook"
    assert catalog().ids() == REGISTRY.ids()
    # Never written to the file: it is not evalkit's.
    assert "ZZ-LOCAL" not in catalog_text()


def test_an_unknown_id_names_the_ones_there_are() -> None:
    with pytest.raises(UnknownCheck, match="SEC-IAM-WILDCARD"):
        catalog().get("SEC-NOPE")


def test_coverage_kinds_are_named_as_the_aws_catalog_names_them() -> None:
    for kind, (name, _types) in COVERAGE_KINDS.items():
        assert coverage_kind_name(kind) == name
    assert coverage_kind_name("aws_s3_bucket_replication_configuration") == (
        "aws_s3_bucket_replication_configuration"
    )
