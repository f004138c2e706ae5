"""The command line in a researcher's loop: mistyped fields, re-runs into a finished folder,
Ctrl-C, and output piped into `head`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.cli import main

BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs-%d"\n}\n'
SUBNET = """
resource "aws_subnet" "s{j}" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, {j})
}}
"""


def _records(directory: Path, count: int, *, id_field: str = "id", blocks: int = 1) -> Path:
    lines = []
    for i in range(count):
        body = 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n'
        body += "".join(SUBNET.format(j=j) for j in range(blocks)) + BUCKET % i
        record = {id_field: f"q-{i:03d}", "model": f"m{i % 2}", "response": f"```hcl\n{body}```"}
        lines.append(json.dumps(record))
    path = directory / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _evalkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "evalkit.cli", *args]


# --- --id-field ---------------------------------------------------------------------------------


def test_mistyped_id_field_exits_2_naming_the_fields_and_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _records(tmp_path, 3, id_field="prompt_uid")
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--id-field", "prompt_id"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error
    assert "id field 'prompt_id'" in error
    assert "did you mean --id-field prompt_uid?" in error
    assert "fields seen: prompt_uid, model, response" in error
    assert not (out / "scores.csv").exists()

    assert main(["score", str(data), "--out", str(out), "--quiet", "--id-field", "prompt_uid"]) == 0
    ids = [json.loads(line)["id"] for line in (out / "results.jsonl").read_text().splitlines()[1:]]
    assert ids == ["q-000", "q-001", "q-002"]


def test_mistyped_text_field_suggests_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _records(tmp_path, 2)
    assert main(["score", str(data), "--out", str(tmp_path / "o"), "--text-field", "reponse"]) == 2
    assert "did you mean --text-field response?" in capsys.readouterr().err


def test_records_without_any_id_are_still_numbered_when_no_id_field_was_named(
    tmp_path: Path,
) -> None:
    data = _records(tmp_path, 2, id_field="key")
    out = tmp_path / "out"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    ids = [json.loads(line)["id"] for line in (out / "results.jsonl").read_text().splitlines()[1:]]
    assert ids == ["answers-1", "answers-2"]


# --- re-running into a finished folder, and Ctrl-C ---------------------------------------------


def test_rerun_into_a_finished_folder_is_refused_without_resume_or_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _records(tmp_path, 3)
    out = tmp_path / "out"
    base = ["score", str(data), "--out", str(out), "--quiet", "--no-cache"]
    assert main(base) == 0
    journal_before = (out / "results.jsonl").read_bytes()
    (out / "report").mkdir()
    (out / "report" / "report.md").write_text("old\n")

    assert main(base) == 2
    error = capsys.readouterr().err
    assert "--resume" in error and "--overwrite" in error
    assert (out / "results.jsonl").read_bytes() == journal_before

    assert main([*base, "--resume", "--overwrite"]) == 2
    assert main([*base, "--overwrite", "--format", "jsonl"]) == 0
    # The old run's report and its tables in another format are gone: they no longer match.
    assert not (out / "report").exists()
    assert not (out / "scores.csv").exists() and (out / "scores.jsonl").is_file()
    assert main([*base, "--resume"]) == 0


# Runs `evalkit score` with its arguments, with one change: once the journal holds HELD
# results, the run waits there until it is interrupted, as a long run would still be busy.
# So the interrupt always lands mid-run, however slowly the machine grades.
HOLD_AFTER_RESULTS = """
import signal
import sys

# Ctrl-C as in a terminal, even where the test runner was started with SIGINT ignored (a
# background job of a script): an ignored SIGINT is inherited and would never interrupt.
signal.signal(signal.SIGINT, signal.default_int_handler)

from evalkit.cli import main
from evalkit.results.journal import Journal

HELD = int(sys.argv[1])
append = Journal.append
written = []


def append_then_hold(self, result):
    append(self, result)
    written.append(result.submission_id)
    if len(written) == HELD:
        while True:  # until SIGINT raises KeyboardInterrupt here
            signal.pause()


