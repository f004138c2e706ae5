"""Security checks: credentials, IAM wildcards, admin ports, encryption at rest."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from lark import Tree

from evalkit.checks._credentials import Credential, find_credentials, line_holds
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    names_a_source,
    per_instance,
    truth,
    where,
)
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, TerraformModel
from evalkit.terraform.parse import Attribute
from evalkit.terraform.policy import PolicyStatement, policy_documents
from evalkit.terraform.values import Unknown, known_suffix

# --- SEC-HARDCODED-CREDENTIALS -----------------------------------------------------------------


@check(
    "SEC-HARDCODED-CREDENTIALS",
    category="security",
    severity="critical",
    title="Credentials written into the code",
)
def hardcoded_credentials(model: TerraformModel) -> list[Finding]:
    """An AWS key, private key, password, token or secret is a literal in the submission.

    Fails on AWS access key ids (AKIA.../ASIA...) or secret access keys anywhere in the files;
    PEM private keys (RSA, EC, OPENSSH, PKCS#8, encrypted) and PuTTY key files anywhere;
    provider `access_key`/`secret_key`/`token`; secret-named attributes and keys
    (`password`, `master_password`, `auth_token`, `client_secret`, `apiKey`, `db_password`,
    `token`, a `passwords` list, and their write-only twins `password_wo`, `secret_string_wo`)
    whose value is written in the code, at
    any depth of a map, object, `jsonencode` or JSON heredoc, directly or through a variable
    default, a `.tfvars` file, a local, a `for_each` collection or a module argument;
    connection strings with a literal password (`postgresql://user:pass@host`); secrets in
    `user_data` scripts or environment maps, also when base64-encoded. The finding points at
    the line where the literal is written.

    A slot that stores any value as a secret (`secret_string`, an SSM `SecureString` value)
    holds a secret when what it is for says so (a parameter `/app/db/password`, a secret
    labelled `api_token`) or when the value has the shape of one; a number, flag, duration,
    ARN, host, URL or word-made identifier kept there (a TTL `"86400"`, a table name) is a
    setting, not a secret.

    Names that only describe a secret (`password_length`, `password_policy`,
    `secret_rotation_schedule_expression`, `secret_arn`) are not secrets, and a value only
    `terraform apply` knows (a reference, also inside a heredoc or JSON template) is not a
    literal, nor is text that names one (`$DB_PASSWORD`, `<password>`, `{{ password }}`).

    Why: a committed credential is leaked to everyone who can read the repository or the
    state, and cannot be rotated without a code change.

    Fix: let AWS manage the secret (`manage_master_user_password = true`), generate it
    (`random_password`), or read it from Secrets Manager / SSM; pass provider credentials
    through the environment or an IAM role, never in the provider block.

        resource "aws_db_instance" "db" {
          manage_master_user_password = true   # not: password = "Sup3rSecret!"
        }
    """
    reported = _reported_credentials(model, find_credentials(model))
    return [
        finding(item.file, item.line, item.owner, item.message, item.region) for item in reported
    ]


def _reported_credentials(
    model: TerraformModel, credentials: tuple[Credential, ...]
) -> list[Credential]:
    """One finding per secret and line, at the place where the secret is written.

    The same secret is met through every path that reads it (a resource attribute, the local
    it names, the variable default behind that); a sighting whose line does not show the
    secret is dropped when another one does.
    """
    shown = [c for c in credentials if _line_shows(model, c)]
    shown_ids = {id(c) for c in shown}
    reported: list[Credential] = []
    seen: set[tuple[str, int]] = set()
    for item in credentials:
        if id(item) not in shown_ids and any(_same_secret(item, other) for other in shown):
            continue
        if (item.file, item.line) not in seen:
            seen.add((item.file, item.line))
            reported.append(item)
    return reported


def _line_shows(model: TerraformModel, item: Credential) -> bool:
    return bool(item.values) and line_holds(model, item.file, item.line, item.values[0])


def _same_secret(item: Credential, other: Credential) -> bool:
    if not item.values or not other.values:
        return False
    # A heredoc's value lost the indentation its text has in the file.
    mine, theirs = ("".join(c.values[0].split()) for c in (item, other))
    return mine in theirs or theirs in mine


# --- SEC-IAM-WILDCARD --------------------------------------------------------------------------

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
POLICY_ATTACHMENTS = (
    "aws_ssoadmin_managed_policy_attachment",
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
)


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
    `Resource = "*"`. It fails when `AdministratorAccess` or `IAMFullAccess` is attached,
    also through an ARN built with `${data.aws_partition.current.partition}` or an account
    id; when a role's trust policy allows `Action = "*"` or `"sts:*"`; and when a trust
    policy lets Principal `*` assume the role without a condition. Every policy form counts:
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
    documents = policy_documents(model)
    attachments = list(model.resources(*POLICY_ATTACHMENTS))
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
        findings.extend(per_instance(resource, _admin_attachments))
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


def _admin_attachments(body: Body) -> Iterator[Problem]:
    for name in ("policy_arn", "managed_policy_arns", "managed_policy_arn"):
        if not body.has(name):
            continue
        value = body.get(name)
        for arn in value if isinstance(value, list) else [value]:
            policy = _admin_policy_named_by(body, arn)
            if policy:
                yield (
                    body.file,
                    body.line_of(name),
                    f"attaches {policy}; attach a policy "
                    "with only the permissions the workload needs.",
                )


def _admin_policy_named_by(body: Body, arn: Any) -> str:
    """The admin policy an ARN names: by its known end whatever its partition or account
    (``arn:${partition}:iam::aws:policy/AdministratorAccess``), or through a
    `data "aws_iam_policy"` looked up by that name or ARN."""
    tail = known_suffix(arn)
    if ADMIN_MANAGED_POLICIES.search(tail):
        return tail.rsplit("/", 1)[-1]
    for lookup in body.context.root.referenced_resources(arn, "aws_iam_policy"):
        if lookup.mode != "data":
            continue
        name = lookup.config.get("name")
        if isinstance(name, str) and ADMIN_MANAGED_POLICIES.search(f":policy/{name}"):
            return name
        looked_up = known_suffix(lookup.config.get("arn"))
        if ADMIN_MANAGED_POLICIES.search(looked_up):
            return looked_up.rsplit("/", 1)[-1]
    return ""


# --- SEC-OPEN-ADMIN-PORTS ----------------------------------------------------------------------

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


@dataclass(frozen=True)
class _Rule:
    file: str
    line: int  # the line that opens the rule to the world (its CIDR), else its own
    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple[Any, ...]
    allow: bool = True
    stateless: bool = False  # network ACL rules: return traffic needs its own allow rule


@check(
    "SEC-OPEN-ADMIN-PORTS",
    category="security",
    severity="critical",
    title="SSH or RDP open to the internet",
)
def open_admin_ports(model: TerraformModel) -> list[Finding] | None:
    """Ingress to port 22 (SSH) or 3389 (RDP) is allowed from 0.0.0.0/0 or ::/0.

    Covers security group `ingress` written as blocks (also `dynamic "ingress"`) or as an
    attribute list (`ingress = [{ ... }]`), `aws_security_group_rule`, the AWS provider v5
    `aws_vpc_security_group_ingress_rule`, and network ACL allow rules (`aws_network_acl`
    blocks or list, `aws_network_acl_rule`, `aws_default_network_acl`), IPv4 and IPv6,
    including port ranges and protocol `-1` (all traffic). CIDRs held in variables and locals
    are resolved; a CIDR that cannot be known (a variable without a value) is not a failure.

    Default network ACLs: evalkit judges the rules the code declares. The default ACL AWS
    creates with every VPC (allow all in and out) is not in the code and is not judged; an
    `aws_default_network_acl` takes that ACL over and leaves it with exactly the rules
    written in it (none written: nothing allowed), so its allow rules are judged like any
    other ACL's.

    Why: admin ports open to the internet are scanned and brute-forced within minutes.

    Fix: allow admin access only from a bastion security group or a known office/VPN range,
    or use SSM Session Manager and open no admin port at all.

        ingress {
          from_port   = 22
          to_port     = 22
          protocol    = "tcp"
          cidr_blocks = [var.admin_cidr]   # e.g. "203.0.113.0/24", never "0.0.0.0/0"
        }
    """
    resources = [
        r
        for r in model.resources(*_INGRESS_READERS)
        if any(_INGRESS_READERS[r.type](i) for i in r.instances)
    ]
    if not resources:
        return None
    findings: list[Finding] = []
    for resource in resources:
        findings.extend(per_instance(resource, _open_ingress(resource.type)))
    return findings


def _open_ingress(resource_type: str) -> Callable[[Body], Iterator[Problem]]:
    def rule(body: Body) -> Iterator[Problem]:
        for ingress in _INGRESS_READERS[resource_type](body):
            port = _exposed_admin_port(ingress)
            if port is None:
                continue
            opening = (
                f"port {port} ({ADMIN_PORTS[port]})" if isinstance(port, int) else ("all traffic")
            )
            yield (
                ingress.file,
                ingress.line,
                f"allows {opening} from the internet; restrict the source to a trusted "
                "CIDR or security group, or use SSM Session Manager.",
            )

    return rule


_SG_CIDRS = ("cidr_blocks", "ipv6_cidr_blocks")
_ACL_CIDRS = ("cidr_block", "ipv6_cidr_block")


def _inline_ingress(body: Body) -> list[_Rule]:
    rules = [_sg_rule(b, "protocol", _SG_CIDRS) for b in body.blocks("ingress")]
    return rules + [
        _listed_rule(body, item, line, "protocol", _SG_CIDRS, "")
        for item, line in _listed_rules(body, "ingress")
    ]


def _sg_rule_resource(body: Body) -> list[_Rule]:
    if body.get("type") != "ingress":
        return []
    return [_sg_rule(body, "protocol", _SG_CIDRS)]


def _vpc_ingress_rule(body: Body) -> list[_Rule]:
    return [_sg_rule(body, "ip_protocol", ("cidr_ipv4", "cidr_ipv6"))]


def _acl_ingress(body: Body) -> list[_Rule]:
    rules = [_acl_rule(b, "action") for b in body.blocks("ingress")]
    return rules + [
        _listed_rule(body, item, line, "protocol", _ACL_CIDRS, "action")
        for item, line in _listed_rules(body, "ingress")
    ]


def _acl_rule_resource(body: Body) -> list[_Rule]:
    if truth(body.get("egress", False)) is not False:
        return []
    return [_acl_rule(body, "rule_action")]


_INGRESS_READERS: dict[str, Callable[[Body], list[_Rule]]] = {
    "aws_security_group": _inline_ingress,
    "aws_default_security_group": _inline_ingress,
    "aws_security_group_rule": _sg_rule_resource,
    "aws_vpc_security_group_ingress_rule": _vpc_ingress_rule,
    "aws_network_acl": _acl_ingress,
    "aws_default_network_acl": _acl_ingress,
    "aws_network_acl_rule": _acl_rule_resource,
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _world_line(body: Body, cidr_names: tuple[str, ...]) -> int:
    for name in cidr_names:
        if body.has(name) and any(_is_world(c) for c in _as_list(body.get(name))):
            return body.line_of(name)
    return body.line


def _sg_rule(body: Body, protocol: str, cidr_names: tuple[str, ...]) -> _Rule:
    cidrs = tuple(c for name in cidr_names for c in _as_list(body.get(name)))
    return _Rule(
        body.file,
        _world_line(body, cidr_names),
        body.get(protocol),
        body.get("from_port"),
        body.get("to_port"),
        cidrs,
    )


def _acl_rule(body: Body, action: str) -> _Rule:
    cidrs = tuple(c for name in _ACL_CIDRS for c in _as_list(body.get(name)))
    return _Rule(
        body.file,
        _world_line(body, _ACL_CIDRS),
        body.get("protocol"),
        body.get("from_port"),
        body.get("to_port"),
        cidrs,
        allow=str(body.get(action, "")).lower() == "allow",
        stateless=True,
    )


def _listed_rules(body: Body, name: str) -> list[tuple[dict[str, Any], int]]:
    """Rules given as an attribute list (`ingress = [{ ... }]`), each with the line its
    object starts on (the attribute's line when the list comes from a variable or local)."""
    value = body.get(name) if body.has(name) else None
    if not isinstance(value, list):
        return []
    attribute = body.attribute(name)
    starts = _element_lines(attribute.expr) if attribute is not None else []
    fallback = body.line_of(name)
    return [
        (item, starts[index] if len(starts) == len(value) else fallback)
        for index, item in enumerate(value)
        if isinstance(item, dict)
    ]


def _element_lines(expr: Any) -> list[int]:
    """The first line of each element of a list literal written in the source."""
    if not isinstance(expr, Tree):
        return []
    for node in expr.iter_subtrees_topdown():
        if node.data == "tuple":
            return [
                child.meta.line
                for child in node.children
                if isinstance(child, Tree) and child.data != "new_line_or_comment"
            ]
        if node.data not in ("expr_term", "expression"):
            return []
    return []


def _listed_rule(
    body: Body,
    item: dict[str, Any],
    line: int,
    protocol: str,
    cidr_names: tuple[str, ...],
    action: str,
) -> _Rule:
    cidrs = tuple(c for name in cidr_names for c in _as_list(item.get(name)))
    world = next((c for c in cidrs if _is_world(c)), None)
    attribute = body.attribute("ingress")
    if world is not None and attribute is not None:
        line = _line_from(body, attribute, line, str(world))
    return _Rule(
        body.file,
        line,
        item.get(protocol),
        item.get("from_port"),
        item.get("to_port"),
        cidrs,
        allow=str(item.get(action, "")).lower() == "allow" if action else True,
        stateless=bool(action),
    )


def _line_from(body: Body, attribute: Attribute, start: int, text: str) -> int:
    """The first line at or after `start` within `attribute` that holds `text` (`start`
    itself when the list was not written there, but came from a variable or local)."""
    lines = body.context.root.files.get(attribute.file, "").split("\n")
    end = getattr(getattr(attribute.expr, "meta", None), "end_line", start)
    for number in range(start, min(end, len(lines)) + 1):
        if text in lines[number - 1]:
            return number
    return start


EPHEMERAL_PORTS_START = 1024


def _exposed_admin_port(rule: _Rule) -> int | str | None:
    """The admin port (or "all") a rule exposes to the internet, or None."""
    if not rule.allow or not any(_is_world(c) for c in rule.cidrs):
        return None
    if isinstance(rule.protocol, Unknown) or rule.protocol is None:
        return None
    protocol = str(rule.protocol).lower()
    if protocol in ("-1", "all"):
        return "all"
    if protocol not in ("tcp", "6", "udp", "17"):
        return None
    low, high = _port(rule.from_port), _port(rule.to_port)
    if low is None and high is None:
        return None
    low = low if low is not None else high
    high = high if high is not None else low
    if rule.stateless and low is not None and low >= EPHEMERAL_PORTS_START and high == 65535:
        # The standard ACL rule admitting return traffic (1024-65535, 32768-65535) is not an
        # opening for RDP: security groups still decide which new connections are accepted.
        return None
    for port in ADMIN_PORTS:
        if port == 22 and protocol in ("udp", "17"):
            continue  # SSH is TCP only; RDP also listens on UDP
        if low is not None and high is not None and low <= port <= high:
            return port
    return None


def _port(value: Any) -> int | None:
    if isinstance(value, bool | Unknown):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_world(cidr: Any) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    return network.prefixlen == 0


# --- SEC-ENCRYPTION-AT-REST --------------------------------------------------------------------

STORAGE_FIX = "set storage_encrypted = true."


@check(
    "SEC-ENCRYPTION-AT-REST",
    category="security",
    severity="critical",
    title="Data store not encrypted at rest",
)
def encryption_at_rest(model: TerraformModel) -> list[Finding] | None:
    """A data store is created without encryption at rest.

    Fails on: RDS instances and clusters without `storage_encrypted = true` (a secondary in a
    global cluster inherits the global cluster's setting); EBS volumes, instance root/EBS
    block devices and launch template/configuration volumes without `encrypted = true`, and
    instances, launch configurations and launch templates that declare no root volume at
    all (its AMI's volume is unencrypted), unless `aws_ebs_encryption_by_default` is enabled
    in that region; EFS file systems and Redshift clusters without `encrypted = true`;
    ElastiCache replication groups without `at_rest_encryption_enabled = true` (Valkey
    encrypts unless told not to; a secondary of a global datastore, with
    `global_replication_group_id`, inherits its primary's setting); Kinesis data streams
    without `encryption_type = "KMS"` (the provider's default is `NONE`); OpenSearch and
    Elasticsearch domains without `encrypt_at_rest { enabled = true }`.
    A flag whose value cannot be known (a variable without a value) is not a failure.
    Read replicas inherit their source's encryption and are not judged; a
    `replicate_source_db` or `replication_source_identifier` set to null or "" names no
    source, so that database is judged as a primary.

    Not judged, because AWS encrypts them whatever the code says: S3 buckets (SSE-S3 is
    applied to every bucket since 2023-01-05 and cannot be turned off) and DynamoDB tables
    (`server_side_encryption { enabled = false }` selects the AWS-owned key). A check that
    cannot fail on them does not apply to them: a submission whose only data stores are
    buckets and tables is n/a here, so adding a bucket never earns a pass.

    Why: unencrypted storage exposes data through snapshots, backups and lost media, and fails
    most compliance regimes.

    Fix: turn encryption on, ideally with a customer-managed KMS key.

        resource "aws_db_instance" "db" {
          storage_encrypted = true
          kms_key_id        = aws_kms_key.db.arn
        }
    """
    stores = list(model.resources(*_ENCRYPTION_RULES))
    if not stores:
        return None
    findings: list[Finding] = []
    context = _EncryptionContext(model, _regions_with_default_ebs_encryption(model))
    for resource in stores:
        findings.extend(
            per_instance(resource, partial(_ENCRYPTION_RULES[resource.type], context, resource))
        )
    return findings


@dataclass(frozen=True)
class _EncryptionContext:
    model: TerraformModel
    default_ebs_regions: set[str]

    def ebs_encrypted_by_default(self, resource: Resource) -> bool:
        return bool(resource.region) and resource.region in self.default_ebs_regions


EncryptionRule = Callable[[_EncryptionContext, Resource, Body], Iterator[Problem]]


def _unless_true(body: Body, attribute: str, what: str, fix: str) -> Iterator[Problem]:
    """A problem when `attribute` is absent or known to be false (unknown is not a failure)."""
    if body.has(attribute) and truth(body.get(attribute)) is not False:
        return
    yield body.file, body.line_of(attribute), f"{what}; {fix}"


def _rds_instance(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    engine = body.get("engine")
    if (
        body.has("cluster_identifier")
        or (isinstance(engine, str) and engine.startswith("aurora"))
        or names_a_source(body, "replicate_source_db")
    ):
        return  # storage belongs to the cluster, or is inherited from the source
    yield from _unless_true(body, "storage_encrypted", "stores data unencrypted", STORAGE_FIX)


def _rds_cluster(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    if body.get("engine_mode") == "serverless" or names_a_source(
        body, "replication_source_identifier"
    ):
        return
    if not body.has("storage_encrypted") and body.has("global_cluster_identifier"):
        globals_ = context.model.referenced_resources(
            body.get("global_cluster_identifier"), "aws_rds_global_cluster"
        )
        if any(truth(g.config.get("storage_encrypted")) for g in globals_):
            return  # a secondary inherits the global cluster's encryption
    yield from _unless_true(body, "storage_encrypted", "stores data unencrypted", STORAGE_FIX)


def _rds_global_cluster(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    if body.has("source_db_cluster_identifier"):
        return  # created from an existing cluster, whose encryption it keeps
    yield from _unless_true(body, "storage_encrypted", "stores data unencrypted", STORAGE_FIX)


def _flag(attribute: str) -> EncryptionRule:
    def rule(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
        yield from _unless_true(
            body, attribute, "stores data unencrypted", f"set {attribute} = true."
        )

    return rule


def _ebs_volume(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    if not context.ebs_encrypted_by_default(resource):
        yield from _unless_true(
            body, "encrypted", "creates an unencrypted EBS volume", "set encrypted = true."
        )


def _instance_volumes(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    if context.ebs_encrypted_by_default(resource):
        return
    roots = body.blocks("root_block_device")
    # An instance launched from a template gets its volumes from the template, judged there.
    from_template = resource.type == "aws_instance" and bool(body.blocks("launch_template"))
    if not roots and not from_template:
        yield (
            body.file,
            body.line,
            "has an unencrypted root volume; add root_block_device { encrypted = true }.",
        )
    for device in roots + body.blocks("ebs_block_device"):
        yield from _unless_true(
            device,
            "encrypted",
            f"has an unencrypted {device.block.type.replace('_', ' ')}",
            "set encrypted = true.",
        )


def _launch_template(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    if context.ebs_encrypted_by_default(resource):
        return
    mappings = body.blocks("block_device_mappings")
    if not mappings:
        # Like an instance without root_block_device: the root volume comes from the AMI
        # unencrypted.
        yield (
            body.file,
            body.line,
            "launches instances with an unencrypted root volume; add block_device_mappings "
            "with ebs { encrypted = true } for the root device.",
        )
    for mapping in mappings:
        for ebs in mapping.blocks("ebs"):
            if ebs.has("snapshot_id") and not ebs.has("encrypted"):
                continue  # a snapshot's volume inherits the snapshot's encryption
            yield from _unless_true(
                ebs,
                "encrypted",
                "launches instances with an unencrypted EBS volume",
                "set encrypted = true in block_device_mappings.ebs.",
            )


def _elasticache_group(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    if body.has("global_replication_group_id"):
        return  # a global datastore's secondary takes its primary's encryption
    if not body.has("at_rest_encryption_enabled") and body.get("engine") == "valkey":
        return  # Valkey groups are encrypted at rest unless the flag turns it off
    yield from _unless_true(
        body,
        "at_rest_encryption_enabled",
        "stores data unencrypted",
        "set at_rest_encryption_enabled = true.",
    )


def _kinesis_stream(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    # Streams are created with encryption_type NONE unless the code asks for KMS.
    kind = body.get("encryption_type") if body.has("encryption_type") else "NONE"
    if isinstance(kind, str) and kind.upper() != "KMS":
        yield (
            body.file,
            body.line_of("encryption_type"),
            'stores records unencrypted; set encryption_type = "KMS" with a kms_key_id '
            '(e.g. "alias/aws/kinesis").',
        )


def _search_domain(
    context: _EncryptionContext, resource: Resource, body: Body
) -> Iterator[Problem]:
    blocks = body.blocks("encrypt_at_rest")
    fix = "add encrypt_at_rest { enabled = true }."
    if not blocks:
        yield body.file, body.line, f"stores indexes unencrypted; {fix}"
    for block in blocks:
        yield from _unless_true(
            block,
            "enabled",
            "stores indexes unencrypted",
            "set encrypt_at_rest { enabled = true }.",
        )


_ENCRYPTION_RULES: dict[str, EncryptionRule] = {
    "aws_db_instance": _rds_instance,
    "aws_rds_cluster": _rds_cluster,
    "aws_rds_global_cluster": _rds_global_cluster,
    "aws_docdb_cluster": _flag("storage_encrypted"),
    "aws_neptune_cluster": _flag("storage_encrypted"),
    "aws_ebs_volume": _ebs_volume,
    "aws_instance": _instance_volumes,
    "aws_launch_configuration": _instance_volumes,
    "aws_launch_template": _launch_template,
    "aws_efs_file_system": _flag("encrypted"),
    "aws_elasticache_replication_group": _elasticache_group,
    "aws_redshift_cluster": _flag("encrypted"),
    "aws_kinesis_stream": _kinesis_stream,
    "aws_opensearch_domain": _search_domain,
    "aws_elasticsearch_domain": _search_domain,
}


def _regions_with_default_ebs_encryption(model: TerraformModel) -> set[str]:
    return {
        r.region
        for r in model.resources("aws_ebs_encryption_by_default")
        if r.region and truth(r.config.get("enabled", True)) is not False
    }
