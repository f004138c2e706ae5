"""Testing checks: does the submission ship tests, and does it state and guard its interface.

One module per check, named after its ID without the category prefix (TST-NO-TESTS
lives in `no_tests.py`); helpers that several of them use live in `_common.py`. Importing this
package registers the checks.
"""

from evalkit.checks.testing import (
    live_only_tests,
    no_output_validation,
    no_tests,
)

__all__ = [
    "live_only_tests",
    "no_output_validation",
    "no_tests",
]
