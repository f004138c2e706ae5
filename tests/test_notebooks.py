"""The example notebooks run top to bottom on the sample dataset and produce what they say.

Each notebook is executed with nbclient in `notebooks/` (as Jupyter would), writing into a
temporary directory passed through ``EVALKIT_OUT``. A probe cell appended after the last cell
prints the notebook's key variables as JSON, so the tests check values, not just "it ran".
"""

from __future__ import annotations

import importlib.util
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

import evalkit  # noqa: E402
from evalkit.analysis import plots  # noqa: E402
from evalkit.checks import REGISTRY  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SAMPLE = ROOT / "datasets" / "sample"
TIMEOUT = 120  # seconds per cell; the whole notebook takes a few seconds

PROBES = {
    "01-quickstart.ipynb": """\
import json, sys
print(json.dumps({
    "prefix": sys.prefix,
    "cwd": str(Path.cwd()),
    "root": str(ROOT),
    "shape": list(scores.shape),
    "statuses": {k: int(v) for k, v in status_counts.items()},
    "checks": check_ids,
    "metadata": metadata,
    "rates": rates[["category", "n", "failed"]].values.tolist(),
    "check_status_fail": {k: int(v) for k, v in check_status["fail"].items()},
    "submission": SUBMISSION,
    "submission_findings": len(submission_findings),
    "saved": str(saved),
    "view": str(view),
    "score_mean": overall["score_mean"],
    "shown": shown,
    "headline": {key: overall[key] for key in headline_keys if key in overall},
}))""",
    "02-failure-rates.ipynb": """\
import json
from matplotlib.figure import Figure
figures = [fig_rates, fig_heatmap, fig_scores, fig_lost]
print(json.dumps({
    "by": by,
    "rates": rates[[by, "category", "n", "failed"]].values.tolist(),
    "lost_total": lost_table.sum(axis=1).round(6).to_dict(),
    "means": score_summary.set_index(by)["mean"].round(6).to_dict(),
    "figures": [isinstance(f, Figure) and len(f.axes[0].patches) + len(f.axes[0].images)
                for f in figures],
    "charts": {k: str(v) for k, v in charts.items()},
    "report": str(report_path),
}))""",
    "03-compare-models.ipynb": """\
import json
print(json.dumps({
    "models": [MODEL_A, MODEL_B],
    "models_paired": models.paired,
    "models_on": models.on,
    "models_pairs": len(models.score_deltas),
    "models_score_diff": float(models.score["diff"].iloc[0]),
    "rubrics_paired": rubrics.paired,
    "rubrics_labels": list(rubrics.labels),
    "rubrics_score": rubrics.score[["diff", "ci_low", "ci_high"]].iloc[0].tolist(),
    "rubrics_score_significant": bool(rubrics.score["significant"].iloc[0]),
    "rubrics_rate_diffs": rubrics.categories["diff"].abs().max(),
    "deltas_max": float(rubrics.score_deltas["delta"].max()),
    "board": board[["run", "score_mean"]].values.tolist(),
    "lowered_without_high_failures": int(
        rubrics.score_deltas.merge(run_rubric_b.scores, on=rubrics.on)
        .query("delta < 0 and score >= 100")
        .shape[0]
    ),
}))""",
    "04-training-export.ipynb": """\
import json
print(json.dumps({
    "kept": len(gradable),
    "rows": len(export),
    "columns": list(export.columns),
    "example": example["submission_id"],
    "csv": str(csv_path),
    "parquet": str(parquet_path),
    "high_reward": len(high_reward),
    "best_per_prompt": None if best_per_prompt is None else len(best_per_prompt),
    "passk": None if passk is None else (
        passk[passk["prompts"] > 0][["k", "prompts", "pass_at_k"]].values.tolist()),
}))""",
}


