"""Masking of secrets in every text evalkit writes.

Two layers: the exact values the credential check found in a submission, and patterns that
are secrets wherever they appear (AWS access key ids, secret keys in assignments).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "****"
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{4})[A-Z0-9]{12}(?![A-Z0-9])")
_SECRET_KEY = re.compile(r"(?i)(secret(?:_access)?_?key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9/+=]{40}")
# Short values would mask innocent words; the credential check reports them anyway.
_MIN_SECRET_LENGTH = 4


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and every key-shaped string replaced by a mask."""
    if not text:
        return text
    for secret in sorted({s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len,
                         reverse=True):
        text = text.replace(secret, MASK)
    text = _ACCESS_KEY_ID.sub(lambda m: m.group(1) + MASK, text)
    return _SECRET_KEY.sub(lambda m: m.group(1) + MASK, text)
