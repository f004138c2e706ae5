"""What several testing checks share."""

from __future__ import annotations


def listed(reasons: list[str], limit: int = 5) -> str:
    """The first reasons, and how many more, so a message stays readable."""
    more = f"; and {len(reasons) - limit} more" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more