def execute(
    name: str, out_dir: Path, parameters: dict[str, str] | None = None
) -> tuple[dict[str, Any], Any]:
    """Run one notebook in notebooks/ with its probe, its parameters set through
    ``EVALKIT_*`` environment variables; returns the probe's JSON and the executed
    notebook."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBES[name]))
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    # The kernel gets its own copy of the environment, so runs in parallel stay independent.
    overrides = {f"EVALKIT_{key}": value for key, value in (parameters or {}).items()}
    client.execute(env={**_environment(), "EVALKIT_OUT": str(out_dir), **overrides})
    streams = [o["text"] for o in notebook.cells[-1].outputs if o["output_type"] == "stream"]
    return json.loads("".join(streams)), notebook


def _environment() -> dict[str, str]:
    import os

    environment = dict(os.environ)
    environment.pop("MPLBACKEND", None)  # as in Jupyter: the kernel picks its own backend
    return environment


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, Any, Path]]:
    """All four notebooks, executed two at a time (kernels start in parallel)."""
    base = tmp_path_factory.mktemp("notebooks")

    def run(name: str) -> tuple[str, tuple[dict, Any, Path]]:
        out_dir = base / name.removesuffix(".ipynb")
        probe, notebook = execute(name, out_dir)
        return name, (probe, notebook, out_dir)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, PROBES))


@pytest.fixture(scope="module")
def sample_run() -> evalkit.Run:
    return evalkit.score(str(SAMPLE))


def png_outputs(notebook: Any) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_quickstart(executed: dict, sample_run: evalkit.Run) -> None:
    probe, _, out_dir = executed["01-quickstart.ipynb"]
    assert probe["prefix"] == sys.prefix  # the project's own environment runs the kernel
    assert Path(probe["cwd"]) == NOTEBOOKS and Path(probe["root"]) == ROOT
    assert probe["shape"] == list(sample_run.scores.shape)
    assert probe["shape"][0] == 14
    assert probe["statuses"] == {
        "ok": 11,
        "parse_error": 1,
        "no_terraform": 1,
        "no_infrastructure": 1,
    }
    assert probe["checks"] == plots.check_columns(sample_run.scores)
    assert set(probe["checks"]) == set(REGISTRY.ids())
    assert probe["metadata"] == ["model", "prompt_id"]
    expected = plots.category_rates(sample_run)[["category", "n", "failed"]].values.tolist()
    assert probe["rates"] == expected
    fails = (sample_run.scores[probe["checks"]] == "fail").sum()
    assert probe["check_status_fail"] == {k: int(v) for k, v in fails.items()}
    # The lowest-scored graded submission is opened, with all its findings.
    graded = sample_run.scores[sample_run.scores["status"] == "ok"]
    lowest = graded.sort_values(["score", "submission_id"]).iloc[0]["submission_id"]
    assert probe["submission"] == lowest
    findings = sample_run.findings
    assert probe["submission_findings"] == int((findings["submission_id"] == lowest).sum())
    saved = evalkit.load_run(probe["saved"])
    assert Path(probe["saved"]).parent == out_dir
    columns = ["submission_id", "status", "score"]
    assert saved.scores[columns].values.tolist() == sample_run.scores[columns].values.tolist()
    # The viewer page of the saved run, and summary.json beside it
    page = Path(probe["view"]).read_text(encoding="utf-8")
    assert Path(probe["view"]).parent == Path(probe["saved"])
    assert lowest in page and "<html" in page.lower()
    summary = json.loads((Path(probe["saved"]) / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["score_mean"] == pytest.approx(probe["score_mean"])
    assert summary["overall"]["score_mean"] == pytest.approx(sample_run.scores["score"].mean())


def test_failure_rates(executed: dict, sample_run: evalkit.Run) -> None:
    probe, notebook, out_dir = executed["02-failure-rates.ipynb"]
    assert probe["by"] == "model"
    expected = plots.category_rates(sample_run, by="model")
    assert probe["rates"] == expected[["model", "category", "n", "failed"]].values.tolist()
    assert {row[0] for row in probe["rates"]} == {"model-a", "model-b", "(no model)"}
    # Points lost per group add up to 100 - mean score (scores are stored to 2 decimals).
    for group, total in probe["lost_total"].items():
        assert total == pytest.approx(100 - probe["means"][group], abs=0.01)
    assert all(count and count > 0 for count in probe["figures"])  # every chart drew shapes
    assert png_outputs(notebook) >= 5  # four charts and the histogram are shown inline
    for path in probe["charts"].values():
        assert Path(path).parent == out_dir
        assert Path(path).read_bytes()[:4] == b"\x89PNG"
    report = Path(probe["report"]).read_text(encoding="utf-8")
    assert "## Failure rates by category" in report and "| model-a |" in report


def test_compare_models(executed: dict) -> None:
    probe, notebook, out_dir = executed["03-compare-models.ipynb"]
    assert probe["models"] == ["model-a", "model-b"]
    assert probe["models_paired"] and probe["models_on"] == "prompt_id"
    assert probe["models_pairs"] == 2
    # The leaderboard of the two models, highest mean score first.
    assert [row[0] for row in probe["board"]] == ["model-a", "model-b"]
    assert probe["rubrics_paired"]
    assert probe["rubrics_labels"] == ["aws-multi-region", "critical-and-high-only"]
    # Dropping medium and low weights changes no verdict. It raises the score of an answer
    # whose failures are medium or low, and can only lower one that fails a critical or high
    # check (its passing medium/low checks no longer count in its favour).
    low, high = probe["rubrics_score"][1:]
    assert probe["deltas_max"] > 0
    assert probe["lowered_without_high_failures"] == 0
    assert probe["rubrics_rate_diffs"] == 0
    assert low <= probe["rubrics_score"][0] <= high
    for name in (
        "compare-models.md",
        "compare-rubrics.md",
        "model-differences.png",
        "critical-and-high-only.yaml",
    ):
        assert (out_dir / name).is_file()
    markdown = (out_dir / "compare-models.md").read_text(encoding="utf-8")
    assert "Paired on prompt_id: 2 matched" in markdown
    assert png_outputs(notebook) >= 2


def test_training_export(executed: dict, sample_run: evalkit.Run) -> None:
    probe, _, out_dir = executed["04-training-export.ipynb"]
    assert probe["kept"] == 14
    records = pd.read_json(SAMPLE / "answers.jsonl", lines=True)
    assert probe["rows"] == len(records) == 4
    csv = pd.read_csv(probe["csv"], keep_default_na=False, na_values=[""])
    parquet = pd.read_parquet(probe["parquet"])
    assert Path(probe["csv"]).parent == out_dir
    assert list(csv.columns) == list(parquet.columns) == probe["columns"]
    assert probe["columns"][:4] == ["submission_id", "model", "prompt_id", "response"]
    assert {"reward", "feedback", "failed_checks"} <= set(probe["columns"])
    assert sorted(csv["submission_id"]) == sorted(records["id"])
    assert csv["reward"].tolist() == pytest.approx((csv["score"] / 100).tolist(), abs=1e-4)
    expected = sample_run.scores.set_index("submission_id").loc[csv["submission_id"]]
    assert csv["reward"].tolist() == expected["reward"].tolist()
    responses = records.set_index("id").loc[parquet["submission_id"], "response"]
    assert parquet["response"].tolist() == responses.tolist()
    failed = csv[csv["n_findings"] > 0]
    for row in failed.itertuples():
        first = row.failed_checks.split(";")[0]
        assert first in row.feedback
    assert probe["high_reward"] == int((csv["reward"] >= 0.8).sum())
    assert probe["best_per_prompt"] == records["prompt_id"].nunique()
    from evalkit.analysis.passk import pass_at_k

    expected_passk = pass_at_k(sample_run, "prompt_id", [1, 5], by="model")
    expected_passk = expected_passk[expected_passk["prompts"] > 0]
    assert probe["passk"] == expected_passk[["k", "prompts", "pass_at_k"]].values.tolist()
    assert probe["passk"] == [[1, 2, 0.5], [1, 2, 0.0]]  # model-a, then model-b


# --- a dataset whose fields are not id/response/model/prompt_id ---------------------------------

OTHER_FIELDS = {
    "ID_FIELD": "uid",
    "TEXT_FIELD": "completion",
    "BY": "system",
    "PAIR_ON": "task",
    "PROMPT": "task",
}
BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "data-%s"\n}\n'
OPEN_SSH = (
    'resource "aws_security_group" "ssh" {\n  ingress {\n    from_port   = 22\n'
    '    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'
)


def _other_fields_dataset(directory: Path) -> Path:
    """Two systems answering the same four tasks, in a JSONL whose id, text, grouping and
    pairing fields all have other names than the notebooks' defaults."""
    rows = []
    for system in ("alpha", "beta"):
        for task in range(4):
            body = BUCKET % f"{system}-{task}" + (OPEN_SSH if system == "beta" else "")
            rows.append(
                {
                    "uid": f"{system}/{task}",
                    "system": system,
                    "task": f"t{task}",
                    "completion": f"Here you go:\n\n```hcl\n{body}```\n",
                }
            )
    path = directory / "completions.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def executed_other(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("other-fields")
    dataset = _other_fields_dataset(base)
    parameters = {"DATASET": str(dataset), **OTHER_FIELDS, "N_BOOT": "200"}

    def run(name: str) -> tuple[str, Any]:
        out_dir = base / name.removesuffix(".ipynb")
        return name, (*execute(name, out_dir, parameters), out_dir, dataset)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, PROBES))


