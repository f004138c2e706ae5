"""The naming view: the names resources get in AWS, how each is built, and where the code is
deployed."""

from __future__ import annotations

from evalkit.aws import naming
from evalkit.terraform.model import build_model

NAMES = """variable "project" {
  default = "shop"
}
resource "aws_s3_bucket" "logs" {
  bucket = "${var.project}-logs"
  tags = {
    Name = "logs_bucket"
    Team = "data"
  }
}
resource "aws_sqs_queue" "jobs" {
  count = 2
  name  = "jobs-${count.index}"
}
resource "aws_autoscaling_group" "web" {
  name = "web"
  tag {
    key   = "Name"
    value = "web-node"
  }
}
resource "aws_route53_record" "www" {
  name = "www.example.com"
}
"""


def names_by_place(hcl: str) -> dict[tuple[str, str], naming.ResourceName]:
    model = build_model({"main.tf": hcl})
    return {(n.resource.address, n.attribute): n for n in naming.resource_names(model)}


def test_names_come_from_attributes_by_type_and_name_tags_of_both_syntaxes() -> None:
    found = names_by_place(NAMES)
    assert set(found) == {
        ("aws_s3_bucket.logs", "bucket"),
        ("aws_s3_bucket.logs", "tags.Name"),
        ("aws_sqs_queue.jobs", "name"),
        ("aws_autoscaling_group.web", "name"),
        ("aws_autoscaling_group.web", "tag Name"),
    }  # a Route 53 record's name is a DNS name, not one it is given
    assert found[("aws_s3_bucket.logs", "tags.Name")].line == 7
    assert found[("aws_autoscaling_group.web", "tag Name")].value == "web-node"


def test_how_a_name_is_built_literal_interpolated_or_numbered() -> None:
    found = names_by_place(NAMES)
    literal = found[("aws_s3_bucket.logs", "tags.Name")]
    assert (literal.value, literal.configured, literal.numbered) == ("logs_bucket", False, False)
    interpolated = found[("aws_s3_bucket.logs", "bucket")]
    assert interpolated.configured and not isinstance(interpolated.value, str)
    assert interpolated.as_written() == '"${var.project}-logs"'
    assert naming.value_convention(interpolated.text) == naming.KEBAB_CASE
    numbered = found[("aws_sqs_queue.jobs", "name")]
    assert (numbered.value, numbered.configured, numbered.numbered) == ("jobs-0", False, True)


def test_as_written_ignores_another_string_on_the_same_line() -> None:
    found = names_by_place(
        'resource "aws_instance" "a" {\n  tags = { Team = "ops", Name = "app_server" }\n}\n'
    )
    name = found[("aws_instance.a", "tags.Name")]
    assert name.value == "app_server" and name.as_written() == ""


def test_spread_over_regions_environments_or_var_files() -> None:
    regions = build_model(
        {
            "main.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n'
            'provider "aws" {\n  alias  = "dr"\n  region = "us-west-2"\n}\n'
            'resource "aws_s3_bucket" "a" {}\n'
            'resource "aws_s3_bucket" "b" {\n  provider = aws.dr\n}\n'
            'resource "aws_iam_role" "r" {\n  provider = aws.dr\n}\n'
        }
    )
    assert naming.spread(regions) == naming.Spread(naming.REGIONS, ("us-east-1", "us-west-2"))
    environments = build_model(
        {"main.tf": 'variable "sizes" {\n  default = { prod = 3, dev = 1 }\n}\n'}
    )
    assert naming.spread(environments) == naming.Spread(naming.ENVIRONMENTS, ("dev", "prod"))
    assert naming.spread(build_model({"main.tf": NAMES})) is None


def test_names_context_reads_environment_region_and_project() -> None:
    projects = naming.project_words(build_model({"main.tf": NAMES}))
    assert projects == {("shop",)}
    assert naming.names_context("prod-logs", projects)
    assert naming.names_context("logs-use1", projects)
    assert naming.names_context("shop-logs", projects)
    assert not naming.names_context("logs-bucket", projects)


def test_labels_and_their_convention() -> None:
    model = build_model(
        {"main.tf": 'resource "aws_s3_bucket" "appLogs" {}\nlocals {\n  a-b = 1\n}\n'}
    )
    found = {label.address: label for label in naming.labels(model)}
    assert set(found) == {"aws_s3_bucket.appLogs", "local.a-b"}
    assert naming.label_convention("appLogs") == naming.CAMEL_CASE
    assert naming.label_convention("logs") is None
    assert naming.renamed_label("appLogs", naming.SNAKE_CASE) == "app_logs"
