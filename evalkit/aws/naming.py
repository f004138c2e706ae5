"""The names resources are given, and the conventions names follow.

Two kinds of names:

- labels, the Terraform identifiers of resources, data sources, modules, variables, outputs
  and locals (`labels`): Terraform's own convention is snake_case (`label_convention`);
- names in AWS (`resource_names`): the `name`, `name_prefix`, `identifier`, ... attribute a
  resource type is named by (`bucket` for an S3 bucket, `function_name` for a Lambda
  function), and `Name` tags (a `tags` map, or Auto Scaling `tag` blocks). Each
  `ResourceName` says how it is built: `value` is what its own text spells out (a name
  built from a variable keeps that part unknown), `configured` when it reads a variable,
  local, resource or `each`, `numbered` when it uses `count.index`.

A submission keeps one convention for its names in AWS (`value_convention`,
`reference_convention`), except where the service imposes one (`imposed`). Where the code
is deployed to several regions or environments (`spread`), a literal name must carry an
environment, a region or the project (`names_context`, with `project_words`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from evalkit.aws.regions import AWS_REGION, regionless
from evalkit.aws.values import strings_in
from evalkit.terraform.evaluator import UNKNOWN_PLACEHOLDER
from evalkit.terraform.model import Body, ModuleContext, Resource, TerraformModel
from evalkit.terraform.references import iter_references
from evalkit.terraform.syntax import entries_keyed, written_value
from evalkit.terraform.values import known_text

# --- conventions of names in AWS ---------------------------------------------------------------

KEBAB_CASE = "kebab-case"
SNAKE_CASE = "snake_case"
CAMEL_CASE = "camelCase/PascalCase"
MIXED = "a mix of kebab-case and snake_case"

# Resource types whose names AWS restricts to letters, digits and hyphens: the author had no
# choice, so such a name neither sets nor breaks the submission's convention.
HYPHEN_ONLY_TYPES = frozenset(
    {
        "aws_s3_bucket",
        "aws_s3_directory_bucket",
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_rds_cluster_instance",
        "aws_rds_global_cluster",
        "aws_db_parameter_group",
        "aws_rds_cluster_parameter_group",
        "aws_db_option_group",
        "aws_docdb_cluster",
        "aws_docdb_cluster_instance",
        "aws_neptune_cluster",
        "aws_neptune_cluster_instance",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_elasticache_subnet_group",
        "aws_elasticache_parameter_group",
        "aws_redshift_cluster",
        "aws_lb",
        "aws_alb",
        "aws_lb_target_group",
        "aws_alb_target_group",
        "aws_elb",
        "aws_opensearch_domain",
        "aws_elasticsearch_domain",
    }
)
# Resource types whose name is a key the application or AWS looks up (an SSM parameter
# `/app/DB_HOST`, a secret `prod/db`, a KMS alias): the consumer sets its form.
LOOKUP_NAME_TYPES = frozenset(
    {"aws_ssm_parameter", "aws_secretsmanager_secret", "aws_appconfig_configuration_profile"}
)
# ...and those whose names take underscores but no hyphens (Athena and Glue catalog names).
UNDERSCORE_ONLY_TYPES = frozenset(
    {"aws_athena_database", "aws_glue_catalog_database", "aws_glue_catalog_table"}
)
_CAMEL_HUMP = re.compile(r"[a-z0-9][A-Z]")
_CAMEL_SPLIT = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEGMENT = re.compile(r"([/:.]+)")
_INTERPOLATION = re.compile(r"(\$\{[^}]*\}|" + re.escape(UNKNOWN_PLACEHOLDER) + ")")


def value_convention(text: str) -> str | None:
    """The convention of a name's written parts (references left out); None when it has
    none to tell (one word, a name built only from references) or is display text with
    spaces (`"Main VPC"`)."""
    literal = text.replace(UNKNOWN_PLACEHOLDER, "")
    if not literal.strip() or " " in literal:
        return None
    separators = {c for c in literal if c in "-_"}
    if separators == {"-", "_"}:
        return MIXED
    if separators:
        return KEBAB_CASE if "-" in separators else SNAKE_CASE
    pieces = [p for p in text.split(UNKNOWN_PLACEHOLDER) if p]
    return CAMEL_CASE if any(_CAMEL_HUMP.search(p) for p in pieces) else None


def imposed(resource_type: str, convention: str) -> bool:
    """Whether the service allows only this convention for the type's names, or the name is
    a key that its consumer defines."""
    return (
        resource_type in LOOKUP_NAME_TYPES
        or (convention == KEBAB_CASE and resource_type in HYPHEN_ONLY_TYPES)
        or (convention == SNAKE_CASE and resource_type in UNDERSCORE_ONLY_TYPES)
    )


def reference_convention(conventions: list[str]) -> str | None:
    """The convention most names follow (kebab-case on a tie, the form every AWS service
    accepts); None when fewer than two names take part."""
    counts = Counter(c for c in conventions if c != MIXED)
    if sum(counts.values()) < 2:
        return None
    top = max(counts.values())
    leaders = [c for c, n in counts.items() if n == top]
    return leaders[0] if len(leaders) == 1 else KEBAB_CASE


def renamed(written: str, convention: str) -> str:
    """A name as written (`${var.project}_dead_letters`) in `convention`; interpolations and
    the references left unknown (`UNKNOWN_PLACEHOLDER`) are kept as they are."""
    parts = _INTERPOLATION.split(written)
    for index in range(0, len(parts), 2):  # the literal text between interpolations
        # Path and prefix separators (`alias/`, `/app/`) are kept: AWS defines them.
        segments = _SEGMENT.split(parts[index])
        parts[index] = "".join(
            segment if _SEGMENT.fullmatch(segment) else _in_convention(segment, convention)
            for segment in segments
        )
    return shown("".join(parts))


def _in_convention(text: str, convention: str) -> str:
    if not re.search(r"[-_]", text) and not _CAMEL_HUMP.search(text):
        return text  # one word (`alias`, `app`) follows every convention
    pieces = re.split(r"[-_]", _CAMEL_SPLIT.sub("_", text))
    if convention == CAMEL_CASE:
        return "".join(w[:1].upper() + w[1:] for w in pieces)
    return ("-" if convention == KEBAB_CASE else "_").join(pieces).lower()


def shown(text: str) -> str:
    """A name with the references evalkit left unknown shown as `${...}`."""
    return text.replace(UNKNOWN_PLACEHOLDER, "${...}")


def literal_text(text: str) -> str:
    """The written letters of a name, without its interpolations or unknown parts."""
    return _INTERPOLATION.sub("", text)


def abbreviates(word: str, project: tuple[str, ...]) -> bool:
    """Whether a name's word is an abbreviation of the project: the start of its name
    (`ecom` for ecommerce-platform) or letters taken in order that include each word's
    initial (`ecp`, `ep`)."""
    squeezed = "".join(project)
    if len(squeezed) < 5 or len(word) < 2 or word == squeezed or not word.isalpha():
        return False
    if len(word) >= 3 and squeezed.startswith(word):
        return True
    initials = "".join(part[0] for part in project if part)
    return (
        len(project) >= 2
        and word[0] == squeezed[0]
        and _subsequence(initials, word)
        and _subsequence(word, squeezed)
    )


def _subsequence(short: str, long: str) -> bool:
    remaining = iter(long)
    return all(character in remaining for character in short)


# --- labels: Terraform identifiers -------------------------------------------------------------

# Labels follow the conventions above (KEBAB_CASE, SNAKE_CASE, CAMEL_CASE), or none.
MIXED_CASE = "a mix of conventions"
_CONVENTION_PATTERNS = (
    (re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$"), SNAKE_CASE),
    (re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$"), KEBAB_CASE),
    (re.compile(r"^[A-Za-z][A-Za-z0-9]*$"), CAMEL_CASE),
)
SINGLE_WORD = re.compile(r"^[a-z][a-z0-9]*$")
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

# Attributes that name a resource in its account and region (or globally)...
NAME_ATTRIBUTES = ("name", "name_prefix", "identifier", "identifier_prefix", "alarm_name")
# ...and those that do only in the resource they name (elsewhere `bucket`, `function_name` or
# `cluster_identifier` point at a parent resource).
OWN_NAME_ATTRIBUTES = {
    "aws_s3_bucket": ("bucket", "bucket_prefix"),
    "aws_lambda_function": ("function_name",),
    "aws_rds_cluster": ("cluster_identifier",),
    "aws_docdb_cluster": ("cluster_identifier",),
    "aws_neptune_cluster": ("cluster_identifier",),
    "aws_redshift_cluster": ("cluster_identifier",),
    "aws_elasticache_replication_group": ("replication_group_id",),
    "aws_elasticache_cluster": ("cluster_id",),
}
# Resources whose `name` is a DNS name, or is only unique inside a parent resource.
SCOPED_NAME_TYPES = frozenset(
    {
        "aws_route53_record",
        "aws_route53_zone",
        "aws_autoscaling_policy",
        "aws_appautoscaling_policy",
        "aws_iam_role_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_api_gateway_stage",
        "aws_apigatewayv2_stage",
        "aws_s3_bucket_object",
        "aws_s3_object",
        "aws_lambda_alias",
        "aws_ecs_service",
        "aws_cloudwatch_log_metric_filter",
        "aws_cloudwatch_log_subscription_filter",
        "aws_cloudwatch_log_stream",
        "aws_s3_bucket_intelligent_tiering_configuration",
        "aws_s3_bucket_metric",
        "aws_s3_bucket_analytics_configuration",
        "aws_s3_bucket_inventory",
        "aws_cognito_user_pool_client",
        "aws_cognito_user_pool_domain",
    }
)
ENVIRONMENT_WORDS = {
    "prod": "prod",
    "production": "prod",
    "prd": "prod",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "dev": "dev",
    "development": "dev",
    "test": "test",
    "testing": "test",
    "qa": "qa",
    "uat": "uat",
    "sandbox": "sandbox",
    "sbx": "sandbox",
    "preprod": "preprod",
    "nonprod": "nonprod",
}
REGION_WORDS = frozenset(
    {
        "primary",
        "secondary",
        "tertiary",
        "dr",
        "failover",
        "replica",
        "standby",
        "east",
        "west",
        "north",
        "south",
        "central",
        "us",
        "eu",
        "apac",
        "emea",
        "virginia",
        "ohio",
        "oregon",
        "california",
        "ireland",
        "london",
        "paris",
        "frankfurt",
        "stockholm",
        "milan",
        "tokyo",
        "seoul",
        "osaka",
        "singapore",
        "sydney",
        "mumbai",
        "canada",
    }
)
SHORT_REGION = re.compile(
    r"^(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:gov)?(?:e|w|n|s|c|ne|se|nw|sw)\d$"
)  # use1, euw1, apse2
COMPACT_REGION = re.compile(AWS_REGION.pattern.replace("-", ""))  # useast1 in a squeezed name
# Variables and locals whose value names the project (or environment) a name should carry.
PROJECT_SETTING = re.compile(
    r"^(?:project|app|application|service|stack|product|workload|system|namespace|environment"
    r"|env|stage)(?:_?name)?$|^(?:name_|resource_|naming_)?prefix$"
)
PROJECT_TAG_KEYS = frozenset(
    {"project", "projectname", "application", "app", "service", "product", "stack", "workload"}
)


def words(text: str) -> list[str]:
    """The lowercase words of a name, split at separators and camelCase humps."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return [word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word]


