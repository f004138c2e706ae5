"""Finding how two runs' submissions match, when nobody said (`evalkit compare RUN_A RUN_B`).

Two models answering the same prompts rarely share submission ids: the ids usually carry the
model's name (``gpt-p17`` and ``llama-p17``, ``Pr1286/MODEL_RESPONSE`` and
``Pr1286/IDEAL_RESPONSE``). Comparing such runs unpaired throws away what pairing gives (each
prompt its own control) and widens every interval, so `detect_pairing` looks, in this order,
for shared submission ids, a metadata column both runs have with each value once per run
(``prompt_id``), and ids that match once the parts naming the run are left out. Whatever it
finds, it says how; when it finds nothing, it says which ``--on`` columns there are.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

import pandas as pd

from evalkit.results.rates import metadata_columns
from evalkit.results.run import Run

ID_STEM = "id_stem"  # the column `detect_pairing` adds when ids match without their run part
_SEPARATORS = "-_/.:|@ "


@dataclass(frozen=True)
class Pairing:
    """How to match two runs: `on` is the column (None: no match found), `runs` the runs to
    compare (with an ``id_stem`` column added when ids matched without their run part) and
    `note` one sentence saying how the runs were matched or what could match them."""

    on: str | None
    runs: tuple[Run, Run]
    note: str


def detect_pairing(run_a: Run, run_b: Run) -> Pairing:
    """Shared submission ids; else the metadata column both runs have whose values are
    unique in each run and shared most; else submission ids without the parts that are
    constant within each run but differ between them (the model's name)."""
    a, b = run_a.scores, run_b.scores
    ids_a, ids_b = _texts(a["submission_id"]), _texts(b["submission_id"])
    if _matches(ids_a, ids_b):
        return Pairing("submission_id", (run_a, run_b), "")
    column = _shared_column(a, b)
    if column is not None:
        note = (
            f"Submission ids differ between the runs; paired on {column}, the column both runs "
            "have with each value once (give --on COLUMN to choose another)."
        )
        return Pairing(column, (run_a, run_b), note)
    stems = id_stems(ids_a, ids_b)
    if stems is not None:
        stems_a, stems_b, dropped = stems
        note = (
            f"Submission ids differ between the runs; paired on the ids without "
            f"{dropped} (column {ID_STEM}; give --on COLUMN to pair otherwise)."
        )
        runs = (_with_stems(run_a, stems_a), _with_stems(run_b, stems_b))
        return Pairing(ID_STEM, runs, note)
    shared = [c for c in metadata_columns(a) if c in set(metadata_columns(b))]
    suggestion = (
        "if a column names the prompt, give --on COLUMN "
        f"(columns in both runs: {', '.join(shared)})"
        if shared
        else "the runs share no metadata column to pair on"
    )
    note = f"No submission id, column or id pattern matches the runs; {suggestion}."
    return Pairing(None, (run_a, run_b), note)


def id_stems(ids_a: list[str], ids_b: list[str]) -> tuple[list[str], list[str], str] | None:
    """The ids without their run-naming prefix and suffix, and what was left out.

    A run's prefix is the start all its ids share, up to and including its last separator
    (``- _ / . : | @`` or a space), its suffix the end they share from its first separator:
    ``a-`` in ``a-p1``, ``a-p2``; ``/MODEL_RESPONSE`` in ``p1/MODEL_RESPONSE``. They are left
    out when they differ between the runs. None when they do not, or when the stems do not
    match one to one."""
    if len(ids_a) < 2 or len(ids_b) < 2:
        return None
    prefix_a, suffix_a = _affixes(ids_a)
    prefix_b, suffix_b = _affixes(ids_b)
    if (prefix_a, suffix_a) == (prefix_b, suffix_b):
        return None
    stems_a = [i[len(prefix_a) : len(i) - len(suffix_a)] for i in ids_a]
    stems_b = [i[len(prefix_b) : len(i) - len(suffix_b)] for i in ids_b]
    if not all(stems_a + stems_b) or not _matches(stems_a, stems_b):
        return None
    left_out = [
        f"{kind} {x!r}/{y!r}"
        for kind, x, y in (("prefix", prefix_a, prefix_b), ("suffix", suffix_a, suffix_b))
        if x or y
    ]
    return stems_a, stems_b, "their " + " and ".join(left_out)


def _affixes(ids: list[str]) -> tuple[str, str]:
    # Characters, not path parts, are compared: that is meant here.
    prefix = os.path.commonprefix(ids)  # noqa: RUF071
    suffix = os.path.commonprefix([i[::-1] for i in ids])[::-1]  # noqa: RUF071
    # Cut back to a separator, so a shared digit (p1 in p10, p12) stays in the stem.
    cut = max((prefix.rfind(c) for c in _SEPARATORS), default=-1)
    prefix = prefix[: cut + 1]
    starts = [suffix.find(c) for c in _SEPARATORS if c in suffix]
    suffix = suffix[min(starts) :] if starts else ""
    return prefix, suffix


def closest(name: str, choices: list[str], n: int = 3) -> list[str]:
    """The choices that look most like `name` (a mistyped ID or column), best first."""
    by_case = {c.upper(): c for c in choices}
    found = difflib.get_close_matches(name.upper(), list(by_case), n=n, cutoff=0.6)
    return [by_case[f] for f in found]


def _texts(values: pd.Series) -> list[str]:
    return [str(v) for v in values.dropna()]


def _matches(keys_a: list[str], keys_b: list[str]) -> bool:
    """Unique on each side, and at least half of the smaller side found in the other."""
    if len(set(keys_a)) != len(keys_a) or len(set(keys_b)) != len(keys_b):
        return False
    common = len(set(keys_a) & set(keys_b))
    return common > 0 and 2 * common >= min(len(keys_a), len(keys_b))


def _shared_column(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    best: tuple[int, str] | None = None
    columns_b = set(metadata_columns(b))
    for column in (c for c in metadata_columns(a) if c in columns_b):
        keys_a, keys_b = _texts(a[column]), _texts(b[column])
        if len(keys_a) == len(a) and len(keys_b) == len(b) and _matches(keys_a, keys_b):
            common = len(set(keys_a) & set(keys_b))
            if best is None or common > best[0]:
                best = (common, column)
    return None if best is None else best[1]


def _with_stems(run: Run, stems: list[str]) -> Run:
    scores = run.scores.copy()
    scores[ID_STEM] = pd.Series(stems, index=scores["submission_id"].dropna().index)
    return Run(scores, run.findings, run.info, results=run.results, source=run.source)
