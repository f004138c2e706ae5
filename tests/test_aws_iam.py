"""The IAM view: HCL in, a principal's policies, attachments and instance profiles out, in
every form Terraform writes them, known and unknown."""

from __future__ import annotations

import textwrap

import pytest

from evalkit.aws import aws_of, catalog
from evalkit.aws.iam import IamView
from evalkit.terraform.model import ResourceInstance, TerraformModel, build_model

TRUST = """
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
"""


def model_of(text: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})


def view(text: str) -> tuple[IamView, TerraformModel]:
    model = model_of(text)
    return aws_of(model).iam, model


def instance(model: TerraformModel, address: str) -> ResourceInstance:
    resource = model.find_resource(address)
    assert resource is not None, address
    return resource.instances[0]


def role(name: str = "app", extra: str = "") -> str:
    return f'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n{TRUST}{extra}}}\n'


def managed_arns(iam: IamView, principal: ResourceInstance) -> list[object]:
    return [p.value for a in iam.managed_policies(principal) for p in a.policies]


@pytest.mark.parametrize(
    ("kind", "principal_attribute", "arns_attribute", "arns"),
    [
        ("aws_iam_role_policy_attachment", "role", "policy_arn", '"arn:aws:iam::aws:policy/X"'),
        ("aws_iam_policy_attachment", "roles", "policy_arn", '"arn:aws:iam::aws:policy/X"'),
        (
            "aws_iam_role_policy_attachments_exclusive",
            "role_name",
            "policy_arns",
            '["arn:aws:iam::aws:policy/X"]',
        ),
    ],
)
def test_every_attachment_form_gives_the_role_its_policy(
    kind: str, principal_attribute: str, arns_attribute: str, arns: str
) -> None:
    name = "aws_iam_role.app.name"
    value = f"[{name}]" if principal_attribute == "roles" else name
    extra = '  name = "a"\n' if kind == "aws_iam_policy_attachment" else ""
    iam, model = view(
        role()
        + role("other")
        + f'resource "{kind}" "a" {{\n{extra}  {principal_attribute} = {value}\n'
        f"  {arns_attribute} = {arns}\n}}\n"
    )
    app, other = instance(model, "aws_iam_role.app"), instance(model, "aws_iam_role.other")
    (attachment,) = iam.managed_policies(app)
    assert attachment.names_principal is True
    assert attachment.holder.resource.type == kind
    assert managed_arns(iam, app) == ["arn:aws:iam::aws:policy/X"]
    assert iam.managed_policies(other) == []


def test_exclusive_attachments_of_users_and_groups() -> None:
    iam, model = view("""
        resource "aws_iam_user" "u" { name = "u" }
        resource "aws_iam_group" "g" { name = "g" }
        resource "aws_iam_user_policy_attachments_exclusive" "u" {
          user_name   = aws_iam_user.u.name
          policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
        }
        resource "aws_iam_group_policy_attachments_exclusive" "g" {
          group_name  = "g"
          policy_arns = ["arn:aws:iam::aws:policy/IAMFullAccess"]
        }
        """)
    user, group = instance(model, "aws_iam_user.u"), instance(model, "aws_iam_group.g")
    assert managed_arns(iam, user) == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert managed_arns(iam, group) == ["arn:aws:iam::aws:policy/IAMFullAccess"]


def test_one_attachment_list_for_every_consumer() -> None:
    exclusive = {kind for kind in catalog.IAM_POLICY_ATTACHMENTS if kind.endswith("_exclusive")}
    assert exclusive == {
        "aws_iam_role_policy_attachments_exclusive",
        "aws_iam_user_policy_attachments_exclusive",
        "aws_iam_group_policy_attachments_exclusive",
    }
    # The graph's iam_attachment edges read the same table.
    assert exclusive <= set(catalog.IAM_ATTACHMENTS)
    assert "aws_iam_role_policies_exclusive" in catalog.IAM_ATTACHMENTS


def test_managed_policy_arns_on_the_role_and_policies_of_the_submission() -> None:
    iam, model = view(
        """
        resource "aws_iam_policy" "publish" {
          name   = "publish"
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{ Effect = "Allow", Action = "cloudwatch:PutMetricData", Resource = "*" }]
          })
        }
        """
        + role("app", "  managed_policy_arns = [aws_iam_policy.publish.arn]\n")
    )
    app = instance(model, "aws_iam_role.app")
    (attachment,) = iam.managed_policies(app)
    assert attachment.attribute == "managed_policy_arns"
    (policy,) = attachment.policies
    assert [p.address for p in policy.policies] == ["aws_iam_policy.publish"]
    assert not policy.unknown
    statements = iam.policy_statements(policy.policies[0])
    assert statements is not None
    assert [s.actions for s in statements] == [("cloudwatch:PutMetricData",)]


