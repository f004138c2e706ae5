"""A shareable report of a scored run: `report.md` with summary tables, plus the charts as PNG.

The report reads only the run's own tables (scores, findings, run.json), where secrets are
already masked; it never opens the submissions.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.analysis.compare import compare_groups, markdown_table
from evalkit.analysis.plots import (
    category_rates,
    check_rates,
    difference_chart,
    group_labels,
    lost_points_by_cause,
    rubric_for,
    save_charts,
    score_table,
)
from evalkit.checks.metadata import catalog
from evalkit.grading.rubric import Rubric
from evalkit.records import SUBMISSION_STATUSES
from evalkit.results.coverage import has_coverage_column
from evalkit.results.run import Run

TOP_CHECKS = 10
EXAMPLE_CHECKS = 5
EXAMPLES_PER_CHECK = 3
MAX_COMPARED_GROUPS = 3  # 3 pairs; more groups would bury the report in charts


def write_report(
    run: Run,
    directory: str | Path,
    *,
    by: str | None = None,
    rubric: str | Path | Rubric | None = None,
    title: str | None = None,
    on: str | None = None,
    correct: str | None = "holm",
) -> Path:
    """Write ``report.md`` and its charts (PNG) into `directory`; returns the report's path.

    `by` groups rates, scores and charts by a metadata column (e.g. ``model``); with two or
    more groups the report also compares them pairwise (the largest `MAX_COMPARED_GROUPS`),
    paired on `on` when given, with a check-level difference chart per pair. `rubric` sets
    the weights for the points-lost table (default: the rubric that scored the run).
    `correct` adjusts the comparisons' p-values over each pair's categories and checks
    (``"holm"``, ``"bh"``, or None / ``"none"`` for per-row intervals; see
    `evalkit.analysis.compare.compare`).
    """
    out = Path(directory)
    if by is not None:
        group_labels(run.scores, by)  # fails early, naming the available columns
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        weights = rubric_for(run, rubric)
    charts = save_charts(run, out, by=by, rubric=weights)
    notes = [str(w.message) for w in caught]
    text = report_markdown(
        run,
        by=by,
        rubric=weights,
        charts={k: p.name for k, p in charts.items()},
        title=title,
        notes=notes,
    )
    differences = _differences_section(run, by, on, out, correct)
    if differences:
        text = text.rstrip("\n") + "\n\n" + differences + "\n"
    path = out / "report.md"
    path.write_text(text, encoding="utf-8")
    return path


def report_markdown(
    run: Run,
    *,
    by: str | None = None,
    rubric: Rubric | None = None,
    charts: dict[str, str] | None = None,
    title: str | None = None,
    notes: list[str] | None = None,
) -> str:
    """The report as markdown; `charts` maps chart names (see `plots.CHART_NAMES`) to image
    file names relative to the report."""
    charts = charts or {}
    weights = rubric if rubric is not None else rubric_for(run)
    sections = [
        _heading(run, title, notes or []),
        _summary(run, by),
        _category_section(run, by, charts.get("failure_rates")),
        _checks_section(run, by, charts.get("check_heatmap")),
        _scores_section(run, by, charts.get("score_distribution")),
        _lost_section(run, by, weights, charts.get("lost_points")),
        _examples_section(run),
        _problems_section(run),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


# --- sections ----------------------------------------------------------------------------------


def _heading(run: Run, title: str | None, notes: list[str]) -> str:
    info = run.info or {}
    rubric = info.get("rubric") or {}
    facts = []
    if rubric:
        digest = str(rubric.get("sha256") or "")[:12]
        facts.append(
            f"rubric {rubric.get('name', '?')} {rubric.get('version', '')}".strip()
            + (f" (sha256 {digest}…)" if digest else "")
        )
    if info.get("evalkit_version"):
        facts.append(f"evalkit {info['evalkit_version']}")
    if info.get("input"):
        source = info["input"]
        facts.append(
            "input " + (", ".join(map(str, source)) if isinstance(source, list) else str(source))
        )
    lines = [f"# {title or 'evalkit report'}", ""]
    if facts:
        lines.append(_escape("; ".join(facts)) + ".")
    lines += [f"> Note: {_escape(n)}" for n in notes]
    return "\n".join(lines).rstrip()


def _summary(run: Run, by: str | None) -> str:
    scores = run.scores
    counts = scores["status"].value_counts()
    rows = [
        [status, str(int(counts.get(status, 0)))]
        for status in SUBMISSION_STATUSES
        if counts.get(status, 0)
    ]
    rows += [[str(s), str(int(c))] for s, c in counts.items() if s not in SUBMISSION_STATUSES]
    mean = scores["score"].mean()
    lines = [
        "## Summary",
        "",
        f"{len(scores)} submissions; {len(run.findings)} findings. Mean score "
        f"{_number(mean)} out of 100 (unparseable, code-free and infrastructure-free answers "
        "score 0; error and timeout rows have no score).",
        *_coverage_sentence(run),
        "",
        *markdown_table(["status", "submissions"], rows),
    ]
    table = score_table(run, by)
    coverage = _coverage_means(run, by)
    head = ([by] if by else []) + ["scored", "mean", "median", "min", "max"]
    head += ["mean coverage"] if coverage is not None else []
    body = [
        ([str(getattr(r, by))] if by else [])
        + [str(r.n), _number(r.mean), _number(r.median), _number(r.min), _number(r.max)]
        + ([_coverage_text(coverage.get(getattr(r, by) if by else None))] if coverage else [])
        for r in _rows(table)
    ]
    lines += ["", f"Scores{f' by {by}' if by else ''}:", "", *markdown_table(head, body)]
    return "\n".join(lines)


def _coverage_sentence(run: Run) -> list[str]:
    """What coverage did to the scores, in runs with references or requirements."""
    if not has_coverage_column(run.scores.columns):
        return []
    values = run.scores["coverage"].dropna()
    mode = (run.info.get("coverage") or {}).get("mode", "multiply")
    effect = (
        "each score is its quality score times its coverage"
        if mode == "multiply"
        else "coverage is reported beside the score and does not change it"
    )
    return [
        "",
        f"Mean coverage {_coverage_text(values.mean() if len(values) else None)} over "
        f"{len(values)} submissions with a reference or requirements (the share of the "
        f"reference's infrastructure kinds built, in as many regions); {effect}.",
    ]


def _coverage_means(run: Run, by: str | None) -> dict[Any, float] | None:
    if not has_coverage_column(run.scores.columns):
        return None
    values = run.scores["coverage"].astype(float)
    if not by:
        return {None: float(values.mean())}
    labels = group_labels(run.scores, by)
    return {label: float(values[(labels == label).to_numpy()].mean()) for label in set(labels)}


def _coverage_text(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def _category_section(run: Run, by: str | None, chart: str | None) -> str:
    overall = category_rates(run)
    overall = overall[overall["n"] > 0]
    head = ["category", "applies", "failed", "failure rate", "95% interval"]
    body = [
        [r.category, str(r.n), str(r.failed), _percent(r.failure_rate), _range(r.ci_low, r.ci_high)]
        for r in _rows(overall)
    ]
    lines = [
        "## Failure rates by category",
        "",
        "A category's failure rate is the share of submissions failing at least one of "
        "its checks, among the submissions where the category applies; the interval is "
        "a 95% Wilson score interval.",
        "",
        *markdown_table(head, body),
    ]
    if by:
        # One column per group keeps the table as long as the list of categories.
        grouped = category_rates(run, by)
        groups = list(dict.fromkeys(grouped[by]))
        cells = {(r.category, getattr(r, by)): _rate_cell(r) for r in _rows(grouped)}
        rows = [[c] + [cells.get((c, g), "-") for g in groups] for c in overall["category"]]
        lines += [
            "",
            f"By {by}: rate (failed/applies; 95% interval).",
            "",
            *markdown_table(["category", *groups], rows),
        ]
    return "\n".join(lines + _image(chart, "Failure rate by category"))


def _rate_cell(row: Any) -> str:
    if row.n == 0:
        return "n/a"
    return f"{_percent(row.failure_rate)} ({row.failed}/{row.n}; {_range(row.ci_low, row.ci_high)})"


def _checks_section(run: Run, by: str | None, chart: str | None) -> str:
    rates = check_rates(run)
    rates = rates[rates["failed"] > 0].sort_values(
        ["failed", "failure_rate", "check_id"], ascending=[False, False, True]
    )
    findings = run.findings["check_id"].value_counts()
    severity = _severities(run)
    body = [
        [
            r.check_id,
            r.category,
            severity.get(r.check_id, ""),
            str(r.failed),
            str(r.n),
            _percent(r.failure_rate),
            _range(r.ci_low, r.ci_high),
            str(int(findings.get(r.check_id, 0))),
        ]
        for r in _rows(rates.head(TOP_CHECKS))
    ]
    lines = ["## Top failing checks", ""]
    if body:
        lines += [
            f"The {min(TOP_CHECKS, len(rates))} checks failed by the most submissions "
            f"(of {len(rates)} that failed at least once).",
            "",
            *markdown_table(
                [
                    "check",
                    "category",
                    "severity",
                    "failed",
                    "applies",
                    "failure rate",
                    "95% interval",
                    "findings",
                ],
                body,
            ),
        ]
    else:
        lines.append("No check failed.")
    label = f"Failure rate by check{f' and {by}' if by else ''}"
    return "\n".join(lines + _image(chart, label))


def _scores_section(run: Run, by: str | None, chart: str | None) -> str:
    if not chart:
        return ""
    return "\n".join(["## Score distribution", *_image(chart, "Score distribution")]).strip()


def _lost_section(run: Run, by: str | None, rubric: Rubric, chart: str | None) -> str:
    table = lost_points_by_cause(run, by, rubric)
    table = table[table.groupby("category")["points_lost"].transform("max").fillna(0) > 0]
    lines = [
        "## Where the score goes",
        "",
        f"Mean score points each category costs a submission, with the weights of rubric "
        f"{rubric.name} {rubric.version}: a failed check costs 100 × its weight / the "
        "total weight of the checks that apply to the submission, so the points of a "
        "group add up to 100 − its mean score. Answers that were not parsed or hold no "
        "Terraform cost their whole score under “not parsed / no Terraform”, with what "
        "IAC-PARSE-ERROR costs, apart from the findings about Terraform that was read.",
        "",
    ]
    if table.empty:
        lines.append("No points were lost.")
    else:
        key = by or "_group"
        if not by:
            table = table.assign(_group="all")
        wide = table.pivot(index=key, columns="category", values="points_lost")
        wide = wide.reindex(list(dict.fromkeys(table[key])))
        columns = list(dict.fromkeys(table["category"]))
        head = ([by] if by else []) + columns + ["total"]
        body = [
            ([str(group)] if by else [])
            + [_number(row[c]) for c in columns]
            + [_number(row[columns].sum())]
            for group, row in wide.iterrows()
        ]
        lines += markdown_table(head, body)
    return "\n".join(lines + _image(chart, "Score points lost to each category"))


def _examples_section(run: Run) -> str:
    findings = run.findings
    if findings.empty:
        return ""
    order = findings["check_id"].value_counts().index[:EXAMPLE_CHECKS]
    lines = [
        "## Example findings",
        "",
        f"Up to {EXAMPLES_PER_CHECK} findings, from different submissions where possible, "
        f"of each of the {len(order)} checks with the most findings.",
    ]
    checks = catalog()
    for check_id in order:
        rows = findings[findings["check_id"] == check_id].sort_values(
            ["submission_id", "file", "line"]
        )
        # Spread the examples over submissions before taking a second one from any.
        rows = pd.concat(
            [rows.drop_duplicates("submission_id"), rows[rows.duplicated("submission_id")]]
        ).head(EXAMPLES_PER_CHECK)
        body = [
            [
                _code(r.submission_id),
                _code(f"{r.file}:{r.line}"),
                _code(r.resource),
                _escape(_plain(r.region)),
                _escape(_plain(r.message)),
            ]
            for r in rows.itertuples()
        ]
        title = checks.get(check_id).title if check_id in checks else ""
        lines += [
            "",
            f"### {check_id}" + (f": {_escape(title)}" if title else ""),
            "",
            *markdown_table(["submission", "where", "resource", "region", "message"], body),
        ]
    return "\n".join(lines)


def _problems_section(run: Run) -> str:
    problems = (run.info or {}).get("problems") or []
    if not problems:
        return ""
    lines = ["## Problems met while loading", ""]
    lines += [
        f"- `{p.get('submission_id', '?')}`: {_escape(str(p.get('problem', '')))}" for p in problems
    ]
    return "\n".join(lines)


# --- helpers -----------------------------------------------------------------------------------


def _severities(run: Run) -> dict[str, str]:
    """Each check's severity as the run's rubric set it (from findings), else the catalog's."""
    found = run.findings.drop_duplicates("check_id").set_index("check_id")["severity"]
    return {c.id: str(found.get(c.id, c.severity)) for c in catalog()}


