"""Coverage: footprints of what a design builds, and how much of a reference an answer covers."""

from __future__ import annotations

import re
from collections import OrderedDict

import pytest

from evalkit.aws import catalog
from evalkit.grading.coverage import (
    RequirementError,
    footprint,
    parse_requirements,
    reference_footprint,
)
from evalkit.results.coverage import coverage, missing_text
from evalkit.terraform.model import build_model


def fp(hcl: str, **files: str) -> dict[str, int]:
    model = build_model({"main.tf": hcl, **files})
    try:
        return footprint(model)
    finally:
        model.release()


def providers(*regions: str) -> str:
    blocks = [f'provider "aws" {{\n  region = "{regions[0]}"\n}}']
    for number, region in enumerate(regions[1:], start=2):
        blocks.append(f'provider "aws" {{\n  alias  = "r{number}"\n  region = "{region}"\n}}')
    return "\n".join(blocks) + "\n"


def resource(kind: str, name: str, provider: str = "", body: str = "") -> str:
    line = f"  provider = {provider}\n" if provider else ""
    return f'resource "{kind}" "{name}" {{\n{line}{body}}}\n'


TWO_REGION_APP = (
    providers("us-east-1", "eu-west-1")
    + resource("aws_vpc", "main", body='  cidr_block = "10.0.0.0/16"\n')
    + resource("aws_vpc", "dr", "aws.r2", '  cidr_block = "10.1.0.0/16"\n')
    + resource("aws_db_instance", "primary")
    + resource("aws_db_instance", "replica", "aws.r2")
    + resource("aws_lb", "web")
    + resource("aws_autoscaling_group", "web")
    + resource("aws_cloudfront_distribution", "cdn")
    + resource("aws_iam_role", "app")
    + resource("random_id", "suffix")
)


def test_footprint_counts_kinds_with_their_regions() -> None:
    assert fp(TWO_REGION_APP) == {
        "cdn": 1,
        "database": 2,
        "load_balancer": 1,
        "network": 2,
        "vm_compute": 1,
    }


def test_coverage_of_an_answer_against_itself_is_one() -> None:
    built = fp(TWO_REGION_APP)
    assert coverage(built, built) == 1.0


def test_coverage_against_a_reference_with_no_counted_kind_is_undefined() -> None:
    assert coverage({"database": 1}, {}) is None
    glue_only = resource("random_id", "x") + resource("aws_iam_role", "r")
    assert coverage(fp(TWO_REGION_APP), fp(glue_only)) is None


def test_regions_are_matched_as_counts_not_names() -> None:
    reference = fp(
        providers("us-east-1", "eu-west-1")
        + resource("aws_db_instance", "a")
        + resource("aws_db_instance", "b", "aws.r2")
    )
    answer = fp(
        providers("us-west-2", "eu-central-1")
        + resource("aws_db_instance", "a")
        + resource("aws_db_instance", "b", "aws.r2")
    )
    assert reference == answer == {"database": 2}
    assert coverage(answer, reference) == 1.0


def test_a_kind_in_one_of_two_regions_is_half_covered() -> None:
    reference = fp(
        providers("us-east-1", "eu-west-1")
        + resource("aws_db_instance", "a")
        + resource("aws_db_instance", "b", "aws.r2")
        + resource("aws_cloudfront_distribution", "cdn")
    )
    answer = fp(providers("us-east-1") + resource("aws_db_instance", "a"))
    # database: 1 of 2 regions (0.5), CDN: missing (0) -> 0.25
    assert coverage(answer, reference) == pytest.approx(0.25)
    assert coverage(reference, answer) == 1.0  # more than asked is still full coverage


def test_equivalent_designs_count_as_the_same_kind() -> None:
    rds = fp(resource("aws_db_instance", "db") + resource("aws_lb", "web"))
    aurora = fp(resource("aws_rds_cluster", "db") + resource("aws_elb", "web"))
    assert rds == aurora == {"database": 1, "load_balancer": 1}
    assert coverage(aurora, rds) == 1.0
    # Servers and functions are compute of different sorts: one does not answer the other.
    assert (
        coverage(fp(resource("aws_lambda_function", "f")), fp(resource("aws_instance", "i"))) == 0
    )


