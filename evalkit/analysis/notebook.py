"""The set-up every example notebook shares, as one call: `setup`.

A notebook's parameters are paths relative to the repository (``datasets/sample``), but
Jupyter starts a notebook in its own folder, and a notebook copied elsewhere may run with no
repository around at all. `setup` finds the root, makes the output folder, sets pandas'
display options and returns a `Notebook` that resolves parameter paths and scores datasets
with the id and text fields the parameters name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.dataset.tables import table_format

if TYPE_CHECKING:
    from evalkit.results.run import Run

_DISPLAY = ("display.max_columns", 40, "display.width", 160, "display.max_colwidth", 90)


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding pyproject.toml and datasets/; `start`
    itself when there is none (relative paths are then taken from where the notebook runs)."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "datasets").is_dir():
            return folder
    return start


def parameter(name: str, default: str) -> str:
    """A notebook parameter: the environment variable ``EVALKIT_<NAME>`` when set, else
    `default` (so a notebook can be run unedited with other data)."""
    return os.environ.get(f"EVALKIT_{name.upper()}", default)


@dataclass(frozen=True)
class Notebook:
    """Where a notebook runs: the repository `root` and the `out_dir` it writes to."""

    root: Path
    out_dir: Path

    def resolve(self, path: str | Path) -> Path:
        """A parameter path: absolute as given (``~`` expanded), otherwise from the root."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def score(
        self,
        dataset: str | Path,
        *,
        rubric: str | Path | None = "",
        id_field: str = "id",
        text_field: str = "response",
        **options: Any,
    ) -> Run:
        """`evalkit.score` on a parameter path, with the rubric's path resolved too (empty:
        the default rubric) and the records' id and text fields as given. Like
        `evalkit.score`, it grades on all cores and reuses the result cache `evalkit score`
        fills; ``jobs=1`` or ``cache=False`` in `options` turn either off."""
        import evalkit

        return evalkit.score(
            str(self.resolve(dataset)),
            rubric=str(self.resolve(rubric)) if rubric else None,
            id_field=id_field,
            text_field=text_field,
            **options,
        )

    def run(
        self,
        run_dir: str | Path,
        dataset: str | Path,
        **options: Any,
    ) -> Run:
        """The run saved in `run_dir` (by `evalkit score --out` or `Run.save`) when it is
        set, so a dataset graded from the shell opens without grading again; otherwise
        `score` on `dataset` with `options` (rubric, id_field, text_field, jobs, cache)."""
        if run_dir:
            import evalkit

            return evalkit.load_run(self.resolve(run_dir))
        return self.score(dataset, **options)

    def record_files(self, path: str | Path | Iterable[str | Path]) -> list[Path]:
        """The record files (JSONL, JSON, CSV, Parquet) a dataset path holds: the file itself,
        or those at the top of a folder; none for folders of Terraform or answer files. A
        list (such as a loaded run's ``info["input"]``) gives the record files of each."""
        if not isinstance(path, str | Path):
            return [found for item in path for found in self.record_files(item)]
        target = self.resolve(path)
        if target.is_file():
            return [target] if table_format(target) else []
        if target.is_dir():
            return sorted(p for p in target.iterdir() if p.is_file() and table_format(p))
        return []

    def read_records(
        self, paths: str | Path | Iterable[str | Path], id_field: str = "id"
    ) -> pd.DataFrame:
        """Input records as a DataFrame, from one or more record files of any format evalkit
        reads; ids are text, as in the scores table."""
        items = [paths] if isinstance(paths, str | Path) else list(paths)
        frames = [_read_records(self.resolve(p)) for p in items]
        if not frames:
            return pd.DataFrame()
        records = pd.concat(frames, ignore_index=True)
        if id_field in records.columns:
            records[id_field] = records[id_field].map(_id_text)
        return records


def setup(out_dir: str | Path, *, start: str | Path | None = None, quiet: bool = False) -> Notebook:
    """Find the repository root from `start` (default: the working folder), create `out_dir`
    (a parameter path), set pandas' display options for wide tables, and say where things
    are. Returns the `Notebook` whose `resolve` and `score` the cells use."""
    root = find_root(Path(start or Path.cwd()).resolve())
    notebook = Notebook(root, Path())
    out = notebook.resolve(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pd.set_option(*_DISPLAY)
    if not quiet:
        print(f"repository root: {root}\nwriting to: {out}")
    return Notebook(root, out)


def _read_records(path: Path) -> pd.DataFrame:
    kind = table_format(path)
    if kind == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    if kind == "json":
        return pd.read_json(path, dtype=False)
    if kind == "parquet":
        return pd.read_parquet(path)
    if kind == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    raise ValueError(f"{path}: not a record file (JSONL, JSON, CSV or Parquet)")


def _id_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value is None or isinstance(value, str) else str(value)
