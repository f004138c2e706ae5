"""SEC-IAM-WILDCARD: IAM policy grants everything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial

from evalkit.aws import aws_of, catalog
from evalkit.aws.iam import IamView
from evalkit.aws.policy import PolicyStatement
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    per_instance,
    where,
)
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel

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
ADMIN_MANAGED_POLICIES = re.compile(r":policy/(AdministratorAccess|IAMFullAccess)$")


@check(
    "SEC-IAM-WILDCARD",
    category="security",
    severity="critical",
    title="IAM policy grants everything",
)
def iam_wildcard(model: TerraformModel) -> list[Finding] | None:
    """An IAM policy allows all actions, all of a service on all resources, or admin access.

    Fails when an `Allow` statement grants `Action = "*"`; `service:*`, a write/admin
    wildcard (`s3:Put*`, `iam:Create*`) or an IAM write action on `Resource = "*"`; a
    privilege escalation action on `Resource = "*"` (list below); `NotAction` on every
    resource; when `NotResource` stands for "every other resource" the same rules apply as for
    `Resource = "*"`. It fails when `AdministratorAccess` or `IAMFullAccess` is attached (an
    attachment resource, the `*_policy_attachments_exclusive` ones included, or a role's
    `managed_policy_arns`), also through an ARN built with
    `${data.aws_partition.current.partition}` or an account id; when a role's trust policy
    allows `Action = "*"` or `"sts:*"`; and when a trust policy lets Principal `*` assume the
    role without a condition. Every policy form counts:
    `aws_iam_policy`, inline role/user/group policies, `jsonencode`, heredoc JSON and
    `data "aws_iam_policy_document"`. A policy document used only as a resource policy
    (bucket, KMS key) or handed to a module is not judged here: broad statements for a named
    principal are normal there. Actions that cannot be known are not a failure.

    A `Condition` that narrows a sensitive action (`iam:AWSServiceName` on
    `iam:CreateServiceLinkedRole`, `iam:PassedToService` on `iam:PassRole`,
    `aws:ResourceTag/...`) makes it no wildcard grant; conditions that only say when a
    request is allowed (`aws:SecureTransport`, `aws:SourceIp`, `aws:RequestedRegion`, MFA,
    time) do not narrow it. `Action = "*"` fails whatever the condition.

    Privilege escalation actions, after Rhino Security Labs, "AWS IAM Privilege Escalation -
    Methods and Mitigation" (2018), as checked by Pacu's iam__privesc_scan: on
    `Resource = "*"` each of iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion,
    iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateLoginProfile,
    iam:AttachUserPolicy, iam:AttachGroupPolicy, iam:AttachRolePolicy, iam:PutUserPolicy,
    iam:PutGroupPolicy, iam:PutRolePolicy, iam:AddUserToGroup, iam:UpdateAssumeRolePolicy,
    iam:PassRole, lambda:UpdateFunctionCode and glue:UpdateDevEndpoint; and iam:PassRole
    together with one that runs code under the passed role: lambda:CreateFunction,
    ec2:RunInstances, cloudformation:CreateStack, glue:CreateDevEndpoint,
    datapipeline:CreatePipeline, ecs:RunTask, codebuild:CreateProject,
    sagemaker:CreateNotebookInstance.

    Why: one compromised workload with such a policy owns the account.

    Fix: list the actions the workload needs and scope `Resource` to the ARNs it touches.

        statement {
          actions   = ["s3:GetObject", "s3:PutObject"]
          resources = ["${aws_s3_bucket.data.arn}/*"]
        }
    """
    iam = aws_of(model).iam
    documents = iam.documents
    attachments = list(model.resources(*catalog.IAM_POLICY_ATTACHMENTS))
    roles = list(model.resources("aws_iam_role"))
    if not (
        documents or attachments or roles or any(model.data_sources("aws_iam_policy_document"))
    ):
        return None
    failing: dict[tuple[Resource, str, int, str], list[str]] = {}
    for document in documents:
        compute = _compute_actions_on_everything(document.statements)
        for statement in document.statements:
            problem = (
                _trust_problem(statement)
                if document.kind == "trust"
                else _identity_problem(statement, compute)
            )
            if problem:
                key = (document.resource, statement.file, statement.line, problem)
                failing.setdefault(key, []).append(document.address)
    findings: list[Finding] = []
    for (resource, file, line, problem), addresses in failing.items():
        for address in instance_addresses(resource, addresses):
            findings.append(
                finding(
                    file, line, address, f"{address}{where(resource)} {problem}", resource.location
                )
            )
    for resource in attachments + roles:
        findings.extend(per_instance(resource, partial(_admin_attachments, iam)))
    return findings


def _on_everything(statement: PolicyStatement) -> bool:
    """Resource "*", or NotResource: everything but a few named resources."""
    if statement.not_resources:
        return True
    return statement.resources is not None and "*" in statement.resources


def _scoped_by_condition(statement: PolicyStatement) -> bool:
    """A condition narrows the grant (a key not in NON_SCOPING_CONDITION_KEYS), or tests keys
    that cannot be known; then a sensitive action in it is not granted on everything."""
    if not statement.has_condition:
        return False
    keys = [key.lower() for key in statement.condition_keys]
    return not keys or any(
        key not in NON_SCOPING_CONDITION_KEYS and not key.startswith("aws:sourceip") for key in keys
    )


def _compute_actions_on_everything(statements: tuple[PolicyStatement, ...]) -> list[str]:
    """Compute-launching actions a document allows on everything, for the PassRole message."""
    return [
        action
        for statement in statements
        if statement.effect == "Allow" and _on_everything(statement)
        for action in statement.actions or ()
        if action.lower() in _PASS_ROLE_COMPUTE
    ]


def _identity_problem(statement: PolicyStatement, compute: list[str]) -> str:
    if statement.effect != "Allow":
        return ""
    actions = statement.actions or ()
    on_everything = _on_everything(statement)
    if "*" in actions:
        return 'allows Action "*"; list only the actions the workload needs.'
    if statement.not_actions and on_everything:
        return (
            "allows NotAction on every resource, which grants nearly everything; list the "
            "allowed actions instead."
        )
    if not on_everything or _scoped_by_condition(statement):
        return ""
    target = "NotResource (every other resource)" if statement.not_resources else 'Resource "*"'
    for action in actions:
        if action.endswith(":*"):
            return (
                f'allows "{action}" on {target}; name the actions and scope Resource to '
                "specific ARNs."
            )
    for action in actions:
        lowered = action.lower()
        if lowered == "iam:passrole" and compute:
            return (
                f'allows "{action}" with "{compute[0]}" on {target}: it can run code as any '
                "role, an administrator's included; scope iam:PassRole to the roles it needs."
            )
        if lowered in _ESCALATION:
            return (
                f'allows "{action}" on {target}, a privilege escalation path; scope '
                "Resource to the specific ARNs the workload needs."
            )
        if _is_write_wildcard(action) or IAM_WRITE.match(action):
            return (
                f'allows "{action}" on {target}; scope Resource to the specific ARNs '
                "the workload needs."
            )
    return ""


def _is_write_wildcard(action: str) -> bool:
    if "*" not in action or ":" not in action:
        return False
    verb = action.split(":", 1)[1]
    return not verb.startswith(READ_ONLY_VERBS)


def _trust_problem(statement: PolicyStatement) -> str:
    if statement.effect != "Allow":
        return ""
    actions = {action.lower() for action in statement.actions or ()}
    if actions & {"*", "sts:*"}:
        wildcard = "*" if "*" in actions else "sts:*"
        return (
            f'trust policy allows Action "{wildcard}"; allow only sts:AssumeRole (or the '
            "one assume action the principal uses)."
        )
    if statement.has_condition:
        return ""
    if statement.principals and any(p in ("*", "AWS:*") for p in statement.principals):
        return (
            'trust policy lets any principal ("*") assume the role; name the service or '
            "account that may assume it, or add a condition."
        )
    return ""


def _admin_attachments(iam: IamView, holder: ResourceInstance) -> Iterator[Problem]:
    attachment = iam.attachment(holder)
    if attachment is None:
        return
    for policy in attachment.policies:
        admin = next((n for n in policy.known_names if ADMIN_MANAGED_POLICIES.search(n)), "")
        if admin:
            yield (
                holder.file,
                attachment.line,
                f"attaches {admin.rsplit('/', 1)[-1]}; attach a policy "
                "with only the permissions the workload needs.",
            )
