"""Write evalkit's check documentation from the check registry.

The registry (`@check(ID, category=..., severity=..., title=...)` and the check's docstring) is
the one source of what a check is. From it this script writes:

- ``docs/checks/<CHECK-ID>.md``: one page per check with its category, severity and default
  weight, its docstring cut into what fails, why it matters and how to fix it, and an example
  taken from its fixtures (a failing case, a passing case close to it, and the findings their
  ``expected.yaml`` names);
- ``docs/checks/README.md``: the index of those pages;
- the check table of ``README.md``, between ``<!-- checks:start -->`` and ``<!-- checks:end -->``;
- the severities in the default rubric's ``checks:`` list, which repeat the registry's. The
  rubric's bytes are its identity (their SHA-256 is recorded in ``run.json`` and finds the
  rubric of a past run), so the file is edited line by line and only where it disagrees with
  the registry: a line whose severity differs is corrected, a check missing from the list is
  added after the other checks of its category, a check no longer registered is removed.
  Weights and ``enabled`` are the rubric's own decisions and are never touched.

Run it after adding or changing a check::

    make docs                              # or: python tools/generate_docs.py
    python tools/generate_docs.py --check  # exit 1 and name the files that are out of date

The output depends only on the registry, the rubric and the fixtures: checks in registry order,
files and cases in name order, no dates.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evalkit.checks import REGISTRY, Check
from evalkit.grading.rubric import DEFAULT_RUBRIC, default_rubric_path, load_rubric

REPO = Path(__file__).resolve().parent.parent
PAGES = Path("docs") / "checks"
INDEX = PAGES / "README.md"
README = Path("README.md")
FIXTURES = Path("tests") / "fixtures" / "checks"
START, END = "<!-- checks:start -->", "<!-- checks:end -->"
FIX_COMMAND = "make docs"
GENERATED = (
    "<!-- Written by tools/generate_docs.py from the check registry: edit the check's docstring\n"
    "or fixtures and run `make docs`. -->"
)
# Code blocks in the docstrings are Terraform; fixture files are shown in their own language.
LANGUAGES = {
    ".tf": "hcl",
    ".hcl": "hcl",
    ".tfvars": "hcl",
    ".json": "json",
    ".py": "python",
    ".go": "go",
    ".ts": "typescript",
    ".js": "javascript",
    ".sh": "bash",
    ".md": "markdown",
    ".yaml": "yaml",
    ".yml": "yaml",
}


class DocsError(ValueError):
    """An input the pages cannot be written from; the message names it."""


# --- the docstring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckText:
    """A check's docstring cut at its ``Why:`` and ``Fix:`` paragraphs."""

    summary: str  # the first paragraph: what fails, in one sentence or two
    details: str  # the rest of what fails: what is judged and what is not
    why: str
    fix: str


def check_text(check: Check) -> CheckText:
    """The parts of a check's docstring; a docstring without ``Why:`` and ``Fix:`` is an
    error, since the page would have no reason or remedy to show."""
    lines = check.doc.splitlines()
    why = _labelled_line(lines, "Why:", check.id)
    fix = _labelled_line(lines, "Fix:", check.id)
    if fix < why:
        raise DocsError(f"{check.id}: its docstring must say `Why:` before `Fix:`")
    summary, _, details = "\n".join(lines[:why]).strip().partition("\n\n")
    return CheckText(
        summary=summary.strip(),
        details=details.strip(),
        why=_without_label(lines[why:fix], "Why:"),
        fix=_without_label(lines[fix:], "Fix:"),
    )


def _labelled_line(lines: list[str], label: str, check_id: str) -> int:
    found = [index for index, line in enumerate(lines) if line.startswith(label)]
    if len(found) != 1:
        raise DocsError(f"{check_id}: its docstring needs exactly one paragraph starting `{label}`")
    return found[0]


def _without_label(lines: list[str], label: str) -> str:
    """The paragraph's text after its label, capitalised as the start of a section."""
    first = lines[0].removeprefix(label).strip()
    text = "\n".join([first, *lines[1:]] if first else lines[1:]).strip("\n")
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def markdown(text: str) -> str:
    """Docstring text as markdown: its indented Terraform examples become fenced blocks."""
    out: list[str] = []
    code: list[str] = []
    for line in text.splitlines():
        starts_code = line.startswith("    ") and (not out or not out[-1].strip())
        if code or starts_code:
            if line.startswith("    ") or not line.strip():
                code.append(line[4:])
                continue
            out.extend(_fenced(code, "hcl"))
            code = []
        out.append(line)
    if code:
        out.extend(_fenced(code, "hcl"))
    return "\n".join(out).strip()


