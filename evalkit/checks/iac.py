"""Infrastructure-as-code checks: does the submission parse, and does it hang together."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lark import Tree

from evalkit.aws import aws_of, catalog
from evalkit.checks import _naming
from evalkit.checks._helpers import Problem, per_instance, resource_finding, truth, where
from evalkit.checks._unread_code import no_terraform_message
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.evaluator import Evaluator, NamesNothing
from evalkit.terraform.model import (
    Body,
    ModuleCall,
    ModuleContext,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.terraform.parse import Block, JsonValue
from evalkit.terraform.references import (
    Reference,
    iter_references,
    provider_entries,
    traversal_text,
)
from evalkit.terraform.sources import INVALID, REGISTRY, source_kind
from evalkit.terraform.values import Unknown, known_text

# Roots that never name a declaration of the module.
_SCOPE_ROOTS = frozenset({"count", "each", "self", "path", "terraform"})
# Blocks whose expressions are not evaluated against the module (or name things, not values).
_SKIPPED_BLOCKS = frozenset({"terraform", "moved", "import", "removed"})
# Attributes that hold names, addresses or constraints rather than expressions.
_NOT_EXPRESSIONS: dict[str, frozenset[str]] = {
    "module": frozenset({"source", "version", "providers"}),
    "resource": frozenset({"provider"}),
    "data": frozenset({"provider"}),
    "lifecycle": frozenset({"ignore_changes"}),
}
_MODULE_META_ARGUMENTS = frozenset(
    {"source", "version", "providers", "count", "for_each", "depends_on"}
)


@check(
    "IAC-PARSE-ERROR",
    category="iac",
    severity="critical",
    title="No Terraform, nothing built, or Terraform that does not parse",
)
def parse_error(model: TerraformModel) -> list[Finding]:
    """The submission contains no Terraform at all, a file is not valid HCL2, or the
    Terraform builds nothing (status `no_infrastructure`).

    Reported with the parser's line and a description of what it expected. A submission with
    code but no Terraform evalkit could read (a block fenced with an unknown tag, Terraform in
    a `.txt` file, a `.tf` file that declares nothing) is told what was found instead. Every
    other check is `n/a` for a submission with no parseable Terraform, and it scores 0. A
    submission that parses but declares only variables, locals, outputs, providers, data
    sources or utility resources (`random_*`, `null_resource`, `terraform_data`, `time_*`,
    `tls_*`, `local_*`, ...) is graded the same way; the finding names what it declares.

    Why: code that does not parse cannot be planned, so nothing else about it matters; code
    that builds nothing answers no infrastructure task, however clean it is.

    Fix: close every block, string and heredoc; keep prose and markdown fences out of `.tf`
    files; run `terraform fmt` and `terraform validate` before answering; write the resources
    the task asks for, not only their variables and outputs.
    """
    if not model.has_terraform:
        return [finding("", 0, "", no_terraform_message(model))]
    return [
        finding(
            failure.file,
            failure.line,
            "",
            f"{failure.file} does not parse as HCL2 at line {failure.line}: {failure.message}.",
        )
        for failure in model.failures
    ]


@check(
    "IAC-UNDEFINED-REFERENCE",
    category="iac",
    severity="critical",
    title="Reference to something never declared",
)
def undefined_reference(model: TerraformModel) -> list[Finding] | None:
    """An expression refers to a resource, data source, variable, local, module, module output
    or provider alias that the submission never declares (including in `depends_on`), a
    module call passes an argument its module does not declare, or a local module `source`
    names a directory the submission does not contain. A `source` written as a bare path
    (`source = "modules/vpc"`, `source = "template"`) is no address Terraform can install
    (a local path starts with `./` or `../`; registry, git and URL forms are remote), and
    neither is a registry-shaped one that names a directory of the submission: both are
    reported with the `./` form to use, and the directory is read as the module meant.

    Names bound by the expression itself are fine: `for` variables, `dynamic` iterators,
    `count.index`, `each.*`, `self`, `path.*`, `terraform.workspace`. Registry modules are
    opaque, so any output of theirs is accepted.

    Why: `terraform plan` stops at the first dangling reference, so the whole configuration
    fails to deploy.

    Fix: declare what is referenced (a `variable`, `locals` entry, resource, or aliased
    `provider`), or correct the name to the one that exists.

        variable "vpc_cidr" { type = string }   # declared before var.vpc_cidr is used
    """
    if not model.modules or not model.has_terraform:
        return None
    findings: list[Finding] = []
    # Declarations are checked whether or not they create anything: `terraform validate`
    # reads the code of a module called with count = 0 too.
    for module in model.declared_modules:
        for block in module.blocks:
            if block.type in _SKIPPED_BLOCKS:
                continue
            owner = _owner(block, module)
            findings.extend(
                _dangling_in_block(module, block, owner, frozenset(), _check_scoped_data(block))
            )
            findings.extend(_dangling_providers(module, block, owner))
            findings.extend(_module_call_problems(module, block))
    return findings


@dataclass(frozen=True)
class _Owner:
    address: str
    region: str = ""


def _owner(block: Block, module: ModuleContext) -> _Owner:
    if block.type in ("resource", "data") and len(block.labels) == 2:
        mode = "managed" if block.type == "resource" else "data"
        resource = module.resource(mode, *block.labels)
        if resource is not None:
            return _Owner(resource.address, resource.location)
    local = block.type if block.type == "locals" else ".".join([block.type, *block.labels])
    return _Owner(module.qualified(local))


def _check_scoped_data(block: Block) -> frozenset[tuple[str, str]]:
    """Data sources declared inside a `check` block, visible only to that block."""
    if block.type != "check":
        return frozenset()
    return frozenset(
        (b.labels[0], b.labels[1]) for b in block.blocks if b.type == "data" and len(b.labels) == 2
    )


def _dangling_in_block(
    module: ModuleContext,
    block: Block,
    owner: _Owner,
    bound: frozenset[str],
    scoped: frozenset[tuple[str, str]],
) -> Iterator[Finding]:
    for name, attribute in block.attributes.items():
        if name in _NOT_EXPRESSIONS.get(block.type, ()):
            continue
        if block.type == "variable" and name != "default":
            continue
        address = module.qualified(f"local.{name}") if block.type == "locals" else owner.address
        for reference in iter_references(attribute.expr):
            if reference.root in bound:
                continue
            problem = _undeclared(module, reference, scoped)
            if problem:
                yield finding(
                    attribute.file,
                    reference.line,
                    address,
                    f"{address} refers to {problem}, which is not declared; declare "
                    "it or fix the reference.",
                    owner.region,
                )
    for nested in block.blocks:
        inner = bound
        if nested.type == "dynamic" and nested.labels:
            iterator = nested.attributes.get("iterator")
            iterator_name = traversal_text(iterator.expr) if iterator else None
            inner = bound | {iterator_name or nested.labels[0]}
        yield from _dangling_in_block(module, nested, owner, inner, scoped)


def _undeclared(
    module: ModuleContext, reference: Reference, scoped: frozenset[tuple[str, str]]
) -> str | None:
    """A description of what `reference` names if the module does not declare it."""
    root, names = reference.root, reference.names
    if root in _SCOPE_ROOTS or not names:
        return None
    head = names[0]
    if root == "var":
        return None if head in module.variables else f"var.{head}"
    if root == "local":
        return None if head in module.locals else f"local.{head}"
    if root == "module":
        call = module.declared_module_calls.get(head)
        if call is None:
            return f"module.{head}"
        code = call.template
        if code is not None and len(names) > 1 and names[1] not in code.outputs:
            return f"output {names[1]} of module.{head}"
        return None
    if root == "data":
        if len(names) < 2 or (names[0], names[1]) in scoped:
            return None
        found = module.resource("data", names[0], names[1])
        return None if found is not None else f"data.{names[0]}.{names[1]}"
    if "_" not in root:
        return None  # not a resource type (provider-defined names, typos of keywords)
    return None if module.resource("managed", root, head) else f"{root}.{head}"


def _dangling_providers(module: ModuleContext, block: Block, owner: _Owner) -> Iterator[Finding]:
    used: list[tuple[str, int]] = []
    if "provider" in block.attributes and block.type in ("resource", "data"):
        attribute = block.attributes["provider"]
        text = traversal_text(attribute.expr)
        if text:
            used.append((text, attribute.line))
    if block.type == "module" and "providers" in block.attributes:
        used.extend(
            (target, line)
            for _, target, line in provider_entries(block.attributes["providers"].expr)
        )
    for key, line in used:
        if "." in key and not _provider_declared(module, key):
            yield finding(
                block.file,
                line,
                owner.address,
                f"{owner.address} uses provider {key}, which has no provider block "
                "with that alias; add it or fix the alias.",
                owner.region,
            )


def _provider_declared(module: ModuleContext, key: str) -> bool:
    # A child module receives aliases from its caller (configuration_aliases), so only the
    # root module's aliases can be known to be missing. A submission with no configuration
    # for the provider at all relies on one kept outside it (a given providers.tf): whether
    # the alias exists there cannot be known, so it is not reported.
    if key in module.providers or module.parent is not None:
        return True
    name = key.split(".", 1)[0]
    return not any(
        k == name or k.startswith(f"{name}.")
        for other in module.root.modules
        for k in other.providers
    )


def _module_call_problems(module: ModuleContext, block: Block) -> Iterator[Finding]:
    """A local module whose directory is missing, or an argument its module never declares."""
    call = (
        module.declared_module_calls.get(block.labels[0])
        if (block.type == "module" and block.labels)
        else None
    )
    if call is None:
        return
    address = module.qualified(f"module.{call.name}")
    bare = _bare_path_source(module, call)
    if bare is not None:
        source = block.attributes["source"]
        yield finding(source.file, source.line, address, f"{address} {bare}")
    missing = module.missing_local_source(call)
    if missing is not None:
        source = block.attributes["source"]
        yield finding(
            source.file,
            source.line,
            address,
            f"{address} uses the local module {missing}, which the submission does "
            "not contain; add its files or fix the source path.",
        )
    code = call.template
    if code is None:
        return
    for name, attribute in block.attributes.items():
        if name not in _MODULE_META_ARGUMENTS and name not in code.variables:
            yield finding(
                attribute.file,
                attribute.line,
                address,
                f"{address} passes {name}, which {code.directory} does not "
                "declare as a variable; declare it there or remove the argument.",
            )


def _bare_path_source(module: ModuleContext, call: ModuleCall) -> str | None:
    """What is wrong with a `source` written as a bare path (``modules/vpc``), or None.

    Terraform installs a source that is neither ``./``/``../`` nor a registry, git or URL
    address from nowhere: `terraform init` stops and asks for ``./modules/vpc``. A source
    shaped like a registry address (``modules/network/vpc``) that names a directory of the
    submission is the same mistake: the registry has no such module.
    """
    source = call.source
    if not source:
        return None  # no literal source: not this mistake
    kind = source_kind(source)
    fix = f'use "./{source}" (a local path must start with ./ or ../).'
    if kind == INVALID:
        return (
            f'has source = "{source}", which Terraform cannot install: it is no registry, '
            f"git or URL address and not a relative path; {fix}"
        )
    if kind == REGISTRY and call.template is not None:
        return (
            f'has source = "{source}", which Terraform looks up in the module registry '
            f"although it is a directory of the submission; {fix}"
        )
    return None


# --- shared by the naming and hardcoded-values checks ------------------------------------------

AWS_REGION = re.compile(
    r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?"
    r"-(?:east|west|north|south|central|northeast|southeast|northwest|southwest)-\d"
)
AVAILABILITY_ZONE = re.compile(AWS_REGION.pattern + r"[a-z]")
# Services whose resources are global (or pinned to us-east-1 by AWS): where they live says
# nothing about how many regions the workload spans, and their region is no choice.
GLOBAL_SERVICE_PREFIXES = (
    "aws_iam_",
    "aws_route53_record",
    "aws_route53_zone",
    "aws_route53_health_check",
    "aws_route53_query_log",
    "aws_cloudfront_",
    "aws_acm_certificate",
    "aws_organizations_",
    "aws_budgets_",
    "aws_ce_",
    "aws_shield_",
    "aws_globalaccelerator_",
)


# `count.index` and `each` are bound by the caller (they belong to the resource itself);
# variables, locals, resources, data sources and module outputs stay unknown, because a value
# that comes from them is configured somewhere else.
_WRITTEN = Evaluator(NamesNothing("not written in the expression"))


def _written_value(expr: Any, scope: dict[str, Any] | None = None) -> Any:
    """The value of an expression without looking up any name it mentions."""
    return _WRITTEN.evaluate(expr, scope or {})


def _is_global_service(resource: Resource) -> bool:
    if resource.type.startswith(GLOBAL_SERVICE_PREFIXES):
        return True
    return resource.type == "aws_wafv2_web_acl" and resource.config.get("scope") == "CLOUDFRONT"


def _words(text: str) -> list[str]:
    """The lowercase words of a name, split at separators and camelCase humps."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return [word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word]


