"""Documentation checks: described variables and outputs, comments or a README.

One module per check, named after its ID without the category prefix (DOC-MISSING-DESCRIPTIONS
lives in `missing_descriptions.py`). Importing this package registers the checks.
"""

from evalkit.checks.documentation import (
    missing_comments,
    missing_descriptions,
)

__all__ = [
    "missing_comments",
    "missing_descriptions",
]
