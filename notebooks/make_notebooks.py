"""Write the example notebooks in this folder from the cell sources below, without outputs.

Run ``python notebooks/make_notebooks.py`` after editing a notebook's cells here; the stored
``.ipynb`` files are what this script writes, so reviews see plain code, not outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

HERE = Path(__file__).resolve().parent

# Every notebook starts with the same set-up, which lives in evalkit.analysis.notebook: find the
# repository root so that relative parameter paths work whether Jupyter was started in the
# repository or in notebooks/, and make the output folder.
SETUP = """\
from pathlib import Path

import pandas as pd

import evalkit
from evalkit.analysis import plots
from evalkit.analysis.notebook import setup{imports}

notebook = setup(OUT_DIR)
ROOT, out_dir, resolve = notebook.root, notebook.out_dir, notebook.resolve"""

SETUP_TEXT = """\
## Setup

`evalkit.analysis.notebook.setup` finds the repository root from the folder the notebook runs in
(Jupyter starts a notebook in its own folder, `notebooks/`); relative paths in the parameters are
taken from there. Files the notebook writes go to `OUT_DIR`."""

PARAMETER_NOTE = """\
# Parameters: edit them here, or set the environment variable of the same name with an
# EVALKIT_ prefix (EVALKIT_DATASET, EVALKIT_ID_FIELD, ...; EVALKIT_OUT for OUT_DIR) before
# starting Jupyter. Relative paths are taken from the repository root."""

SCORE = """\
run = notebook.run(RUN_DIR, DATASET, rubric=RUBRIC, id_field=ID_FIELD, text_field=TEXT_FIELD,
                   jobs=int(JOBS) if JOBS else None)
run"""

SCORE_TEXT = """\
## Load or score the run

With `RUN_DIR` set, the notebook opens a run saved by `evalkit score --out` or `Run.save`,
without grading anything again. Otherwise it scores `DATASET` with `evalkit.score`, on all
cores and with the result cache `evalkit score` fills (set `JOBS` to 1, or pass `cache=False`,
to turn either off): answers graded before, by the shell or another notebook, are not graded
again. Nothing in a submission is executed: the Terraform is parsed and checked as data."""

# The parameters every notebook takes: the data, how to read its records, the rubric and the
# grouping column.
DATA_PARAMETERS = (
    'DATASET = parameter("DATASET", "datasets/sample")  # folder, record file or glob',
    'ID_FIELD = parameter("ID_FIELD", "id")  # the records\' id field (JSONL, CSV, Parquet)',
    'TEXT_FIELD = parameter("TEXT_FIELD", "response")  # the records\' answer text field',
    'RUBRIC = parameter("RUBRIC", "")  # rubric YAML; empty: the default rubric',
    'RUN_DIR = parameter("RUN_DIR", "")  # a run folder of `evalkit score`; empty: score DATASET',
    'JOBS = parameter("JOBS", "")  # processes grading DATASET; empty: all cores',
)


def parameters(by_comment: str, *lines: str, out: str) -> str:
    return "\n".join(
        [
            "from evalkit.analysis.notebook import parameter",
            "",
            PARAMETER_NOTE,
            *DATA_PARAMETERS,
            f'BY = parameter("BY", "model")  # {by_comment}',
            *lines,
            f'OUT_DIR = parameter("OUT", "out/notebooks/{out}")',
        ]
    )


