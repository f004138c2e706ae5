"""What a module's `source` address is, as `terraform init` reads it.

- local: a path that starts with ``./`` or ``../``; the submission holds (or lacks) its code;
- registry: ``<namespace>/<name>/<provider>``, optionally behind a registry host and with a
  ``//sub/dir``; the code is not in the submission;
- remote: every other installation method Terraform knows (``github.com/...``,
  ``bitbucket.org/...``, ``git@...``, ``git::``/``hg::``/``s3::``/``gcs::`` forced getters,
  URLs, S3 and GCS bucket addresses, absolute paths);
- invalid: anything else, such as ``source = "modules/vpc"`` or ``source = "template"``:
  Terraform cannot tell how to install it and stops, asking for ``./modules/vpc`` if a
  relative path was meant.
"""

from __future__ import annotations

import re

LOCAL = "local"
REGISTRY = "registry"
REMOTE = "remote"
INVALID = "invalid"

_PART = r"[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?"
_REGISTRY = re.compile(
    rf"^(?:[0-9A-Za-z.-]+\.[A-Za-z0-9-]+(?::\d+)?/)?{_PART}/{_PART}/[0-9a-z]{{1,64}}(?://.*)?$"
)
# Forced getters (git::, hg::, s3::, gcs::, http::) and URL schemes.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::|^[A-Za-z][A-Za-z0-9+.-]*://")
# Hosts that go-getter recognises without a scheme.
_SHORTHAND = re.compile(
    r"^(?:github\.com/|bitbucket\.org/|git@[^:/]+:|[0-9A-Za-z.-]*\.?s3[0-9A-Za-z.-]*\.amazonaws\.com/"
    r"|www\.googleapis\.com/storage/)"
)


def source_kind(source: str) -> str:
    """`LOCAL`, `REGISTRY`, `REMOTE` or `INVALID` for a module source address."""
    if source.startswith(("./", "../")) or source in (".", ".."):
        return LOCAL
    if _SCHEME.match(source) or _SHORTHAND.match(source) or source.startswith("/"):
        return REMOTE
    if _REGISTRY.match(source):
        return REGISTRY
    return INVALID
