"""Shapes that are secrets wherever they appear, one definition for detection and masking."""

from __future__ import annotations

import re

# An AWS access key id, wherever it appears.
ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
# A secret access key assigned to a key that names it (`secret_key = "..."`,
# `aws_secret_access_key: ...`), matched ignoring case: the assignment, then the 40
# characters of the key.
SECRET_KEY_ASSIGNED = r"secret(?:_access)?_?key[\"']?\s*[:=]\s*[\"']?"
SECRET_KEY_VALUE = r"[A-Za-z0-9/+=]{40}"


def may_hold_access_key_id(text: str) -> bool:
    """False only when `ACCESS_KEY_ID` cannot match `text` (every id starts with AKIA or
    ASIA): most texts hold none, and a substring test is much cheaper than the regex scan."""
    return "AKIA" in text or "ASIA" in text


def may_hold_secret_key(text: str) -> bool:
    """False only when no `SECRET_KEY_ASSIGNED` match can be in `text`: every one holds the
    word `secret`, in any case. In ASCII text ignoring case is lowercasing; other text (where
    a long s matches `s`) is always scanned."""
    return not text.isascii() or "secret" in text.lower()
