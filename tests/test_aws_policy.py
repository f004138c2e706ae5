"""IAM policy normalisation: every form Terraform writes a policy in folds into statements
with the same actions, resources and principals, and with the line each statement is on."""

from __future__ import annotations

import json
import textwrap

from evalkit.aws import privileges
from evalkit.aws.policy import (
    PolicyDocument,
    PolicyStatement,
    policy_document_json,
    policy_documents,
)
from evalkit.terraform.model import TerraformModel, build_model
from evalkit.terraform.values import Unknown


def model_of(files: dict[str, str] | str) -> TerraformModel:
    if isinstance(files, str):
        files = {"main.tf": files}
    return build_model({name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()})


def documents(text: dict[str, str] | str) -> dict[str, PolicyDocument]:
    return {d.address: d for d in policy_documents(model_of(text))}


def summary(statement: PolicyStatement) -> tuple[object, ...]:
    return (statement.effect, statement.actions, statement.resources, statement.line)


def test_jsonencode_policy() -> None:
    found = documents("""
        resource "aws_iam_policy" "p" {
          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect   = "Allow"
                Action   = ["s3:GetObject", "s3:PutObject"]
                Resource = "arn:aws:s3:::bucket/*"
              },
              {
                Effect    = "Deny"
                NotAction = "iam:*"
                Resource  = ["*"]
              },
            ]
          })
        }
    """)
    document = found["aws_iam_policy.p"]
    assert (document.kind, document.attribute) == ("identity", "policy")
    first, second = document.statements
    assert summary(first) == (
        "Allow",
        ("s3:GetObject", "s3:PutObject"),
        ("arn:aws:s3:::bucket/*",),
        7,
    )
    assert summary(second) == ("Deny", (), ("*",), 12)
    assert second.not_actions == ("iam:*",)
    assert first.file == "main.tf"


def test_heredoc_policy_with_interpolations_has_lines_inside_the_heredoc() -> None:
    found = documents("""
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }

        resource "aws_iam_role_policy" "p" {
          role   = "app"
          policy = <<-EOF
            {
              "Version": "2012-10-17",
              "Statement": [
                {
                  "Effect": "Allow",
                  "Action": "s3:GetObject",
                  "Resource": "${aws_s3_bucket.b.arn}/*"
                },
                {
                  "Effect": "Allow",
                  "Action": ["logs:PutLogEvents"],
                  "Resource": "*"
                }
              ]
            }
          EOF
        }
    """)
    first, second = found["aws_iam_role_policy.p"].statements
    assert summary(first) == ("Allow", ("s3:GetObject",), ("${?}/*",), 13)
    assert summary(second) == ("Allow", ("logs:PutLogEvents",), ("*",), 18)


def test_quoted_json_policy_and_a_single_statement_object() -> None:
    found = documents(r"""
        resource "aws_iam_user_policy" "p" {
          user   = "ci"
          policy = "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":[\"*\"]}}"
        }
    """)
    [statement] = found["aws_iam_user_policy.p"].statements
    assert summary(statement) == ("Allow", ("*",), ("*",), 3)


def test_policy_document_data_source() -> None:
    model = model_of("""
        data "aws_iam_policy_document" "d" {
          statement {
            sid       = "Read"
            actions   = ["s3:GetObject"]
            resources = ["*"]
          }

          statement {
            effect      = "Deny"
            not_actions = ["s3:*"]
            resources   = ["*"]
            condition {
              test     = "Bool"
              variable = "aws:SecureTransport"
              values   = ["false"]
            }
          }
        }

        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d.json
        }
    """)
    [document] = policy_documents(model)
    assert document.address == "aws_iam_policy.p"
    read, deny = document.statements
    assert summary(read) == ("Allow", ("s3:GetObject",), ("*",), 4)
    assert not read.has_condition
    assert (deny.effect, deny.not_actions, deny.has_condition, deny.line) == (
        "Deny",
        ("s3:*",),
        True,
        10,
    )
    rendered = model.find_resource("data.aws_iam_policy_document.d")
    assert rendered is not None
    policy = json.loads(policy_document_json(rendered.instances[0]))
    assert policy["Statement"][0] == {
        "Action": ["s3:GetObject"],
        "Effect": "Allow",
        "Resource": ["*"],
        "Sid": "Read",
    }


def test_policy_document_with_unknown_parts_renders_a_partial_document() -> None:
    model = model_of("""
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }
        data "aws_iam_policy_document" "d" {
          statement {
            actions   = ["s3:*"]
            resources = [aws_s3_bucket.b.arn]
          }
        }
    """)
    document = model.find_resource("data.aws_iam_policy_document.d")
    assert document is not None
    rendered = policy_document_json(document.instances[0])
    assert isinstance(rendered, Unknown)
    assert rendered.partial["Statement"][0]["Action"] == ["s3:*"]
    [standalone] = policy_documents(model)
    [statement] = standalone.statements
    assert (statement.actions, statement.resources) == (("s3:*",), None)


