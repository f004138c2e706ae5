"""Validation of a configuration against the AWS provider schema: what `terraform validate`
would reject.

`violations(model)` walks the code as written (`Block`: attributes and nested blocks,
`dynamic` ones unexpanded) against the schema of the provider major the configuration's
``required_providers`` constraints select (`aws_major`, `evalkit.aws.schema.select_major`),
and answers one `Violation` per problem: a resource, data source or ephemeral type the
provider does not have, an argument or block it does not accept (with the closest real name,
or what replaced a removed one), a required argument or block left out of a complete
resource, a single-instance block given more than once, an argument given a literal value
Terraform cannot convert to its type (a string where a list is expected, a list where a string
is, `"yes"` for a bool), and what Terraform's language itself rejects: an unknown top-level
block, the wrong number of labels, a name declared twice in one directory
(`evalkit.terraform.declarations`), a call to a function Terraform does not have, `count`
and `for_each` on one block, a variable type constraint Terraform cannot read, and the
meta-argument and settings mistakes of `evalkit.terraform.language`.

It is lenient where Terraform is: meta-arguments, block syntax for list/set-of-object
arguments, `dynamic` blocks whose count is unknown, content the provider does not describe,
instances known not to exist (`count = 0`), module code no root calls; and where the code
only shows part of a resource (a `# ...` comment inside it), for what it leaves out.

`violations` is None when nothing is judged: the configuration declares no AWS type, or its
constraints allow no shipped major (`notes` then says why; otherwise it names the deprecated
arguments in use).
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from evalkit.aws.deprecations import deprecation_notes, removal_fix, type_fix
from evalkit.aws.schema import (
    Argument,
    BlockSchema,
    MajorChoice,
    ProviderSchema,
    load_schema,
    select_major,
)
from evalkit.terraform.declarations import TOP_LEVEL_LABELS, duplicates
from evalkit.terraform.functions import TERRAFORM_FUNCTIONS, is_terraform_function
from evalkit.terraform.language import (
    count_and_for_each,
    list_for_each,
    quoted_dependencies,
    settings_references,
)
from evalkit.terraform.model import Body, ModuleContext, TerraformModel
from evalkit.terraform.parse import Attribute, Block
from evalkit.terraform.references import function_calls
from evalkit.terraform.syntax import literal_kind, written_value
from evalkit.terraform.types import type_constraint_problem

# Meta-arguments Terraform itself handles, per kind of block.
_META_ARGUMENTS = {
    "managed": frozenset({"count", "for_each", "provider", "depends_on"}),
    "data": frozenset({"count", "for_each", "provider", "depends_on"}),
    "ephemeral": frozenset({"count", "for_each", "provider", "depends_on"}),
}
_META_BLOCKS = {
    "managed": frozenset({"lifecycle", "connection", "provisioner"}),
    "data": frozenset({"lifecycle"}),
    "ephemeral": frozenset({"lifecycle"}),
}
# A comment inside a resource that says code was left out: the resource is shown abbreviated,
# so what it lacks is not a schema error of the code shown.
_ELISION = re.compile(
    r"\.\.\.|…|\b(omitted|truncated|rest of|same as|similar (to|as)|as (above|before)|"
    r"unchanged|previous(ly)?|existing (code|config\w*|settings)|remaining (settings|"
    r"arguments|config\w*)|other (settings|arguments|attributes|config\w*)|etc)\b",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"(?:#|//|/\*)(.*)$")


@dataclass(frozen=True)
class Violation:
    """One thing `terraform validate` rejects: where, in which resource (its address), and
    the problem in words (without the address)."""

    file: str
    line: int
    resource: str
    message: str


def violations(model: TerraformModel) -> list[Violation] | None:
    """Every schema violation of the AWS resources, data sources and ephemeral resources of
    `model`; None when nothing is judged (no AWS type, or no shipped major allowed)."""
    choice = _judged_major(model)
    if choice is None or choice.major is None:
        return None
    schema = load_schema(choice.major)
    found: list[Violation] = []
    seen: set[tuple[str, int]] = set()
    lines: dict[str, list[str]] = {}
    uncalled = _uncalled_module_directories(model)
    for module in model.modules:
        for subject in _subjects(module):
            key = (subject.block.file, subject.block.line)
            if key in seen or (module.call is None and _directory(subject) in uncalled):
                continue
            seen.add(key)
            found.extend(_judge(model, schema, subject, lines))
    # Each written block once, told apart by identity: a module called twice lists the same
    # blocks twice, and the blocks of a one-line .tf.json file share a line. The language
    # rules skip the blocks judged above, since only a well-labelled block becomes a resource.
    written: dict[int, tuple[Block, ModuleContext]] = {}
    for module in model.modules:
        for block in module.blocks:
            directory = posixpath.dirname(block.file)
            if id(block) in written or (module.call is None and directory in uncalled):
                continue
            written[id(block)] = block, module
            if (block.file, block.line) in seen:
                continue
            problem = _language_problem(block)
            if problem is not None:
                found.append(Violation(block.file, block.line, _written_address(block), problem))
    for block, module in written.values():
        found.extend(_unknown_functions(block))
        found.extend(_type_constraint_problems(block))
        found.extend(_meta_argument_problems(block, module))
    found.extend(_duplicate_declarations(model, [b for b, _ in written.values()], lines))
    return found


def _meta_argument_problems(block: Block, context: ModuleContext) -> Iterator[Violation]:
    """`count` beside `for_each`, a `for_each` over a list, a quoted `depends_on` entry, a
    reference where the `terraform` block's settings must be literal
    (`evalkit.terraform.language`)."""
    address = _written_address(block)
    both = count_and_for_each(block)
    if both is not None:
        message = (
            "sets both count and for_each; Terraform accepts one of them per block: use "
            "for_each for keyed copies or count for numbered ones"
        )
        yield Violation(block.file, both, address, message)
    listed = list_for_each(block, context)
    if listed is not None:
        line = block.attributes["for_each"].line
        message = (
            f"repeats itself with for_each over {listed}; Terraform takes only a map or a set "
            "of strings there (Invalid for_each argument): wrap it in toset() or build a map"
        )
        yield Violation(block.file, line, address, message)
    for line in quoted_dependencies(block):
        message = (
            "lists a quoted string in depends_on; Terraform wants the reference itself "
            "(depends_on = [aws_vpc.main], no quotes)"
        )
        yield Violation(block.file, line, address, message)
    for line, text in settings_references(block):
        message = (
            f"uses {text} in its backend or provider requirements, which Terraform reads "
            "before any variable has a value (Variables not allowed): write the value out, or "
            "pass backend settings with -backend-config"
        )
        yield Violation(block.file, line, address, message)


def _unknown_functions(block: Block) -> Iterator[Violation]:
    """Calls to a function Terraform does not have ("Call to unknown function"). A
    variable's `type` is a type constraint, where `list(string)` is no call."""
    for written in block.walk():
        for name_of_argument, attribute in written.attributes.items():
            if written.type == "variable" and name_of_argument == "type":
                continue
            owner = f"local.{name_of_argument}" if block.type == "locals" else None
            for name, line in function_calls(attribute.expr):
                if not is_terraform_function(name):
                    address = owner or _written_address(block)
                    yield Violation(attribute.file, line, address, _unknown_function(name))


