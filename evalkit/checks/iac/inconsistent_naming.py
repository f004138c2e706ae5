"""IAC-INCONSISTENT-NAMING: Names that follow no single convention or say nothing of where they
belong."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lark import Tree

from evalkit.aws import catalog
from evalkit.checks import _naming
from evalkit.checks._helpers import resource_finding, where
from evalkit.checks.iac._common import AWS_REGION, _is_global_service, _strings, _written_value
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import (
    Body,
    ModuleContext,
    Resource,
    TerraformModel,
)
from evalkit.terraform.parse import JsonValue
from evalkit.terraform.references import (
    iter_references,
    traversal_text,
)
from evalkit.terraform.values import known_text


def _words(text: str) -> list[str]:
    """The lowercase words of a name, split at separators and camelCase humps."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return [word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word]


# --- IAC-INCONSISTENT-NAMING -------------------------------------------------------------------

SNAKE_CASE = "snake_case"
KEBAB_CASE = "kebab-case"
CAMEL_CASE = "camelCase/PascalCase"
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


@dataclass(frozen=True)
class _Label:
    text: str
    file: str
    line: int
    address: str
    region: str = ""


@dataclass(frozen=True)
class _Name:
    resource: Resource
    attribute: str
    expr: Any
    file: str
    line: int


@check(
    "IAC-INCONSISTENT-NAMING",
    category="iac",
    severity="low",
    title="Names that follow no single convention or say nothing of where they belong",
)
def inconsistent_naming(model: TerraformModel) -> list[Finding] | None:
    """Terraform identifiers break Terraform's snake_case convention, resource names mix
    conventions, or resource names carry no environment, region or project although the
    submission spans several regions or environments.

    Labels of resources, data sources, modules, variables, outputs and locals are Terraform
    identifiers: Terraform's style is snake_case (a single lowercase word is one), so every
    label in kebab-case, camelCase or PascalCase is reported, however many of them there are.

    The names resources get in AWS (`name`, `identifier`, `bucket`, ... and `Name` tags; their
    written parts, display text with spaces aside) are classified as kebab-case, snake_case
    or camelCase; a name that mixes hyphens and underscores, and every name outside the
    convention most names follow (kebab-case on a tie), is reported. A convention the service
    imposes (hyphens only in S3 bucket, RDS, ElastiCache and load balancer names, underscores
    only in Athena and Glue names) is no choice and is not counted. Keys an API defines (ECS
    container definitions, IAM policy documents, tag keys) are never judged.

    Where resources live in two or more regions (or provider aliases), or the code is made
    for several environments (a map or `for_each` over environment names, several
    `-var-file` files), a `Name` tag or a `name`/`identifier`/`bucket`/`function_name`-style
    attribute written as a plain literal must contain an environment (prod, staging, dev,
    ...), a region (`us-east-1`, `use1`, primary/secondary/dr, ...) or the project (the value
    of a `project`/`app`/`name_prefix`/`environment`-style variable or local, or of a
    `Project` tag, also abbreviated: `ecom` or `ecp` for ecommerce-platform). A global
    service (IAM, Route 53, CloudFront, Organizations) needs no region: its names are only
    judged where environments spread. Names built from variables, locals or `each` always
    pass. n/a when there are fewer than two labels and no names to judge.

    Why: mixed conventions make references easy to get wrong and code hard to search; a
    literal name deployed to two regions or environments collides for global resources (S3
    buckets, IAM roles) and leaves consoles, logs and bills unable to tell the copies apart.

    Fix: use snake_case labels, and build names from the project, environment and region.

        resource "aws_s3_bucket" "app_logs" {
          bucket = "${var.project}-${var.environment}-${var.region}-logs"
        }
    """
    labels = _labels(model)
    spread = _spread(model)
    names = _names_to_judge(model)
    if len(labels) < 2 and not (spread and names):
        return None
    return [
        *_convention_findings(labels),
        *_name_convention_findings(names),
        *_unqualified_name_findings(model, names if spread else [], spread),
    ]


def _labels(model: TerraformModel) -> list[_Label]:
    found: dict[tuple[str, int, str], _Label] = {}
    for module in model.modules:
        for label in _module_labels(module):
            found.setdefault((label.file, label.line, label.text), label)
    return list(found.values())


def _module_labels(module: ModuleContext) -> Iterator[_Label]:
    for resource in module.resources.values():
        yield _Label(
            resource.name, resource.file, resource.line, resource.address, resource.location
        )
    for name, call in module.module_calls.items():
        yield _Label(name, call.block.file, call.block.line, module.qualified(f"module.{name}"))
    for name, block in module.variables.items():
        yield _Label(name, block.file, block.line, module.qualified(f"var.{name}"))
    for name, block in module.outputs.items():
        yield _Label(name, block.file, block.line, module.qualified(f"output.{name}"))
    for name, attribute in module.locals.items():
        yield _Label(name, attribute.file, attribute.line, module.qualified(f"local.{name}"))


