"""What IAM actions, condition keys and managed policies give: which actions are wildcards
that write, which let a principal widen its own permissions, which run code as a role they
are passed, which conditions narrow a grant, which managed policies are administrator access.

`evalkit.aws.policy` asks these of its statements (`PolicyStatement.on_every_resource`,
`scoped_by_condition`, ...); `evalkit.aws.iam` of managed policies (`ManagedPolicy.admin_name`).
Action names compare case-insensitively, as IAM does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

READ_ONLY_VERBS = (
    "Get",
    "List",
    "Describe",
    "Read",
    "View",
    "BatchGet",
    "Search",
    "Query",
    "Scan",
    "Lookup",
    "Select",
    "Head",
    "Check",
    "Filter",
    "Validate",
    "Retrieve",
)
# IAM write actions that change who may do what; on Resource "*" they let a principal widen
# its own permissions.
IAM_WRITE = re.compile(
    r"^iam:(PassRole|Create\w*|Attach\w*|Put\w*|Update\w*|Add\w*|Set\w*|Delete\w*)$"
    r"|^sts:AssumeRole\*?$",
    re.IGNORECASE,
)
# Privilege escalation paths, after Rhino Security Labs, "AWS IAM Privilege Escalation -
# Methods and Mitigation" (2018), the list scanners such as Pacu's iam__privesc_scan and
# PMapper check. Each action alone on Resource "*" escalates.
PRIVILEGE_ESCALATION_ACTIONS = (
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
    "lambda:UpdateFunctionCode",
    "glue:UpdateDevEndpoint",
)
# Actions that run code under a role they are given: with iam:PassRole on Resource "*" they
# run it as any role in the account, the administrator's included.
PASS_ROLE_COMPUTE_ACTIONS = (
    "lambda:CreateFunction",
    "ec2:RunInstances",
    "cloudformation:CreateStack",
    "glue:CreateDevEndpoint",
    "datapipeline:CreatePipeline",
    "ecs:RunTask",
    "codebuild:CreateProject",
    "sagemaker:CreateNotebookInstance",
)
_ESCALATION = frozenset(a.lower() for a in PRIVILEGE_ESCALATION_ACTIONS)
_PASS_ROLE_COMPUTE = frozenset(a.lower() for a in PASS_ROLE_COMPUTE_ACTIONS)
# Condition keys that limit when a statement applies but not what it applies to: a sensitive
# action under them is still granted on everything. Any other key (iam:AWSServiceName,
# iam:PassedToService, aws:ResourceTag/..., iam:PolicyARN) narrows the grant.
NON_SCOPING_CONDITION_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SecureTransport",
        "aws:MultiFactorAuthPresent",
        "aws:MultiFactorAuthAge",
        "aws:RequestedRegion",
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:UserAgent",
        "aws:Referer",
        "aws:ViaAWSService",
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:PrincipalType",
        "aws:TokenIssueTime",
    )
)
# AWS managed policies that give administrator access, by the end of their ARN.
ADMIN_MANAGED_POLICIES = re.compile(r":policy/(AdministratorAccess|IAMFullAccess)$")


def is_service_wildcard(action: str) -> bool:
    """Every action of one service: ``s3:*``."""
    return action.endswith(":*")


def is_pass_role(action: str) -> bool:
    return action.lower() == "iam:passrole"


def is_escalation(action: str) -> bool:
    """One of the `PRIVILEGE_ESCALATION_ACTIONS`."""
    return action.lower() in _ESCALATION


def runs_code_as_passed_role(action: str) -> bool:
    """One of the `PASS_ROLE_COMPUTE_ACTIONS`."""
    return action.lower() in _PASS_ROLE_COMPUTE


def is_write_wildcard(action: str) -> bool:
    """A wildcard over actions that are not all reads (``s3:Put*``, ``ec2:*Instance*``)."""
    if "*" not in action or ":" not in action:
        return False
    verb = action.split(":", 1)[1]
    return not verb.startswith(READ_ONLY_VERBS)


def is_iam_write(action: str) -> bool:
    """An IAM write action (`IAM_WRITE`), which changes who may do what."""
    return bool(IAM_WRITE.match(action))


def narrows_grant(condition_keys: Iterable[str]) -> bool:
    """Some of the keys a condition tests narrows what it grants (a key that is not in
    `NON_SCOPING_CONDITION_KEYS`); no known key at all counts as narrowing, since the keys
    tested cannot be known."""
    keys = [key.lower() for key in condition_keys]
    return not keys or any(
        key not in NON_SCOPING_CONDITION_KEYS and not key.startswith("aws:sourceip") for key in keys
    )


def admin_policy_name(arn_ends: Iterable[str]) -> str:
    """The administrator access policy (``AdministratorAccess``, ``IAMFullAccess``) the known
    ends of a managed policy's ARN name; "" for none."""
    admin = next((end for end in arn_ends if ADMIN_MANAGED_POLICIES.search(end)), "")
    return admin.rsplit("/", 1)[-1]
