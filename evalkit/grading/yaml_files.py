"""Reading evalkit's YAML configuration files (rubrics, waivers) with ``file:line`` errors."""

from __future__ import annotations

import yaml


def compose_mapping(
    text: str, name: str, error: type[Exception], not_a_mapping: str
) -> yaml.MappingNode:
    """The top-level mapping node of YAML `text`, safely composed so every key keeps its line.

    Problems raise `error` with a ``name:line:`` prefix; a document that is not a mapping
    raises it with `not_a_mapping` at line 1.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark
        line = mark.line + 1 if mark is not None else 1
        raise error(f"{name}:{line}: YAML syntax error: {problem.problem}") from None
    except yaml.YAMLError as problem:
        # A reader error (a NUL byte, a binary file) prints over several lines; keep one.
        line = text.count("\n", 0, getattr(problem, "position", 0)) + 1
        reason = " ".join(str(problem).splitlines()[0].split()) if str(problem) else "invalid"
        raise error(f"{name}:{line}: YAML error: {reason}") from None
    if not isinstance(node, yaml.MappingNode):
        raise error(f"{name}:1: {not_a_mapping}")
    return node
