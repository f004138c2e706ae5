"""One definition of the secret shapes: what the credential pass finds, masking hides."""

from __future__ import annotations

from evalkit.masking import mask_text
from evalkit.secrets.credentials import SECRET_KEY_ASSIGNMENT
from evalkit.secrets.patterns import ACCESS_KEY_ID

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_a_secret_access_key_found_is_masked() -> None:
    text = f'aws_secret_access_key = "{SECRET_KEY}"'
    assert [m.group(1) for m in SECRET_KEY_ASSIGNMENT.finditer(text)] == [SECRET_KEY]
    assert SECRET_KEY not in mask_text(text)
    assert mask_text(text).startswith("aws_secret_access_key = ")


def test_a_longer_string_is_no_secret_access_key() -> None:
    assert not SECRET_KEY_ASSIGNMENT.search(f"secret_key = {SECRET_KEY}XYZ")


def test_an_access_key_id_found_keeps_its_prefix_when_masked() -> None:
    text = "key AKIAQ4EXAMPLE7KEYABC in a note"
    assert ACCESS_KEY_ID.findall(text) == ["AKIAQ4EXAMPLE7KEYABC"]
    assert mask_text(text) == "key AKIAQ4EX**** in a note"
    assert not ACCESS_KEY_ID.search("XAKIAQ4EXAMPLE7KEYABC")
