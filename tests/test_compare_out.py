"""`evalkit compare --out` writes CSV and JSON as well as markdown."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evalkit.analysis.compare import compare, split_run
from evalkit.cli import main
from tests.test_compare_groups import SEC1, models_run


@pytest.fixture()
def run_dir(tmp_path: Path) -> str:
    return str(models_run().save(tmp_path / "run"))


def test_groups_as_csv_one_row_per_statistic(run_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "groups.csv"
    args = ["compare", run_dir, "--by", "model", "--on", "prompt_id", "--n-boot", "300"]
    assert main([*args, "--out", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    pairs = {(r["group_a"], r["group_b"]) for r in rows}
    assert pairs == {("a", "b"), ("a", "c"), ("b", "c")}
    sec1 = next(
        r for r in rows if r["group_b"] == "b" and r["group_a"] == "a" and r["name"] == SEC1
    )
    parts = split_run(models_run(), "model")
    expected = compare(parts["a"], parts["b"], on="prompt_id", n_boot=300).checks
    expected = expected.set_index("check_id").loc[SEC1]
    assert float(sec1["value_a"]) == pytest.approx(expected["rate_a"])
    assert float(sec1["diff"]) == pytest.approx(expected["diff"])
    assert float(sec1["p_adjusted"]) == pytest.approx(expected["p_adjusted"])
    assert sec1["significant"] == "True" and sec1["kind"] == "check"


def test_two_runs_as_json(run_dir: str, tmp_path: Path) -> None:
    parts = split_run(models_run(), "model")
    a = parts["a"].save(tmp_path / "a")
    b = parts["b"].save(tmp_path / "b")
    out = tmp_path / "ab.json"
    assert main(["compare", str(a), str(b), "--n-boot", "300", "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["paired"] is True and document["on"] == "prompt_id"
    assert document["correction"] == "holm"
    score = next(r for r in document["rows"] if r["kind"] == "score")
    assert score["value_a"] == pytest.approx(parts["a"].scores["score"].mean())
    # Markdown is still what any other name gets.
    md = tmp_path / "ab.md"
    assert main(["compare", str(a), str(b), "--n-boot", "300", "--out", str(md)]) == 0
    assert md.read_text(encoding="utf-8").startswith("# Comparison of b with a")
