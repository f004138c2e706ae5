"""Every relative link in README.md, CONTRIBUTING.md and docs/ (the check pages included) names
a file that exists.

The manual is spread over several pages that link to each other and to the repository; a page
renamed or a section moved must not leave a reader at a missing file or heading.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [REPO / "README.md", *(REPO / "docs").rglob("*.md")]
    + ([REPO / "CONTRIBUTING.md"] if (REPO / "CONTRIBUTING.md").exists() else [])
)
# [text](target): the target up to the first space or closing parenthesis.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.S | re.M)


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings (lower case, punctuation dropped)."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(page: Path) -> None:
    for target in links(page):
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        assert resolved.exists(), f"{page.name}: {target} names no file"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name}: {target} names no heading"


def test_the_manual_pages_are_linked_from_the_readme() -> None:
    readme_links = {target.partition("#")[0] for target in links(REPO / "README.md")}
    for page in (REPO / "docs").glob("*.md"):
        assert f"docs/{page.name}" in readme_links, page.name


def test_links_and_anchors_are_read_as_github_does() -> None:
    page = REPO / "docs" / "rubrics.md"
    assert "coverage-of-a-reference" in anchors(page)
    assert links(REPO / "README.md")