def test_utility_iam_and_glue_resources_do_not_count() -> None:
    glue = "".join(
        resource(kind, "x")
        for kind in (
            "random_id",
            "random_password",
            "null_resource",
            "time_sleep",
            "tls_private_key",
            "aws_iam_role",
            "aws_iam_policy",
            "aws_iam_role_policy_attachment",
            "aws_iam_instance_profile",
            "aws_security_group_rule",
            "aws_route_table_association",
            "aws_lb_listener",
            "aws_lb_target_group",
            "aws_s3_bucket_versioning",
            "aws_launch_template",
            "aws_kms_alias",
        )
    )
    assert fp(glue) == {}
    for kind in ("random_id", "aws_iam_role", "aws_iam_policy", "null_resource"):
        assert catalog.coverage_kind(kind) == ""


def test_module_built_infrastructure_counts_in_the_regions_it_is_given() -> None:
    root = (
        providers("us-east-1", "eu-west-1")
        + 'module "primary" {\n  source = "./modules/db"\n}\n'
        + 'module "dr" {\n  source = "./modules/db"\n  providers = { aws = aws.r2 }\n}\n'
    )
    module = resource("aws_db_instance", "this") + resource("aws_iam_role", "monitoring")
    assert fp(root, **{"modules/db/main.tf": module}) == {"database": 2}


def test_a_registry_module_of_a_known_kind_counts() -> None:
    root = 'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}\n'
    assert fp(root) == {"network": 1}
    assert fp('module "x" {\n  source = "acme/widget/aws"\n}\n') == {}


def test_resources_known_not_to_exist_do_not_count() -> None:
    hcl = (
        resource("aws_db_instance", "none", body="  count = 0\n")
        + resource("aws_lb", "off", body="  count = var.enabled ? 1 : 0\n")
        + 'variable "enabled" {\n  default = false\n}\n'
        + 'module "cache" {\n  source = "./modules/cache"\n  count  = 0\n}\n'
    )
    module = resource("aws_elasticache_replication_group", "this")
    assert fp(hcl, **{"modules/cache/main.tf": module}) == {}


def test_an_unknown_region_counts_as_one_region_per_provider_configuration() -> None:
    hcl = (
        'variable "region" {}\nvariable "dr_region" {}\n'
        'provider "aws" {\n  region = var.region\n}\n'
        'provider "aws" {\n  alias  = "dr"\n  region = var.dr_region\n}\n'
        + resource("aws_s3_bucket", "a")
        + resource("aws_s3_bucket", "b")
        + resource("aws_sqs_queue", "a")
        + resource("aws_sqs_queue", "b", "aws.dr")
    )
    assert fp(hcl) == {"object_storage": 1, "queue": 2}


def test_a_global_dynamodb_table_is_in_the_regions_of_its_replicas() -> None:
    table = resource(
        "aws_dynamodb_table",
        "orders",
        body='  replica {\n    region_name = "eu-west-1"\n  }\n'
        '  replica {\n    region_name = "ap-south-1"\n  }\n',
    )
    assert fp(providers("us-east-1") + table) == {"key_value_store": 3}
    secret = resource(
        "aws_secretsmanager_secret", "db", body='  replica {\n    region = "eu-west-1"\n  }\n'
    )
    assert fp(providers("us-east-1") + secret) == {"secret": 2}
    # Other resources' replica blocks say nothing about regions.
    bucket = resource(
        "aws_s3_bucket", "b", body='  replica {\n    region_name = "eu-west-1"\n  }\n'
    )
    assert fp(providers("us-east-1") + bucket) == {"object_storage": 1}


def test_instances_of_a_for_each_over_regions_count_each_region() -> None:
    hcl = (
        'resource "aws_sns_topic" "alerts" {\n'
        '  for_each = toset(["us-east-1", "eu-west-1"])\n'
        "  region   = each.key\n"
        "}\n"
    )
    assert fp(providers("us-east-1") + hcl) == {"topic": 2}


def test_several_roots_count_the_largest_not_the_sum() -> None:
    env = providers("us-east-1") + resource("aws_db_instance", "db")
    files = {
        "environments/dev/main.tf": env,
        "environments/dev/backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
        "environments/prod/main.tf": env.replace("us-east-1", "us-west-2"),
        "environments/prod/backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
    }
    model = build_model(files)
    try:
        assert footprint(model) == {"database": 1}
    finally:
        model.release()


def test_reference_footprint_reads_what_parses_and_notes_the_rest() -> None:
    notes: list[str] = []
    files = {"main.tf": resource("aws_db_instance", "db"), "broken.tf": 'resource "x" {'}
    assert reference_footprint(files, notes) == {"database": 1}
    assert notes and "broken.tf" in notes[0]