def test_trust_policy_principals_in_every_form() -> None:
    found = documents("""
        resource "aws_iam_role" "star" {
          assume_role_policy = jsonencode({
            Statement = [{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" }]
          })
        }
        resource "aws_iam_role" "services" {
          assume_role_policy = jsonencode({
            Statement = [{
              Effect    = "Allow"
              Principal = { Service = ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"] }
              Action    = "sts:AssumeRole"
              Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
            }]
          })
        }
        data "aws_iam_policy_document" "any_aws" {
          statement {
            actions = ["sts:AssumeRole"]
            principals {
              type        = "AWS"
              identifiers = ["*"]
            }
          }
        }
        resource "aws_iam_role" "document" {
          assume_role_policy = data.aws_iam_policy_document.any_aws.json
        }
    """)
    assert {d.kind for d in found.values()} == {"trust"}
    assert found["aws_iam_role.star"].statements[0].principals == ("*",)
    services = found["aws_iam_role.services"].statements[0]
    assert services.principals == ("Service:ec2.amazonaws.com", "Service:ecs-tasks.amazonaws.com")
    assert services.has_condition
    assert found["aws_iam_role.document"].statements[0].principals == ("AWS:*",)
    assert "data.aws_iam_policy_document.any_aws" not in found


def test_unknown_actions_are_none_not_guessed() -> None:
    found = documents("""
        variable "actions" {
          type = list(string)
        }
        resource "aws_iam_policy" "p" {
          policy = jsonencode({
            Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
          })
        }
    """)
    [statement] = found["aws_iam_policy.p"].statements
    assert (statement.actions, statement.resources) == (None, ("*",))


def test_policy_written_in_a_local_is_located_there() -> None:
    found = documents(
        {
            "locals.tf": """
            locals {
              admin = {
                Statement = [{
                  Effect   = "Allow"
                  Action   = "*"
                  Resource = "*"
                }]
              }
            }
        """,
            "main.tf": """
            resource "aws_iam_policy" "p" {
              policy = jsonencode(local.admin)
            }
        """,
        }
    )
    [statement] = found["aws_iam_policy.p"].statements
    assert (statement.file, statement.line, statement.actions) == ("locals.tf", 5, ("*",))


def test_for_each_policies_are_read_per_instance() -> None:
    found = documents("""
        resource "aws_iam_policy" "p" {
          for_each = { read = "s3:GetObject", all = "*" }
          policy = jsonencode({
            Statement = [{ Effect = "Allow", Action = each.value, Resource = "*" }]
          })
        }
    """)
    assert {address: d.statements[0].actions for address, d in found.items()} == {
        'aws_iam_policy.p["all"]': ("*",),
        'aws_iam_policy.p["read"]': ("s3:GetObject",),
    }


def test_inline_role_policies() -> None:
    found = documents("""
        resource "aws_iam_role" "r" {
          assume_role_policy = jsonencode({
            Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" },
                           Action = "sts:AssumeRole" }]
          })
          inline_policy {
            name   = "inline"
            policy = jsonencode({
              Statement = [{ Effect = "Allow", Action = "ec2:*", Resource = "*" }]
            })
          }
        }
    """)
    kinds = sorted(
        (d.attribute, d.kind)
        for d in policy_documents(
            model_of("""
        resource "aws_iam_role" "r" {
          assume_role_policy = "{}"
          inline_policy {
            policy = jsonencode({ Statement = [] })
          }
        }
    """)
        )
    )
    assert kinds == [("assume_role_policy", "trust"), ("inline_policy", "identity")]
    inline = [d for d in found.values() if d.attribute == "inline_policy"]
    assert [s.actions for s in inline[0].statements] == [("ec2:*",)]


def test_resource_policies_and_module_arguments_are_not_identity_policies() -> None:
    found = documents("""
        data "aws_iam_policy_document" "bucket" {
          statement {
            actions   = ["s3:*"]
            resources = ["*"]
          }
        }
        resource "aws_s3_bucket_policy" "b" {
          bucket = "b"
          policy = data.aws_iam_policy_document.bucket.json
        }
        data "aws_iam_policy_document" "for_module" {
          statement {
            actions   = ["*"]
            resources = ["*"]
          }
        }
        module "bucket" {
          source = "terraform-aws-modules/s3-bucket/aws"
          policy = data.aws_iam_policy_document.for_module.json
        }
        data "aws_iam_policy_document" "unused" {
          statement {
            actions   = ["ec2:*"]
            resources = ["*"]
          }
        }
    """)
    assert list(found) == ["data.aws_iam_policy_document.unused"]


def test_policy_from_a_child_module_variable() -> None:
    found = documents(
        {
            "main.tf": """
            module "iam" {
              source  = "./iam"
              actions = ["*"]
            }
        """,
            "iam/main.tf": """
            variable "actions" {
              type = list(string)
            }
            resource "aws_iam_policy" "this" {
              policy = jsonencode({
                Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
              })
            }
        """,
        }
    )
    [statement] = found["module.iam.aws_iam_policy.this"].statements
    assert (statement.file, statement.actions) == ("iam/main.tf", ("*",))