def _fenced(lines: list[str], language: str) -> list[str]:
    """A fenced block, longer than any run of backticks inside it; blank lines that ended
    the indented block go after the fence."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    body = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *lines, fence, ""]


# --- fixtures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One fixture of a check: a small submission and what `expected.yaml` says of it."""

    name: str
    status: str
    files: dict[str, str]
    findings: list[list[Any]]

    def lines(self) -> list[str]:
        """Every file's lines under a line naming it, to compare two cases."""
        return [line for name, text in self.files.items() for line in [name, *text.splitlines()]]


def fixture_cases(repo: Path, check_id: str) -> list[Case]:
    directory = repo / FIXTURES / check_id
    if not directory.is_dir():
        return []  # tests/test_check_fixtures.py asks for them; the page goes without an example
    return [
        _case(path) for path in sorted(directory.iterdir()) if (path / "expected.yaml").is_file()
    ]


def _case(path: Path) -> Case:
    expected = yaml.safe_load((path / "expected.yaml").read_text(encoding="utf-8"))
    files = {
        file.relative_to(path).as_posix(): file.read_text(encoding="utf-8")
        for file in sorted(path.rglob("*"))
        if file.is_file() and file.name != "expected.yaml"
    }
    return Case(path.name, expected["status"], files, expected.get("findings") or [])


def changed_lines(one: Case, other: Case) -> int:
    """How many lines differ between two cases (a line replaced counts once)."""
    matcher = difflib.SequenceMatcher(None, one.lines(), other.lines(), autojunk=False)
    return sum(
        max(end_a - start_a, end_b - start_b)
        for tag, start_a, end_a, start_b, end_b in matcher.get_opcodes()
        if tag != "equal"
    )


def are_twins(failing: Case, passing: Case) -> bool:
    """Whether the passing case is the failing one with a fix: at most half its lines differ."""
    return 2 * changed_lines(failing, passing) <= max(len(failing.lines()), len(passing.lines()))


def example_pair(cases: Sequence[Case]) -> tuple[Case, Case] | None:
    """A failing case and a passing case to show side by side.

    Twins come first, the smallest pair of them, so the reader sees the fix rather than a
    second design; without twins, the pair that differs least. Ties go to names in order,
    so the choice is the same on every run.
    """
    failing = [case for case in cases if case.status == "fail"]
    passing = [case for case in cases if case.status == "pass"]

    def rank(pair: tuple[Case, Case]) -> tuple[int, int, str, str]:
        fail, pass_ = pair
        if are_twins(fail, pass_):
            return (0, len(fail.lines()) + len(pass_.lines()), fail.name, pass_.name)
        return (1, changed_lines(fail, pass_), fail.name, pass_.name)

    pairs = [(fail, pass_) for fail in failing for pass_ in passing]
    return min(pairs, key=rank) if pairs else None


# --- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weighting:
    """What the default rubric makes of a check."""

    weight: float
    enabled: bool

    def shown(self) -> str:
        return f"{self.weight:g}" if self.enabled else f"{self.weight:g} (disabled)"


def check_page(check: Check, weighting: Weighting, cases: Sequence[Case]) -> str:
    text = check_text(check)
    parts = [
        f"# {check.id}: {check.title}",
        GENERATED,
        "| category | severity | default weight |\n| --- | --- | --- |\n"
        f"| {check.category} | {check.severity} | {weighting.shown()} |",
        "## What fails",
        markdown("\n\n".join(part for part in (text.summary, text.details) if part)),
        "## Why it matters",
        markdown(text.why),
        "## How to fix",
        markdown(text.fix),
    ]
    pair = example_pair(cases)
    if pair is not None:
        parts.extend(_example(check.id, *pair))
    parts.append("[All checks](README.md)")
    return "\n\n".join(part.strip() for part in parts) + "\n"


def _example(check_id: str, failing: Case, passing: Case) -> list[str]:
    twins = are_twins(failing, passing)
    closest = "its passing twin" if twins else "the passing case closest to it"
    return [
        "## Example",
        prose(
            f"From the check's fixtures in [`{FIXTURES.as_posix()}/{check_id}/`]"
            f"(../../{FIXTURES.as_posix()}/{check_id}/): a failing case and {closest}."
        ),
        f"### Fails: `{failing.name}`",
        *_files(failing),
        "Findings (`expected.yaml`):\n\n" + "\n".join(_finding(item) for item in failing.findings),
        f"### Passes: `{passing.name}`",
        *(_changes(failing, passing) if twins else _files(passing)),
    ]


