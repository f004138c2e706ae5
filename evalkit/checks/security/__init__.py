"""Security checks: credentials, IAM wildcards, admin ports, encryption at rest.

One module per check, named after its ID without the category prefix (SEC-HARDCODED-CREDENTIALS
lives in `hardcoded_credentials.py`). Importing this package registers the checks.
"""

from evalkit.checks.security import (
    encryption_at_rest,
    hardcoded_credentials,
    iam_wildcard,
    open_admin_ports,
)

__all__ = [
    "encryption_at_rest",
    "hardcoded_credentials",
    "iam_wildcard",
    "open_admin_ports",
]