def _type_constraint_problems(block: Block) -> Iterator[Violation]:
    """A variable's `type` Terraform cannot read (`evalkit.terraform.types`)."""
    attribute = block.attributes.get("type")
    if block.type != "variable" or attribute is None:
        return
    problem = type_constraint_problem(attribute.expr)
    if problem is not None:
        yield Violation(attribute.file, attribute.line, _written_address(block), problem)


# Functions Terraform removed, with what replaces them.
_REMOVED_FUNCTIONS = {
    "list": "tolist() or a [...] tuple",
    "map": "tomap() or a { ... } object",
}


def _unknown_function(name: str) -> str:
    message = f"calls {name}(), which Terraform does not have"
    if name in _REMOVED_FUNCTIONS:
        return f"{message} any more (removed in Terraform 0.15): use {_REMOVED_FUNCTIONS[name]}"
    joined = name.replace("_", "").lower()
    if joined in TERRAFORM_FUNCTIONS:
        return f"{message}; did you mean {joined}()?"
    close = difflib.get_close_matches(name, sorted(TERRAFORM_FUNCTIONS), n=1, cutoff=0.82)
    return f"{message}; did you mean {close[0]}()?" if close else message


def _duplicate_declarations(
    model: TerraformModel, blocks: list[Block], lines: dict[str, list[str]]
) -> Iterator[Violation]:
    """A name declared twice in one directory. A copy shown abbreviated (a `# ...` comment
    inside it) is an excerpt of the other, not a second declaration."""
    for duplicate in duplicates(blocks):
        first, again = duplicate.first, duplicate.again
        if any(_abbreviated(_lines_of(model, d.file, lines), d.block) for d in (first, again)):
            continue
        yield Violation(
            again.file,
            again.line,
            again.address,
            f"already declared at {first.file}:{first.line}; Terraform reads every file of a "
            "directory as one module and rejects a name declared twice: keep one declaration",
        )