def _convention(label: str) -> str | None:
    """The naming convention of a label; None for a single lowercase word, which fits all."""
    if SINGLE_WORD.match(label):
        return None
    for pattern, convention in _CONVENTION_PATTERNS:
        if pattern.match(label):
            return convention
    return MIXED_CASE


_QUOTED_TEMPLATE = re.compile(r'[=:]\s*("(?:[^"\\$]|\\.|\$\{[^}]*\}|\$)*")\s*,?\s*(?:#.*)?$')


def _written_string(resource: Resource, name: _Name, text: str) -> str:
    """The quoted string as written on the name's line (`"${var.project}_queue"`), or ""."""
    lines = resource.config.context.root.files.get(name.file, "").split("\n")
    line = lines[name.line - 1] if 0 < name.line <= len(lines) else ""
    found = _QUOTED_TEMPLATE.search(line)
    # Another string on the same line (`{ Name = "a", Team = "b" }`) is not this name.
    if found is None or _naming.literal_text(found.group(1)[1:-1]) != _naming.literal_text(text):
        return ""
    return found.group(1)


def _convention_findings(labels: list[_Label]) -> list[Finding]:
    """Labels that break Terraform's convention: snake_case, whatever most labels use."""
    classified = [(label, _convention(label.text)) for label in labels]
    return [
        finding(
            label.file,
            label.line,
            label.address,
            f"{label.address}{f' in {label.region}' if label.region else ''} is "
            f"named in {convention}, but Terraform names resources, data sources, variables, "
            f"outputs, locals and modules in {SNAKE_CASE}; rename it "
            f"{_renamed(label.text, SNAKE_CASE)}.",
            label.region,
        )
        for label, convention in classified
        if convention is not None and convention != SNAKE_CASE
    ]


def _name_convention_findings(names: list[_Name]) -> list[Finding]:
    """Resource names (in AWS) that mix conventions, or leave the one most names follow."""
    judged: list[tuple[_Name, str, str]] = []
    for name in names:
        text = known_text(_written_value(name.expr, {"count": {"index": 0}}))
        convention = _naming.value_convention(text) if text else None
        # A tag is free text; only the name AWS validates can be imposed.
        tag = name.attribute.endswith("Name")
        if convention is not None and (tag or not _naming.imposed(name.resource.type, convention)):
            judged.append((name, text, convention))
    reference = _naming.reference_convention([c for _, _, c in judged])
    findings = []
    for name, text, convention in judged:
        written = _written_string(name.resource, name, text) or f'"{_naming.shown(text)}"'
        if convention == _naming.MIXED:
            advice = f"write it in {reference or _naming.KEBAB}"
            what = "mixes hyphens and underscores"
        elif reference is not None and convention != reference:
            advice = f'rename it "{_naming.renamed(written[1:-1], reference)}"'
            what = f"is in {convention} while the submission's other names use {reference}"
        else:
            continue
        resource = name.resource
        findings.append(
            resource_finding(
                resource,
                f"{resource.address}{where(resource)} has {name.attribute} "
                f"{written}, which {what}; "
                f"{advice}.",
                line=name.line,
                file=name.file,
            )
        )
    return findings


def _renamed(label: str, convention: str) -> str:
    words = _words(label)
    if convention == KEBAB_CASE:
        return "-".join(words)
    if convention == CAMEL_CASE:
        return words[0] + "".join(w.capitalize() for w in words[1:])
    return "_".join(words)


def _names_to_judge(model: TerraformModel) -> list[_Name]:
    """The names given to resources (one per place: a module called twice writes them once)."""
    names: dict[tuple[str, int], _Name] = {}
    for resource in model.resources():
        for name in _resource_names(resource):
            names.setdefault((name.file, name.line), name)
    return list(names.values())


def _resource_names(resource: Resource) -> Iterator[_Name]:
    if resource.type in SCOPED_NAME_TYPES:
        return
    block = resource.block
    for attribute_name in (*NAME_ATTRIBUTES, *OWN_NAME_ATTRIBUTES.get(resource.type, ())):
        attribute = block.attributes.get(attribute_name)
        if attribute is not None:
            yield _Name(resource, attribute_name, attribute.expr, attribute.file, attribute.line)
    tags = block.attributes.get("tags")
    if tags is not None:
        for expr, line in _name_tag_values(tags.expr, tags.line):
            yield _Name(resource, "tags.Name", expr, tags.file, line)
    # Auto Scaling groups write tags as `tag { key = "Name" value = ... }` blocks.
    for tag in block.blocks_of("tag"):
        value = tag.attributes.get("value")
        key = tag.attributes.get("key")
        if value is not None and key is not None and _written_value(key.expr) == "Name":
            yield _Name(resource, "tag Name", value.expr, value.file, value.line)


