"""Terraform test files (``terraform test``): their blocks, `run` blocks and what a run does.

A test file holds `run` blocks (each plans or applies the configuration and asserts on it),
`mock_provider` and `override_*` blocks that replace the real provider, and `variables`.
`run` blocks may also end up in a `.tf` file, where the model parses them like any block.
"""

from __future__ import annotations

from evalkit.terraform.model import TerraformModel
from evalkit.terraform.parse import Block, JsonValue
from evalkit.terraform.references import traversal_text
from evalkit.terraform.syntax import file_blocks

# Blocks of a Terraform test file that replace the real provider or resources.
MOCK_BLOCKS = frozenset({"mock_provider", "override_resource", "override_data", "override_module"})


def test_file_blocks(model: TerraformModel, name: str) -> list[Block] | None:
    """The top-level blocks of a Terraform test file, or None when it does not parse or is
    not Terraform (``.hcl`` and ``.json`` files are parsed here; ``.tf`` files by the model)."""
    if name in model.parsed:
        return model.parsed[name].blocks
    if not name.lower().endswith((".hcl", ".json")):
        return None
    return file_blocks(name, model.files[name], model.parser)


def run_blocks(blocks: list[Block]) -> list[Block]:
    """The `run` blocks among a file's top-level blocks."""
    return [block for block in blocks if block.type == "run"]


def asserting_runs(blocks: list[Block]) -> list[Block]:
    """The `run` blocks that check something: an `assert` block or `expect_failures`."""
    return [
        block
        for block in run_blocks(blocks)
        if block.blocks_of("assert") or "expect_failures" in block.attributes
    ]


def mocks(block: Block) -> bool:
    """The block, or one written inside it, replaces the real provider or resources."""
    return any(inner.type in MOCK_BLOCKS for inner in block.walk())


def written_command(run: Block) -> str | None:
    """The `command` of a run as written (``plan``, ``apply``, or another spelling); None
    when the run sets none (``apply`` is Terraform's default)."""
    attribute = run.attributes.get("command")
    if attribute is None:
        return None
    if isinstance(attribute.expr, JsonValue):
        return attribute.expr.value if isinstance(attribute.expr.value, str) else ""
    return traversal_text(attribute.expr) or ""