def _rows(frame: pd.DataFrame) -> list[Any]:
    return list(frame.itertuples(index=False))


def _differences_section(
    run: Run, by: str | None, on: str | None, out: Path, correct: str | None = "holm"
) -> str:
    """Pairwise group comparisons with a check-level difference chart each; "" for fewer
    than two groups."""
    if by is None:
        return ""
    labels = group_labels(run.scores, by)
    sizes = labels[~labels.str.startswith("(no ")].value_counts()
    if len(sizes) < 2:
        return ""
    largest = sorted(sizes.index, key=lambda g: (-sizes[g], g))[:MAX_COMPARED_GROUPS]
    grouped = compare_groups(run, by, on=on, groups=sorted(largest), correct=correct)
    lines = [f"## Differences between {by} groups", ""]
    intro = "Each pair of groups: failure-rate differences per check (B − A, percentage points)"
    intro += " with 95% bootstrap intervals."
    if len(sizes) > MAX_COMPARED_GROUPS:
        intro += f" Only the {MAX_COMPARED_GROUPS} largest groups are compared."
    correct = None if correct == "none" else correct
    if correct is None:
        intro += (
            " Significance is uncorrected: each row is judged by its own interval, so about"
            " one row in twenty excludes 0 by chance."
        )
    else:
        method = {"holm": "Holm", "bh": "Benjamini-Hochberg"}.get(correct, correct)
        intro += (
            f" Significance is {method}-corrected over each pair's category and check rows"
            " that can differ."
        )
    lines.append(_escape(" ".join([intro, grouped.hint]).strip()))
    for index, ((a, b), comparison) in enumerate(grouped.pairs.items(), start=1):
        chart = f"differences-{index}.png"
        figure = difference_chart(comparison, "check")
        figure.savefig(out / chart, dpi=120)
        lines += ["", f"### {_escape(b)} compared with {_escape(a)}", ""]
        lines.append(_escape(f"{comparison.pairing} {comparison.statement()}"))
        lines += _image(chart, f"Check failure-rate differences, {b} − {a}")
    return "\n".join(lines)


def _image(chart: str | None, label: str) -> list[str]:
    return ["", f"![{label}]({chart})"] if chart else []


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):.1f}"


def _percent(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.0%}"


def _range(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "-"
    return f"{low:.0%}–{high:.0%}"


def _escape(text: str) -> str:
    """Keep text literal in markdown: no HTML tags, no stray emphasis or table breaks."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("*", "\\*")
    )


def _plain(value: Any) -> str:
    """Text of a table cell; empty for a missing value (NaN after a CSV round trip)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _code(text: Any) -> str:
    """A code span, so ids, paths and addresses show as written."""
    value = _plain(text)
    if not value:
        return ""
    return f"`` {value} ``" if "`" in value else f"`{value}`"