QUICKSTART = [
    (
        "md",
        """\
# Quickstart: score a dataset and read the results

This notebook scores a dataset of Terraform answers with evalkit and walks through what a run
holds: the `scores` table (one row per submission), the `findings` table (one row per located
failure), failure rates, and one submission up close. Change the parameters to use your own
data; everything else adapts.""",
    ),
    ("code", parameters("a metadata column to group by", out="01-quickstart")),
    ("md", SETUP_TEXT),
    ("code", SETUP.format(imports="")),
    (
        "md",
        SCORE_TEXT
        + """

`evalkit.score` takes a folder, files, globs, a list of records or a DataFrame and returns a
`Run`.""",
    ),
    ("code", SCORE),
    (
        "md",
        """\
## Scores: one row per submission

`status` says whether a submission could be graded (`ok`), did not parse (`parse_error`), held no
Terraform (`no_terraform`), built nothing (`no_infrastructure`), or could not be graded (`error`,
`timeout`). `score` runs from 0 to
100 and `reward` is the same on a 0–1 scale. Fields of the input records other than the id and
the answer (here `model` and `prompt_id`) are carried through as metadata columns. Records that
carry a reference solution or required kinds (e.g. `datasets/with-references`) also get
`coverage` (0–1): the share of the reference's infrastructure the answer builds, which the
default rubric multiplies into the score.""",
    ),
    (
        "code",
        """\
scores = run.scores
metadata = list(scores.columns[1 : scores.columns.get_loc("status")])
check_ids = plots.check_columns(scores)
categories = list(plots.category_checks(scores))
print(f"{len(scores)} submissions; metadata columns: {metadata or 'none'}")
print(f"{len(check_ids)} checks in {len(categories)} categories")
coverage = ["coverage"] if "coverage" in scores.columns else []
shown = ["submission_id", *metadata, "status", "score", *coverage, "reward", "n_findings"]
scores[shown].sort_values(["score", "submission_id"])""",
    ),
    ("code", 'status_counts = scores["status"].value_counts()\nstatus_counts'),
    (
        "md",
        """\
Each category has a score column of its own (empty where none of its checks applies), and each
check a column holding `pass`, `fail` or `n/a` (nothing the check looks at is present). Counting
them shows which checks fail most often:""",
    ),
    (
        "code",
        """\
check_status = (scores[check_ids].apply(lambda column: column.value_counts()).T
                .reindex(columns=["fail", "pass", "n/a"]).fillna(0).astype(int))
check_status.sort_values(["fail", "pass"], ascending=False)""",
    ),
    (
        "md",
        """\
## Findings: where each failure is

A failed check has one or more findings, each naming the file, line, resource address, region
and a one-sentence message. Secrets found in the code are masked (`****`) in every column.""",
    ),
    ("code", "run.findings.head(10)"),
    (
        "code",
        """\
(run.findings.groupby(["category", "check_id", "severity"]).size().rename("findings")
 .reset_index().sort_values(["findings", "check_id"], ascending=[False, True]))""",
    ),
    (
        "md",
        """\
## Failure rates

A category's failure rate is the share of submissions, among those where the category applies,
that fail at least one of its checks. `Run.failure_rates` gives the counts;
`plots.category_rates` adds a 95% Wilson interval, which stays honest for small counts.""",
    ),
    ("code", "rates = plots.category_rates(run)\nrates"),
    (
        "md",
        """\
The same per group of `BY` (e.g. per model), from `Run.failure_rates`; submissions without a
value form a group of their own.""",
    ),
    (
        "code",
        """\
if BY in scores.columns:
    grouped_rates = run.failure_rates(by=BY)
else:
    print(f"no column {BY!r} in this run; metadata columns: {metadata or 'none'}")
    grouped_rates = run.failure_rates()
grouped_rates""",
    ),
    (
        "md",
        """\
## One submission up close

Pick a submission by id, or leave `SUBMISSION` empty to take the lowest-scored graded one. Its
`feedback` is the text a model could learn from: one line per failed check, most severe first.""",
    ),
    (
        "code",
        """\
SUBMISSION = ""  # a submission_id; empty: the lowest-scored graded submission
if not SUBMISSION:
    graded = scores[scores["status"] == "ok"].sort_values(["score", "submission_id"])
    SUBMISSION = (graded if len(graded) else scores).iloc[0]["submission_id"]
row = scores.set_index("submission_id").loc[SUBMISSION]
failed = [c for c in check_ids if row[c] == "fail"]
print(f"{SUBMISSION}: status {row['status']}, score {row['score']:.1f}")
print("failed checks:", ", ".join(failed) or "none")
print()
print(row["feedback"] if isinstance(row["feedback"], str) else "(no feedback)")""",
    ),
    (
        "code",
        """\
submission_findings = run.findings[run.findings["submission_id"] == SUBMISSION]
submission_findings[["check_id", "severity", "file", "line", "resource", "region", "message"]]""",
    ),
    (
        "md",
        """\
## Save the run

`Run.save` writes `scores`, `findings`, `checks` (CSV, JSONL or Parquet), `run.json`,
`summary.json` and `results.jsonl`; `evalkit.load_run` reads them back, so other notebooks,
`evalkit report` and `evalkit rescore` can start from a saved run.""",
    ),
    (
        "code",
        """\
saved = run.save(out_dir / "run")
reloaded = evalkit.load_run(saved)
print(f"saved {sorted(p.name for p in saved.iterdir())} in {saved}")
print("reloaded the same submissions:",
      reloaded.scores["submission_id"].tolist() == scores["submission_id"].tolist())""",
    ),
    (
        "md",
        """\
`summary.json` holds the headline numbers in the shape eval harnesses report them (mean score
with its standard error, per-category and per-check failure rates with intervals), overall and
per group; `evalkit.results.summary.summary` computes it for any grouping column.""",
    ),
    (
        "code",
        """\
from evalkit.results.summary import summary

headline = summary(run.scores, run.info, by=BY if BY in scores.columns else None)
overall = headline["overall"]
headline_keys = ("n_submissions", "n_scored", "score_mean", "score_stderr", "coverage_mean")
print({key: overall[key] for key in headline_keys if key in overall})
{group: round(block["score_mean"], 1) for group, block in headline.get("groups", {}).items()}""",
    ),
    (
        "md",
        """\
## Look at each answer with its findings

`evalkit view RUN_DIR` (or `evalkit.analysis.viewer.write_view`) writes one self-contained HTML
page: a sortable, filterable table of the submissions, and for each its files with every finding
marked at its line. It opens from disk, no server needed. (A run written by `evalkit score` also
keeps the graded files, so they are shown too.)""",
    ),
    (
        "code",
        """\
from evalkit.analysis.viewer import write_view

view = write_view(saved)
print(f"open {view.resolve().as_uri()}")""",
    ),
]


