"""SEC-IAM-WILDCARD: IAM policy grants everything."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from evalkit.aws import aws_of, catalog, privileges
from evalkit.aws.iam import IamView
from evalkit.aws.policy import PolicyStatement
from evalkit.checks._helpers import Problem, per_instance, shared_problem_findings
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform import Resource, ResourceInstance, TerraformModel


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
    attachments = list(model.resources(*catalog.IAM_POLICY_ATTACHMENTS, "aws_iam_role"))
    if not (iam.documents or attachments or any(model.data_sources("aws_iam_policy_document"))):
        return None
    # Policy documents are judged, not instances: each names the instance that carries it,
    # and a problem is grouped per resource as per_instance groups it.
    failing: dict[tuple[Resource, Problem], list[str]] = {}
    for document in iam.documents:
        compute = document.actions_on_every_resource(privileges.runs_code_as_passed_role)
        for statement in document.statements:
            problem = (
                _trust_problem(statement)
                if document.kind == "trust"
                else _identity_problem(statement, compute)
            )
            if problem:
                key = (document.resource, (statement.file, statement.line, problem))
                failing.setdefault(key, []).append(document.address)
    findings: list[Finding] = []
    for (resource, shared), addresses in failing.items():
        findings.extend(shared_problem_findings(resource, shared, addresses))
    for resource in attachments:
        findings.extend(per_instance(resource, partial(_admin_attachments, iam)))
    return findings


def _identity_problem(statement: PolicyStatement, compute: list[str]) -> str:
    if not statement.allows:
        return ""
    if statement.grants_all_actions:
        return 'allows Action "*"; list only the actions the workload needs.'
    if statement.not_actions and statement.on_every_resource:
        return (
            "allows NotAction on every resource, which grants nearly everything; list the "
            "allowed actions instead."
        )
    if not statement.on_every_resource or statement.scoped_by_condition:
        return ""
    target = "NotResource (every other resource)" if statement.not_resources else 'Resource "*"'
    wildcards = statement.actions_where(privileges.is_service_wildcard)
    if wildcards:
        return (
            f'allows "{wildcards[0]}" on {target}; name the actions and scope Resource to '
            "specific ARNs."
        )
    for action in statement.actions or ():
        if privileges.is_pass_role(action) and compute:
            return (
                f'allows "{action}" with "{compute[0]}" on {target}: it can run code as any '
                "role, an administrator's included; scope iam:PassRole to the roles it needs."
            )
        if privileges.is_escalation(action):
            return (
                f'allows "{action}" on {target}, a privilege escalation path; scope '
                "Resource to the specific ARNs the workload needs."
            )
        if privileges.is_write_wildcard(action) or privileges.is_iam_write(action):
            return (
                f'allows "{action}" on {target}; scope Resource to the specific ARNs '
                "the workload needs."
            )
    return ""


def _trust_problem(statement: PolicyStatement) -> str:
    if not statement.allows:
        return ""
    if statement.wildcard_assume_action:
        return (
            f'trust policy allows Action "{statement.wildcard_assume_action}"; allow only '
            "sts:AssumeRole (or the one assume action the principal uses)."
        )
    if not statement.has_condition and statement.trusts_anyone:
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
        if policy.admin_name:
            yield (
                holder.file,
                attachment.line,
                f"attaches {policy.admin_name}; attach a policy with only the permissions the "
                "workload needs.",
            )
