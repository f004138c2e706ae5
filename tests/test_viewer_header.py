"""The viewer's header in Chromium: the mean of the shown submissions when filtered, and a
legend of the severity colours."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from answers import OPEN_SSH
from test_viewer import browser  # noqa: F401 - the headless Chromium fixture

from evalkit.cli import main

BUCKET = '```hcl\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n```'


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    records = [
        {"id": "a1", "model": "alpha", "response": OPEN_SSH},
        {"id": "a2", "model": "alpha", "response": BUCKET},
        {"id": "b1", "model": "beta", "response": BUCKET},
        {"id": "b2", "model": "beta", "response": "no code, only prose"},
    ]
    data = tmp_path / "answers.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "run"
    assert (
        main(["score", str(data), "--out", str(out), "--quiet", "--no-cache", "--jobs", "1"]) == 0
    )
    assert main(["view", str(out)]) == 0
    return out


def _scores(run: Path) -> dict[str, float]:
    with (run / "scores.csv").open(encoding="utf-8", newline="") as source:
        return {r["submission_id"]: float(r["score"]) for r in csv.DictReader(source)}


def test_header_mean_follows_the_filter_and_severities_have_a_legend(
    run_dir: Path,
    browser: object,  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get((run_dir / "view.html").resolve().as_uri())  # type: ignore[attr-defined]
    find = driver.find_element  # type: ignore[attr-defined]
    scores = _scores(run_dir)
    overall = sum(scores.values()) / len(scores)
    assert f"mean score {overall:.1f}" in find(By.ID, "run-line").text
    assert not find(By.ID, "filtered-line").is_displayed()

    Select(find(By.CSS_SELECTOR, 'select[aria-label="model"]')).select_by_value("alpha")
    alpha = (scores["a1"] + scores["a2"]) / 2
    assert alpha != pytest.approx(overall)
    line = find(By.ID, "filtered-line")
    assert line.is_displayed()
    assert line.text == f"shown: 2 of 4 submissions · mean score {alpha:.1f}"
    find(By.ID, "search").send_keys("a1")
    assert line.text == f"shown: 1 of 4 submissions · mean score {scores['a1']:.1f}"
    find(By.ID, "search").clear()
    Select(find(By.CSS_SELECTOR, 'select[aria-label="model"]')).select_by_index(0)
    assert not find(By.ID, "filtered-line").is_displayed()

    legend = find(By.ID, "severity-legend")
    chips = legend.find_elements(By.CSS_SELECTOR, "span.chip")
    assert [c.text for c in chips] == ["critical", "high", "medium", "low"]
    colours = {c.text: c.value_of_css_property("background-color") for c in chips}
    assert len(set(colours.values())) == 4
    # The legend's colours are the table's: a1's failed critical check has the critical colour.
    table_chip = find(By.CSS_SELECTOR, "#rows span.chip.sev-critical")
    assert table_chip.value_of_css_property("background-color") == colours["critical"]