FAILURE_RATES = [
    (
        "md",
        """\
# Failure rates by model

Where do answers go wrong, and does it depend on the model? This notebook draws evalkit's charts
for a run, grouped by a metadata column (`BY`, e.g. `model`): failure rates per category with
confidence intervals, a check-by-group heatmap, score distributions, and how many score points
each category costs. Each chart comes with the table it is drawn from.""",
    ),
    (
        "code",
        parameters("metadata column; empty: no grouping", out="02-failure-rates"),
    ),
    ("md", SETUP_TEXT),
    ("code", SETUP.format(imports="")),
    (
        "md",
        SCORE_TEXT
        + """

Submissions without a value in the `BY` column form a group of their own, `(no model)`, so
every submission is counted somewhere.""",
    ),
    (
        "code",
        SCORE.removesuffix("\nrun")
        + """
if BY and BY not in run.scores.columns:
    print(f"no column {BY!r} in this run: the charts cover all submissions together")
    BY = ""
by = BY or None
run""",
    ),
    (
        "md",
        """\
## Failure rate per category

The share of submissions failing at least one check of a category, among those where the
category applies, with a 95% Wilson interval. Wide intervals mean few submissions: compare
groups only where the intervals are narrow enough to matter.""",
    ),
    ("code", "rates = plots.category_rates(run, by=by)\nrates"),
    ("code", "fig_rates = plots.failure_rate_bars(run, by=by)\nfig_rates"),
    (
        "md",
        """\
## Which checks fail, per group

Each cell is a check's failure rate in one group, with `failed/applicable`; grey cells are checks
that never applied (nothing they look at was present).""",
    ),
    (
        "code",
        """\
check_table = plots.check_rates(run, by=by)
applied = check_table[check_table["n"] > 0]
(applied.pivot(index="check_id", columns=by, values="failure_rate") if by
 else applied.set_index("check_id")[["category", "n", "failed", "failure_rate"]])""",
    ),
    ("code", "fig_heatmap = plots.check_heatmap(run, by=by)\nfig_heatmap"),
    (
        "md",
        """\
## Score distributions

Scores per group as a box plot with every submission as a dot (◆ is the mean), and as
histograms. Unparseable answers score 0, which pulls means down: the dots show how many.""",
    ),
    ("code", "score_summary = plots.score_table(run, by=by)\nscore_summary"),
    ("code", "fig_scores = plots.score_distribution(run, by=by)\nfig_scores"),
    ("code", 'plots.score_distribution(run, by=by, kind="hist")'),
    (
        "md",
        """\
## Where the score goes

A failed check costs `100 × its weight / the total weight of the checks that apply` to the
submission, with the rubric's weights (critical checks weigh most). Averaged per group, the
categories' costs add up to `100 − mean score`: a category that fails rarely but critically can
cost more points than one that fails often. Answers that could not be read (a parse error, no
Terraform) cost their whole score; they are counted apart, as `not parsed / no Terraform`, so the
`iac` column holds only findings about Terraform that was read.""",
    ),
    (
        "code",
        """\
lost = plots.lost_points_by_cause(run, by=by)
lost_table = (lost.pivot(index=by, columns="category", values="points_lost") if by
              else lost.set_index("category")[["points_lost"]].T)
lost_table.assign(total=lost_table.sum(axis=1)).round(1)""",
    ),
    ("code", "fig_lost = plots.lost_points_bars(run, by=by)\nfig_lost"),
    (
        "md",
        """\
## Save the charts and a report

`plots.save_charts` writes the four charts as PNG files; `evalkit.analysis.report.write_report` (or
`evalkit report RUN_DIR --by model` from a shell) writes them with a `report.md` of the tables,
ready to share without a notebook.""",
    ),
    (
        "code",
        """\
from evalkit.analysis.report import write_report

charts = plots.save_charts(run, out_dir, by=by)
report_path = write_report(run, out_dir / "report", by=by)
print("\\n".join(str(path) for path in [*charts.values(), report_path]))""",
    ),
]


