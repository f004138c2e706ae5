"""Validation against the AWS provider schema: HCL in, the violations `terraform validate`
would report out (file, line, resource, message), and None when nothing is judged."""

from __future__ import annotations

import textwrap

import pytest

from evalkit.aws.schema_validation import Violation, aws_major, notes, violations
from evalkit.terraform.model import TerraformModel, build_model


def model_of(text: str, **files: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text).lstrip("\n"), **files})


def messages(model: TerraformModel) -> list[str]:
    found = violations(model)
    assert found is not None
    return [v.message for v in found]


def test_an_invented_argument_and_a_block_written_as_an_argument() -> None:
    model = model_of(
        """
        resource "aws_s3_bucket" "b" {
          bucket             = "logs"
          encryption_enabled = true
        }
        resource "aws_instance" "web" {
          ami               = "ami-1"
          instance_type     = "t3.micro"
          root_block_device = { encrypted = true }
        }
        """
    )
    found = violations(model)
    assert found is not None
    assert found[0] == Violation(
        "main.tf",
        3,
        "aws_s3_bucket.b",
        "`encryption_enabled` is not an argument of aws_s3_bucket in AWS provider 6.69.1; "
        "use an aws_s3_bucket_server_side_encryption_configuration resource",
    )
    assert found[1].resource == "aws_instance.web" and found[1].line == 8
    assert found[1].message.startswith("`root_block_device` is a block of aws_instance")
    assert len(found) == 2


def test_an_unknown_type_names_the_closest_real_one() -> None:
    model = model_of(
        """
        resource "aws_s3_bucket_encryption_configuration" "b" {
          bucket = "logs"
        }
        """
    )
    [message] = messages(model)
    assert message.endswith("did you mean aws_s3_bucket_server_side_encryption_configuration?")


def test_a_missing_required_argument_unless_the_resource_is_shown_abbreviated() -> None:
    complete = model_of('resource "aws_iam_role" "r" {\n  name = "r"\n}\n')
    assert messages(complete) == [
        "the required argument `assume_role_policy` of aws_iam_role is missing"
    ]
    shown = model_of('resource "aws_iam_role" "r" {\n  name = "r"\n  # ...\n}\n')
    assert messages(shown) == []


def test_a_single_block_given_twice() -> None:
    model = model_of(
        """
        resource "aws_opensearch_domain" "d" {
          domain_name = "d"
          encrypt_at_rest {
            enabled = true
          }
          encrypt_at_rest {
            enabled = true
          }
        }
        """
    )
    found = violations(model)
    assert found is not None
    assert [(v.line, v.message) for v in found] == [
        (
            6,
            "`encrypt_at_rest` is given 2 times; aws_opensearch_domain accepts at most one "
            "`encrypt_at_rest` block here (merge them into one)",
        )
    ]


def test_nothing_judged_without_aws_types_or_under_an_old_pin() -> None:
    assert violations(model_of('resource "random_id" "x" {\n  byte_length = 4\n}\n')) is None
    old = model_of(
        """
        terraform {
          required_providers {
            aws = { source = "hashicorp/aws", version = "~> 3.0" }
          }
        }
        resource "aws_s3_bucket" "b" {
          made_up = 1
        }
        """
    )
    assert violations(old) is None
    assert aws_major(old).major is None
    [reason] = notes(old)
    assert "allows only AWS provider 3.x or older" in reason


def test_the_pin_selects_the_major_judged() -> None:
    removed = 'resource "aws_eip" "nat" {\n  vpc = true\n}\n'
    assert aws_major(model_of(removed)).major == 6
    assert messages(model_of(removed))[0].startswith("`vpc` is not an argument of aws_eip")
    pinned = model_of('provider "aws" {\n  version = "~> 5.0"\n}\n' + removed)
    assert aws_major(pinned).major == 5
    assert messages(pinned) == []


def test_absent_instances_and_module_code_nobody_calls_are_not_judged() -> None:
    bucket = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
    absent = model_of(bucket + 'ephemeral "aws_made_up" "x" {\n  count = 0\n}\n')
    assert messages(absent) == []
    present = model_of(bucket + 'ephemeral "aws_made_up" "x" {\n  count = 1\n}\n')
    assert len(messages(present)) == 1
    module = {"modules/extra/main.tf": 'resource "aws_s3_bucket" "x" {\n  made_up = 1\n}\n'}
    assert messages(build_model({"main.tf": bucket, **module})) == []
    call = 'module "extra" {\n  source = "./modules/extra"\n}\n'
    [called] = violations(build_model({"main.tf": bucket + call, **module})) or []
    assert (called.file, called.resource) == (
        "modules/extra/main.tf",
        "module.extra.aws_s3_bucket.x",
    )