def _strings(value: Any) -> list[str]:
    """The known strings of a value that is a string or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


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


# --- IAC-HARDCODED-VALUES ----------------------------------------------------------------------

# What each attribute holds when it is hardcoded, at any depth of a resource.
LITERAL_KINDS = {
    "region": "region",
    "region_name": "region",
    "availability_zone": "zone",
    "availability_zones": "zone",
    "cidr_block": "cidr",
    "cidr_blocks": "cidr",
    "ipv6_cidr_block": "cidr",
    "ipv6_cidr_blocks": "cidr",
    "cidr_ipv4": "cidr",
    "cidr_ipv6": "cidr",
    "destination_cidr_block": "cidr",
    "destination_ipv6_cidr_block": "cidr",
    "instance_type": "size",
    "instance_types": "size",
    "instance_class": "size",
    "node_type": "size",
    "db_cluster_instance_class": "size",
    "ami": "ami",
    "image_id": "ami",
}
UNIVERSAL_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
# Instance classes that are a mode of the service rather than a size someone picked.
NOT_A_SIZE = frozenset({"db.serverless"})
AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
OPTIONAL_WORDING = re.compile(
    r"(?i)\boptional\b|\bif (?:not (?:set|specified|provided|given|supplied)|unset|empty|null)\b"
    r"|\bleave (?:it )?(?:empty|blank|null|unset)\b|\bdefaults? to\b"
)
_KIND_ADVICE = {
    "region": "var.region",
    "zone": "data.aws_availability_zones",
    "cidr": "var.vpc_cidr with cidrsubnet()",
    "size": "var.instance_type",
    "ami": "data.aws_ami",
    "endpoint": '"com.amazonaws.${var.region}.s3"',
}


@dataclass(frozen=True)
class _Literal:
    attribute: str  # `cidr_block`, or `ingress.cidr_blocks` for a nested block
    kind: str
    value: str
    line: int


@check(
    "IAC-HARDCODED-VALUES",
    category="iac",
    severity="medium",
    title="Regions, CIDRs, sizes or AMIs written as literals",
)
def hardcoded_values(model: TerraformModel) -> list[Finding] | None:
    """A provider region, or a region, availability zone, CIDR block, instance type/class or
    AMI id in a resource, is a literal instead of a variable or local; or a variable described
    as optional has no default.

    Read at any depth of a resource: `region` and `*_region` (`peer_region`, a DynamoDB
    `replica`'s `region_name`), `availability_zone(s)`, `cidr_block(s)`, `ipv6_cidr_block(s)`,
    `cidr_ipv4`/`cidr_ipv6`, `destination_cidr_block`, `instance_type(s)`, `instance_class`,
    `node_type`, `ami`/`image_id`, and a VPC endpoint `service_name` that spells its region
    (`com.amazonaws.us-east-1.s3`). A value is literal when the resource (or provider)
    writes it without naming anything configurable: `"10.0.1.0/24"`,
    `"10.0.${count.index}.0/24"`, `cidrsubnet("10.0.0.0/16", 8, 1)`, or `each.value` of a
    `for_each` map written in the resource. `cidrsubnet(var.vpc_cidr, 8, 1)`,
    `lookup(var.amis, var.region)`, `data.aws_ami.al2.id` and `aws_vpc.main.cidr_block` are
    not. `0.0.0.0/0` and `::/0` are
    constants, and `db.serverless` is a mode, not a size. Literals in variable defaults,
    `locals`, `.tfvars` files and module call arguments are where values belong and are never
    reported: a module call's arguments are the inputs of the module, like a `.tfvars` file.
    A provider pinned to us-east-1 only for CloudFront, ACM or other global services is not
    reported either. One finding per resource, at its first literal.

    Variables whose description says they are optional ("optional", "if not set", "leave
    empty", "defaults to") or that declare `nullable = true`, but have no `default`, are
    required after all: reported at the variable. n/a when there is no provider, resource or
    variable.

    Why: a literal region, CIDR or AMI ties the code to one account, region and environment;
    deploying a second region or environment means editing resources instead of passing
    values, and copies drift apart (an AMI id exists in one region only).

    Fix: declare variables (or locals holding per-region maps) and reference them.

        variable "vpc_cidr" { default = "10.0.0.0/16" }

        resource "aws_subnet" "private" {
          count      = 2
          cidr_block = cidrsubnet(var.vpc_cidr, 8, count.index)
        }
    """
    resources = list(model.resources())
    variables = [(m, n, b) for m in model.modules for n, b in m.variables.items()]
    if not resources and not variables and not any(m.providers for m in model.modules):
        return None
    findings = [*_literal_provider_regions(model)]
    for resource in _unique_by_place(resources):
        literals = _resource_literals(resource)
        if literals:
            findings.append(_literal_finding(resource, literals))
    findings.extend(_optional_without_default(variables))
    return findings


def _unique_by_place(resources: list[Resource]) -> list[Resource]:
    """One resource per block: a local module called twice writes its literals once."""
    seen: dict[tuple[str, int], Resource] = {}
    for resource in resources:
        seen.setdefault((resource.file, resource.line), resource)
    return list(seen.values())


def _literal_provider_regions(model: TerraformModel) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    for module in model.modules:
        for key, block in module.providers.items():
            attribute = block.attributes.get("region")
            if attribute is None or (attribute.file, attribute.line) in seen:
                continue
            seen.add((attribute.file, attribute.line))
            region = _written_value(attribute.expr)
            if not isinstance(region, str) or not AWS_REGION.fullmatch(region):
                continue
            if region == "us-east-1" and _serves_global_services_only(model, module, key):
                continue
            address = module.qualified(f"provider.{key}")
            yield finding(
                attribute.file,
                attribute.line,
                address,
                f'{address} sets region to the literal "{region}"; declare a variable (e.g. '
                "var.region) and pass the region in, so the same code deploys to any region.",
                region,
            )


def _serves_global_services_only(model: TerraformModel, module: ModuleContext, key: str) -> bool:
    """CloudFront certificates and WAF ACLs must be created in us-east-1: a provider that
    exists only for them pins a constant, not a choice."""
    users = [r for r in model.resources() if r.context is module and r.provider_key == key]
    return bool(users) and "." in key and all(_is_global_service(r) for r in users)


def _resource_literals(resource: Resource) -> list[_Literal]:
    found: dict[str, _Literal] = {}
    for scope in _written_scopes(resource):
        for block, path, inner_scope in _written_blocks(resource.block, scope, ""):
            for literal in _block_literals(resource, block, path, inner_scope):
                found.setdefault(f"{literal.attribute}={literal.value}", literal)
    return sorted(found.values(), key=lambda literal: literal.line)


def _written_scopes(resource: Resource) -> list[dict[str, Any]]:
    """`count.index`/`each` as the resource itself defines them (a `for_each` map written
    in the resource counts as written there; one read from a variable does not)."""
    attributes = resource.block.attributes
    if "count" in attributes:
        return [{"count": {"index": 0}}]
    if "for_each" not in attributes:
        return [{}]
    items = _written_items(attributes["for_each"].expr, {})
    if items is None:
        unknown = Unknown(reason="for_each not written in the resource")
        return [{"each": {"key": unknown, "value": unknown}}]
    return [{"each": {"key": key, "value": value}} for key, value in items]


def _written_items(expr: Any, scope: dict[str, Any]) -> list[tuple[Any, Any]] | None:
    collection = _written_value(expr, scope)
    if isinstance(collection, dict):
        return list(collection.items())[:64]
    if isinstance(collection, list):
        return [(v, v) if isinstance(v, str) else (i, v) for i, v in enumerate(collection)][:64]
    return None


def _written_blocks(
    block: Block, scope: dict[str, Any], path: str
) -> Iterator[tuple[Block, str, dict[str, Any]]]:
    """A block and its nested blocks, `dynamic` ones expanded where their items are written
    in the resource, each with the names bound inside it."""
    yield block, path, scope
    for nested in block.blocks:
        if nested.type in ("lifecycle", "provisioner", "connection"):
            continue
        if nested.type != "dynamic":
            yield from _written_blocks(nested, scope, f"{path}{nested.type}.")
            continue
        content = nested.blocks_of("content")
        if not nested.labels or not content:
            continue
        iterator = nested.attributes.get("iterator")
        name = (traversal_text(iterator.expr) if iterator else None) or nested.labels[0]
        for_each = nested.attributes.get("for_each")
        items = _written_items(for_each.expr, scope) if for_each else None
        if items is None:
            items = [(Unknown(), Unknown())]
        for key, value in items:
            inner = {**scope, name: {"key": key, "value": value}}
            yield from _written_blocks(content[0], inner, f"{path}{nested.labels[0]}.")


def _block_literals(
    resource: Resource, block: Block, path: str, scope: dict[str, Any]
) -> Iterator[_Literal]:
    for name, attribute in block.attributes.items():
        kind = LITERAL_KINDS.get(name) or ("region" if name.endswith("_region") else None)
        if name == "service_name" and resource.type == "aws_vpc_endpoint":
            kind = "endpoint"
        if kind is None:
            continue
        for text in _strings(_written_value(attribute.expr, scope)):
            if _is_hardcoded(kind, text.strip()):
                yield _Literal(f"{path}{name}", kind, text.strip(), attribute.line)


def _is_hardcoded(kind: str, text: str) -> bool:
    if kind == "region":
        return AWS_REGION.fullmatch(text) is not None
    if kind == "zone":
        return AVAILABILITY_ZONE.fullmatch(text) is not None
    if kind == "endpoint":  # com.amazonaws.us-east-1.s3 works in one region only
        return AWS_REGION.search(text) is not None
    if kind == "cidr":
        return "/" in text and text not in UNIVERSAL_CIDRS and _is_network(text)
    if kind == "size":
        return bool(text) and text not in NOT_A_SIZE
    return AMI_ID.match(text) is not None


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _literal_finding(resource: Resource, literals: list[_Literal]) -> Finding:
    by_attribute: dict[str, list[str]] = {}
    for literal in literals:
        by_attribute.setdefault(literal.attribute, []).append(f'"{literal.value}"')
    shown = ", ".join(
        f"{attribute} {values[0]}" if len(values) == 1 else f"{attribute} ({', '.join(values)})"
        for attribute, values in by_attribute.items()
    )
    advice = ", ".join(dict.fromkeys(_KIND_ADVICE[literal.kind] for literal in literals))
    return resource_finding(
        resource,
        f"{resource.address}{where(resource)} hardcodes {shown}; take these values from "
        f"variables, locals or data sources instead (e.g. {advice}).",
        line=literals[0].line,
    )


def _optional_without_default(
    variables: list[tuple[ModuleContext, str, Block]],
) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    for module, name, block in variables:
        if "default" in block.attributes or (block.file, block.line) in seen:
            continue
        seen.add((block.file, block.line))
        reason = _optional_reason(block)
        if reason:
            address = module.qualified(f"var.{name}")
            yield finding(
                block.file,
                block.line,
                address,
                f"{address} {reason} but has no default, so every caller must set "
                "it; add a default (null, [] or a sensible value).",
            )


def _optional_reason(block: Block) -> str:
    """How a variable presents itself as optional, or "" when it does not."""
    nullable = block.attributes.get("nullable")
    if nullable is not None and _written_value(nullable.expr) is True:
        return "declares nullable = true"
    description = block.attributes.get("description")
    text = _written_value(description.expr) if description is not None else None
    if not isinstance(text, str):
        return ""
    match = OPTIONAL_WORDING.search(text)
    if match is None:
        return ""
    if match.group(0).lower() == "optional" and _has_optional_attributes(block):
        return ""  # the description speaks of the object type's optional() attributes
    return f'is described as optional ("{match.group(0)}")'


def _has_optional_attributes(block: Block) -> bool:
    type_attribute = block.attributes.get("type")
    if type_attribute is None or not isinstance(type_attribute.expr, Tree):
        return False
    return any(
        node.data == "function_call" and traversal_text(node.children[0]) == "optional"
        for node in type_attribute.expr.iter_subtrees()
    )


# --- IAC-MISSING-DEPENDENCY --------------------------------------------------------------------

# Ids that only `terraform apply` assigns, by the prefix AWS gives them, and the resource
# types that would own one.
_APPLY_TIME_ID_TYPES = (
    ("igw-", ("aws_internet_gateway",)),
    ("nat-", ("aws_nat_gateway",)),
    ("pcx-", ("aws_vpc_peering_connection",)),
    ("tgw-", ("aws_ec2_transit_gateway",)),
)
_ROUTE_TARGETS = (
    "gateway_id",
    "nat_gateway_id",
    "vpc_peering_connection_id",
    "transit_gateway_id",
)


@check(
    "IAC-MISSING-DEPENDENCY",
    category="iac",
    severity="high",
    title="Resource created before what it needs",
)
def missing_dependency(model: TerraformModel) -> list[Finding] | None:
    """A resource needs another to exist first, nothing orders them, and the apply fails.

    Terraform orders creation only by references (direct, or through locals, variables,
    module outputs and data sources, at any depth) and `depends_on` (on the resource, on
    a module call, or on a whole module). The pairs whose order AWS enforces with an error,
    or a race the provider does not retry:
    - a NAT gateway (public) or an Elastic IP associated with an instance or network
      interface, and the internet gateway of its VPC, when that gateway is declared in the
      same configuration: EC2 refuses them while the gateway is not attached; a NAT gateway
      ordered through its Elastic IP counts;
    - an `aws_api_gateway_deployment` and the integrations (methods, when there are no
      integrations) of its REST API: a deployment made first deploys an API without them;
      a `triggers` map that references them orders them too;
    - an `aws_ecs_service` with a `load_balancer` and the listener (or listener rule)
      forwarding to its target group: ECS rejects a target group that has no load balancer;
    - a cross-region read replica (`replicate_source_db`), an S3 replication destination,
      a peering accepter, or a route that names a resource of the configuration by a literal
      identifier, name or ARN instead of a reference: nothing orders them, and an id written
      down by hand is not the one Terraform will create.
    Not judged, because the apply succeeds: a Lambda function or an instance (through its
    instance profile) created before its role's policy attachments, a VPC function
    included; the AWS provider retries the IAM propagation errors until the role can be
    assumed with its permissions. Nor an instance with a public IP created before the
    internet gateway: the instance launches, and the address routes once the gateway is
    attached.
    A reference already orders a pair. Unknowns never fail: a subnet, API or target group
    evalkit cannot resolve, or a literal that names nothing in the configuration (it exists
    elsewhere). n/a when none of these resources is present.

    Why: without an order Terraform creates both at once; the apply fails or, worse,
    succeeds with an API deployed without its methods, and a re-apply "fixes" it, hiding
    the bug.

    Fix: reference the resource, or add `depends_on`.

        resource "aws_nat_gateway" "main" {
          allocation_id = aws_eip.nat.id
          subnet_id     = aws_subnet.public[0].id
          depends_on    = [aws_internet_gateway.main]
        }

        resource "aws_api_gateway_deployment" "api" {
          rest_api_id = aws_api_gateway_rest_api.api.id
          depends_on  = [aws_api_gateway_integration.get_items]
        }
    """
    judged = (
        "aws_nat_gateway",
        "aws_eip",
        "aws_api_gateway_deployment",
        "aws_ecs_service",
        "aws_db_instance",
        "aws_s3_bucket_replication_configuration",
        "aws_s3_bucket",
        "aws_vpc_peering_connection_accepter",
        "aws_route",
        "aws_route_table",
    )
    subjects = [r for r in model.resources(*judged) if r.instances and _may_need_order(r)]
    if not subjects:
        return None
    order = _Ordering(model)
    rules = (
        _internet_gateway_order,
        _api_deployment_order,
        _ecs_listener_order,
        _literal_counterparts,
    )
    findings: list[Finding] = []
    for resource in subjects:
        findings.extend(
            per_instance(
                resource,
                lambda instance: (
                    problem for rule in rules for problem in rule(model, order, instance)
                ),
            )
        )
    return findings


# Resource types judged only when they carry what needs an order.
_JUDGED_WHEN = {
    "aws_db_instance": "replicate_source_db",
    "aws_s3_bucket": "replication_configuration",
    "aws_route_table": "route",
}


def _may_need_order(resource: Resource) -> bool:
    needs = _JUDGED_WHEN.get(resource.type)
    block = resource.block
    return needs is None or needs in block.attributes or bool(block.blocks_of(needs))


class _Ordering:
    """Which resources Terraform creates before which: the graph of references and
    `depends_on` between resources, locals, variables, module outputs and module calls."""

    def __init__(self, model: TerraformModel) -> None:
        self.edges: dict[str, set[str]] = {}
        self.reached: dict[str, set[str]] = {}
        for module in model.modules:
            self._add_module(module)

    def before(self, later: Resource, earlier: Resource) -> bool:
        """`earlier` is created before `later` (a path of references leads there)."""
        return earlier.address in self._reachable(later.address)

    def _reachable(self, start: str) -> set[str]:
        if start in self.reached:
            return self.reached[start]
        seen: set[str] = set()
        stack = list(self.edges.get(start, ()))
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(self.edges.get(node, ()))
        self.reached[start] = seen
        return seen

    def _add_module(self, module: ModuleContext) -> None:
        prefix = module.address
        inside: set[str] = set()
        for resource in module.resources.values():
            targets: set[str] = set()
            for block in _all_blocks(resource.block):
                for attribute in block.attributes.values():
                    targets |= self._targets(attribute.expr, module)
            if module.call is not None:
                targets.add(f"call:{prefix}")
            self.edges[resource.address] = targets
            inside.add(resource.address)
        for name, attribute in module.locals.items():
            self.edges[f"local:{prefix}.{name}"] = self._targets(attribute.expr, module)
        for name, block in module.outputs.items():
            self.edges[f"output:{prefix}.{name}"] = {
                target
                for attribute in block.attributes.values()
                for target in self._targets(attribute.expr, module)
            }
        call, parent = module.call, module.parent
        if call is not None and parent is not None:
            for name in module.variables:
                argument = call.block.attributes.get(name)
                self.edges[f"var:{prefix}.{name}"] = (
                    self._targets(argument.expr, parent) if argument is not None else set()
                )
            depends_on = call.block.attributes.get("depends_on")
            self.edges[f"call:{prefix}"] = (
                self._targets(depends_on.expr, parent) if depends_on is not None else set()
            ) | ({f"call:{parent.address}"} if parent.call is not None else set())
        # `depends_on = [module.x]`: everything the module declares, nested modules included.
        self.edges.setdefault(f"all:{prefix}", set()).update(inside)
        if module.parent is not None:
            self.edges.setdefault(f"all:{module.parent.address}", set()).add(f"all:{prefix}")

    def _targets(self, expr: Any, module: ModuleContext) -> set[str]:
        prefix = module.address
        found: set[str] = set()
        for reference in iter_references(expr):
            root, names = reference.root, reference.names
            if root in _SCOPE_ROOTS or not names:
                continue
            if root == "local":
                found.add(f"local:{prefix}.{names[0]}")
            elif root == "var":
                found.add(f"var:{prefix}.{names[0]}")
            elif root == "module":
                child = module.qualified(f"module.{names[0]}")
                found.add(f"output:{child}.{names[1]}" if len(names) > 1 else f"all:{child}")
            elif root == "data" and len(names) >= 2:
                found.add(module.qualified(f"data.{names[0]}.{names[1]}"))
            elif root != "data":
                found.add(module.qualified(f"{root}.{names[0]}"))
        return found


def _all_blocks(block: Block) -> Iterator[Block]:
    stack = [block]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.blocks)


def _linked_resources(model: TerraformModel, value: Any, *types: str) -> list[Resource]:
    """Resources of `types` that an evaluated value refers to."""
    return model.referenced_resources(value, *types)


def _vpc_of_subnet(model: TerraformModel, subnet: ResourceInstance) -> list[Resource]:
    return [vpc.resource for vpc in aws_of(model).targets(subnet, "subnet_vpc")]


def _internet_gateways(model: TerraformModel, vpc: Resource) -> list[Resource]:
    """Internet gateways declared for `vpc` (inline `vpc_id` or a separate attachment)."""
    found = [
        gateway
        for gateway in model.resources("aws_internet_gateway")
        if any(
            vpc in _linked_resources(model, i.get("vpc_id"), "aws_vpc") for i in gateway.instances
        )
    ]
    for attachment in model.resources("aws_internet_gateway_attachment"):
        if any(
            vpc in _linked_resources(model, i.get("vpc_id"), "aws_vpc")
            for i in attachment.instances
        ):
            found.append(attachment)
    return found


def _needs_internet_gateway(model: TerraformModel, instance: ResourceInstance) -> list[Resource]:
    """The VPCs whose internet gateway this resource needs, when it needs one."""
    kind = instance.resource.type
    if kind == "aws_nat_gateway":
        if instance.get("connectivity_type", "public") != "public":
            return []
        return _common_vpcs(model, _subnet_instances(model, instance))
    if kind == "aws_eip":
        in_vpc = instance.get("domain") == "vpc" or truth(instance.get("vpc")) is True
        if not in_vpc:
            return []
        targets = [
            *_linked_resources(model, instance.get("instance"), "aws_instance"),
            *_linked_resources(model, instance.get("network_interface"), "aws_network_interface"),
        ]
        return [
            vpc
            for target in targets
            for target_instance in target.instances
            for vpc in _common_vpcs(model, _subnet_instances(model, target_instance))
        ]
    return []


def _subnet_instances(model: TerraformModel, instance: ResourceInstance) -> list[ResourceInstance]:
    """The subnets an instance, NAT gateway or network interface is placed in; when the code
    picks one of several (``aws_subnet.public[each.value].id``), all of them."""
    layer = aws_of(model)
    known = layer.targets(instance, "in_subnet")
    if known:
        return known
    candidates = [c for e in layer.graph.edges_from(instance, "in_subnet") for c in e.candidates]
    return list(dict.fromkeys(candidates))


def _common_vpcs(model: TerraformModel, subnets: list[ResourceInstance]) -> list[Resource]:
    """The VPCs every one of `subnets` belongs to (one, in any sensible configuration)."""
    shared: list[Resource] | None = None
    for subnet in subnets:
        vpcs = _vpc_of_subnet(model, subnet)
        shared = vpcs if shared is None else [v for v in shared if v in vpcs]
    return shared or []


def _internet_gateway_order(
    model: TerraformModel, order: _Ordering, instance: ResourceInstance
) -> Iterator[Problem]:
    vpcs = list(dict.fromkeys(_needs_internet_gateway(model, instance)))
    for vpc in vpcs:
        gateways = _internet_gateways(model, vpc)
        if not gateways or any(order.before(instance.resource, g) for g in gateways):
            continue
        gateway_kind = (
            "internet gateway attachment"
            if gateways[0].type == "aws_internet_gateway_attachment"
            else "internet gateway"
        )
        what = {
            "aws_nat_gateway": "is a public NAT gateway in",
            "aws_eip": "is an Elastic IP associated in",
        }[instance.resource.type]
        yield (
            instance.file,
            instance.line,
            (
                f"{what} {vpc.address} but neither references nor depends on its {gateway_kind} "
                f"{gateways[0].address}; Terraform may create it before the gateway is attached. "
                f"Add depends_on = [{_relative(instance.resource, gateways[0])}]."
            ),
        )


def _api_deployment_order(
    model: TerraformModel, order: _Ordering, instance: ResourceInstance
) -> Iterator[Problem]:
    if instance.resource.type != "aws_api_gateway_deployment":
        return
    apis = _linked_resources(model, instance.get("rest_api_id"), "aws_api_gateway_rest_api")
    for api in apis:
        if any(i.has("body") for i in api.instances):
            continue  # an OpenAPI body: the methods are part of the API itself
        members = _api_members(model, api, "aws_api_gateway_integration") or _api_members(
            model, api, "aws_api_gateway_method"
        )
        unordered = [m for m in members if not order.before(instance.resource, m)]
        if unordered:
            names = ", ".join(m.address for m in unordered[:3])
            more = f" and {len(unordered) - 3} more" if len(unordered) > 3 else ""
            yield (
                instance.file,
                instance.line,
                (
                    f"deploys {api.address} without depending on {names}{more}; Terraform may "
                    "create the deployment before them and deploy an API without its methods. "
                    "Add depends_on, or a triggers map that references them."
                ),
            )


def _api_members(model: TerraformModel, api: Resource, kind: str) -> list[Resource]:
    return [
        member
        for member in model.resources(kind)
        if any(
            api in _linked_resources(model, i.get("rest_api_id"), "aws_api_gateway_rest_api")
            for i in member.instances
        )
    ]


def _ecs_listener_order(
    model: TerraformModel, order: _Ordering, instance: ResourceInstance
) -> Iterator[Problem]:
    if instance.resource.type != "aws_ecs_service":
        return
    groups = [g.resource for g in aws_of(model).targets(instance, "attachment_target_group")]
    for group in dict.fromkeys(groups):
        listeners = _forwarders(model, group)
        if not listeners or any(order.before(instance.resource, x) for x in listeners):
            continue
        yield (
            instance.file,
            instance.line,
            (
                f"registers with {group.address} but does not depend on "
                f"{listeners[0].address}, the listener that forwards to it; ECS rejects a "
                "target group with no load balancer. Add depends_on = "
                f"[{_relative(instance.resource, listeners[0])}]."
            ),
        )


def _forwarders(model: TerraformModel, group: Resource) -> list[Resource]:
    """Listeners and listener rules whose actions forward to the target group (default
    actions from the AWS layer; rule actions and weighted `forward` blocks read here)."""
    found = [
        listener.resource
        for instance in group.instances
        for listener in aws_of(model).sources(instance, "listener_target_group")
    ]
    for listener in model.resources(
        "aws_lb_listener", "aws_alb_listener", "aws_lb_listener_rule", "aws_alb_listener_rule"
    ):
        is_rule = not listener.type.endswith("_listener")
        for listener_instance in listener.instances:
            for body in listener_instance.blocks("action" if is_rule else "default_action"):
                values = [body.get("target_group_arn")] if is_rule else []
                for forward in body.blocks("forward"):
                    values.extend(t.get("arn") for t in forward.blocks("target_group"))
                if any(group in _linked_resources(model, value) for value in values):
                    found.append(listener)
    return list(dict.fromkeys(found))


def _literal_counterparts(
    model: TerraformModel, order: _Ordering, instance: ResourceInstance
) -> Iterator[Problem]:
    kind = instance.resource.type
    if kind == "aws_db_instance":
        yield from _literal_replica_source(model, order, instance)
    elif kind in ("aws_s3_bucket_replication_configuration", "aws_s3_bucket"):
        yield from _literal_replication_destination(model, order, instance)
    elif kind == "aws_vpc_peering_connection_accepter":
        yield from _literal_ids(model, order, instance, instance, ("vpc_peering_connection_id",))
    elif kind == "aws_route":
        yield from _literal_ids(model, order, instance, instance, _ROUTE_TARGETS)
    elif kind == "aws_route_table":
        for route in instance.blocks("route"):
            yield from _literal_ids(model, order, instance, route, _ROUTE_TARGETS)


def _literal_replica_source(
    model: TerraformModel, order: _Ordering, instance: ResourceInstance
) -> Iterator[Problem]:
    source = instance.get("replicate_source_db")
    if not isinstance(source, str) or not source:
        return
    identifier = source.rsplit(":", 1)[-1]
    for database in _unordered_namesakes(
        model, order, instance.resource, "aws_db_instance", "identifier", identifier
    ):
        yield (
            instance.file,
            instance.line_of("replicate_source_db"),
            (
                f"names its source database {database.address} by the literal {source!r} "
                "instead of a reference, so nothing creates the source first. Use "
                f"replicate_source_db = {_relative(instance.resource, database)}.arn."
            ),
        )


def _literal_replication_destination(
    model: TerraformModel, order: _Ordering, instance: ResourceInstance
) -> Iterator[Problem]:
    holders = (
        [instance]
        if instance.resource.type == "aws_s3_bucket_replication_configuration"
        else instance.blocks("replication_configuration")
    )
    for holder in holders:
        for rule in holder.blocks("rules") + holder.blocks("rule"):
            for destination in rule.blocks("destination"):
                target = destination.get("bucket")
                if not isinstance(target, str) or not target.startswith("arn:"):
                    continue
                name = target.rsplit(":", 1)[-1]
                for bucket in _unordered_namesakes(
                    model, order, instance.resource, "aws_s3_bucket", "bucket", name
                ):
                    yield (
                        instance.file,
                        destination.line_of("bucket"),
                        (
                            f"replicates to {bucket.address} by the literal ARN {target!r} "
                            "instead of a reference, so nothing creates the destination "
                            "bucket (and its versioning) first. Use "
                            f"bucket = {_relative(instance.resource, bucket)}.arn."
                        ),
                    )


def _unordered_namesakes(
    model: TerraformModel,
    order: _Ordering,
    subject: Resource,
    resource_type: str,
    attribute: str,
    name: str,
) -> Iterator[Resource]:
    """Resources of `resource_type` that some instance names `name` by `attribute` and that
    nothing orders before `subject`: the counterparts a literal name points at."""
    for other in model.resources(resource_type):
        if other is subject or order.before(subject, other):
            continue
        if any(i.get(attribute) == name for i in other.instances):
            yield other


def _literal_ids(
    model: TerraformModel,
    order: _Ordering,
    instance: ResourceInstance,
    body: Body,
    attributes: tuple[str, ...],
) -> Iterator[Problem]:
    for attribute in attributes:
        value = body.get(attribute)
        if not isinstance(value, str):
            continue
        for prefix, types in _APPLY_TIME_ID_TYPES:
            if not value.startswith(prefix):
                continue
            declared = [
                r for r in model.resources(*types) if not order.before(instance.resource, r)
            ]
            if declared and len(list(model.resources(*types))) == len(declared):
                yield (
                    instance.file,
                    body.line_of(attribute),
                    (
                        f"sets {attribute} to the literal id {value!r} while the configuration "
                        f"declares {declared[0].address}; an id written by hand is not the one "
                        "Terraform creates, and nothing orders the two. Reference "
                        f"{_relative(instance.resource, declared[0])}.id instead."
                    ),
                )


def _relative(subject: Resource, other: Resource) -> str:
    """How `subject`'s module names `other` in `depends_on`: its address, or the call of the
    child module that declares it (resources inside a module cannot be named from outside)."""
    prefix = f"{subject.context.address}." if subject.context.address else ""
    local = other.address.removeprefix(prefix)
    if local.startswith("module."):
        return ".".join(local.split(".")[:2])
    return local
