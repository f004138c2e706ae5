"""Parse each large Terraform file once per process, however many submissions ship it.

Parsing is most of the grading time of a submission that carries a large module: python-hcl2's
Lark parser costs a few milliseconds per kilobyte, so a service module of 100-200 KB (long
variable types, many dynamic blocks) takes the better part of a second, while evaluating it
and running every check takes a fraction of that. Examples and answers that vendor the same
module (every example of a module repository, answers built on a shared template) repeat the
same text, and the same text always parses to the same tree.

The parsed files are shared by the models that use them and are never modified after parsing
(nothing in evalkit writes to a `Block` or an expression tree), so sharing them cannot change
a verdict. Only large files are kept, within a bound on their total size: a parsed file holds
about 85 times its text in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from evalkit.terraform.parse import (
    Attribute,
    Block,
    ParsedFile,
    ParseFailure,
    default_parser,
    parse_file,
)

__all__ = ["bypassed", "clear", "parse_file_once"]

# Below this size a parse costs less than looking after the entry.
MIN_CHARS = 16 * 1024
# Total text of the kept files: about 45 MB of parsed trees per process.
MAX_TOTAL_CHARS = 512 * 1024

Parsed = ParsedFile | ParseFailure
# Keyed by the parser, the text and whether it is read as JSON (the only thing a file's name
# changes in its parse besides the name recorded on each block); the value remembers that name.
_KEPT: OrderedDict[tuple[str, bool, str], tuple[str, Parsed]] = OrderedDict()
_TOTAL_CHARS = 0
# How many `bypassed` contexts are active.
_BYPASSES = 0


def parse_file_once(name: str, text: str, parser: str | None = None) -> Parsed:
    """`parse_file(name, text, parser)`, reusing the result of an earlier call with the same
    text and parser. The result is shared: callers must not modify it.

    The same module vendored under another path (``ecs/modules/service`` in one example,
    ``modules/service`` in another) reuses the parse too: its blocks are copied under the new
    name, sharing their expression trees, which costs a small fraction of a parse."""
    global _TOTAL_CHARS
    parser = parser or default_parser()
    if _BYPASSES or len(text) < MIN_CHARS or len(text) > MAX_TOTAL_CHARS:
        return parse_file(name, text, parser)
    key = (parser, name.endswith(".json"), text)
    found = _KEPT.get(key)
    if found is not None:
        _KEPT.move_to_end(key)
        kept_name, result = found
        return result if kept_name == name else _renamed(result, name)
    result = parse_file(name, text, parser)
    _KEPT[key] = (name, result)
    _TOTAL_CHARS += len(text)
    while _TOTAL_CHARS > MAX_TOTAL_CHARS and _KEPT:
        (_, _, dropped), _ = _KEPT.popitem(last=False)
        _TOTAL_CHARS -= len(dropped)
    return result


@contextmanager
def bypassed() -> Iterator[None]:
    """Parse every file afresh, and keep none, while the context lasts.

    For a batch graded in a caller's process, such as a reward for a trainer: its answers
    rarely ship the same large file, and every kept tree is hundreds of thousands of live
    objects that the caller's garbage collector traces again at each collection (on real
    answers, a tenth of a reward's time for no reuse)."""
    global _BYPASSES
    _BYPASSES += 1
    try:
        yield
    finally:
        _BYPASSES -= 1


def clear() -> None:
    """Forget every kept file (tests, and callers that want their memory back)."""
    global _TOTAL_CHARS
    _KEPT.clear()
    _TOTAL_CHARS = 0


def _renamed(result: Parsed, name: str) -> Parsed:
    """`result` as parsing the same text under `name` gives it."""
    if isinstance(result, ParseFailure):
        return replace(result, file=name)
    renamed = ParsedFile(name, [_renamed_block(block, name) for block in result.blocks])
    renamed.comment_lines = result.comment_lines
    return renamed


def _renamed_block(block: Block, name: str) -> Block:
    attributes = {
        key: Attribute(attribute.name, attribute.expr, name, attribute.line)
        for key, attribute in block.attributes.items()
    }
    nested = [_renamed_block(inner, name) for inner in block.blocks]
    return Block(block.type, block.labels, attributes, nested, name, block.line, block.end_line)
