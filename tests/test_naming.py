"""Conventions of resource names and abbreviations of a project's name
(IAC-INCONSISTENT-NAMING reads them through `evalkit.aws.naming`)."""

from __future__ import annotations

import pytest

from evalkit.aws import naming as _naming
from evalkit.terraform.evaluator import UNKNOWN_PLACEHOLDER


@pytest.mark.parametrize(
    ("word", "project", "expected"),
    [
        ("ecp", ("ecommerce", "platform"), True),
        ("ecom", ("ecommerce", "platform"), True),
        ("ep", ("ecommerce", "platform"), True),
        ("eat", ("ecommerce", "platform"), False),  # no initial of "platform"
        ("orders", ("ecommerce", "platform"), False),
        ("ret", ("retail",), True),
        ("rt", ("retail",), False),  # one word: only its start abbreviates it
        ("ap", ("app",), False),  # too short a project to abbreviate
    ],
)
def test_project_abbreviations(word: str, project: tuple[str, ...], expected: bool) -> None:
    assert _naming.abbreviates(word, project) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("orders-queue", _naming.KEBAB_CASE),
        (f"{UNKNOWN_PLACEHOLDER}_dead_letters", _naming.SNAKE_CASE),
        ("ShopCarts", _naming.CAMEL_CASE),
        ("shop-carts_table", _naming.MIXED),
        ("Main VPC", None),  # display text
        ("orders", None),
        (UNKNOWN_PLACEHOLDER, None),
    ],
)
def test_value_conventions(text: str, expected: str | None) -> None:
    assert _naming.value_convention(text) == expected


def test_renamed_keeps_interpolations() -> None:
    assert _naming.renamed("${var.project}_dead_letters", _naming.KEBAB_CASE) == (
        "${var.project}-dead-letters"
    )
    assert _naming.renamed("ShopCarts", _naming.SNAKE_CASE) == "shop_carts"


def test_renamed_keeps_prefixes_and_paths_aws_defines() -> None:
    assert _naming.renamed("alias/legal-cloudtrail-key", _naming.CAMEL_CASE) == (
        "alias/LegalCloudtrailKey"
    )
    assert _naming.renamed("/app/Orders_Table", _naming.KEBAB_CASE) == "/app/orders-table"