Journal.append = append_then_hold
sys.exit(main(sys.argv[2:]))
"""


def _running(argument: str) -> list[int]:
    """Processes alive (not zombies) with `argument` on their command line (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if argument.encode() in command and state != "Z":
            found.append(int(entry.name))
    return found


def _journal_lines(journal: Path) -> int:
    """Complete lines in the journal (the header and one per finished submission)."""
    return journal.read_text(encoding="utf-8").count("\n") if journal.exists() else 0


def test_ctrl_c_prints_the_resume_command_and_keeps_the_journal(tmp_path: Path) -> None:
    held = 5
    data = _records(tmp_path, 60, blocks=10)
    out = tmp_path / "out with space"
    args = ["score", str(data), "--out", str(out), "--quiet", "--no-cache", "--jobs", "2"]
    script = tmp_path / "hold_after_results.py"
    script.write_text(HOLD_AFTER_RESULTS, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), str(held), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a failed test can end the run and its workers together
    )
    journal = out / "results.jsonl"
    try:
        # The run cannot finish on its own: it waits for the signal once `held` results are
        # journalled. Polling stops only on that state or on the process ending early.
        while _journal_lines(journal) < 1 + held and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()[1]
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=600)  # guards against a hang only
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    # The workers ignore Ctrl-C; the interrupted run ends them instead of leaving them behind
    # (where they would hold the terminal's output open).
    assert _running(str(script)) == []
    kept = journal.read_text(encoding="utf-8").splitlines()
    assert len(kept) == 1 + held  # the header and every result finished before Ctrl-C
    assert all(json.loads(line) for line in kept)  # every line complete
    assert not (out / "scores.csv").exists()
    command = stderr.strip().splitlines()[-1].strip()
    assert command.startswith("evalkit score ") and command.endswith(" --resume")
    assert f"'{out}'" in command  # quoted, so it can be pasted as it is

    import shlex

    resumed = shlex.split(command)[1:]
    assert main(resumed) == 0
    info = json.loads((out / "run.json").read_text())
    assert info["counts"]["submissions"] == 60
    assert info["timings"]["resumed_submissions"] == held
    results = journal.read_text(encoding="utf-8").splitlines()[1:]
    assert sorted(json.loads(line)["id"] for line in results) == [f"q-{i:03d}" for i in range(60)]


# --- closed pipes ------------------------------------------------------------------------------


def _with_closed_stdout(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run evalkit with a stdout pipe whose reader is gone before anything is written, as
    `evalkit ... | head -0` would leave it."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            _evalkit(*args),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)
    return done


def _scored(tmp_path: Path) -> Path:
    data = _records(tmp_path, 4)
    out = tmp_path / "run"
    assert main(["score", str(data), "--out", str(out), "--quiet", "--no-cache"]) == 0
    return out


@pytest.mark.parametrize(
    "command",
    [
        ["explain", "SEC-IAM-WILDCARD"],
        ["checks"],
        ["--help"],
        ["compare", "{run}", "{run}", "--out", "{tmp}/cmp.md", "--n-boot", "50"],
        ["score", "{data}", "--out", "{tmp}/again", "--no-cache"],
        ["rescore", "{run}"],
        ["report", "{run}", "--out", "{tmp}/report"],
    ],
)
def test_a_closed_pipe_ends_quietly_after_writing_the_files(
    tmp_path: Path, command: list[str]
) -> None:
    run = _scored(tmp_path)
    fields = {"run": str(run), "tmp": str(tmp_path), "data": str(tmp_path / "answers.jsonl")}
    args = [part.format(**fields) for part in command]
    done = _with_closed_stdout(args, tmp_path)
    assert done.stderr == ""
    assert done.returncode == 0
    if command[0] == "compare":
        assert (tmp_path / "cmp.md").read_text().startswith("# Comparison of ")
    if command[0] == "score":
        assert (tmp_path / "again" / "scores.csv").is_file()
    if command[0] == "report":
        assert (tmp_path / "report" / "report.md").is_file()


def test_head_reading_part_of_the_output_leaves_no_traceback(tmp_path: Path) -> None:
    """A reader that takes one line and leaves, while more is still being printed."""
    reader = subprocess.Popen(["head", "-n", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert reader.stdin is not None
    done = subprocess.run(
        _evalkit("checks"), stdout=reader.stdin, stderr=subprocess.PIPE, text=True, check=False
    )
    reader.stdin.close()
    assert reader.stdout is not None
    first = reader.stdout.read().decode()
    reader.wait(timeout=60)
    assert first.startswith("ID") and first.count("\n") == 1
    assert done.returncode == 0 and done.stderr == ""
