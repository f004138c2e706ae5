"""Significance is corrected by default (Holm) in `compare`, `compare --by` and `report`, the
chart's legend names the method, and the family holds only rows that are tests of their own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.analysis import plots
from evalkit.analysis.compare import compare, family_rows, holm, split_run
from evalkit.cli import main
from tests.test_compare_groups import IAC1, SEC1, SEC2, models_run


def _pair() -> tuple[object, object]:
    parts = split_run(models_run(), "model")
    return parts["a"], parts["b"]


def test_compare_corrects_with_holm_unless_told_otherwise() -> None:
    a, b = _pair()
    default = compare(a, b, on="prompt_id", n_boot=300)
    assert default.correction == "holm"
    assert "p_adjusted" in default.checks.columns
    for off in (None, "none"):
        plain = compare(a, b, on="prompt_id", n_boot=300, correct=off)
        assert plain.correction is None and "p_adjusted" not in plain.checks.columns


def test_the_family_leaves_out_rows_that_cannot_differ_and_repeated_categories() -> None:
    a, b = _pair()
    result = compare(a, b, on="prompt_id", n_boot=300)
    checks = result.checks.set_index("check_id")
    categories = result.categories.set_index("category")
    # SEC2 never fails in either group: no test, nothing adjusted.
    assert np.isnan(checks.loc[SEC2, "p_adjusted"]) and not checks.loc[SEC2, "significant"]
    # iac holds only IAC1 here: the same test, counted once, with the same adjusted p-value.
    assert categories.loc["iac", "p_adjusted"] == checks.loc[IAC1, "p_adjusted"]
    # security fails only through SEC1 (SEC2 never fails): the same test as SEC1.
    assert categories.loc["security", "p_adjusted"] == checks.loc[SEC1, "p_adjusted"]
    # The family: SEC1 and IAC1.
    assert result.family == 2
    family = [checks.loc[SEC1, "p_value"], checks.loc[IAC1, "p_value"]]
    assert checks.loc[SEC1, "p_adjusted"] == pytest.approx(holm(family)[0])
    assert "over the 2 rows" in result.summary()


def test_family_rows_on_a_hand_made_table() -> None:
    table = pd.DataFrame(
        {
            "name": ["score", f"category:{'iac'}", f"check:{IAC1}", f"check:{SEC1}", "category:x"],
            "n_a": [10, 10, 10, 10, 10],
            "sum_a": [500, 3, 3, 10, 0],
            "n_b": [10, 10, 10, 10, 10],
            "sum_b": [600, 6, 6, 10, 0],
        }
    )
    rated = np.array([False, True, True, True, True])
    rows, same_as = family_rows(table, rated)
    # all failing on both sides, none failing on both sides, and the repeated category are out
    assert rows.tolist() == [False, False, True, False, False]
    assert same_as == {1: 2}


def test_difference_chart_legend_names_the_method() -> None:
    a, b = _pair()
    for correct, label in (("holm", "Holm-corrected"), ("bh", "Benjamini-Hochberg-corrected")):
        fig = plots.difference_chart(compare(a, b, on="prompt_id", n_boot=200, correct=correct))
        texts = [t.get_text() for t in fig.legends[0].get_texts()]
        assert texts[0] == f"significant ({label}): B fails more"
    plain = compare(a, b, on="prompt_id", n_boot=200, correct=None)
    texts = [t.get_text() for t in plots.difference_chart(plain).legends[0].get_texts()]
    assert texts[:2] == [
        "significant (uncorrected): B fails more",
        "significant (uncorrected): B fails less",
    ]


def test_report_corrects_by_default_and_says_so(tmp_path: Path) -> None:
    models_run().save(tmp_path / "run")
    base = ["report", str(tmp_path / "run"), "--by", "model", "--on", "prompt_id"]
    assert main([*base, "--out", str(tmp_path / "holm")]) == 0
    text = (tmp_path / "holm" / "report.md").read_text(encoding="utf-8")
    assert "Significance is Holm-corrected" in text and "Holm-adjusted p-value" in text
    assert main([*base, "--out", str(tmp_path / "none"), "--correct", "none"]) == 0
    text = (tmp_path / "none" / "report.md").read_text(encoding="utf-8")
    assert "Significance is uncorrected" in text and "adjusted" not in text
    assert main([*base, "--correct", "bonferroni"]) == 2


def test_cli_compare_corrects_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models_run().save(tmp_path / "run")
    assert main(["compare", str(tmp_path / "run"), "--by", "model", "--on", "prompt_id"]) == 0
    assert "adjusted by Holm over the" in capsys.readouterr().out
    args = ["compare", str(tmp_path / "run"), "--by", "model", "--on", "prompt_id"]
    assert main([*args, "--correct", "none"]) == 0
    assert "adjusted by" not in capsys.readouterr().out