def test_managed_policy_names_known_through_partition_and_lookup() -> None:
    iam, model = view("""
        data "aws_partition" "current" {}
        data "aws_iam_policy" "admin" { name = "AdministratorAccess" }
        resource "aws_iam_user" "u" { name = "u" }
        resource "aws_iam_user_policy_attachment" "a" {
          user       = aws_iam_user.u.name
          policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/IAMFullAccess"
        }
        resource "aws_iam_user_policy_attachment" "b" {
          user       = aws_iam_user.u.name
          policy_arn = data.aws_iam_policy.admin.arn
        }
        """)
    user = instance(model, "aws_iam_user.u")
    names = {p.known_names for a in iam.managed_policies(user) for p in a.policies}
    assert names == {(":iam::aws:policy/IAMFullAccess",), (":policy/AdministratorAccess",)}
    admins = {p.admin_name for a in iam.managed_policies(user) for p in a.policies}
    assert admins == {"IAMFullAccess", "AdministratorAccess"}


def test_a_scoped_or_unknown_managed_policy_is_no_admin() -> None:
    iam, model = view("""
        variable "policy_arn" { type = string }
        resource "aws_iam_user" "u" { name = "u" }
        resource "aws_iam_user_policy_attachment" "read" {
          user       = aws_iam_user.u.name
          policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
        }
        resource "aws_iam_user_policy_attachment" "input" {
          user       = aws_iam_user.u.name
          policy_arn = var.policy_arn
        }
        """)
    user = instance(model, "aws_iam_user.u")
    policies = [p for a in iam.managed_policies(user) for p in a.policies]
    assert len(policies) == 2
    assert [p.admin_name for p in policies] == ["", ""]


def test_unknown_principal_and_unknown_policy() -> None:
    iam, model = view(
        role()
        + """
        variable "role_name" { type = string }
        variable "policy_arn" { type = string }
        resource "aws_iam_role_policy_attachment" "a" {
          role       = var.role_name
          policy_arn = var.policy_arn
        }
        """
    )
    (attachment,) = iam.managed_policies(instance(model, "aws_iam_role.app"))
    assert attachment.names_principal is None  # may be this role
    (policy,) = attachment.policies
    assert policy.unknown and policy.known_names == ()


def test_attachment_naming_another_role_by_literal_is_not_this_roles() -> None:
    iam, model = view(
        role()
        + """
        resource "aws_iam_role_policy_attachment" "a" {
          role       = "someone-else"
          policy_arn = "arn:aws:iam::aws:policy/X"
        }
        """
    )
    assert iam.managed_policies(instance(model, "aws_iam_role.app")) == []


@pytest.mark.parametrize(
    "policy",
    [
        'jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
        'Action = "s3:GetObject", Resource = "*" }] })',
        "data.aws_iam_policy_document.read.json",
        '<<-EOT\n{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:GetObject", "Resource": "*"}]}\nEOT',
    ],
)
def test_inline_policies_in_every_form(policy: str) -> None:
    iam, model = view(
        role()
        + """
        data "aws_iam_policy_document" "read" {
          statement {
            actions   = ["s3:GetObject"]
            resources = ["*"]
          }
        }
        """
        + f'resource "aws_iam_role_policy" "p" {{\n  role = aws_iam_role.app.id\n'
        f"  policy = {policy}\n}}\n"
    )
    (inline,) = iam.inline_policies(instance(model, "aws_iam_role.app"))
    assert inline.names_principal is True
    assert inline.statements is not None
    assert [s.actions for s in inline.statements] == [("s3:GetObject",)]


def test_inline_policy_block_on_the_role() -> None:
    extra = """
  inline_policy {
    name   = "logs"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = "logs:PutLogEvents", Resource = "*" }]
    })
  }
"""
    iam, model = view(role("app", extra) + role("bare"))
    (inline,) = iam.inline_policies(instance(model, "aws_iam_role.app"))
    assert inline.holder.address == "aws_iam_role.app"
    assert inline.statements is not None
    assert inline.statements[0].actions == ("logs:PutLogEvents",)
    assert iam.inline_policies(instance(model, "aws_iam_role.bare")) == []


def test_unreadable_inline_policy_is_unknown() -> None:
    iam, model = view(
        role()
        + """
        variable "policy" { type = string }
        resource "aws_iam_role_policy" "p" {
          role   = aws_iam_role.app.name
          policy = var.policy
        }
        """
    )
    (inline,) = iam.inline_policies(instance(model, "aws_iam_role.app"))
    assert not inline.statements


def test_instance_profile_to_role() -> None:
    iam, model = view(
        role()
        + """
        variable "external" { type = string }
        resource "aws_iam_instance_profile" "app" {
          name = "app-profile"
          role = aws_iam_role.app.name
        }
        resource "aws_iam_instance_profile" "empty" { name = "empty" }
        resource "aws_iam_instance_profile" "outside" {
          name = "outside"
          role = var.external
        }
        """
    )
    (profile,) = iam.instance_profiles("app-profile") or []
    assert profile.address == "aws_iam_instance_profile.app"
    assert [r.address for r in iam.profile_roles(profile) or []] == ["aws_iam_role.app"]
    assert iam.profile_roles(instance(model, "aws_iam_instance_profile.empty")) == []
    assert iam.profile_roles(instance(model, "aws_iam_instance_profile.outside")) is None
    assert iam.instance_profiles("not-declared-here") is None