def _files(case: Case) -> list[str]:
    return [
        f"`{name}`:\n\n" + "\n".join(_fenced(text.rstrip("\n").splitlines(), _language(name)))
        for name, text in case.files.items()
    ]


def _changes(failing: Case, passing: Case) -> list[str]:
    """The passing twin as the lines it changes in the failing case, file by file."""
    diff: list[str] = []
    for name in sorted(failing.files.keys() | passing.files.keys()):
        before = failing.files.get(name, "").splitlines()
        after = passing.files.get(name, "").splitlines()
        diff.extend(
            difflib.unified_diff(
                before,
                after,
                fromfile=f"{failing.name}/{name}" if name in failing.files else "/dev/null",
                tofile=f"{passing.name}/{name}" if name in passing.files else "/dev/null",
                lineterm="",
            )
        )
    return ["The failing case with these changes:", "\n".join(_fenced(diff, "diff"))]


def _language(name: str) -> str:
    suffixes = reversed(Path(name).suffixes)
    return next((LANGUAGES[suffix] for suffix in suffixes if suffix in LANGUAGES), "")


def _finding(item: Sequence[Any]) -> str:
    file, line, resource = item[0], item[1], item[2]
    where = f"`{file}`, line {line}" if file else f"line {line}"
    said = f": `{resource}`" if resource else ""
    message = f" \N{EM DASH} {item[3]}" if len(item) > 3 else ""
    return f"- {where}{said}{message}"


def index_page(weightings: dict[str, Weighting]) -> str:
    rows = [
        f"| [{check.id}]({check.id}.md) | {check.category} | {check.severity} | "
        f"{weightings[check.id].shown()} | {_cell(check.title)} |"
        for check in REGISTRY
    ]
    introduction = prose(
        f"All {len(REGISTRY)} checks of evalkit, one page each: what fails, why it matters, how "
        "to fix it, and a failing and a passing example from the check's fixtures. The default "
        f"weight is the one the default rubric [`rubrics/{DEFAULT_RUBRIC}`]"
        f"(../../rubrics/{DEFAULT_RUBRIC}) gives; `evalkit explain ID` prints the same text "
        "in a terminal."
    )
    table = "| ID | category | severity | default weight | title |\n| --- | --- | --- | --- | --- |"
    return "\n\n".join(["# Checks", GENERATED, introduction, "\n".join([table, *rows])]) + "\n"


def readme_table() -> str:
    rows = [
        f"| [{check.id}]({PAGES.as_posix()}/{check.id}.md) | {check.category} | "
        f"{check.severity} | {_cell(check_text(check).summary)} |"
        for check in REGISTRY
    ]
    return "\n".join(
        [
            prose(
                f"The catalog (all {len(REGISTRY)} checks; each links to its page in "
                f"[{PAGES.as_posix()}]({INDEX.as_posix()}) with the full text and an example; "
                "`evalkit explain ID` prints the text too):"
            ),
            "",
            "| ID | category | severity | what fails |",
            "| --- | --- | --- | --- |",
            *rows,
        ]
    )


def prose(text: str) -> str:
    """A paragraph wrapped as the hand-written markdown of the repository is (100 columns)."""
    return textwrap.fill(text, width=100, break_long_words=False, break_on_hyphens=False)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def with_readme_table(readme: str) -> str:
    """The README with the text between the markers replaced by the generated table."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise DocsError(f"{README}: needs a `{START}` ... `{END}` block for the check table")
    head = readme[: start + len(START)]
    return f"{head}\n{GENERATED}\n{readme_table()}\n{readme[end:]}"


# --- the default rubric -------------------------------------------------------------------------

# `  SEC-IAM-WILDCARD: {severity: critical, enabled: true}`, with an optional comment after it.
RUBRIC_ENTRY = re.compile(r"^  (?P<id>[A-Z][A-Z0-9-]*): \{[^{}]*\}\s*(#.*)?$")
SEVERITY_SETTING = re.compile(r"\bseverity:\s*[a-z]+")


def updated_rubric(text: str, checks: Iterable[Check]) -> str:
    """The rubric text with its `checks:` list agreeing with the registry on which checks
    exist and their severities; every other byte as it was."""
    lines = text.splitlines(keepends=True)
    start, end = _checks_section(lines)
    section = lines[start:end]
    by_id = {check.id: check for check in checks}
    kept = [_corrected(line, by_id) for line in section]
    entries = [line for line in kept if line is not None]
    for check in by_id.values():
        if not any(_entry_id(line) == check.id for line in entries):
            entries = _inserted(entries, check, by_id)
    return "".join(lines[:start] + entries + lines[end:])


def _checks_section(lines: list[str]) -> tuple[int, int]:
    """Where the lines of the top-level `checks:` mapping start and end."""
    try:
        start = lines.index("checks:\n") + 1
    except ValueError:
        raise DocsError("the default rubric has no top-level `checks:` list") from None
    end = start
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return start, end


def _entry_id(line: str) -> str | None:
    found = RUBRIC_ENTRY.match(line.rstrip("\n"))
    return found.group("id") if found else None


def _corrected(line: str, checks: dict[str, Check]) -> str | None:
    """The line with its severity set to the registry's; None for a check no longer there."""
    if line.lstrip().startswith("#"):
        return line
    check_id = _entry_id(line)
    if check_id is None:
        raise DocsError(
            f"the default rubric's checks must be written one per line as "
            f"`  ID: {{severity: ..., enabled: ...}}`, not {line.strip()!r}"
        )
    if check_id not in checks:
        return None
    severity = f"severity: {checks[check_id].severity}"
    if not SEVERITY_SETTING.search(line):
        return line  # no severity written: the loader already takes the registry's
    return SEVERITY_SETTING.sub(severity, line, count=1)


