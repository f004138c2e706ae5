"""How expressions are written, asked without the parse tree (`evalkit.terraform.syntax`)."""

from __future__ import annotations

import textwrap

from evalkit.terraform import syntax
from evalkit.terraform.parse import Attribute, ParsedFile, parse_file

MAIN = """
locals {
  ref     = var.region
  call    = base64encode(local.script)
  other   = upper(local.script)
  rules = [
    { port = 22 },
    {
      port = 80
    },
  ]
  tags = merge(var.tags, { Name = "web", "Team" = "ops", (var.k) = 1 })
}
variable "settings" {
  type = object({ size = optional(number), name = string })
}
variable "names" {
  type = list(string)
}
"""


def _parsed(text: str = MAIN, name: str = "main.tf") -> ParsedFile:
    parsed = parse_file(name, textwrap.dedent(text).lstrip("\n"))
    assert isinstance(parsed, ParsedFile)
    return parsed


def _local(name: str) -> Attribute:
    for block in _parsed().blocks:
        if block.type == "locals" and name in block.attributes:
            return block.attributes[name]
    raise AssertionError(name)


def _variable_type(label: str) -> Attribute:
    block = next(b for b in _parsed().blocks if b.type == "variable" and b.labels == [label])
    return block.attributes["type"]


def test_reference_text_is_given_only_for_a_bare_reference() -> None:
    assert syntax.reference_text(_local("ref").expr) == "var.region"
    assert syntax.reference_text(_local("call").expr) is None


def test_references_carry_their_lines() -> None:
    found = [(r.text, r.line) for r in syntax.references(_local("tags").expr)]
    assert found == [("var.tags", 11), ("var.k", 11)]


def test_written_text_is_the_source_of_the_expression() -> None:
    source = textwrap.dedent(MAIN).lstrip("\n")
    assert syntax.written_text(_local("call").expr, source) == "base64encode(local.script)"
    assert syntax.written_text("not an expression", source) is None


def test_element_lines_are_given_for_a_list_literal_only() -> None:
    assert syntax.element_lines(_local("rules").expr) == [6, 7]
    assert syntax.element_lines(_local("ref").expr) == []


def test_calls_function_looks_anywhere_in_the_expression() -> None:
    assert syntax.calls_function(_variable_type("settings").expr, "optional")
    assert not syntax.calls_function(_variable_type("names").expr, "optional")


def test_call_argument_of_a_wrapping_function() -> None:
    argument = syntax.call_argument(_local("call").expr, {"base64encode"})
    assert syntax.reference_text(argument) == "local.script"
    assert syntax.call_argument(_local("other").expr, {"base64encode"}) is None


def test_object_entries_give_literal_keys_and_none_for_computed_ones() -> None:
    entries = [(key, line) for key, _, line in syntax.object_entries(_local("tags").expr)]
    assert entries == [("Name", 11), ("Team", 11), (None, 11)]
    assert list(syntax.object_entries(_local("ref").expr)) == []


def test_type_keywords_of_native_and_json_constraints() -> None:
    assert syntax.type_keywords(_variable_type("names").expr) == ["list", "string"]
    json_file = _parsed('{"variable": {"names": {"type": "${list(string)}"}}}', "main.tf.json")
    attribute = json_file.blocks[0].attributes["type"]
    assert syntax.type_keywords(attribute.expr) == ["list", "string"]


def test_object_entries_of_a_json_object_are_its_own_entries() -> None:
    json_file = _parsed('{"locals": {"tags": {"Name": "web"}}}', "main.tf.json")
    attribute = json_file.blocks[0].attributes["tags"]
    entries = [(key, value.value) for key, value, _ in syntax.object_entries(attribute.expr)]
    assert entries == [("Name", "web")]


def test_file_blocks_of_a_file_that_parses_and_of_one_that_does_not() -> None:
    blocks = syntax.file_blocks("tests/main.tftest.hcl", 'run "plan" {\n  command = plan\n}\n')
    assert blocks is not None
    assert [(b.type, b.labels) for b in blocks] == [("run", ["plan"])]
    assert syntax.file_blocks("broken.hcl", "run {{{") is None
