"""Naming conventions of the names resources are given in AWS, and project abbreviations.

Terraform identifiers (block labels) have a convention of their own, snake_case, judged in
IAC-INCONSISTENT-NAMING itself. The names a resource carries in AWS (`name`, `identifier`,
`bucket`, a `Name` tag) have no such rule; what matters is that one submission keeps to one
convention, except where the service allows only one: an S3 bucket or an RDS identifier
takes no underscore, an Athena database no hyphen.
"""

from __future__ import annotations

import re
from collections import Counter

from evalkit.terraform.evaluator import UNKNOWN_PLACEHOLDER

KEBAB = "kebab-case"
SNAKE = "snake_case"
CAMEL = "camelCase/PascalCase"
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
        return KEBAB if "-" in separators else SNAKE
    pieces = [p for p in text.split(UNKNOWN_PLACEHOLDER) if p]
    return CAMEL if any(_CAMEL_HUMP.search(p) for p in pieces) else None


def imposed(resource_type: str, convention: str) -> bool:
    """Whether the service allows only this convention for the type's names, or the name is
    a key that its consumer defines."""
    return (
        resource_type in LOOKUP_NAME_TYPES
        or (convention == KEBAB and resource_type in HYPHEN_ONLY_TYPES)
        or (convention == SNAKE and resource_type in UNDERSCORE_ONLY_TYPES)
    )


def reference_convention(conventions: list[str]) -> str | None:
    """The convention most names follow (kebab-case on a tie, the form every AWS service
    accepts); None when fewer than two names take part."""
    counts = Counter(c for c in conventions if c != MIXED)
    if sum(counts.values()) < 2:
        return None
    top = max(counts.values())
    leaders = [c for c, n in counts.items() if n == top]
    return leaders[0] if len(leaders) == 1 else KEBAB


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
    words = re.split(r"[-_]", _CAMEL_SPLIT.sub("_", text))
    if convention == CAMEL:
        return "".join(w[:1].upper() + w[1:] for w in words)
    return ("-" if convention == KEBAB else "_").join(words).lower()


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