def label_convention(label: str) -> str | None:
    """The naming convention of a label; None for a single lowercase word, which fits all."""
    if SINGLE_WORD.match(label):
        return None
    for pattern, convention in _CONVENTION_PATTERNS:
        if pattern.match(label):
            return convention
    return MIXED_CASE


def renamed_label(label: str, convention: str) -> str:
    """A label in `convention`."""
    parts = words(label)
    if convention == KEBAB_CASE:
        return "-".join(parts)
    if convention == CAMEL_CASE:
        return parts[0] + "".join(w.capitalize() for w in parts[1:])
    return "_".join(parts)


@dataclass(frozen=True)
class Label:
    """A Terraform identifier: the label of a block or the name of a local."""

    text: str
    file: str
    line: int
    address: str
    region: str = ""


def labels(model: TerraformModel) -> list[Label]:
    """Every label of the submission, once per place (a module called twice declares its
    labels once)."""
    found: dict[tuple[str, int, str], Label] = {}
    for module in model.modules:
        for label in _module_labels(module):
            found.setdefault((label.file, label.line, label.text), label)
    return list(found.values())


def _module_labels(module: ModuleContext) -> Iterator[Label]:
    for resource in module.resources.values():
        yield Label(
            resource.name, resource.file, resource.line, resource.address, resource.location
        )
    for name, call in module.module_calls.items():
        yield Label(name, call.block.file, call.block.line, module.qualified(f"module.{name}"))
    for name, block in module.variables.items():
        yield Label(name, block.file, block.line, module.qualified(f"var.{name}"))
    for name, block in module.outputs.items():
        yield Label(name, block.file, block.line, module.qualified(f"output.{name}"))
    for name, attribute in module.locals.items():
        yield Label(name, attribute.file, attribute.line, module.qualified(f"local.{name}"))


