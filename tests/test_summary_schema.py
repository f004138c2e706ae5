"""summary.json has a published JSON schema (evalkit/schemas/summary.schema.json) that real
runs satisfy and that rejects malformed summaries."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import evalkit
from evalkit.cli import main
from tests.answers import OPEN_SSH

jsonschema = pytest.importorskip("jsonschema")


def _schema() -> dict[str, Any]:
    text = resources.files("evalkit").joinpath("schemas/summary.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _summary(tmp_path: Path) -> dict[str, Any]:
    rows = [
        {"id": "a", "model": "m1", "response": OPEN_SSH},
        {"id": "b", "model": "m2", "response": "no code"},
        {"id": "c", "response": '```hcl\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n```'},
    ]
    data = tmp_path / "records.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run"
    args = ["score", str(data), "--out", str(out), "--by", "model", "--quiet", "--no-cache"]
    assert main([*args, "--jobs", "1"]) == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_a_real_summary_validates(tmp_path: Path) -> None:
    schema = _schema()
    summary = _summary(tmp_path)
    assert set(summary["groups"]) == {"m1", "m2", "(no model)"}
    jsonschema.validate(summary, schema)
    # And the summary of a run saved from Python.
    saved = evalkit.score([{"id": "x", "response": OPEN_SSH}], jobs=1).save(tmp_path / "py")
    jsonschema.validate(json.loads((saved / "summary.json").read_text("utf-8")), schema)


@pytest.mark.parametrize(
    "path, value",
    [
        (("overall", "score_mean"), 140.0),
        (("overall", "n_submissions"), "3"),
        (("groups", "m1", "categories", "security", "failure_rate"), 1.5),
    ],
)
def test_malformed_summaries_are_rejected(
    tmp_path: Path, path: tuple[str, ...], value: Any
) -> None:
    broken = copy.deepcopy(_summary(tmp_path))
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema())


def test_a_summary_without_overall_is_rejected(tmp_path: Path) -> None:
    broken = _summary(tmp_path)
    del broken["overall"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema())