def test_a_literal_terraform_cannot_convert_to_the_arguments_type() -> None:
    model = model_of(
        """
        resource "aws_vpc" "main" {
          cidr_block           = "10.0.0.0/16"
          enable_dns_hostnames = "yes"
          tags                 = ["main"]
        }
        resource "aws_security_group" "web" {
          vpc_id = aws_vpc.main.id
          ingress {
            from_port   = 443
            to_port     = "https"
            protocol    = "tcp"
            cidr_blocks = "0.0.0.0/0"
          }
        }
        resource "aws_instance" "web" {
          ami                    = "ami-1"
          instance_type          = "t3.micro"
          vpc_security_group_ids = "sg-1"
          monitoring             = 1
          user_data              = ["echo hi"]
        }
        resource "aws_iam_policy" "p" {
          policy = { Version = "2012-10-17" }
        }
        """
    )
    found = violations(model)
    assert found is not None
    assert [(v.line, v.resource, v.message.split(",")[0]) for v in found] == [
        (3, "aws_vpc.main", "`enable_dns_hostnames` of aws_vpc takes a bool"),
        (4, "aws_vpc.main", "`tags` of aws_vpc takes a map (map(string))"),
        (10, "aws_security_group.web", "`ingress.to_port` of aws_security_group takes a number"),
        (
            12,
            "aws_security_group.web",
            "`ingress.cidr_blocks` of aws_security_group takes a list (list(string))",
        ),
        (
            18,
            "aws_instance.web",
            "`vpc_security_group_ids` of aws_instance takes a set (set(string))",
        ),
        (19, "aws_instance.web", "`monitoring` of aws_instance takes a bool"),
        (20, "aws_instance.web", "`user_data` of aws_instance takes a string"),
        (23, "aws_iam_policy.p", "`policy` of aws_iam_policy takes a string"),
    ]
    assert found[1].message.endswith("write `tags = { ... }`")


def test_values_terraform_converts_or_that_are_not_written_out_are_not_judged() -> None:
    model = model_of(
        """
        variable "cidrs" {
          type    = list(string)
          default = ["0.0.0.0/0"]
        }
        variable "ports" {
          default = { from = "80" }
        }
        resource "aws_security_group" "web" {
          description = 5
          ingress {
            from_port   = "80"
            to_port     = var.ports.from
            protocol    = -1
            cidr_blocks = "${var.cidrs}"
          }
          dynamic "egress" {
            for_each = { a = ["10.0.0.0/8"] }
            content {
              from_port   = 0
              to_port     = 0
              protocol    = "-1"
              cidr_blocks = egress.value
            }
          }
        }
        resource "aws_vpc" "main" {
          cidr_block           = "10.0.0.0/16"
          enable_dns_hostnames = "true"
          enable_dns_support   = null
          tags                 = merge({ a = "b" }, {})
        }
        resource "aws_instance" "none" {
          count                  = 0
          ami                    = "ami-1"
          instance_type          = "t3.micro"
          vpc_security_group_ids = "sg-1"
        }
        """
    )
    assert messages(model) == []


def test_a_top_level_block_terraform_does_not_read_or_with_the_wrong_labels() -> None:
    model = model_of(
        """
        resources "aws_s3_bucket" "logs" {
          bucket = "logs"
        }
        resource "aws_s3_bucket" {
          bucket = "data"
        }
        variable "region" "primary" {}
        run "plan" {
          command = plan
        }
        resource "aws_s3_bucket" "ok" {
          bucket = "ok"
        }
        locals {
          a = 1
        }
        check "health" {
          assert {
            condition     = true
            error_message = "x"
          }
        }
        """
    )
    found = violations(model)
    assert found is not None
    assert [(v.line, v.resource) for v in found] == [
        (1, "resources.aws_s3_bucket.logs"),
        (4, "aws_s3_bucket"),
        (7, "variable.region.primary"),
        (8, "run.plan"),
    ]
    assert found[0].message.endswith("did you mean `resource`?")
    assert found[1].message == (
        "a `resource` block takes 2 label(s) (type and name); this one has 1"
    )


def _duplicates(model: TerraformModel) -> list[tuple[str, int, str]]:
    found = violations(model)
    assert found is not None
    return [(v.file, v.line, v.resource) for v in found if "already declared" in v.message]


def test_a_name_declared_twice_in_one_directory_whatever_its_syntax() -> None:
    model = model_of(
        """
        variable "region" {
          default = "us-east-1"
        }
        resource "aws_s3_bucket" "logs" {
          bucket = "logs"
        }
        """,
        **{
            "variables.tf.json": '{"variable": {"region": {"default": "eu-west-1"}}}\n',
            "prod_override.tf": 'variable "region" {\n  default = "eu-west-2"\n}\n',
            "overrides.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "again"\n}\n',
        },
    )
    # Terraform loads main.tf, then overrides.tf, then variables.tf.json; prod_override.tf is
    # an override file, merged into the declaration it names.
    assert _duplicates(model) == [
        ("overrides.tf", 1, "aws_s3_bucket.logs"),
        ("variables.tf.json", 1, "var.region"),
    ]