def test_a_reference_is_parsed_once_for_all_its_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from evalkit.grading import coverage as measuring

    built: list[str] = []

    def counting_build_model(files: dict[str, str], parser: str | None = None) -> object:
        built.append(parser or "default")
        return build_model(files, parser)

    monkeypatch.setattr(measuring, "build_model", counting_build_model)
    monkeypatch.setattr(measuring, "_REFERENCES", OrderedDict())  # none kept by other tests
    files = {"main.tf": resource("aws_db_instance", "db"), "broken.tf": 'resource "x" {'}
    answers_notes: list[list[str]] = [[], []]
    first = reference_footprint(files, answers_notes[0], "hcl2")
    first["cache"] = 9  # what one answer's measure adds is its own
    second = reference_footprint(dict(files), answers_notes[1], "hcl2")
    assert second == {"database": 1}
    assert answers_notes[0] == answers_notes[1] and "broken.tf" in answers_notes[1][0]
    assert built == ["hcl2"]
    # Another parser, or another text, is another reference.
    reference_footprint(files, None, "tree-sitter")
    reference_footprint({**files, "main.tf": resource("aws_s3_bucket", "b")}, None, "hcl2")
    assert built == ["hcl2", "tree-sitter", "hcl2"]


# --- requirements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        ["database@2", "aws_s3_bucket_replication_configuration", "cdn"],
        '["database@2", "aws_s3_bucket_replication_configuration", "cdn"]',
        "database@2, aws_s3_bucket_replication_configuration, CDN",
        ("cdn", "database@1", "database@2", "aws_s3_bucket_replication_configuration@1"),
    ],
)
def test_requirements_are_read_from_lists_json_and_comma_separated_text(value: object) -> None:
    assert parse_requirements(value) == {
        "aws_s3_bucket_replication_configuration": 1,
        "cdn": 1,
        "database": 2,
    }


def test_requirement_kind_names_accept_spaces_and_hyphens() -> None:
    assert parse_requirements(["load balancer@2", "key-value-store"]) == {
        "key_value_store": 1,
        "load_balancer": 2,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["databse@2"], "unknown kind 'databse' (did you mean 'database'?)"),
        (["database@0"], "whole number >= 1"),
        (["database@two"], "whole number >= 1"),
        (["aws_S3-bucket"], "not a resource type name"),
        (["@2"], "expected KIND or KIND@N"),
        ([3], "entry 3 is not a string"),
        ('["database",', "not a valid JSON list"),
        (42, "expected a list of kinds"),
    ],
)
def test_bad_requirements_name_the_entry(value: object, expected: str) -> None:
    with pytest.raises(RequirementError, match=re.escape(expected)):
        parse_requirements(value)


def test_requirements_naming_a_resource_type_are_met_by_that_type() -> None:
    from evalkit.grading.coverage import measure
    from evalkit.records import Submission

    hcl = providers("us-east-1") + resource("aws_s3_bucket", "logs")
    model = build_model({"main.tf": hcl})
    try:
        submission = Submission(
            "a",
            {"main.tf": hcl},
            requires=("object_storage@1", "aws_s3_bucket_replication_configuration@1"),
        )
        data = measure(submission, model, "ok")
    finally:
        model.release()
    assert data["answer"] == {"object_storage": 1}
    assert coverage(data["answer"], data["reference"]) == 0.5


# --- feedback ----------------------------------------------------------------------------------


def test_missing_text_names_what_the_answer_lacks() -> None:
    data = {"basis": "reference", "reference": {"cdn": 1, "database": 2}, "answer": {}}
    assert missing_text(data) == (
        "the reference builds a CDN and a relational database in 2 regions; "
        "this answer builds neither"
    )
    data["answer"] = {"database": 1}
    assert missing_text(data) == (
        "the reference builds a CDN; this answer does not; a relational database is built in "
        "1 of the 2 regions the reference builds it in"
    )
    required = {"basis": "requires", "reference": {"aws_s3_bucket_replication_configuration": 1}}
    assert missing_text(required | {"answer": {}}) == (
        "the task requires aws_s3_bucket_replication_configuration; this answer does not"
    )
    assert missing_text({"basis": "reference", "reference": {"cdn": 1}, "answer": {"cdn": 1}}) == ""


def test_every_coverage_kind_has_a_phrase_and_types_of_its_own() -> None:
    seen: set[str] = set()
    for kind, (phrase, types) in catalog.COVERAGE_KINDS.items():
        assert phrase and types, kind
        assert not seen & set(types), f"{kind} shares a resource type with another kind"
        seen |= set(types)
        assert not any(t.startswith("aws_iam_") for t in types)