# --- names in AWS ------------------------------------------------------------------------------

# The quoted string written after `=` or `:` at the end of a line, interpolations included.
_QUOTED_TEMPLATE = re.compile(r'[=:]\s*("(?:[^"\\$]|\\.|\$\{[^}]*\}|\$)*")\s*,?\s*(?:#.*)?$')


@dataclass(frozen=True)
class ResourceName:
    """A name a resource is given in AWS: an attribute (`name`, `bucket`, ...) or a `Name`
    tag (`attribute` is ``tags.Name``, or ``tag Name`` for a `tag` block)."""

    resource: Resource
    attribute: str
    expr: Any  # the expression as parsed; read it through the properties below
    file: str
    line: int

    @cached_property
    def value(self) -> Any:
        """What the name's own text spells out, for the first copy (``count.index`` = 0);
        the parts it takes from variables, locals or resources are unknown."""
        return written_value(self.expr, {"count": {"index": 0}})

    @property
    def text(self) -> str:
        """The known text of `value`, its unknown parts as `UNKNOWN_PLACEHOLDER`; "" when
        nothing of it is known."""
        return known_text(self.value)

    @cached_property
    def configured(self) -> bool:
        """Built from the configuration: it reads a variable, local, resource, `each` or the
        like (not only `count.index`, which numbers copies but says nothing of where they
        belong)."""
        return any(reference.root != "count" for reference in iter_references(self.expr))

    @cached_property
    def numbered(self) -> bool:
        """Copies are numbered with `count.index`."""
        return any(reference.root == "count" for reference in iter_references(self.expr))

    def as_written(self) -> str:
        """The quoted string as written on the name's line (``"${var.project}_queue"``), or
        "" when the line holds another string or none."""
        # The model splits each file once: a submission has many names per file.
        lines = self.resource.config.context.root.file_lines(self.file)
        line = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        found = _QUOTED_TEMPLATE.search(line)
        # Another string on the same line (`{ Name = "a", Team = "b" }`) is not this name.
        if found is None or literal_text(found.group(1)[1:-1]) != literal_text(self.text):
            return ""
        return found.group(1)


