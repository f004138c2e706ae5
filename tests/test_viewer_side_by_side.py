"""Two answers to the same prompt side by side in the viewer, each with its findings (in
Chromium, like tests/test_viewer.py)."""

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
        {"id": "gpt-p1", "model": "gpt", "task": "p1", "response": OPEN_SSH},
        {"id": "llama-p1", "model": "llama", "task": "p1", "response": BUCKET},
        {"id": "gpt-p2", "model": "gpt", "task": "p2", "response": BUCKET},
    ]
    data = tmp_path / "answers.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "run"
    assert (
        main(["score", str(data), "--out", str(out), "--quiet", "--no-cache", "--jobs", "1"]) == 0
    )
    return out


def test_view_on_an_unknown_column_exits_2(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["view", str(run_dir), "--on", "tsak"]) == 2
    assert "did you mean 'task'?" in capsys.readouterr().err


def test_answers_to_the_same_prompt_side_by_side(
    run_dir: Path,
    browser: object,  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    assert main(["view", str(run_dir)]) == 0  # task is found as the prompt column
    driver = browser
    page = (run_dir / "view.html").resolve().as_uri()
    driver.get(page + "#sub=gpt-p1")  # type: ignore[attr-defined]
    find = driver.find_element  # type: ignore[attr-defined]
    find_all = driver.find_elements  # type: ignore[attr-defined]

    card = find(By.CSS_SELECTOR, "section.same-prompt")
    assert "Same task (p1): 1 other answer(s)" in card.text
    assert [li.get_attribute("data-id") for li in card.find_elements(By.TAG_NAME, "li")] == [
        "llama-p1"
    ]
    card.find_element(By.LINK_TEXT, "side by side").click()
    sides = find_all(By.CSS_SELECTOR, ".side-by-side .side")
    assert [s.find_element(By.CSS_SELECTOR, "h2.sub-id").text for s in sides] == [
        "gpt-p1",
        "llama-p1",
    ]
    # Each side shows its own findings at their lines; ids stay unique across the two sides.
    with (run_dir / "findings.csv").open(encoding="utf-8", newline="") as source:
        line = next(
            r["line"]
            for r in csv.DictReader(source)
            if r["submission_id"] == "gpt-p1" and r["check_id"] == "SEC-OPEN-ADMIN-PORTS"
        )
    left = sides[0].find_element(By.ID, f"L-main.tf-{line}")
    assert "marked" in left.get_attribute("class")
    assert "SEC-OPEN-ADMIN-PORTS" not in sides[1].text
    assert sides[1].find_elements(By.ID, "R-L-main.tf-1")
    # A prompt answered once has no such card.
    driver.get(page + "#sub=gpt-p2")  # type: ignore[attr-defined]
    driver.refresh()  # type: ignore[attr-defined]
    assert find(By.CSS_SELECTOR, "h2.sub-id").text == "gpt-p2"
    assert not find_all(By.CSS_SELECTOR, "section.same-prompt")
