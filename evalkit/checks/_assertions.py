"""Whether a file that looks like a test asserts anything, and why it is not a test if not.

A test is a check of behaviour: it fails when the behaviour is wrong. A Terraform test whose
runs assert nothing, a Go, Python or JavaScript test function that states no expectation, or
application code whose function merely carries a test-like name (the `test_secret` step of a
Secrets Manager rotation Lambda) looks like a test but can never fail on a wrong
configuration, so it does not count as one.
"""

from __future__ import annotations

import posixpath
import re

from evalkit.terraform.parse import Block

# Assertions by language, read in code with whole-line comments blanked.
_GO_ASSERTION = re.compile(
    r"\b(?:assert|require)\.\w+\s*\(|\b\w+\.(?:Fatal|Fatalf|Error|Errorf|Fail|FailNow)\s*\("
    r"|\bs\.(?:Require\(\)\.)?(?:Equal|True|False|Nil|NotNil|NoError|Error|Contains|Len)\w*\s*\("
    r"|\bgomega\b|\bExpect\s*\(|\bΩ\s*\("
)
_PYTHON_ASSERTION = re.compile(
    r"^\s*assert\b|\bself\.(?:assert\w*|fail\w*)\s*\(|\bpytest\.(?:raises|fail|warns|approx)\b"
    r"|\.assert_\w+\s*\(|\bassert_\w+\s*\(|\bnp\.testing\.\w+|\bwith\s+raises\s*\(",
    re.MULTILINE,
)
_JAVASCRIPT_ASSERTION = re.compile(
    r"\bexpect\s*\(|\bassert\w*(?:\.\w+)?\s*\(|\.should\b|\bt\.(?:is|true|false|deepEqual|throws)\w*\s*\("
    r"|\.(?:hasResource\w*|resourceCountIs|hasOutput|templateMatches|allResources\w*)\s*\("
)
# Ruby (RSpec, InSpec), Java, Kotlin, Rust and PowerShell (Pester) tests.
_OTHER_ASSERTION = re.compile(
    r"\bassert\w*!?|\bshould\b|\bShould\b|\bexpect\b|\bverify\s*\(|\bpanic!|\bfail\s*\(",
)
_COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//).*$", re.MULTILINE)
# A Lambda handler module: application code whose functions may carry any name.
_LAMBDA_HANDLER = re.compile(
    r"^\s*(?:async\s+)?def\s+\w+\s*\(\s*event\s*,\s*context\b", re.MULTILINE
)
# The steps of the Secrets Manager rotation protocol, named as AWS's templates name them.
_ROTATION_STEPS = re.compile(
    r"\b(?:createSecret|setSecret|testSecret|finishSecret|create_secret|set_secret|finish_secret)\b"
)

_ASSERTIONS = {
    ".go": _GO_ASSERTION,
    ".py": _PYTHON_ASSERTION,
    ".js": _JAVASCRIPT_ASSERTION,
    ".ts": _JAVASCRIPT_ASSERTION,
    ".rb": _OTHER_ASSERTION,
    ".java": _OTHER_ASSERTION,
    ".kt": _OTHER_ASSERTION,
    ".rs": _OTHER_ASSERTION,
    ".ps1": _OTHER_ASSERTION,
}
_SUFFIX_FAMILY = {".tsx": ".ts", ".jsx": ".js", ".mjs": ".js", ".cjs": ".js"}
_TFTEST_FILE = re.compile(r"\.tftest\.(?:hcl|json)$|\.hcl$", re.IGNORECASE)


def asserting_runs(blocks: list[Block]) -> list[Block]:
    """The `run` blocks that check something: an `assert` block or `expect_failures`."""
    return [
        block
        for block in blocks
        if block.type == "run"
        and (block.blocks_of("assert") or "expect_failures" in block.attributes)
    ]


def why_not_a_test(name: str, text: str, blocks: list[Block] | None) -> str | None:
    """Why the file `name`, which looks like a test, is not one; None when it is one.

    `blocks` are the file's top-level blocks when it is Terraform test code (None when it
    does not parse or is not HCL).
    """
    if _TFTEST_FILE.search(name):
        return _terraform_test_gap(name, text, blocks)
    suffix = posixpath.splitext(name)[1].lower()
    suffix = _SUFFIX_FAMILY.get(suffix, suffix)
    code = _COMMENT_LINE.sub("", text)
    if suffix == ".py" and _is_lambda_handler(name, code):
        if _ROTATION_STEPS.search(code):
            return (
                f"{name} is a Secrets Manager rotation Lambda; its test_secret step is part "
                "of the rotation protocol, not a test"
            )
        return f"{name} is a Lambda handler, not a test"
    pattern = _ASSERTIONS.get(suffix)
    if pattern is not None and not pattern.search(code):
        return f"{name} asserts nothing, so it cannot fail"
    return None


def _terraform_test_gap(name: str, text: str, blocks: list[Block] | None) -> str | None:
    if blocks is None:
        # Not parsed (a JSON test file, or HCL evalkit cannot read): judged by its words.
        if re.search(r"\bassert\b|\bexpect_failures\b", text):
            return None
    elif asserting_runs(blocks):
        return None
    return f"{name} has no run block with an assert or expect_failures, so it cannot fail"


def _is_lambda_handler(name: str, code: str) -> bool:
    """A module that defines a Lambda entry point and is not itself in a test's place."""
    base = posixpath.basename(name).lower()
    if base.startswith("test_") or base.endswith("_test.py"):
        return False
    parts = {p.lower() for p in posixpath.dirname(name).split("/")}
    if parts & {"test", "tests", "testing"}:
        return False
    return bool(_LAMBDA_HANDLER.search(code))
