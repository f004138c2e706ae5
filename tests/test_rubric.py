from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.checks import REGISTRY
from evalkit.grading.rubric import RubricError, default_rubric_path, load_rubric, weighted_score


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_rubric_covers_every_registered_check() -> None:
    rubric = load_rubric(None, REGISTRY)
    assert set(rubric.entries) == set(REGISTRY.ids())
    assert all(entry.enabled for entry in rubric.entries.values())
    assert rubric.entry("SEC-IAM-WILDCARD").weight == 10.0
    assert rubric.name == "aws-multi-region"


def test_repository_rubric_is_the_packaged_default() -> None:
    top_level = Path(__file__).parent.parent / "rubrics" / "aws-multi-region.yaml"
    assert top_level.read_bytes() == default_rubric_path().read_bytes()


def test_overrides_severity_weight_and_enabled(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
name: custom
version: 2
severity_weights: {critical: 8}
checks:
  SEC-IAM-WILDCARD: {severity: low}
  IAC-UNDEFINED-REFERENCE: {weight: 4.5}
  SEC-OPEN-ADMIN-PORTS: {enabled: false}
""",
    )
    rubric = load_rubric(path, REGISTRY)
    assert rubric.entry("SEC-IAM-WILDCARD").weight == 1.0
    assert rubric.entry("SEC-IAM-WILDCARD").severity == "low"
    assert rubric.entry("IAC-UNDEFINED-REFERENCE").weight == 4.5
    assert rubric.entry("SEC-ENCRYPTION-AT-REST").weight == 8.0
    assert not rubric.entry("SEC-OPEN-ADMIN-PORTS").enabled
    assert rubric.version == "2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nversion: 1\nchecks:\n  SEC-NOPE: {}\n", ":4: checks.SEC-NOPE: unknown check ID"),
        (
            "name: x\nversion: 1\nchecks:\n  SEC-IAM-WILDCARD: {weight: -1}\n",
            ":4: checks.SEC-IAM-WILDCARD.weight: weight must not be negative",
        ),
        (
            "name: x\nversion: 1\nchecks:\n  SEC-IAM-WILDCARD: {weight: heavy}\n",
            ":4: checks.SEC-IAM-WILDCARD.weight: weight must be a number",
        ),
        (
            "name: x\nversion: 1\nchecks:\n  SEC-IAM-WILDCARD: {severity: huge}\n",
            ":4: checks.SEC-IAM-WILDCARD.severity: unknown severity",
        ),
        (
            "name: x\nversion: 1\nchecks:\n  SEC-IAM-WILDCARD: {enabled: maybe}\n",
            ":4: checks.SEC-IAM-WILDCARD.enabled: must be true or false",
        ),
        (
            "name: x\nversion: 1\nchecks:\n  SEC-IAM-WILDCARD: {}\n  SEC-IAM-WILDCARD: {}\n",
            ":5: checks.SEC-IAM-WILDCARD: duplicate key",
        ),
        ("name: x\nversion: 1\nchecks: [\n", ":4: YAML syntax error"),
        ("name: x\nversion: 1\ncolour: red\n", ":3: colour: unknown key"),
        ("version: 1\n", ":1: name: missing required key"),
        ("- a\n- b\n", ":1: a rubric must be a mapping"),
        (
            "name: x\nversion: 1\nseverity_weights: {urgent: 3}\n",
            ":3: severity_weights.urgent: unknown severity",
        ),
    ],
)
def test_mistakes_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RubricError) as error:
        load_rubric(path, REGISTRY)
    message = str(error.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_missing_file_is_a_rubric_error(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="cannot read rubric"):
        load_rubric(tmp_path / "absent.yaml", REGISTRY)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    path = write(tmp_path, "name: !!python/object/apply:os.system ['echo pwned']\nversion: 1\n")
    with pytest.raises(RubricError):
        load_rubric(path, REGISTRY)


def test_weighted_score_follows_the_catalog_formula() -> None:
    rubric = load_rubric(None, REGISTRY)
    critical = [c.id for c in REGISTRY if c.severity == "critical"][:6]
    statuses = dict.fromkeys(critical, "pass")
    statuses[critical[0]] = "fail"
    statuses[critical[1]] = "n/a"
    # 5 applicable critical checks of weight 10, one failed.
    assert weighted_score(statuses, rubric, critical) == pytest.approx(80.0)
    low = (
        next(c.id for c in REGISTRY if c.severity == "low")
        if any(c.severity == "low" for c in REGISTRY)
        else None
    )
    if low is not None:
        # a failed low check (weight 1) beside 5 passing critical ones (weight 50)
        mixed = {**dict.fromkeys(critical[1:], "pass"), low: "fail"}
        assert weighted_score(mixed, rubric) == pytest.approx(100 * (1 - 1 / 51))
    assert weighted_score({cid: "n/a" for cid in REGISTRY.ids()}, rubric) is None
