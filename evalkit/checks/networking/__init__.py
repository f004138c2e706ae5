"""Networking checks: CIDR overlaps, what sits in public subnets, egress through NAT.

One module per check, named after its ID without the category prefix (NET-CIDR-OVERLAP
lives in `cidr_overlap.py`); helpers that several of them use live in `_common.py`. Importing this
package registers the checks.
"""

from evalkit.checks.networking import (
    cidr_overlap,
    missing_nat,
    subnet_placement,
)

__all__ = [
    "cidr_overlap",
    "missing_nat",
    "subnet_placement",
]