def _inserted(entries: list[str], check: Check, checks: dict[str, Check]) -> list[str]:
    """The entries with the check added after the last check of its category, or at the end
    under a comment naming the category when it is the first of its kind."""
    line = f"  {check.id}: {{severity: {check.severity}, enabled: true}}\n"
    same_category = [
        index
        for index, entry in enumerate(entries)
        if (entry_id := _entry_id(entry)) in checks and checks[entry_id].category == check.category
    ]
    if same_category:
        after = same_category[-1] + 1
        return [*entries[:after], line, *entries[after:]]
    return [*entries, f"  # {check.category.capitalize()}\n", line]


# --- all files ----------------------------------------------------------------------------------


def rubric_path(repo: Path) -> Path:
    """The default rubric, as a path inside the repository."""
    return repo / default_rubric_path().resolve().relative_to(REPO)


def weightings(rubric_text: str) -> dict[str, Weighting]:
    """Each check's weight under the rubric text, read by evalkit's own rubric loader."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rubric.yaml"
        path.write_text(rubric_text, encoding="utf-8")
        rubric = load_rubric(path, REGISTRY)
    return {cid: Weighting(entry.weight, entry.enabled) for cid, entry in rubric.entries.items()}


def generated_files(repo: Path) -> dict[Path, str | None]:
    """Every file the registry decides, by path relative to the repository, with its text;
    None for a page of a check that no longer exists."""
    rubric = updated_rubric(rubric_path(repo).read_text(encoding="utf-8"), REGISTRY)
    weights = weightings(rubric)
    files: dict[Path, str | None] = {
        rubric_path(repo).relative_to(repo): rubric,
        README: with_readme_table((repo / README).read_text(encoding="utf-8")),
        INDEX: index_page(weights),
    }
    for check in REGISTRY:
        page = check_page(check, weights[check.id], fixture_cases(repo, check.id))
        files[PAGES / f"{check.id}.md"] = page
    for old in sorted((repo / PAGES).glob("*.md")):
        files.setdefault(old.relative_to(repo), None)
    return files


def stale_files(repo: Path, files: dict[Path, str | None]) -> list[Path]:
    """The files whose text on disk is not the generated one (absent, different, or a page
    that should no longer exist)."""
    stale = []
    for relative, text in sorted(files.items()):
        path = repo / relative
        on_disk = path.read_text(encoding="utf-8") if path.is_file() else None
        if on_disk != text:
            stale.append(relative)
    return stale


def write_files(repo: Path, files: dict[Path, str | None]) -> list[Path]:
    """Write what is stale, delete pages of removed checks; the paths changed."""
    changed = stale_files(repo, files)
    for relative in changed:
        path, text = repo / relative, files[relative]
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name the files that are out of date",
    )
    args = parser.parse_args(argv)
    try:
        files = generated_files(REPO)
    except DocsError as error:
        print(f"generate_docs: {error}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(REPO, files)
        if stale:
            names = ", ".join(path.as_posix() for path in stale)
            print(
                f"out of date with the check registry: {names}; run `{FIX_COMMAND}` "
                "(python tools/generate_docs.py) and commit the result",
                file=sys.stderr,
            )
            return 1
        return 0
    for path in write_files(REPO, files):
        print(f"{'removed' if files[path] is None else 'wrote'} {path.as_posix()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
