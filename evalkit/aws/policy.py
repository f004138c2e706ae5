"""IAM policy documents in every form Terraform writes them, folded into one shape.

A policy can be a `jsonencode({...})` call, heredoc or quoted JSON, a
`data.aws_iam_policy_document` with `statement` blocks, or a reference to any of those
through locals. Checks see `PolicyStatement`s with lists of actions, resources and principals
(None where the list cannot be known).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.aws.privileges import narrows_grant
from evalkit.terraform.evaluator import UNKNOWN_PLACEHOLDER
from evalkit.terraform.syntax import key_lines
from evalkit.terraform.values import Unknown, contains_unknown

if TYPE_CHECKING:
    from evalkit.terraform.model import Body, Resource, TerraformModel

__all__ = [
    "PolicyDocument",
    "PolicyStatement",
    "policy_document_json",
    "policy_documents",
    "statements_from_document",
    "statements_from_json",
]


@dataclass(frozen=True)
class PolicyStatement:
    effect: str  # "Allow", "Deny", or "" when unknown
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: tuple[str, ...] | None  # "*", "AWS:*", "Service:ec2.amazonaws.com", ...
    has_condition: bool
    file: str
    line: int
    # The condition keys the statement tests (`iam:AWSServiceName`, `aws:SourceIp`), in the
    # order written; empty when there is no condition or its keys cannot be known.
    condition_keys: tuple[str, ...] = ()

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def grants_all_actions(self) -> bool:
        """``Action = "*"``."""
        return "*" in (self.actions or ())

    @property
    def on_every_resource(self) -> bool:
        """``Resource = "*"``, or NotResource: everything but a few named resources."""
        if self.not_resources:
            return True
        return self.resources is not None and "*" in self.resources

    @property
    def scoped_by_condition(self) -> bool:
        """A condition narrows the grant (`privileges.narrows_grant`): then a sensitive action
        in it is not granted on everything."""
        return self.has_condition and narrows_grant(self.condition_keys)

    @property
    def wildcard_assume_action(self) -> str:
        """``*`` or ``sts:*`` when the statement allows every (assume) action; "" otherwise."""
        actions = {action.lower() for action in self.actions or ()}
        if "*" in actions:
            return "*"
        return "sts:*" if "sts:*" in actions else ""

    @property
    def trusts_anyone(self) -> bool:
        """Principal ``*`` (or ``AWS = "*"``)."""
        return bool(self.principals) and any(p in ("*", "AWS:*") for p in self.principals or ())

    def actions_where(self, predicate: Callable[[str], bool]) -> list[str]:
        """The known actions that satisfy `predicate` (`privileges.is_escalation`, ...)."""
        return [action for action in self.actions or () if predicate(action)]


@dataclass(frozen=True)
class PolicyDocument:
    """A policy attached somewhere: `kind` is "identity" or "trust".

    `address` is the instance that carries it (``aws_iam_policy.this["admin"]``), which is
    the resource's own address when it has no `count`/`for_each`.
    """

    resource: Resource
    attribute: str
    kind: str
    statements: tuple[PolicyStatement, ...]
    address: str = ""

    def actions_on_every_resource(self, predicate: Callable[[str], bool]) -> list[str]:
        """The actions satisfying `predicate` that some statement allows on every resource."""
        return [
            action
            for statement in self.statements
            if statement.allows and statement.on_every_resource
            for action in statement.actions_where(predicate)
        ]


# Attributes holding identity policies (what a principal may do) and trust policies.
IDENTITY_POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_iam_policy": ("policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_ssoadmin_permission_set_inline_policy": ("inline_policy",),
}
TRUST_POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {"aws_iam_role": ("assume_role_policy",)}


def policy_documents(model: TerraformModel) -> list[PolicyDocument]:
    """Every identity and trust policy in the submission, with its statements.

    Policies are read per instance, so a `for_each` over policy variants is judged variant
    by variant.
    """
    documents: list[PolicyDocument] = []
    referenced_documents: set[str] = set()
    for table, kind in (
        (IDENTITY_POLICY_ATTRIBUTES, "identity"),
        (TRUST_POLICY_ATTRIBUTES, "trust"),
    ):
        for resource in model.resources(*table):
            for instance in resource.instances:
                for attribute in table[resource.type]:
                    found = _statements_of_attribute(
                        model, instance, attribute, referenced_documents
                    )
                    if found is not None:
                        documents.append(
                            PolicyDocument(resource, attribute, kind, found, instance.address)
                        )
    for resource in model.resources("aws_iam_role"):
        for instance in resource.instances:
            for inline in instance.blocks("inline_policy"):
                found = _statements_of_attribute(model, inline, "policy", referenced_documents)
                if found is not None:
                    documents.append(
                        PolicyDocument(
                            resource, "inline_policy", "identity", found, instance.address
                        )
                    )
    for document in model.data_sources("aws_iam_policy_document"):
        if document.address in referenced_documents or _used_elsewhere(model, document):
            continue
        documents.append(
            PolicyDocument(
                document,
                "statement",
                "identity",
                tuple(statements_from_document(document.config)),
                document.address,
            )
        )
    return documents


def _statements_of_attribute(
    model: TerraformModel, body: Body, attribute: str, referenced: set[str]
) -> tuple[PolicyStatement, ...] | None:
    if not body.has(attribute):
        return None
    value = body.get(attribute)
    documents = [
        r for r in model.referenced_resources(value, "aws_iam_policy_document") if r.mode == "data"
    ]
    for address in model.addresses_referenced_by(
        body.block.attributes[attribute].expr, body.context
    ):
        found = model.find_resource(address, body.context)
        if (
            found is not None
            and found.type == "aws_iam_policy_document"
            and (found not in documents)
        ):
            documents.append(found)
    if documents:
        statements: list[PolicyStatement] = []
        for document in documents:
            referenced.add(document.address)
            statements.extend(statements_from_document(document.config))
        return tuple(statements)
    parsed = _policy_object(value)
    if parsed is None:
        return ()
    file, line, action_lines = key_lines(body, attribute, ("Action", "NotAction"))
    return tuple(statements_from_json(parsed, file, line, action_lines))


def _policy_object(value: Any) -> dict[str, Any] | None:
    """The policy as a dict (leaves may be Unknown), from a JSON string or jsonencode."""
    if isinstance(value, Unknown):
        if isinstance(value.partial, dict):
            return value.partial
        if isinstance(value.partial, str):
            return _loads_with_placeholders(value.partial)
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return _loads_with_placeholders(value)
    return None


def _loads_with_placeholders(text: str) -> dict[str, Any] | None:
    # Unknown parts rendered as ${?} sit inside JSON strings, where they stay harmless text;
    # a bare placeholder (a number or list spliced in) is replaced by a string to keep the
    # JSON valid.
    cleaned = re.sub(r'(?<!")\$\{\?\}(?!")', '"${?}"', text.strip())
    try:
        loaded = json.loads(cleaned)
    except (json.JSONDecodeError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None


def statements_from_json(
    policy: dict[str, Any], file: str, line: int, action_lines: list[int] | None = None
) -> list[PolicyStatement]:
    raw = policy.get("Statement", [])
    raw_statements = raw if isinstance(raw, list) else [raw]
    statements = []
    for index, item in enumerate(raw_statements):
        if not isinstance(item, dict):
            continue
        statement_line = action_lines[index] if action_lines and index < len(action_lines) else line
        effect = item.get("Effect")
        statements.append(
            PolicyStatement(
                effect=effect if isinstance(effect, str) else "",
                actions=_strings(item.get("Action")) if "Action" in item else (),
                not_actions=_strings(item.get("NotAction")) if "NotAction" in item else (),
                resources=_strings(item.get("Resource")) if "Resource" in item else (),
                not_resources=_strings(item.get("NotResource")) if "NotResource" in item else (),
                principals=_json_principals(item.get("Principal")) if "Principal" in item else (),
                has_condition=bool(item.get("Condition")),
                file=file,
                line=statement_line,
                condition_keys=_json_condition_keys(item.get("Condition")),
            )
        )
    return statements


def statements_from_document(body: Body) -> list[PolicyStatement]:
    """Statements of a `data "aws_iam_policy_document"` (its `statement` blocks)."""
    statements = []
    for block in body.blocks("statement"):
        effect = block.get("effect", "Allow")
        principals: list[str] = []
        principals_known = True
        for principal in block.blocks("principals"):
            principal_type = principal.get("type")
            identifiers = _strings(principal.get("identifiers"))
            if not isinstance(principal_type, str) or identifiers is None:
                principals_known = False
                continue
            principals.extend(
                "*" if principal_type == "*" else f"{principal_type}:{identifier}"
                for identifier in identifiers
            )
        statements.append(
            PolicyStatement(
                effect=effect if isinstance(effect, str) else "",
                actions=_strings(block.get("actions", [])),
                not_actions=_strings(block.get("not_actions", [])),
                resources=_strings(block.get("resources", [])),
                not_resources=_strings(block.get("not_resources", [])),
                principals=tuple(principals) if principals_known else None,
                has_condition=bool(block.blocks("condition")),
                file=block.file,
                line=block.line_of(_first_present(block, ("actions", "not_actions"))),
                condition_keys=tuple(
                    variable
                    for condition in block.blocks("condition")
                    if isinstance(variable := condition.get("variable"), str)
                ),
            )
        )
    return statements


def _first_present(body: Body, names: tuple[str, ...]) -> str:
    """The first of `names` set on `body`; "" (the block's own line) when none is."""
    return next((name for name in names if body.has(name)), "")


def _strings(value: Any) -> tuple[str, ...] | None:
    """A policy element as a tuple of strings; None when any part is unknown."""
    if value is None:
        return ()
    if isinstance(value, str):
        return None if value == UNKNOWN_PLACEHOLDER else (value,)
    if isinstance(value, list):
        if any(not isinstance(v, str) for v in value):
            return None
        return tuple(value)
    return None


def _json_condition_keys(value: Any) -> tuple[str, ...]:
    """The keys a JSON `Condition` tests: ``{"StringEquals": {"iam:AWSServiceName": ...}}``."""
    if not isinstance(value, dict):
        return ()
    return tuple(
        str(key)
        for tests in value.values()
        if isinstance(tests, dict)
        for key in tests
        if isinstance(key, str)
    )


def _json_principals(value: Any) -> tuple[str, ...] | None:
    if value == "*":
        return ("*",)
    if not isinstance(value, dict):
        return None
    principals: list[str] = []
    for principal_type, identifiers in sorted(value.items()):
        strings = _strings(identifiers)
        if strings is None:
            continue
        principals.extend(f"{principal_type}:{identifier}" for identifier in strings)
    return tuple(principals)


def _used_elsewhere(model: TerraformModel, document: Resource) -> bool:
    """True when a document is referenced by something that is not an IAM policy.

    Identity and trust policies that use a document were recorded already, so any other
    user is a resource policy (bucket, KMS key, topic), where broad statements are normal,
    or a module call, which decides itself what the document is for.
    """
    return bool(model.referrers(document.address)) or bool(
        model.module_calls_referencing(document.address)
    )


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