COMPARE = [
    (
        "md",
        """\
# Comparing two runs

Two common questions, answered with the same statistics:

1. **Is model B better than model A?** Split one run by `model` and compare the halves. When
   both models answered the same prompts, the comparison is *paired* on `prompt_id`: each
   prompt is its own control.
2. **What does a rubric change do?** Score the same answers with two rubrics and compare,
   paired on `submission_id`.

Every difference is `B − A`, with a bootstrap 95% interval (seeded, so reruns give the same
numbers). A difference is called significant when its interval excludes 0 and both sides have
at least 5 submissions.""",
    ),
    (
        "code",
        parameters(
            "the column that names the models",
            'MODEL_A = parameter("MODEL_A", "")  # empty: the two largest groups',
            'MODEL_B = parameter("MODEL_B", "")',
            'PAIR_ON = parameter("PAIR_ON", "prompt_id")  # match answers on this column',
            'RUBRIC_B = parameter("RUBRIC_B", "")  # empty: an example rubric is written',
            'N_BOOT = int(parameter("N_BOOT", "2000"))  # bootstrap resamples',
            'SEED = int(parameter("SEED", "0"))',
            out="03-compare-models",
        ),
    ),
    ("md", SETUP_TEXT),
    (
        "code",
        SETUP.format(
            imports="\nfrom evalkit.analysis.compare import (\n"
            "    compare, compare_groups, pairing_columns, split_run)"
        ),
    ),
    ("code", SCORE),
    (
        "md",
        """\
## 1. Two models

`split_run` gives one run per value of `BY`. Unless `MODEL_A` and `MODEL_B` are set, the two
largest named groups are compared.""",
    ),
    (
        "code",
        """\
groups = split_run(run, BY)
sizes = {name: len(part.scores) for name, part in groups.items()}
print("submissions per group:", sizes)
if not (MODEL_A and MODEL_B):
    named = [g for g in groups if not g.startswith("(no ")]
    MODEL_A, MODEL_B = sorted(sorted(named, key=lambda g: (-sizes[g], g))[:2])
run_a, run_b = groups[MODEL_A], groups[MODEL_B]
print(f"A = {MODEL_A} ({len(run_a.scores)} submissions), "
      f"B = {MODEL_B} ({len(run_b.scores)} submissions)")""",
    ),
    ("md", "Side by side first: the same failure-rate chart, with just the two models."),
    (
        "code",
        """\
side_by_side = pd.concat([run_a.scores, run_b.scores], ignore_index=True)
plots.failure_rate_bars(side_by_side, by=BY)""",
    ),
    (
        "md",
        """\
Now the statistics. Answers are matched on `PAIR_ON` where both runs have it and each value
appears once per model; `pairing` says how the runs were matched, and `score_deltas` lists the
matched answers' scores.""",
    ),
    (
        "code",
        """\
candidates = pairing_columns(run.scores, BY)
pair_on = PAIR_ON if PAIR_ON in run.scores.columns else (candidates or ["submission_id"])[0]
print(f"columns that could pair the models: {candidates or 'none'}; pairing on {pair_on}")
models = compare(run_a, run_b, on=pair_on, labels=(MODEL_A, MODEL_B), n_boot=N_BOOT,
                 seed=SEED)
print(models.pairing)
models.score_deltas""",
    ),
    ("code", "models"),
    ("code", "plots.difference_chart(models)"),
    ("code", "print(models.statement())\nmodels.significant()"),
    (
        "md",
        """\
With more than two models, `compare_groups` compares every pair at once (the same as
`evalkit compare RUN --by model --on prompt_id` from a shell). With many checks, some
intervals exclude 0 by chance; `correct="holm"` (or `"bh"`) judges the category and check rows
by p-values adjusted over all of them.""",
    ),
    (
        "code",
        """\
all_pairs = compare_groups(run, BY, on=pair_on, n_boot=N_BOOT, seed=SEED, correct="holm")
print(f"{len(all_pairs.pairs)} pairs of {BY} groups")
all_pairs.significant()""",
    ),
    (
        "md",
        """\
How far to trust these numbers depends on how many answers each model has: with a handful,
the intervals span most of the scale and no difference can be called significant; with a few
hundred answers per model the same cells give usable answers.""",
    ),
    (
        "code",
        """\
counts = (len(run_a.scores), len(run_b.scores))
print(f"{MODEL_A}: {counts[0]} answers, {MODEL_B}: {counts[1]}; "
      f"{len(all_pairs.significant())} significant rows over all pairs (Holm-corrected)")
if min(counts) < 30:
    print("few answers per model: read the intervals, not the verdicts")""",
    ),
    (
        "md",
        """\
## 2. Two rubrics

The same answers scored with a second rubric. Without `RUBRIC_B`, the notebook writes an example
that only counts critical and high findings. A rubric changes weights, not verdicts: failure
rates stay the same and only scores move, so the paired comparison isolates the effect of the
weights. `Run.rescore` weighs the run's verdicts with the second rubric without grading again
(as `evalkit rescore` does for a run folder).""",
    ),
    (
        "code",
        """\
if RUBRIC_B:
    rubric_b = resolve(RUBRIC_B)
else:
    rubric_b = out_dir / "critical-and-high-only.yaml"
    rubric_b.write_text(
        "name: critical-and-high-only\\n"
        "version: '1'\\n"
        "description: Medium and low findings cost nothing.\\n"
        "severity_weights: {critical: 10, high: 5, medium: 0, low: 0}\\n", encoding="utf-8")
run_rubric_b = run.rescore(rubric_b)  # the same verdicts, other weights: nothing is graded
rubric_labels = (run.info["rubric"]["name"], run_rubric_b.info["rubric"]["name"])
rubrics = compare(run, run_rubric_b, labels=rubric_labels, n_boot=N_BOOT, seed=SEED)
print(rubrics.pairing)
print(rubrics.statement())
rubrics.score""",
    ),
    ("code", 'rubrics.score_deltas.sort_values(["delta", rubrics.on], ascending=[False, True])'),
    ("code", 'rubrics.categories[["category", "rate_a", "rate_b", "diff", "ci_low", "ci_high"]]'),
    ("md", "## Save the comparisons\n\nAs markdown, e.g. for a pull request or a write-up."),
    (
        "code",
        """\
(out_dir / "compare-models.md").write_text(models.to_markdown() + "\\n", encoding="utf-8")
(out_dir / "compare-rubrics.md").write_text(rubrics.to_markdown() + "\\n", encoding="utf-8")
plots.difference_chart(models).savefig(out_dir / "model-differences.png", dpi=120)
print(sorted(p.name for p in out_dir.iterdir()))""",
    ),
    (
        "md",
        """\
## A leaderboard

`evalkit leaderboard RUN_DIR...` (or `evalkit.analysis.leaderboard.leaderboard`) ranks saved runs by
mean score with a 95% interval, with the share of answers that could be scored and every
category's failure rate with its Wilson interval. Here the two models, saved as runs of their
own:""",
    ),
    (
        "code",
        """\
from evalkit.analysis.leaderboard import leaderboard

board = leaderboard([run_a.save(out_dir / "runs" / "a"), run_b.save(out_dir / "runs" / "b")])
board = board.assign(run=board["run"].map({"a": MODEL_A, "b": MODEL_B}))
board[["rank", "run", "n", "scored", "score_mean", "score_ci_low", "score_ci_high"]]""",
    ),
]