def _name_tag_values(expr: Any, line: int) -> Iterator[tuple[Any, int]]:
    """The expressions given to a `Name` key anywhere in a tags expression, with their lines."""
    if isinstance(expr, JsonValue):
        if isinstance(expr.value, dict) and "Name" in expr.value:
            yield JsonValue(expr.value["Name"], expr.line), line
        return
    if not isinstance(expr, Tree):
        return
    for element in expr.iter_subtrees_topdown():
        if element.data != "object_elem":
            continue
        parts = [c for c in element.children if isinstance(c, Tree)]
        if len(parts) == 2 and _object_key(parts[0]) == "Name":
            yield parts[1], element.meta.line


def _object_key(key: Tree) -> str | None:
    inner = [c for c in key.children if isinstance(c, Tree)]
    if not inner:
        return None
    bare = traversal_text(inner[0])
    if bare is not None:
        return bare
    value = _written_value(inner[0])
    return value if isinstance(value, str) else None


def _spread(model: TerraformModel) -> str | None:
    """How the submission spans regions or environments, in words for messages, or None."""
    regions = sorted(
        {r.location for r in model.resources() if r.location and not _is_global_service(r)}
    )
    if len(regions) >= 2:
        return f"spans {len(regions)} regions ({', '.join(regions)})"
    environments = _environments(model)
    if len(environments) >= 2:
        return f"is made for several environments ({', '.join(sorted(environments))})"
    var_files = model.var_files()
    if len(var_files) >= 2:
        return f"is planned with several var files ({', '.join(var_files[:3])})"
    return None


def _environments(model: TerraformModel) -> set[str]:
    """Environments the code is written for: var files, root directories and collections
    (variable defaults, locals, `.tfvars` values, `for_each`) keyed by environment names."""
    found: set[str] = set()
    places = [*model.var_files()]
    # Every root of the submission, also when one root is judged: environment folders are
    # the sign that the code is deployed more than once.
    places.extend(d for group in model.root_groups for d in group)
    for place in places:
        found.update(ENVIRONMENT_WORDS[w] for w in _words(place) if w in ENVIRONMENT_WORDS)
    for collection in _collections(model):
        keys = list(collection) if isinstance(collection, dict) else _strings(collection)
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


def _unqualified_name_findings(
    model: TerraformModel, names: list[_Name], spread: str | None
) -> list[Finding]:
    if not names or spread is None:
        return []
    projects = _project_values(model)
    findings = []
    for name in names:
        if _built_from_configuration(name.expr):
            continue
        if spread.startswith("spans") and catalog.is_global(name.resource.type):
            continue  # an IAM role, a Route 53 or CloudFront name lives in no region
        value = _written_value(name.expr, {"count": {"index": 0}})
        if not isinstance(value, str) or not value.strip() or _has_indicator(value, projects):
            continue
        resource = name.resource
        findings.append(
            resource_finding(
                resource,
                f'{resource.address}{where(resource)} has {name.attribute} "{value}", which '
                f"names no environment, region or project although the submission {spread}; "
                f"build it from variables, e.g. {_suggested_name(name, value, spread)}.",
                line=name.line,
                file=name.file,
            )
        )
    return findings


def _suggested_name(name: _Name, value: str, spread: str) -> str:
    numbered = any(reference.root == "count" for reference in iter_references(name.expr))
    role = value if PLAIN_NAME.match(value) and not numbered else "<role>"
    where_part = "${var.region}" if spread.startswith("spans") else "${var.environment}"
    return f'"${{var.project}}-{where_part}-{role}"'


def _built_from_configuration(expr: Any) -> bool:
    """The expression reads a variable, local, resource, `each` or the like (not only
    `count.index`, which numbers copies but says nothing of where they belong)."""
    return any(reference.root != "count" for reference in iter_references(expr))


def _has_indicator(name: str, projects: set[tuple[str, ...]]) -> bool:
    words = _words(name)
    compact = "".join(words)
    return (
        any(word in ENVIRONMENT_WORDS or word in REGION_WORDS for word in words)
        or any(SHORT_REGION.match(word) for word in words)
        or COMPACT_REGION.search(compact) is not None
        or any(_carries_project(words, compact, project) for project in projects)
    )


def _carries_project(words: list[str], compact: str, project: tuple[str, ...]) -> bool:
    """The name holds the project's words, together ("retailv2") or apart ("retail-s3-v2")."""
    squeezed = "".join(project)
    # Short values ("dev", "app") only count as whole words: "developer" is not "dev".
    return (
        (len(squeezed) >= 4 and squeezed in compact)
        or all(word in words for word in project)
        or any(_naming.abbreviates(word, project) for word in words)
    )


def _project_values(model: TerraformModel) -> set[tuple[str, ...]]:
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
    split = {tuple(_words(v)) for v in values if isinstance(v, str)}
    return {words for words in split if len("".join(words)) >= 2}


def _project_tags(tags: Any) -> list[Any]:
    if not isinstance(tags, dict):
        return []
    return [v for k, v in tags.items() if "".join(_words(str(k))) in PROJECT_TAG_KEYS]
