"""IAC-INCONSISTENT-NAMING: Names that follow no single convention or say nothing of where they
belong."""

from __future__ import annotations

from evalkit.aws import catalog, naming
from evalkit.aws.naming import Label, ResourceName, Spread
from evalkit.checks._helpers import resource_finding, where
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import TerraformModel


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
    labels = naming.labels(model)
    spread = naming.spread(model)
    names = naming.resource_names(model)
    if len(labels) < 2 and not (spread and names):
        return None
    return [
        *_convention_findings(labels),
        *_name_convention_findings(names),
        *_unqualified_name_findings(model, names, spread),
    ]


def _convention_findings(labels: list[Label]) -> list[Finding]:
    """Labels that break Terraform's convention: snake_case, whatever most labels use."""
    classified = [(label, naming.label_convention(label.text)) for label in labels]
    return [
        finding(
            label.file,
            label.line,
            label.address,
            f"{label.address}{f' in {label.region}' if label.region else ''} is "
            f"named in {convention}, but Terraform names resources, data sources, variables, "
            f"outputs, locals and modules in {naming.SNAKE_CASE}; rename it "
            f"{naming.renamed_label(label.text, naming.SNAKE_CASE)}.",
            label.region,
        )
        for label, convention in classified
        if convention is not None and convention != naming.SNAKE_CASE
    ]


def _name_convention_findings(names: list[ResourceName]) -> list[Finding]:
    """Resource names (in AWS) that mix conventions, or leave the one most names follow."""
    judged: list[tuple[ResourceName, str]] = []
    for name in names:
        convention = naming.value_convention(name.text) if name.text else None
        # A tag is free text; only the name AWS validates can be imposed.
        tag = name.attribute.endswith("Name")
        if convention is not None and (tag or not naming.imposed(name.resource.type, convention)):
            judged.append((name, convention))
    reference = naming.reference_convention([c for _, c in judged])
    findings = []
    for name, convention in judged:
        written = name.as_written() or f'"{naming.shown(name.text)}"'
        if convention == naming.MIXED:
            advice = f"write it in {reference or naming.KEBAB_CASE}"
            what = "mixes hyphens and underscores"
        elif reference is not None and convention != reference:
            advice = f'rename it "{naming.renamed(written[1:-1], reference)}"'
            what = f"is in {convention} while the submission's other names use {reference}"
        else:
            continue
        resource = name.resource
        findings.append(
            resource_finding(
                resource,
                f"{resource.address}{where(resource)} has {name.attribute} "
                f"{written}, which {what}; {advice}.",
                line=name.line,
                file=name.file,
            )
        )
    return findings


def _unqualified_name_findings(
    model: TerraformModel, names: list[ResourceName], spread: Spread | None
) -> list[Finding]:
    """Literal names that say nothing of the region, environment or project they belong to,
    in code deployed more than once."""
    if not names or spread is None:
        return []
    projects = naming.project_words(model)
    findings = []
    for name in names:
        if name.configured:
            continue
        if spread.kind == naming.REGIONS and catalog.is_global(name.resource.type):
            continue  # an IAM role, a Route 53 or CloudFront name lives in no region
        value = name.value
        if not isinstance(value, str) or not value.strip() or naming.names_context(value, projects):
            continue
        resource = name.resource
        findings.append(
            resource_finding(
                resource,
                f'{resource.address}{where(resource)} has {name.attribute} "{value}", which '
                f"names no environment, region or project although the submission "
                f"{_spread_words(spread)}; build it from variables, e.g. "
                f"{_suggested_name(name, value, spread)}.",
                line=name.line,
                file=name.file,
            )
        )
    return findings


def _spread_words(spread: Spread) -> str:
    places = spread.places
    if spread.kind == naming.REGIONS:
        return f"spans {len(places)} regions ({', '.join(places)})"
    if spread.kind == naming.ENVIRONMENTS:
        return f"is made for several environments ({', '.join(places)})"
    return f"is planned with several var files ({', '.join(places[:3])})"


def _suggested_name(name: ResourceName, value: str, spread: Spread) -> str:
    role = value if naming.PLAIN_NAME.match(value) and not name.numbered else "<role>"
    where_part = "${var.region}" if spread.kind == naming.REGIONS else "${var.environment}"
    return f'"${{var.project}}-{where_part}-{role}"'
