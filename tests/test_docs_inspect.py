"""The inspect_ai example of docs/training.md runs offline (no network, no tokenizer)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "inspect_ai", reason="inspect_ai is not installed (pip install -e '.[inspect]')"
)

TRAINING = Path(__file__).resolve().parent.parent / "docs" / "training.md"


def _example() -> str:
    text = TRAINING.read_text(encoding="utf-8")
    section = text[text.index("## inspect_ai scorer") :]
    match = re.search(r"^```python\n(.*?)^```$", section, flags=re.S | re.M)
    assert match is not None
    return match.group(1)


def test_docs_inspect_example_runs_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def no_network(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"the example tried to reach {address}")
        return original(self, address)

    original = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", no_network)
    namespace: dict[str, Any] = {}
    exec(compile(_example(), str(TRAINING), "exec"), namespace)
    log = namespace["log"]
    assert log.status == "success", log.error
    [sample] = log.samples
    [score] = sample.scores.values()
    assert score.metadata["status"] == "ok" and 0 < score.value <= 1
    assert capsys.readouterr().out.startswith("success ")
