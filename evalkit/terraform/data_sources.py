"""Data sources whose result is a function of their arguments alone, computed as the
provider would compute it: evaluation can then read through them (`.json` of a policy
document) without a plan.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from evalkit.terraform.values import Unknown, contains_unknown

if TYPE_CHECKING:
    from evalkit.terraform.model import Body


def policy_document_json(instance: Body) -> Any:
    """What `data.aws_iam_policy_document.x.json` renders to, or Unknown if any part is."""
    statements = []
    for block in instance.blocks("statement"):
        statement: dict[str, Any] = {}
        for attribute, key in (
            ("sid", "Sid"),
            ("effect", "Effect"),
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if block.has(attribute):
                statement[key] = block.get(attribute)
        statement.setdefault("Effect", "Allow")
        statements.append(statement)
    document = {"Version": "2012-10-17", "Statement": statements}
    if contains_unknown(document):
        return Unknown((f"{instance.address}.json",), partial=document)
    return json.dumps(document, separators=(",", ":"), sort_keys=True)