def resource_names(model: TerraformModel) -> list[ResourceName]:
    """The names given to resources (one per place: a module called twice writes them once)."""
    names: dict[tuple[str, int], ResourceName] = {}
    for resource in model.resources():
        for name in _names_of(resource):
            names.setdefault((name.file, name.line), name)
    return list(names.values())


def _names_of(resource: Resource) -> Iterator[ResourceName]:
    if resource.type in SCOPED_NAME_TYPES:
        return
    block = resource.block
    for attribute_name in (*NAME_ATTRIBUTES, *OWN_NAME_ATTRIBUTES.get(resource.type, ())):
        attribute = block.attributes.get(attribute_name)
        if attribute is not None:
            yield ResourceName(
                resource, attribute_name, attribute.expr, attribute.file, attribute.line
            )
    tags = block.attributes.get("tags")
    if tags is not None:
        for expr, line in entries_keyed(tags.expr, "Name", tags.line):
            yield ResourceName(resource, "tags.Name", expr, tags.file, line)
    # Auto Scaling groups write tags as `tag { key = "Name" value = ... }` blocks.
    for tag in block.blocks_of("tag"):
        value = tag.attributes.get("value")
        key = tag.attributes.get("key")
        if value is not None and key is not None and written_value(key.expr) == "Name":
            yield ResourceName(resource, "tag Name", value.expr, value.file, value.line)


# --- where the code is deployed, and what names should say of it -------------------------------

REGIONS = "regions"
ENVIRONMENTS = "environments"
VAR_FILES = "var files"


@dataclass(frozen=True)
class Spread:
    """How the submission is deployed more than once: to several `REGIONS`, for several
    `ENVIRONMENTS`, or with several `VAR_FILES`; `places` names them."""

    kind: str
    places: tuple[str, ...]


