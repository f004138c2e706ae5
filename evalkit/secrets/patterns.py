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