def _lines_of(model: TerraformModel, file: str, lines: dict[str, list[str]]) -> list[str]:
    if file not in lines:
        lines[file] = model.files.get(file, "").split("\n")
    return lines[file]


def _language_problem(block: Block) -> str | None:
    """What Terraform's own configuration language rejects in a top-level block: a block
    type it does not know, or the wrong number of labels."""
    if block.file.endswith(".json"):
        return None  # JSON syntax nests labels as keys: read by other rules
    labels = TOP_LEVEL_LABELS.get(block.type)
    if labels is None:
        close = difflib.get_close_matches(block.type, list(TOP_LEVEL_LABELS), n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        return (
            f"Terraform has no top-level `{block.type}` block (it reads "
            f"{', '.join(sorted(TOP_LEVEL_LABELS))}){hint}"
        )
    if len(block.labels) != len(labels):
        wanted = " and ".join(labels) if labels else "none"
        return (
            f"a `{block.type}` block takes {len(labels)} label(s) ({wanted}); this one has "
            f"{len(block.labels)}"
        )
    return None


def _written_address(block: Block) -> str:
    if block.type == "resource":
        return ".".join(block.labels)
    return ".".join([block.type, *block.labels])


def notes(model: TerraformModel) -> list[str]:
    """What a verdict says besides violations: why no major was judged, or the deprecated
    arguments in use."""
    choice = _judged_major(model)
    if choice is None:
        return []
    if choice.major is None:
        return [choice.reason]
    return deprecation_notes(model, choice.major)


def aws_major(model: TerraformModel) -> MajorChoice:
    """The AWS provider major the configuration's version constraints select."""
    return select_major(list(_version_constraints(model)))


_JUDGED_MAJOR = "_aws_judged_major"


def _judged_major(model: TerraformModel) -> MajorChoice | None:
    """`aws_major` of a model that declares an AWS type, else None. Kept on the model (as
    `evalkit.aws.layer.aws_of` keeps its layer): `violations` and `notes` both ask, and each
    answer walks every module."""
    if _JUDGED_MAJOR not in model.__dict__:
        choice = aws_major(model) if declares_aws(model) else None
        model.__dict__[_JUDGED_MAJOR] = choice
    judged: MajorChoice | None = model.__dict__[_JUDGED_MAJOR]
    return judged


# --- what is judged ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    mode: str  # managed, data, ephemeral
    block: Block
    address: str


def declares_aws(model: TerraformModel) -> bool:
    """Some resource, data source or ephemeral resource of `model` has an AWS type."""
    return any(
        subject.block.labels[0].startswith("aws_")
        for module in model.modules
        for subject in _subjects(module)
    )


def _subjects(module: ModuleContext) -> Iterator[_Subject]:
    """The AWS resources, data sources and ephemeral resources of a module that exist or may
    exist (a `count = 0` resource is declared but never created)."""
    for resource in module.resources.values():
        if resource.type.startswith("aws_"):
            yield _Subject(resource.mode, resource.block, resource.address)
    for block in module.blocks:
        if not (block.type == "ephemeral" and len(block.labels) == 2):
            continue
        if block.labels[0].startswith("aws_") and _may_exist(block, module):
            local = f"ephemeral.{block.labels[0]}.{block.labels[1]}"
            yield _Subject("ephemeral", block, _qualified(module, local))


def _qualified(module: ModuleContext, local: str) -> str:
    return f"{module.address}.{local}" if module.address else local


def _may_exist(block: Block, module: ModuleContext) -> bool:
    count = block.attributes.get("count")
    if count is None:
        return True
    value = Body(block, module, {}, "ephemeral").get("count")
    # `< 1`: what int(value) <= 0 says of a finite number, and defined for an infinite one.
    return not (isinstance(value, int | float | bool) and value < 1)


def _uncalled_module_directories(model: TerraformModel) -> set[str]:
    """Root directories under ``modules/`` next to a root that is not: module code nobody
    calls, which `terraform` never loads (an answer made only of module code is judged as it
    stands)."""
    directories = {d for m in model.modules if m.call is None for d in m.directories}
    modules = {d for d in directories if "modules" in posixpath.normpath(d).split("/")}
    return modules if directories - modules else set()


def _directory(subject: _Subject) -> str:
    return posixpath.dirname(subject.block.file)


def _version_constraints(model: TerraformModel) -> Iterator[str]:
    for module in model.modules:
        for block in module.blocks:
            if block.type == "terraform":
                for required in block.blocks_of("required_providers"):
                    yield from _aws_constraint(Body(required, module, {}, "terraform"))
            elif block.type == "provider" and block.labels == ["aws"]:
                version = Body(block, module, {}, "provider").get("version")
                if isinstance(version, str):
                    yield version


def _aws_constraint(body: Body) -> Iterator[str]:
    entry = body.get("aws")
    if isinstance(entry, str):
        yield entry
    elif isinstance(entry, dict):
        source = entry.get("source")
        if isinstance(source, str) and not source.lower().endswith("hashicorp/aws"):
            return
        version = entry.get("version")
        if isinstance(version, str):
            yield version


# --- judging one resource ------------------------------------------------------------------------


@dataclass
class _Judgement:
    model: TerraformModel
    schema: ProviderSchema
    subject: _Subject
    complete: bool
    violations: list[Violation] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        return self.subject.block.labels[0]

    def report(self, line: int, text: str) -> None:
        block = self.subject.block
        self.violations.append(Violation(block.file, line, self.subject.address, text))


def _judge(
    model: TerraformModel,
    schema: ProviderSchema,
    subject: _Subject,
    lines: dict[str, list[str]],
) -> list[Violation]:
    block = subject.block
    complete = not _abbreviated(_lines_of(model, block.file, lines), block)
    judgement = _Judgement(model, schema, subject, complete)
    type_schema = schema.type_schema(subject.mode, block.labels[0])
    if type_schema is None:
        judgement.report(block.line, _unknown_type(schema, subject.mode, block.labels[0]))
        return judgement.violations
    if block.file.endswith(".json"):
        return judgement.violations  # JSON syntax does not say what is a block
    _judge_body(judgement, block, type_schema, [], top=True)
    return judgement.violations


def _abbreviated(lines: list[str], block: Block) -> bool:
    for line in lines[block.line - 1 : block.end_line]:
        if "#" not in line and "/" not in line:
            continue
        comment = _COMMENT.search(line)
        if comment and _ELISION.search(comment.group(1)):
            return True
    return False


def _judge_body(
    judgement: _Judgement, block: Block, schema: BlockSchema, path: list[str], top: bool
) -> None:
    """Arguments and nested blocks of `block` against `schema`, recursively."""
    if schema.opaque:
        return
    mode = judgement.subject.mode
    for name, attribute in block.attributes.items():
        if top and name in _META_ARGUMENTS[mode]:
            continue
        argument = schema.argument(name)
        if argument is not None:
            _judge_value(judgement, attribute, argument, path)
            continue
        if schema.block(name) is not None:
            judgement.report(
                attribute.line,
                f"`{_at(path, name)}` is a block of {judgement.type_name}, not an argument; "
                f"write `{name} {{ ... }}` (once per item) instead of `{name} = ...`",
            )
            continue
        judgement.report(attribute.line, _unsupported(judgement, schema, path, name, "argument"))
    static = Counter(b.type for b in block.blocks if b.type != "dynamic")
    dynamic = {b.labels[0] for b in block.blocks if b.type == "dynamic" and b.labels}
    for nested in block.blocks:
        if top and nested.type in _META_BLOCKS[mode]:
            continue
        if nested.type == "dynamic":
            _judge_dynamic(judgement, nested, schema, path)
        else:
            _judge_nested(judgement, nested, nested.type, nested, schema, path)
    _judge_repeats(judgement, block, schema, path, static)
    if judgement.complete:
        _judge_required(judgement, block, schema, path, set(static) | dynamic)


def _judge_value(
    judgement: _Judgement, attribute: Attribute, argument: Argument, path: list[str]
) -> None:
    required = _inconvertible(argument.type, attribute.expr)
    if required is None:
        return
    if argument.type not in _REQUIRED:
        required = f"{required} ({argument.type})"
    judgement.report(
        attribute.line,
        f"`{_at(path, attribute.name)}` of {judgement.type_name} takes {required}, and "
        f"Terraform cannot convert the value written to it; write "
        f"`{attribute.name} = {_value_shape(argument.type)}`",
    )


def _judge_repeats(
    judgement: _Judgement, block: Block, schema: BlockSchema, path: list[str], static: Counter[str]
) -> None:
    """Single-instance blocks written more than once (a `dynamic` one may create none, so
    only blocks written out are counted)."""
    for name, count in sorted(static.items()):
        nested_schema = schema.block(name)
        if nested_schema is not None and nested_schema.max_items == 1 and count > 1:
            line = [b.line for b in block.blocks if b.type == name][1]
            judgement.report(
                line,
                f"`{_at(path, name)}` is given {count} times; {judgement.type_name} accepts "
                f"at most one `{name}` block here (merge them into one)",
            )


def _judge_nested(
    judgement: _Judgement,
    nested: Block,
    name: str,
    content: Block,
    schema: BlockSchema,
    path: list[str],
) -> None:
    """A block `name` (or a `dynamic "name"` whose content is `content`)."""
    block_schema = schema.block(name)
    if block_schema is not None:
        _judge_body(judgement, content, block_schema, [*path, name], top=False)
        return
    argument = schema.argument(name)
    if argument is not None and argument.accepts_block_syntax:
        # Terraform takes block syntax for a list/set of objects: the block is one object,
        # whose fields are all optional in that form.
        fields = schema.fields(name)
        if not fields.opaque:
            for field_name, attribute in content.attributes.items():
                field_argument = fields.argument(field_name)
                if field_argument is None:
                    judgement.report(
                        attribute.line,
                        _unsupported(judgement, fields, [*path, name], field_name, "argument"),
                    )
                else:
                    _judge_value(judgement, attribute, field_argument, [*path, name])
        return
    if argument is not None:
        judgement.report(
            nested.line,
            f"`{_at(path, name)}` is an argument of {judgement.type_name} (type "
            f"{argument.type}), not a block; write `{name} = {_value_shape(argument.type)}`",
        )
        return
    judgement.report(nested.line, _unsupported(judgement, schema, path, name, "block"))


def _judge_dynamic(
    judgement: _Judgement, dynamic: Block, schema: BlockSchema, path: list[str]
) -> None:
    if not dynamic.labels:
        return
    name = dynamic.labels[0]
    contents = dynamic.blocks_of("content")
    if schema.block(name) is None and schema.argument(name) is not None:
        argument = schema.argument(name)
        if argument is not None and not argument.accepts_block_syntax:
            judgement.report(
                dynamic.line,
                f'`dynamic "{name}"` generates blocks, but `{_at(path, name)}` is an argument '
                f"of {judgement.type_name} (type {argument.type}); set it with "
                f"`{name} = ...` (a for expression builds the value)",
            )
            return
    if not contents:
        if schema.block(name) is None and schema.argument(name) is None:
            judgement.report(dynamic.line, _unsupported(judgement, schema, path, name, "block"))
        return
    _judge_nested(judgement, dynamic, name, contents[0], schema, path)


def _judge_required(
    judgement: _Judgement, block: Block, schema: BlockSchema, path: list[str], given: set[str]
) -> None:
    where = f" in `{'.'.join(path)}`" if path else ""
    for name in schema.required_arguments():
        if name not in block.attributes and name not in given:
            judgement.report(
                block.line,
                f"the required argument `{name}` of {judgement.type_name} is missing{where}",
            )
    for name in schema.required_blocks():
        # A block written as an argument is reported as such, not as missing too.
        if name not in given and name not in block.attributes:
            judgement.report(
                block.line,
                f"the required block `{name} {{ ... }}` of {judgement.type_name} is missing{where}",
            )


# --- messages ------------------------------------------------------------------------------------


# What each kind of schema type takes, as written in Terraform's error ("a number is required").
_REQUIRED = {
    "string": "a string",
    "number": "a number",
    "bool": "a bool",
    "list": "a list",
    "set": "a set",
    "map": "a map",
    "object": "an object",
}
# The kinds a value of each schema type can be converted from (Terraform converts numbers and
# bools to strings, and strings that spell a number or a bool to those).
_CONVERTIBLE = {
    "string": {"string", "number", "bool"},
    "number": {"number", "string"},
    "bool": {"bool", "string"},
    "list": {"list"},
    "set": {"list"},
    "map": {"map"},
    "object": {"map"},
}
# What Terraform reads as a number in a string, generously: an unusual spelling is let pass.
_NUMERIC = re.compile(
    r"\s*[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*|[+-]?inf(?:inity)?",
    re.IGNORECASE,
)
_BOOL_STRINGS = frozenset({"true", "false", "1", "0"})


def _inconvertible(type_: str, expr: object) -> str | None:
    """What an argument of schema type `type_` requires ("a list") when `expr` is a literal
    whose value Terraform cannot convert to it; None when it can, or when the value is not
    written out (a reference, a call, an operation: their type is not judged here)."""
    outer = type_.partition("(")[0]
    accepted = _CONVERTIBLE.get(outer)
    kind = literal_kind(expr)
    if accepted is None or kind is None:
        return None
    if kind == "bool or null":
        value = written_value(expr)
        if value is None:
            return None
        kind = "bool"
    elif kind == "string":
        if outer == "string":
            return None
        # A template of one interpolation ("${var.subnets}") is the value interpolated,
        # whatever its type: only a string known in full is judged.
        value = written_value(expr)
        if not isinstance(value, str):
            return None
    if kind not in accepted:
        return _REQUIRED[outer]
    if kind == "string":
        if outer == "number" and _NUMERIC.fullmatch(value) is None:
            return _REQUIRED[outer]
        if outer == "bool" and value not in _BOOL_STRINGS:
            return _REQUIRED[outer]
    return None


def _value_shape(type_: str) -> str:
    """How a value of a schema type is written, for a message."""
    if type_.startswith(("map(", "object")):
        return "{ ... }"
    if type_.startswith(("list(", "set(")):
        return "[ ... ]"
    return {"bool": "true", "number": "1"}.get(type_, "...")


def _at(path: list[str], name: str) -> str:
    return ".".join([*path, name])


def _unsupported(
    judgement: _Judgement, schema: BlockSchema, path: list[str], name: str, kind: str
) -> str:
    provider = judgement.schema
    what = f"`{_at(path, name)}` is not {'an argument' if kind == 'argument' else 'a block'}"
    text = f"{what} of {judgement.type_name} in AWS provider {provider.provider}"
    suggestion = _closest(name, [*schema.argument_names, *schema.block_names])
    removed = removal_fix(
        judgement.subject.mode, judgement.type_name, [*path, name], provider, suggestion or ""
    )
    if removed is not None:
        return f"{text}; {removed}"
    return f"{text}; did you mean `{suggestion}`?" if suggestion else text


def _unknown_type(schema: ProviderSchema, mode: str, type_name: str) -> str:
    kind = {"managed": "resource", "data": "data source", "ephemeral": "ephemeral resource"}[mode]
    text = f"{type_name} is not a {kind} type of AWS provider {schema.provider}"
    fix = type_fix(mode, type_name, schema)
    if fix:
        return f"{text}; {fix}"
    suggestion = _closest(type_name, schema.type_names(mode))
    return f"{text}; did you mean {suggestion}?" if suggestion else text


def _closest(name: str, candidates: list[str]) -> str | None:
    """The real name meant: the shortest one holding every word of a name of two words or
    more (`aws_s3_bucket_encryption_configuration` ->
    `aws_s3_bucket_server_side_encryption_configuration`), else the most similar spelling."""
    words = set(name.split("_")) - {"aws"}
    if len(words) >= 2:
        holding = [c for c in candidates if words <= set(c.split("_")) and c != name]
        if holding:
            return min(holding, key=lambda c: (len(c), c))
    matches = difflib.get_close_matches(name, candidates, n=5, cutoff=0.6)
    if len(words) >= 2:
        # A similar spelling that shares only a generic word (`enabled`, `count`) is another
        # setting, not the one meant.
        meaningful = words - _GENERIC_WORDS
        matches = [m for m in matches if meaningful & set(m.split("_"))]
    return matches[0] if matches else None


_GENERIC_WORDS = frozenset(
    {
        "enabled",
        "enable",
        "id",
        "ids",
        "arn",
        "arns",
        "name",
        "type",
        "count",
        "config",
        "configuration",
        "settings",
        "policy",
        "aws",
    }
)


__all__ = ["Violation", "aws_major", "declares_aws", "notes", "violations"]
