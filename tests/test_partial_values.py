"""Partly known values: the known parts of a value survive its unknown parts.

A reviewer reading ``"arn:${data.aws_partition.current.partition}:iam::aws:policy/X"`` knows
which policy it is; evalkit keeps the literal segments and the known members of objects so
that checks can judge them, and never claims more than is written.
"""

from __future__ import annotations

import textwrap
from typing import Any

from evalkit.terraform.model import build_model
from evalkit.terraform.values import (
    Unknown,
    endswith,
    is_partial_text,
    iter_known_strings,
    known_members,
    known_parts,
    known_prefix,
    known_suffix,
    startswith,
)


def locals_of(text: str) -> dict[str, Any]:
    model = build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})
    context = next(m for m in model.modules if not m.address)
    return {name: context.local_value(name) for name in context.locals}


PARTITION = """
    data "aws_partition" "current" {}
    data "aws_caller_identity" "me" {}
"""


def test_interpolated_partition_keeps_the_arn_around_it() -> None:
    values = locals_of(
        PARTITION
        + """
        locals {
          admin = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
        }
        """
    )
    admin = values["admin"]
    assert isinstance(admin, Unknown)
    assert is_partial_text(admin)
    assert known_parts(admin) == ("arn:", ":iam::aws:policy/AdministratorAccess")
    assert known_prefix(admin) == "arn:"
    assert known_suffix(admin) == ":iam::aws:policy/AdministratorAccess"
    assert endswith(admin, ":policy/AdministratorAccess") is True
    assert endswith(admin, ":policy/ReadOnlyAccess") is False
    assert startswith(admin, "arn:") is True
    assert startswith(admin, "arn:aws:") is None  # the partition decides


def test_unknown_end_never_claims_a_suffix() -> None:
    values = locals_of(
        PARTITION
        + """
        variable "policy" {
          type = string
        }
        locals {
          chosen  = "arn:aws:iam::aws:policy/${var.policy}"
          tail    = "Access${var.policy}"
          account = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:policy/Admin"
        }
        """
    )
    assert known_suffix(values["chosen"]) == ""
    assert endswith(values["chosen"], "/AdministratorAccess") is None
    assert endswith(values["tail"], "Access") is None
    assert known_parts(values["account"]) == ("arn:aws:iam::", ":policy/Admin")
    assert endswith("arn:aws:iam::aws:policy/ReadOnlyAccess", "/AdministratorAccess") is False


def test_known_parts_survive_nesting_through_locals_format_and_join() -> None:
    values = locals_of(
        PARTITION
        + """
        locals {
          prefix    = "arn:${data.aws_partition.current.partition}"
          nested    = "${local.prefix}:iam::aws:policy/PowerUserAccess"
          partition = data.aws_partition.current.partition
          formatted = format("arn:%s:iam::aws:policy/%s", local.partition, "IAMFullAccess")
          joined    = join(":", ["arn", data.aws_partition.current.partition, "s3", "", "", "logs"])
          fancy     = format("%08d-%s", 7, data.aws_partition.current.partition)
        }
        """
    )
    assert known_parts(values["nested"]) == ("arn:", ":iam::aws:policy/PowerUserAccess")
    assert known_parts(values["formatted"]) == ("arn:", ":iam::aws:policy/IAMFullAccess")
    assert known_suffix(values["joined"]) == ":s3:::logs"
    assert known_prefix(values["joined"]) == "arn:"
    # Verbs evalkit does not render piecewise leave the value unknown, never wrong.
    assert known_parts(values["fancy"]) == ()


def test_wholly_known_and_wholly_unknown_values() -> None:
    assert known_parts("plain") == ("plain",)
    assert known_suffix("plain") == "plain"
    assert endswith("plain", "ain") is True
    nothing = Unknown(("aws_s3_bucket.b.arn",))
    assert known_parts(nothing) == ()
    assert endswith(nothing, "x") is None
    assert startswith(nothing, "x") is None
    assert not is_partial_text(nothing)


def test_jsonencode_keeps_the_known_members_beside_a_computed_one() -> None:
    values = locals_of("""
        resource "random_password" "db" {
          length = 24
        }
        locals {
          secret = jsonencode({
            db_password = random_password.db.result
            api_key     = "sk-live-0123456789abcdef"
            nested      = { token = "t0k3n-literal", id = random_password.db.id }
          })
        }
    """)
    secret = values["secret"]
    assert isinstance(secret, Unknown)
    members = known_members(secret)
    assert members is not None
    assert members["api_key"] == "sk-live-0123456789abcdef"
    assert isinstance(members["db_password"], Unknown)
    assert set(iter_known_strings(secret)) == {"sk-live-0123456789abcdef", "t0k3n-literal"}


def test_objects_and_lists_keep_known_members() -> None:
    values = locals_of("""
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }
        locals {
          object = { name = "fixed", arn = aws_s3_bucket.b.arn }
          list   = ["fixed", aws_s3_bucket.b.arn, "arn:aws:s3:::${aws_s3_bucket.b.id}/*"]
        }
    """)
    assert values["object"]["name"] == "fixed"
    assert values["list"][0] == "fixed"
    assert known_prefix(values["list"][2]) == "arn:aws:s3:::"
    assert known_members(values["list"]) == values["list"]
    assert list(iter_known_strings(values["list"])) == ["fixed"]


def test_terraform_workspace_is_unknown_and_gates_stay_open() -> None:
    values = locals_of("""
        locals {
          name      = "app-${terraform.workspace}"
          is_prod   = terraform.workspace == "production"
          instances = terraform.workspace == "production" ? 3 : 1
        }
    """)
    assert known_prefix(values["name"]) == "app-"
    assert isinstance(values["is_prod"], Unknown)
    assert isinstance(values["instances"], Unknown)
