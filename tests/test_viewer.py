"""`evalkit view`: a self-contained HTML page, checked as text and in a real headless Chromium."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from answers import OPEN_SSH

from evalkit.cli import main
from evalkit.results.saved_files import submission_dir

HOSTILE_ID = "x</script><script>window.__pwned=1</script>"
HOSTILE_META = '<img src=x onerror="window.__pwned=2">'
HOSTILE_LINE = "# </script><script>window.__pwned=3</script><!--"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    records = [
        {"id": "a1", "model": "alpha", "response": OPEN_SSH},
        {
            "id": HOSTILE_ID,
            "model": HOSTILE_META,
            "response": OPEN_SSH.replace('  name = "web"', f'  name = "web"\n  {HOSTILE_LINE}'),
        },
        {"id": "b1", "model": "beta", "response": "no code, only prose"},
    ] + [
        {"id": f"bulk-{i:04d}", "model": "beta", "response": OPEN_SSH.replace("web", f"w{i}")}
        for i in range(250)
    ]
    data = tmp_path / "answers.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    assert main(["view", str(out)]) == 0
    return out


def _finding(run: Path, submission_id: str, check_id: str) -> dict[str, str]:
    with (run / "findings.csv").open(encoding="utf-8", newline="") as source:
        return next(
            r
            for r in csv.DictReader(source)
            if r["submission_id"] == submission_id and r["check_id"] == check_id
        )


def test_page_is_self_contained_and_holds_submission_text_only_as_escaped_json(
    run_dir: Path,
) -> None:
    html = (run_dir / "view.html").read_text(encoding="utf-8")
    # Nothing is loaded from anywhere: no external scripts, styles, images or fetches.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<link" not in html and "fetch(" not in html and "XMLHttpRequest" not in html
    assert "default-src 'none'" in html
    # Submission text never appears as markup: every script element is one evalkit wrote.
    assert "window.__pwned" in html  # the text is there, as data
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    assert '<!--"' not in html and HOSTILE_LINE not in html
    openers = len(re.findall(r"<script[ >]", html))
    assert openers == html.count("</script>") == 2 + 253  # run data, the program, file blocks


def test_view_writes_where_asked_and_is_reproducible(run_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "page.html"
    assert main(["view", str(run_dir), "--out", str(target)]) == 0
    assert target.read_bytes() == (run_dir / "view.html").read_bytes()


def test_view_of_a_missing_run_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["view", str(tmp_path / "nothing")]) == 2
    assert "scores" in capsys.readouterr().err


# --- in a real browser -------------------------------------------------------------------------


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have a browser: {', '.join(missing)} missing (see .ci/run)")
        pytest.skip(f"no headless browser here ({', '.join(missing)}); `make browser` installs it")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_viewer_in_chromium_shows_each_finding_at_its_line(
    run_dir: Path, browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get((run_dir / "view.html").resolve().as_uri())  # type: ignore[attr-defined]
    find = driver.find_element  # type: ignore[attr-defined]
    find_all = driver.find_elements  # type: ignore[attr-defined]
    script = driver.execute_script  # type: ignore[attr-defined]

    assert script("return typeof window.__pwned") == "undefined"
    # 253 submissions: the first 200 rows are drawn, the rest on request.
    assert len(find_all(By.CSS_SELECTOR, "#rows tr")) == 200
    assert "253 of 253" in find(By.ID, "match-count").text
    find(By.ID, "more").click()
    assert len(find_all(By.CSS_SELECTOR, "#rows tr")) == 253

    # Filter by model, then sort by score (highest first).
    Select(find(By.CSS_SELECTOR, 'select[aria-label="model"]')).select_by_value("alpha")
    assert [r.text.split()[0] for r in find_all(By.CSS_SELECTOR, "#rows tr")] == ["a1"]
    Select(find(By.CSS_SELECTOR, 'select[aria-label="model"]')).select_by_index(0)
    find(By.CSS_SELECTOR, 'button.sort[data-key="score"]').click()
    scores = [
        r.find_elements(By.TAG_NAME, "td")[3].text for r in find_all(By.CSS_SELECTOR, "#rows tr")
    ]
    assert scores == sorted(scores, key=_score_key, reverse=True)
    find(By.ID, "search").send_keys("a1")
    assert len(find_all(By.CSS_SELECTOR, "#rows tr")) == 1

    find(By.LINK_TEXT, "a1").click()
    assert find(By.ID, "detail-view").is_displayed()
    assert find(By.CSS_SELECTOR, "h2.sub-id").text == "a1"
    expected = _finding(run_dir, "a1", "SEC-OPEN-ADMIN-PORTS")
    line = find(By.ID, f"L-main.tf-{expected['line']}")
    assert "marked" in line.get_attribute("class")
    saved = (submission_dir(run_dir, "a1") / "main.tf").read_text(encoding="utf-8")
    code = line.find_element(By.CSS_SELECTOR, "td.code").get_attribute("textContent")
    assert code == saved.split("\n")[int(expected["line"]) - 1]
    note = line.find_element(By.XPATH, "following-sibling::tr[1]")
    assert "note" in note.get_attribute("class")
    assert "SEC-OPEN-ADMIN-PORTS" in note.text and "critical" in note.text
    assert expected["message"] in note.text
    assert "SEC-OPEN-ADMIN-PORTS" in find(By.CSS_SELECTOR, "pre.feedback").text
    driver.save_screenshot(str(tmp_path / "viewer-submission.png"))  # type: ignore[attr-defined]
    line.location_once_scrolled_into_view  # noqa: B018 - scrolls the marked line into the shot
    driver.save_screenshot(str(tmp_path / "viewer-finding.png"))  # type: ignore[attr-defined]

    # The hostile submission's id, metadata and file are shown as text, and ran nothing.
    find(By.ID, "back").click()
    find(By.ID, "search").clear()
    find(By.ID, "search").send_keys("pwned=1")
    find(By.CSS_SELECTOR, "#rows td.id a").click()
    assert find(By.CSS_SELECTOR, "h2.sub-id").text == HOSTILE_ID
    assert HOSTILE_META in find(By.CSS_SELECTOR, "dl.facts").text
    codes = [c.get_attribute("textContent") for c in find_all(By.CSS_SELECTOR, "td.code")]
    assert f"  {HOSTILE_LINE}" in codes
    assert script("return typeof window.__pwned") == "undefined"
    assert (tmp_path / "viewer-finding.png").stat().st_size > 10_000


def _score_key(text: str) -> float:
    return -1.0 if text in ("", "–") else float(text)


def test_viewer_shows_coverage_beside_the_score(tmp_path: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By

    reference = '```hcl\nresource "aws_sqs_queue" "jobs" {}\n```'
    records = [
        {"id": "full", "response": OPEN_SSH.replace("aws_security_group", "aws_sqs_queue")},
        {"id": "none", "response": OPEN_SSH},
    ]
    for record in records:
        record["reference"] = reference
    data = tmp_path / "answers.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "run"
    arguments = ["score", str(data), "--out", str(out), "--reference-field", "reference"]
    assert main([*arguments, "--quiet", "--no-cache"]) == 0
    assert main(["view", str(out)]) == 0
    html = (out / "view.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', html)
    assert block is not None
    page = json.loads(block.group(1))
    assert page["has_coverage"] is True
    assert {s["id"]: s["coverage"] for s in page["submissions"]} == {"full": 1.0, "none": 0.0}

    driver = browser
    driver.get((out / "view.html").resolve().as_uri())  # type: ignore[attr-defined]
    find_all = driver.find_elements  # type: ignore[attr-defined]
    headers = [h.text for h in find_all(By.CSS_SELECTOR, "thead th")]
    assert headers[headers.index("score") + 1] == "coverage"
    cells = {
        r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")[3].text
        for r in find_all(By.CSS_SELECTOR, "#rows tr")
    }
    assert cells == {"full": "1.00", "none": "0.00"}
    assert "mean coverage 0.50" in driver.find_element(By.ID, "run-line").text  # type: ignore[attr-defined]