def test_explain_documents_every_privilege_escalation_action_and_its_source() -> None:
    from evalkit.aws.privileges import (
        PASS_ROLE_COMPUTE_ACTIONS,
        PRIVILEGE_ESCALATION_ACTIONS,
    )
    from evalkit.checks import REGISTRY

    doc = " ".join(REGISTRY.get("SEC-IAM-WILDCARD").doc.split())
    assert "Rhino Security Labs" in doc
    missing = [
        a for a in (*PRIVILEGE_ESCALATION_ACTIONS, *PASS_ROLE_COMPUTE_ACTIONS) if a not in doc
    ]
    assert not missing


def test_condition_keys_are_read_from_json_and_policy_documents() -> None:
    files = {
        "main.tf": """
resource "aws_iam_policy" "json" {
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "iam:PassRole"
      Resource  = "*"
      Condition = { StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" } }
    }]
  })
}

data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["rds.amazonaws.com"]
    }
  }
}
"""
    }
    documents = policy_documents(build_model(files))
    keys = sorted(k for d in documents for s in d.statements for k in s.condition_keys)
    assert keys == ["iam:AWSServiceName", "iam:PassedToService"]


def _statements(text: str) -> list[PolicyStatement]:
    return [s for d in policy_documents(model_of(text)) for s in d.statements]


def test_statements_answer_what_they_grant_and_on_what() -> None:
    everything, not_resource, named, unknown = _statements("""
        variable "actions" { type = list(string) }
        data "aws_iam_policy_document" "doc" {
          statement {
            actions   = ["*"]
            resources = ["*"]
          }
          statement {
            actions       = ["s3:*"]
            not_resources = ["arn:aws:s3:::audit"]
          }
          statement {
            effect    = "Deny"
            actions   = ["iam:PassRole", "ec2:RunInstances"]
            resources = ["arn:aws:iam::1:role/app"]
          }
          statement {
            actions   = var.actions
            resources = ["*"]
          }
        }
        """)
    assert everything.allows and everything.grants_all_actions and everything.on_every_resource
    assert not_resource.on_every_resource and not not_resource.grants_all_actions
    assert not named.allows and not named.on_every_resource
    assert named.actions_where(privileges.is_pass_role) == ["iam:PassRole"]
    assert unknown.actions is None and not unknown.grants_all_actions
    assert unknown.actions_where(privileges.is_escalation) == []


def test_conditions_that_narrow_a_grant_and_those_that_do_not() -> None:
    narrowed, when_only, no_condition = _statements("""
        resource "aws_iam_policy" "p" {
          policy = jsonencode({
            Statement = [
              {
                Effect    = "Allow"
                Action    = "iam:PassRole"
                Resource  = "*"
                Condition = { StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" } }
              },
              {
                Effect    = "Allow"
                Action    = "iam:PassRole"
                Resource  = "*"
                Condition = { Bool = { "aws:SecureTransport" = "true" } }
              },
              { Effect = "Allow", Action = "iam:PassRole", Resource = "*" },
            ]
          })
        }
        """)
    assert narrowed.scoped_by_condition
    assert not when_only.scoped_by_condition
    assert not no_condition.scoped_by_condition
    assert privileges.narrows_grant([])  # keys that cannot be known may narrow it


def test_trust_statements_answer_wildcard_actions_and_any_principal() -> None:
    found = documents("""
        resource "aws_iam_role" "open" {
          assume_role_policy = jsonencode({
            Statement = [
              { Effect = "Allow", Action = "sts:*", Principal = { Service = "ec2.amazonaws.com" } },
              { Effect = "Allow", Action = "sts:AssumeRole", Principal = "*" },
              { Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "1" } },
            ]
          })
        }
        """)
    sts, anyone, account = found["aws_iam_role.open"].statements
    assert (sts.wildcard_assume_action, sts.trusts_anyone) == ("sts:*", False)
    assert (anyone.wildcard_assume_action, anyone.trusts_anyone) == ("", True)
    assert (account.wildcard_assume_action, account.trusts_anyone) == ("", False)


def test_a_document_names_the_compute_actions_it_allows_on_every_resource() -> None:
    found = documents("""
        resource "aws_iam_policy" "p" {
          policy = jsonencode({
            Statement = [
              { Effect = "Allow", Action = ["lambda:CreateFunction"], Resource = "*" },
              { Effect = "Allow", Action = ["ec2:RunInstances"], Resource = "arn:aws:ec2:::x" },
              { Effect = "Deny", Action = ["ecs:RunTask"], Resource = "*" },
            ]
          })
        }
        """)
    document = found["aws_iam_policy.p"]
    assert document.actions_on_every_resource(privileges.runs_code_as_passed_role) == [
        "lambda:CreateFunction"
    ]


def test_action_kinds() -> None:
    assert privileges.is_service_wildcard("s3:*") and not privileges.is_service_wildcard("s3:Get*")
    assert privileges.is_write_wildcard("s3:Put*") and not privileges.is_write_wildcard("s3:Get*")
    assert privileges.is_iam_write("iam:CreateUser") and not privileges.is_iam_write("iam:GetUser")
    assert privileges.is_escalation("IAM:CreateAccessKey")
    assert not privileges.is_escalation("iam:ListUsers")