def test_notebooks_read_a_dataset_with_other_field_names(executed_other: dict) -> None:
    ids = [f"{system}/{task}" for system in ("alpha", "beta") for task in range(4)]
    expected = evalkit.score(
        str(executed_other["01-quickstart.ipynb"][3]), id_field="uid", text_field="completion"
    )
    assert sorted(expected.scores["submission_id"]) == ids

    quick, _, _, _ = executed_other["01-quickstart.ipynb"]
    assert quick["shape"] == list(expected.scores.shape)
    assert quick["statuses"] == {"ok": 8}
    assert quick["metadata"] == ["system", "task"]
    assert quick["submission"] in ids

    rates, _, _, _ = executed_other["02-failure-rates.ipynb"]
    assert rates["by"] == "system"
    by_system = plots.category_rates(expected, by="system")
    assert rates["rates"] == by_system[["system", "category", "n", "failed"]].values.tolist()

    models, _, _, _ = executed_other["03-compare-models.ipynb"]
    assert models["models"] == ["alpha", "beta"]
    assert models["models_paired"] and models["models_on"] == "task"
    assert models["models_pairs"] == 4

    export, _, out_dir, dataset = executed_other["04-training-export.ipynb"]
    assert export["rows"] == 8 and export["kept"] == 8
    # The answer text keeps its own field name; the best answer per prompt uses PROMPT.
    assert export["columns"][:4] == ["submission_id", "system", "task", "completion"]
    assert export["best_per_prompt"] == 4
    written = pd.read_parquet(out_dir / "training.parquet")
    records = pd.read_json(dataset, lines=True).set_index("uid")
    assert sorted(written["submission_id"]) == ids
    assert (
        written["completion"].tolist()
        == records.loc[written["submission_id"], "completion"].tolist()
    )


