"""Infrastructure-as-code checks: does the submission parse, and does it hang together.

One module per check, named after its ID without the category prefix (IAC-PARSE-ERROR lives in
`parse_error.py`). Importing this package registers the checks.
"""

from evalkit.checks.iac import (
    hardcoded_values,
    inconsistent_naming,
    missing_dependency,
    parse_error,
    undefined_reference,
)

__all__ = [
    "hardcoded_values",
    "inconsistent_naming",
    "missing_dependency",
    "parse_error",
    "undefined_reference",
]