def spread(model: TerraformModel) -> Spread | None:
    """The regions (of regional resources), environments or var files the code is deployed
    to, when there are two or more; None when it is deployed once."""
    regions = sorted({r.location for r in model.resources() if r.location and not regionless(r)})
    if len(regions) >= 2:
        return Spread(REGIONS, tuple(regions))
    found = environments(model)
    if len(found) >= 2:
        return Spread(ENVIRONMENTS, tuple(sorted(found)))
    var_files = model.var_files()
    if len(var_files) >= 2:
        return Spread(VAR_FILES, tuple(var_files))
    return None


def environments(model: TerraformModel) -> set[str]:
    """Environments the code is written for: var files, root directories and collections
    (variable defaults, locals, `.tfvars` values, `for_each`) keyed by environment names."""
    found: set[str] = set()
    places = [*model.var_files()]
    # Every root of the submission, also when one root is judged: environment folders are
    # the sign that the code is deployed more than once.
    places.extend(d for group in model.root_groups for d in group)
    for place in places:
        found.update(ENVIRONMENT_WORDS[w] for w in words(place) if w in ENVIRONMENT_WORDS)
    for collection in _collections(model):
        keys = list(collection) if isinstance(collection, dict) else strings_in(collection)
        # Keyed by environment means every key is one: {hub, production, development} is a
        # map of networks, ["Production", "Security"] a list of organizational units.
        if keys and all(key.lower() in ENVIRONMENT_WORDS for key in keys):
            named = {ENVIRONMENT_WORDS[key.lower()] for key in keys}
            found.update(named if len(named) >= 2 else ())
    return found


def _collections(model: TerraformModel) -> Iterator[Any]:
    """Maps written in settings (variable defaults, locals, `.tfvars`), and what resources and
    module calls iterate over. A plain list setting is no sign: a list of OU names may well
    read "Production", "Development"."""
    settings: list[Any] = [model.evaluate_constant(a.expr) for a in model.tfvars_attributes()]
    for module in model.modules:
        for block in module.variables.values():
            default = block.attributes.get("default")
            if default is not None:
                settings.append(module.evaluate(default.expr, {}))
        settings.extend(module.local_value(name) for name in module.locals)
        for block in module.blocks:
            if block.type in ("resource", "module") and "for_each" in block.attributes:
                yield module.evaluate(block.attributes["for_each"].expr, {})
    yield from (value for value in settings if isinstance(value, dict))


def project_words(model: TerraformModel) -> set[tuple[str, ...]]:
    """The words of project/app/prefix/environment settings and of `Project`-like tags."""
    values: list[Any] = []
    for module in model.modules:
        values.extend(
            module.variable_value(n) for n in module.variables if PROJECT_SETTING.match(n)
        )
        for name in module.locals:
            value = module.local_value(name)
            values.append(value if PROJECT_SETTING.match(name) else None)
            values.extend(_project_tags(value))
        for block in module.providers.values():
            for default_tags in Body(block, module, {}, "provider").blocks("default_tags"):
                values.extend(_project_tags(default_tags.get("tags")))
    split = {tuple(words(v)) for v in values if isinstance(v, str)}
    return {parts for parts in split if len("".join(parts)) >= 2}


def _project_tags(tags: Any) -> list[Any]:
    if not isinstance(tags, dict):
        return []
    return [v for k, v in tags.items() if "".join(words(str(k))) in PROJECT_TAG_KEYS]


def names_context(name: str, projects: set[tuple[str, ...]]) -> bool:
    """Whether a name carries an environment, a region (``us-east-1``, ``use1``, primary,
    dr, ...) or one of the `projects` (also squeezed or abbreviated)."""
    parts = words(name)
    compact = "".join(parts)
    return (
        any(word in ENVIRONMENT_WORDS or word in REGION_WORDS for word in parts)
        or any(SHORT_REGION.match(word) for word in parts)
        or COMPACT_REGION.search(compact) is not None
        or any(_carries_project(parts, compact, project) for project in projects)
    )


def _carries_project(parts: list[str], compact: str, project: tuple[str, ...]) -> bool:
    """The name holds the project's words, together ("retailv2") or apart ("retail-s3-v2")."""
    squeezed = "".join(project)
    # Short values ("dev", "app") only count as whole words: "developer" is not "dev".
    return (
        (len(squeezed) >= 4 and squeezed in compact)
        or all(word in parts for word in project)
        or any(abbreviates(word, project) for word in parts)
    )