def test_notebooks_are_stored_without_outputs() -> None:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name
        first_code = next(c for c in notebook.cells if c.cell_type == "code")
        assert "parameters" in first_code.metadata.get("tags", []), path.name
        for name in ("DATASET", "ID_FIELD", "TEXT_FIELD", "RUBRIC", "BY", "OUT_DIR"):
            assert f"\n{name} = parameter(" in first_code.source, (path.name, name)
        # The set-up is one call to evalkit.analysis.notebook, not a copy of path-handling code.
        code = [c.source for c in notebook.cells if c.cell_type == "code"]
        assert "notebook = setup(OUT_DIR)" in code[1] and len(code[1].splitlines()) <= 12
        assert not any("def find_root" in source for source in code), path.name
        assert not any("EVALKIT_" in source for source in code[1:]), path.name


def test_notebooks_match_their_generator() -> None:
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make_notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.NOTEBOOKS) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    for name in module.NOTEBOOKS:
        stored = (NOTEBOOKS / name).read_text(encoding="utf-8")
        assert stored == module.render(name), f"{name}: run python notebooks/make_notebooks.py"


def test_notebooks_show_coverage_for_a_dataset_with_references(tmp_path: Path) -> None:
    dataset = ROOT / "datasets" / "with-references"
    expected = evalkit.score(str(dataset))
    parameters = {"DATASET": str(dataset)}
    quick, _ = execute("01-quickstart.ipynb", tmp_path / "quick", parameters)
    assert quick["shown"][quick["shown"].index("score") + 1] == "coverage"
    assert quick["headline"]["coverage_mean"] == pytest.approx(
        expected.scores["coverage"].mean(), abs=1e-4
    )
    export, _ = execute("04-training-export.ipynb", tmp_path / "export", parameters)
    assert "coverage" in export["columns"]