def test_providers_are_told_apart_by_a_literal_alias_only() -> None:
    model = model_of(
        """
        provider "aws" {
          region = "us-east-1"
        }
        provider "aws" {
          alias  = "west"
          region = "us-west-2"
        }
        provider "aws" {
          alias  = "west"
          region = "us-west-1"
        }
        provider "aws" {
          alias  = var.alias
          region = "eu-west-1"
        }
        resource "aws_s3_bucket" "logs" {
          bucket = "logs"
        }
        """
    )
    # An alias that is not a plain string is an error of its own, not a duplicate.
    assert _duplicates(model) == [("main.tf", 8, "provider.aws.west")]


def test_an_update_shown_in_a_markdown_answer_is_not_a_second_declaration() -> None:
    from evalkit.dataset.markdown import extract_files

    bucket = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
    versioning = (
        'resource "aws_s3_bucket_versioning" "logs" {\n  bucket = aws_s3_bucket.logs.id\n'
        '  versioning_configuration {\n    status = "Enabled"\n  }\n}\n'
    )
    answer = (
        f"**main.tf**\n```hcl\n{bucket}```\n\n"
        f"Now enable versioning. The updated **main.tf**:\n```hcl\n{bucket}\n{versioning}```\n"
    )
    assert _duplicates(build_model(extract_files(answer))) == []
    both = build_model({"main.tf": bucket, "versioning.tf": bucket + "\n" + versioning})
    assert _duplicates(both) == [("versioning.tf", 1, "aws_s3_bucket.logs")]


_SECURITY_GROUP = """
provider "aws" {
  region = "us-east-1"
}

variable "ports" {
  type    = list(number)
  default = [443]
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id

  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [cidrsubnet(aws_vpc.main.cidr_block, 8, 1)]
    }
  }
}
"""


@pytest.mark.parametrize(
    ("mistake", "wrong"),
    [
        ("each in a dynamic block", ("from_port   = ingress.value", "from_port   = each.value")),
        ("an unknown function", ("cidrsubnet(", "subnetcidr(")),
        ("a removed function", ("default = [443]", "default = list(443)")),
        ("a quoted type", ("type    = list(number)", 'type    = "list"')),
        ("count with for_each", ('name   = "web"', 'name   = "web"\n  count = 1\n  for_each = {}')),
        ("for_each over a list", ('name   = "web"', 'name   = "web"\n  for_each = var.ports')),
        (
            "a quoted dependency",
            ('name   = "web"', 'name   = "web"\n  depends_on = ["aws_vpc.main"]'),
        ),
        (
            "a variable in the backend",
            (
                'provider "aws" {',
                'terraform {\n  backend "s3" {\n    key = var.ports[0]\n  }\n}\nprovider "aws" {',
            ),
        ),
    ],
)
def test_code_terraform_rejects_scores_lower_than_the_same_code_fixed(
    mistake: str, wrong: tuple[str, str]
) -> None:
    import evalkit

    broken = _SECURITY_GROUP.replace(*wrong)
    assert broken != _SECURITY_GROUP, mistake
    run = evalkit.score(
        [
            {"id": "fixed", "files": {"main.tf": _SECURITY_GROUP}},
            {"id": "broken", "files": {"main.tf": broken}},
        ]
    )
    scores = run.scores.set_index("submission_id")
    assert scores.loc["broken", "reward"] < scores.loc["fixed", "reward"], mistake


def test_an_answer_that_declares_its_resources_twice_scores_lower() -> None:
    import evalkit

    main = (
        'provider "aws" {\n  region = "us-east-1"\n}\n'
        'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
    )
    copy = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
    run = evalkit.score(
        [
            {"id": "once", "files": {"main.tf": main}},
            {"id": "twice", "files": {"main.tf": main, "storage.tf": copy}},
        ]
    )
    scores = run.scores.set_index("submission_id")
    assert scores.loc["twice", "IAC-SCHEMA-VIOLATION"] == "fail"
    assert scores.loc["once", "IAC-SCHEMA-VIOLATION"] == "pass"
    assert scores.loc["twice", "reward"] < scores.loc["once", "reward"]


def test_declarations_of_a_one_line_json_file_are_told_apart() -> None:
    providers = (
        '[{"region": "us-east-1"}, {"alias": "west", "region": "us-west-2"}, '
        '{"alias": "west", "region": "us-west-1"}]'
    )
    json_file = (
        f'{{"provider": {{"aws": {providers}}}, '
        '"resource": {"aws_s3_bucket": {"b": {"bucket": "x"}}}, "locals": {"a": 1}}'
    )
    model = model_of("locals {\n  a = 2\n}\n", **{"main.tf.json": json_file})
    assert _duplicates(model) == [
        ("main.tf.json", 1, "provider.aws.west"),
        ("main.tf.json", 1, "local.a"),
    ]
