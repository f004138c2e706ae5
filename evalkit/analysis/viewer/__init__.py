"""`evalkit view RUN`: one self-contained HTML page to browse a run's submissions.

The page needs no server, no network and nothing beside it: styles, script and data are all
inside the file, so it opens from disk and can be mailed or archived with the run. It lists the
submissions in a sortable, filterable table and shows, per submission, the feedback and the
files exactly as graded (``RUN/files/``) with line numbers and every finding at its line.

Everything from a run (ids, metadata, file text, messages) is data written by models: it goes
into the page only as JSON inside ``<script type="application/json">`` blocks, with ``<``,
``>`` and ``&`` escaped, and the script puts it into the page as text, never as markup.
Each submission's files are a block of their own, parsed only when that submission is opened,
so a page of a thousand submissions opens quickly.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.checks.metadata import catalog
from evalkit.records import CATEGORIES
from evalkit.results.coverage import has_coverage_column
from evalkit.results.saved_files import has_saved_files, iter_saved_files

VIEW_NAME = "view.html"
# Past this size a saved file is shown cut, so one huge answer cannot make the page unusable.
_MAX_FILE_CHARS = 400_000
_FIXED_COLUMNS = {
    "submission_id",
    "status",
    "score",
    "coverage",
    "reward",
    "n_findings",
    "feedback",
}


def write_view(
    run_dir: str | Path, out: str | Path | None = None, pair_on: str | None = None
) -> Path:
    """Write the viewer page for the run in `run_dir` (default: ``run_dir/view.html``).

    `pair_on` names the metadata column that says which answers share a prompt (default: a
    column called prompt_id, prompt, task or question, when there is one); a submission's
    page lists the others with its value and shows any of them side by side with it."""
    from evalkit.results.run import load_run
    from evalkit.results.tables import publish

    directory = Path(run_dir)
    run = load_run(directory)
    page = render_page(
        run.scores,
        run.findings,
        run.info,
        directory,
        directory.resolve().name,
        pair_on=pairing_column(run.scores, pair_on),
    )
    target = Path(out) if out is not None else directory / VIEW_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    temporary.write_text(page, encoding="utf-8")
    publish(temporary, target)
    return target


_PROMPT_NAMES = ("prompt_id", "prompt", "task", "question")


def pairing_column(scores: pd.DataFrame, pair_on: str | None) -> str | None:
    """The column to pair answers on: `pair_on` when given (an unknown one raises
    `UnknownColumn`), else the first metadata column with a usual prompt name."""
    from evalkit.results.rates import UnknownColumn

    meta = _meta_columns(scores)
    if pair_on is not None:
        if pair_on not in meta:
            raise UnknownColumn(pair_on, meta)
        return pair_on
    return next((c for c in _PROMPT_NAMES if c in meta), None)


def render_page(
    scores: pd.DataFrame,
    findings: pd.DataFrame,
    info: dict[str, Any],
    run_dir: Path | None,
    title: str,
    pair_on: str | None = None,
) -> str:
    """The page's HTML text; `run_dir` is where the saved files are (None: no files);
    `pair_on` the metadata column whose shared values put answers side by side."""
    meta_columns = _meta_columns(scores)
    by_submission = _findings_by_submission(findings)
    check_ids = [c.id for c in catalog() if c.id in scores.columns]
    submissions = []
    file_blocks = []
    for index, row in enumerate(scores.to_dict(orient="records")):
        submission_id = str(row["submission_id"])
        submissions.append(
            {
                "id": submission_id,
                "status": _text(row.get("status")),
                "score": _number(row.get("score")),
                "coverage": _number(row.get("coverage")),
                "meta": [_cell(row.get(c)) for c in meta_columns],
                "failed": [c for c in check_ids if row.get(c) == "fail"],
                "n_findings": int(_number(row.get("n_findings")) or 0),
                "feedback": _text(row.get("feedback")),
                "findings": by_submission.get(submission_id, []),
                "saved": run_dir is not None and has_saved_files(run_dir, submission_id),
            }
        )
        if run_dir is not None:
            files = _saved_files(run_dir, submission_id)
            file_blocks.append(_json_block(f"files-{index}", files))
    data = {
        "title": title,
        "run": _run_header(info, scores),
        "meta_columns": meta_columns,
        "checks": {
            c.id: {"category": c.category, "severity": c.severity, "title": c.title}
            for c in catalog()
        },
        "categories": list(CATEGORIES),
        # Runs with references or requirements show each submission's coverage of them.
        "has_coverage": has_coverage_column(scores.columns),
        "submissions": submissions,
        "pair_on": meta_columns.index(pair_on) if pair_on in meta_columns else None,
    }
    asset = resources.files(__package__)
    return (
        asset.joinpath("page.html")
        .read_text(encoding="utf-8")
        .replace("/*STYLE*/", asset.joinpath("viewer.css").read_text(encoding="utf-8"))
        .replace("/*SCRIPT*/", asset.joinpath("viewer.js").read_text(encoding="utf-8"))
        .replace("<!--TITLE-->", _html_text(f"evalkit: {title}"))
        .replace("<!--DATA-->", _json_block("run-data", data) + "\n" + "\n".join(file_blocks))
    )


def script_safe_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element whatever strings it holds.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``, which JSON reads
    back as the same characters, so no ``</script>`` or ``<!--`` can end or change the element.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _json_block(element_id: str, value: Any) -> str:
    return f'<script type="application/json" id="{element_id}">{script_safe_json(value)}</script>'


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _meta_columns(scores: pd.DataFrame) -> list[str]:
    columns = list(scores.columns)
    end = columns.index("status") if "status" in columns else len(columns)
    checks = catalog()
    return [
        c
        for c in columns[:end]
        if c not in _FIXED_COLUMNS and c not in checks and c not in CATEGORIES
    ]


def _findings_by_submission(findings: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in findings.to_dict(orient="records"):
        grouped.setdefault(str(row["submission_id"]), []).append(
            {
                "check": _text(row.get("check_id")),
                "severity": _text(row.get("severity")),
                "file": _text(row.get("file")),
                "line": int(_number(row.get("line")) or 0),
                "resource": _text(row.get("resource")),
                "region": _text(row.get("region")),
                "message": _text(row.get("message")),
            }
        )
    return grouped


def _saved_files(run_dir: Path, submission_id: str) -> list[dict[str, Any]]:
    files = []
    for name, path in iter_saved_files(run_dir, submission_id):
        text = path.read_text(encoding="utf-8", errors="replace")
        cut = len(text) > _MAX_FILE_CHARS
        files.append({"name": name, "text": text[:_MAX_FILE_CHARS], "cut": cut})
    return files


def _run_header(info: dict[str, Any], scores: pd.DataFrame) -> dict[str, Any]:
    rubric = info.get("rubric") or {}
    counts = scores["status"].astype(str).value_counts() if len(scores) else pd.Series()
    mean = scores["score"].dropna().mean() if len(scores) else math.nan
    return {
        "rubric": f"{rubric.get('name', '?')} {rubric.get('version', '')}".strip(),
        "evalkit": info.get("evalkit_version") or "",
        "n": len(scores),
        "mean": _number(mean),
        "mean_coverage": _number(scores["coverage"].dropna().mean())
        if has_coverage_column(scores.columns) and len(scores)
        else None,
        "status": {str(k): int(v) for k, v in sorted(counts.items())},
    }


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _cell(value: Any) -> str | float | None:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return _number(value)
    return None if value is None else _text(value)