TRAINING = [
    (
        "md",
        """\
# Export for training

A training pipeline wants one row per answer with a reward and, for critique or revision
training, feedback text. This notebook scores a dataset, keeps the gradable answers, joins the
answer text and metadata from the input records, and writes CSV and Parquet.""",
    ),
    (
        "code",
        parameters(
            "metadata column for per-group summaries",
            "# Record files holding the answer text (JSONL, JSON, CSV or Parquet); empty: the",
            "# record files of DATASET itself.",
            'RECORDS = parameter("RECORDS", "")',
            'MIN_REWARD = float(parameter("MIN_REWARD", "0.8"))  # for the filtered set',
            'PROMPT = parameter("PROMPT", "prompt_id")  # the column naming the prompt',
            out="04-training-export",
        ),
    ),
    ("md", SETUP_TEXT),
    ("code", SETUP.format(imports="")),
    ("code", SCORE),
    (
        "md",
        """\
## The two training columns

- **`reward`** is `score / 100`, between 0 and 1. It is 1 when every applicable check passes;
  each failed check lowers it by its rubric weight over the total weight of the checks that
  apply, so critical failures cost most. An answer that does not parse, or holds no Terraform,
  gets 0. It is empty for `error` and `timeout` rows: those say nothing about the answer, so
  they are left out below.
- **`feedback`** lists the failed checks, one line each, most severe first:
  `CHECK-ID: message`. Each message names the resource and the fix, in words a model can learn
  from; it is empty when nothing failed. Secrets are masked.""",
    ),
    (
        "code",
        """\
scores = run.scores
with_findings = scores[(scores["status"] == "ok") & (scores["n_findings"] > 0)]
example = with_findings.sort_values(["reward", "submission_id"]).iloc[0]
print(f"{example['submission_id']}: reward {example['reward']}\\n")
print(example["feedback"])""",
    ),
    (
        "md",
        """\
## Keep the gradable answers

Rows with status `error` or `timeout` have no reward. The failed check IDs are added as one
`;`-separated column, handy for filtering or per-failure weighting.""",
    ),
    (
        "code",
        """\
check_ids = plots.check_columns(scores)
graded = ["ok", "parse_error", "no_terraform", "no_infrastructure"]
gradable = scores[scores["status"].isin(graded)].copy()
failed = gradable[check_ids].eq("fail")
gradable["failed_checks"] = failed.apply(lambda row: ";".join(row.index[row]), axis=1)
gradable["feedback"] = gradable["feedback"].fillna("")
print(f"kept {len(gradable)} of {len(scores)} submissions")""",
    ),
    (
        "md",
        """\
## Join the answer text and metadata

The scores carry the records' metadata (e.g. `model`, `prompt_id`) but not the answer itself.
Reading the input records back gives the text a model produced, joined on the id, under the
records' own name for it (`TEXT_FIELD`). Submissions
that are not in the records (here, the folders of `.tf` files) are left out of the export.""",
    ),
    (
        "code",
        """\
metadata = list(scores.columns[1 : scores.columns.get_loc("status")])
coverage = ["coverage"] if "coverage" in scores.columns else []  # with references only
training = ["reward", "feedback", "failed_checks", "status", "score", *coverage, "n_findings"]
# A run opened from RUN_DIR names the files it was graded from, and its id and text fields.
record_files = notebook.record_files(RECORDS or (run.info.get("input") if RUN_DIR else DATASET))
ID_FIELD = run.info.get("id_field") or ID_FIELD
TEXT_FIELD = run.info.get("text_field") or TEXT_FIELD
print("records read from:", [str(p) for p in record_files] or "none")
if record_files:
    # The answer text keeps the records' own field name (TEXT_FIELD), as the input had it.
    records = notebook.read_records(record_files, ID_FIELD).rename(
        columns={ID_FIELD: "submission_id"})
    extra = [c for c in records.columns if c not in gradable.columns and c != TEXT_FIELD]
    export = gradable.merge(records[["submission_id", TEXT_FIELD, *extra]], on="submission_id")
    export = export[["submission_id", *metadata, *extra, TEXT_FIELD, *training]]
else:
    export = gradable[["submission_id", *metadata, *training]]
export = export.sort_values("submission_id").reset_index(drop=True)
export.drop(columns=[TEXT_FIELD], errors="ignore")""",
    ),
    ("md", "## Write CSV and Parquet"),
    (
        "code",
        """\
csv_path = out_dir / "training.csv"
parquet_path = out_dir / "training.parquet"
export.to_csv(csv_path, index=False)
export.to_parquet(parquet_path, index=False)
written = pd.read_parquet(parquet_path)
print(f"wrote {len(written)} rows to {csv_path.name} and {parquet_path.name}")
written.dtypes""",
    ),
    (
        "md",
        """\
## Variations

Typical selections on top of the export: only high-reward answers (for supervised fine-tuning or
rejection sampling), or the best answer per prompt (`PROMPT` names the column that says which
prompt an answer is for).""",
    ),
    (
        "code",
        """\
high_reward = export[export["reward"] >= MIN_REWARD]
print(f"{len(high_reward)} of {len(export)} answers have reward >= {MIN_REWARD}")
best_per_prompt = None
if PROMPT in export.columns:
    best_per_prompt = (export.sort_values(["reward", "submission_id"], ascending=[False, True])
                       .groupby(PROMPT, sort=True).head(1))
    print(best_per_prompt[[PROMPT, "submission_id", "reward"]].to_string(index=False))
else:
    print(f"no column {PROMPT!r} for the best answer per prompt: set PROMPT to the column that "
          f"names the prompt; metadata columns: {metadata or 'none'}")
if BY in export.columns:
    print(export.groupby(BY)["reward"].agg(["count", "mean"]).round(3))""",
    ),
    (
        "md",
        """\
## pass@k

With several answers per prompt (best-of-n sampling), pass@k is the chance that at least one
of k answers to a prompt passes: `1 − C(n−c, k) / C(n, k)` for a prompt with n answers of which
c pass, averaged over the prompts with at least k answers. What passes comes from the rubric:
by default no failed check it rates critical (`rule="score>=80"` for a score threshold). The
same from a shell: `evalkit passk RUN_DIR --on PROMPT --k 1,5 --by BY`.""",
    ),
    (
        "code",
        """\
from evalkit.analysis.passk import pass_at_k

passk = None
if PROMPT in run.scores.columns:
    passk = pass_at_k(run, PROMPT, [1, 5], by=BY if BY in run.scores.columns else None)
passk""",
    ),
]


NOTEBOOKS = {
    "01-quickstart.ipynb": QUICKSTART,
    "02-failure-rates.ipynb": FAILURE_RATES,
    "03-compare-models.ipynb": COMPARE,
    "04-training-export.ipynb": TRAINING,
}


def build(cells: list[tuple[str, str]], stem: str) -> NotebookNode:
    """A notebook without outputs, with stable cell ids so rewriting it changes nothing."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, (kind, source) in enumerate(cells):
        cell = (
            nbformat.v4.new_markdown_cell(source)
            if kind == "md"
            else nbformat.v4.new_code_cell(source)
        )
        cell.id = f"{stem}-{index:02d}"
        parameters = source.startswith("from evalkit.analysis.notebook import parameter\n")
        if kind == "code" and parameters:
            cell.metadata["tags"] = ["parameters"]
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def render(name: str) -> str:
    """The text of a notebook file as this script writes it."""
    notebook = build(NOTEBOOKS[name], name.split("-")[0])
    return nbformat.writes(notebook) + "\n"


def main() -> int:
    for name in NOTEBOOKS:
        (HERE / name).write_text(render(name), encoding="utf-8")
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
