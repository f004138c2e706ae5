"""Security checks: credentials, IAM wildcards, admin ports, encryption at rest."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from evalkit.checks._helpers import (
    Problem,
    bucket_has_companion,
    instance_addresses,
    literal_origin,
    nested_bodies,
    per_instance,
    resource_finding,
    truth,
    where,
)
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, TerraformModel
from evalkit.terraform.policy import PolicyStatement, policy_documents
from evalkit.terraform.values import Unknown, known_members, known_suffix, known_text

# --- SEC-HARDCODED-CREDENTIALS -----------------------------------------------------------------

ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
SECRET_KEY_ASSIGNMENT = re.compile(
    r"(?i)secret(?:_access)?_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)
SECRET_ATTRIBUTE = re.compile(
    r"^(?:master_|admin_|root_|db_|user_|master_user_)?password$|^auth_token$|^secret_string$"
    r"|^(?:client_|api_)secret$|^api_key$|^private_key$"
)
PROVIDER_SECRET_ATTRIBUTES = ("access_key", "secret_key", "token")
SENSITIVE_NAME = re.compile(
    r"(?i)(?:^|_)pass(?:word|wd)?$|password|secret|token|api_?key"
    r"|access_?key|private_?key|credential"
)
NOT_A_SECRET_SUFFIX = re.compile(
    r"(?i)(_arn|_name|_id|_ids|_length|_path|_prefix|_suffix|_version|_enabled|_type|_days"
    r"|_rotation|_policy|_ttl|_expiry|_duration|_count|_bucket|_region|_kms_key|_parameter"
    r"|_location|_format|_mode|_header|_file|_files|_profile|_url|_endpoint)$"
)
SECRET_FIX = (
    "generate it (random_password), let AWS manage it, or read it from Secrets "
    "Manager instead of writing it in code."
)
PROVIDER_CREDENTIALS_FIX = (
    "remove it and let the provider read credentials from the "
    "environment, a shared profile or an IAM role."
)
ASSIGNED_SECRET = re.compile(
    r"(?i)\b[A-Z_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY)[A-Z_]*\s*[=:]\s*[\"']?"
    r"(?!\$)([^\s\"'$]{4,})"
)


@check(
    "SEC-HARDCODED-CREDENTIALS",
    category="security",
    severity="critical",
    title="Credentials written into the code",
)
def hardcoded_credentials(model: TerraformModel) -> list[Finding]:
    """An AWS key, password, token or secret is a literal in the submission.

    Fails on AWS access key ids (AKIA.../ASIA...) or secret access keys anywhere in the files;
    provider `access_key`/`secret_key`/`token`; `password`, `master_password`, `auth_token`,
    `secret_string` and similar attributes whose value is written in the code (directly, as a
    variable default, in a `.tfvars` file, through a local, or as a module argument);
    sensitive-named variables with a literal default or `.tfvars` value; secrets in
    `user_data` or environment maps. The finding points at the line where the literal is
    written.

    Why: a committed credential is leaked to everyone who can read the repository or the
    state, and cannot be rotated without a code change.

    Fix: let AWS manage the secret (`manage_master_user_password = true`), generate it
    (`random_password`), or read it from Secrets Manager / SSM; pass provider credentials
    through the environment or an IAM role, never in the provider block.

        resource "aws_db_instance" "db" {
          manage_master_user_password = true   # not: password = "Sup3rSecret!"
        }
    """
    findings: list[Finding] = []
    findings.extend(_secret_attributes(model))
    findings.extend(_sensitive_variable_values(model))
    findings.extend(_secret_module_arguments(model))
    findings.extend(_secrets_in_scripts_and_environment(model))
    # Last, so that a key already reported against its resource keeps that owner.
    findings.extend(_keys_in_text(model))
    return _one_per_line(findings)


def _is_sensitive_name(name: str) -> bool:
    return bool(SENSITIVE_NAME.search(name)) and not NOT_A_SECRET_SUFFIX.search(name)


def _is_literal_secret(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not _looks_like_reference(value)


def _looks_like_reference(value: str) -> bool:
    # ARNs, SSM parameter paths and the like name where a secret lives; they are not secrets.
    return value.startswith(("arn:", "/", "alias/", "ssm:", "{{resolve:"))


def _keys_in_text(model: TerraformModel) -> Iterator[Finding]:
    for name in sorted(model.files):
        text = model.files[name]
        for match in ACCESS_KEY_ID.finditer(text):
            model.secrets.add(match.group(0))
            yield _key_finding(model, name, _line_at(text, match.start()), "an AWS access key id")
        for match in SECRET_KEY_ASSIGNMENT.finditer(text):
            model.secrets.add(match.group(1))
            yield _key_finding(
                model, name, _line_at(text, match.start()), "an AWS secret access key"
            )


def _key_finding(model: TerraformModel, file: str, line: int, what: str) -> Finding:
    owner = model.resource_at(file, line)
    where_text = owner.address if owner is not None else file
    return finding(
        file,
        line,
        owner.address if owner is not None else "",
        f"{where_text} contains {what}; remove it and use an IAM role or "
        "environment credentials instead.",
        owner.location if owner else "",
    )


def _secret_attributes(model: TerraformModel) -> Iterator[Finding]:
    for module in model.modules:
        for key, block in module.providers.items():
            address = module.qualified(f"provider.{key}")
            body = Body(block, module, {}, address)
            region = body.get("region")
            for name in PROVIDER_SECRET_ATTRIBUTES:
                yield from _literal_secret(
                    model,
                    body,
                    name,
                    address,
                    region if isinstance(region, str) else "",
                    PROVIDER_CREDENTIALS_FIX,
                )
    for resource in model.resources():
        for body in nested_bodies(resource.config):
            for name in body.block.attributes:
                if SECRET_ATTRIBUTE.match(name):
                    yield from _literal_secret(
                        model, body, name, resource.address, resource.location
                    )


def _literal_secret(
    model: TerraformModel, body: Body, name: str, owner: str, region: str, fix: str = SECRET_FIX
) -> Iterator[Finding]:
    value = body.get(name)
    if isinstance(value, Unknown):
        yield from _literal_secret_members(model, body, name, owner, region, fix)
        return
    if not _is_literal_secret(value):
        return
    model.secrets.add(value)
    file, line = literal_origin(body, name, value)
    yield finding(file, line, owner, f"{owner} sets {name} to a literal value; {fix}", region)


def _literal_secret_members(
    model: TerraformModel, body: Body, name: str, owner: str, region: str, fix: str
) -> Iterator[Finding]:
    """Literal secrets beside computed members of an encoded object: in
    ``jsonencode({password = random_password.db.result, api_key = "k"})`` the key is
    still written in the code."""
    members = known_members(body.get(name))
    if not isinstance(members, dict):
        return
    for key, member in sorted(members.items()):
        if _is_sensitive_name(key) and _is_literal_secret(member):
            model.secrets.add(member)
            file, line = literal_origin(body, name, member)
            yield finding(
                file, line, owner, f"{owner} writes a literal {key} into {name}; {fix}", region
            )


def _sensitive_variable_values(model: TerraformModel) -> Iterator[Finding]:
    """Literal defaults of sensitive-named variables, and their values in any .tfvars file.

    Every literal counts, not only the one Terraform would pick: an overridden default or a
    `-var-file` that is not auto-loaded is still a secret committed with the code.
    """
    sources = [
        (module, name, block.attributes.get("default"))
        for module in model.modules
        for name, block in module.variables.items()
    ]
    sources.extend((None, attribute.name, attribute) for attribute in model.tfvars_attributes())
    for module, name, source in sources:
        if source is None or not _is_sensitive_name(name):
            continue
        value = (
            module.evaluate(source.expr, {})
            if module is not None
            else model.evaluate_constant(source.expr)
        )
        address = module.qualified(f"var.{name}") if module is not None else f"var.{name}"
        # A map of secrets (one per region or environment) holds several literals.
        secrets = list(value.values()) if isinstance(value, dict) else [value]
        for secret in dict.fromkeys(s for s in secrets if isinstance(s, str)):
            if _is_literal_secret(secret):
                model.secrets.add(secret)
                yield finding(
                    source.file,
                    model.line_containing(source, secret),
                    address,
                    f"variable {name} has a literal secret value; leave it without "
                    "a default and pass it at run time, or use Secrets Manager.",
                )


def _secret_module_arguments(model: TerraformModel) -> Iterator[Finding]:
    """Secrets passed as literals to a module, including registry modules evalkit cannot see."""
    for module in model.modules:
        for call in module.module_calls.values():
            address = module.qualified(f"module.{call.name}")
            body = Body(call.block, module, {}, address)
            for name in call.block.attributes:
                if SECRET_ATTRIBUTE.match(name) or _is_sensitive_name(name):
                    yield from _literal_secret(model, body, name, address, "")


def _secrets_in_scripts_and_environment(model: TerraformModel) -> Iterator[Finding]:
    for resource in model.resources():
        config = resource.config
        for name in ("user_data", "user_data_base64"):
            if config.has(name):
                match = ASSIGNED_SECRET.search(known_text(config.get(name)))
                if match:
                    model.secrets.add(match.group(1))
                    yield resource_finding(
                        resource,
                        f"{resource.address} writes a secret into {name}; fetch it at "
                        "boot from Secrets Manager or SSM instead.",
                        line=config.line_of_text(name, match.group(1)),
                    )
        for environment in config.blocks("environment"):
            yield from _secret_environment(model, resource, environment, "variables")
        if config.has("container_definitions"):
            yield from _secret_container_environment(model, resource, config)


def _secret_environment(
    model: TerraformModel, resource: Resource, body: Body, name: str
) -> Iterator[Finding]:
    variables = body.get(name)
    if not isinstance(variables, dict):
        return
    for key, value in sorted(variables.items()):
        if _is_sensitive_name(key) and _is_literal_secret(value):
            model.secrets.add(value)
            yield resource_finding(
                resource,
                f"{resource.address} puts a literal {key} in its environment; "
                "reference a secret (Secrets Manager, SSM) instead.",
                line=body.line_of_text(name, value),
            )


def _secret_container_environment(
    model: TerraformModel, resource: Resource, config: Body
) -> Iterator[Finding]:
    value = config.get("container_definitions")
    if isinstance(value, Unknown):
        value = value.partial
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return
    containers = value if isinstance(value, list) else []
    for container in containers:
        environment = container.get("environment") if isinstance(container, dict) else None
        for entry in environment if isinstance(environment, list) else []:
            if not isinstance(entry, dict):
                continue
            key, secret = entry.get("name"), entry.get("value")
            if isinstance(key, str) and _is_sensitive_name(key) and _is_literal_secret(secret):
                model.secrets.add(secret)
                yield resource_finding(
                    resource,
                    f"{resource.address} passes a literal {key} to a container; use "
                    "the container definition's secrets with a Secrets Manager ARN.",
                    line=config.line_of_text("container_definitions", secret),
                )


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _one_per_line(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, int]] = set()
    unique = []
    for item in findings:
        if (item.file, item.line) not in seen:
            seen.add((item.file, item.line))
            unique.append(item)
    return unique


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
PRIVILEGE_ESCALATION = re.compile(
    r"^iam:(PassRole|Create\w*|Attach\w*|Put\w*|Update\w*|Add\w*|Set\w*|Delete\w*)$"
    r"|^sts:AssumeRole\*?$",
    re.IGNORECASE,
)
ADMIN_MANAGED_POLICIES = re.compile(r":policy/(AdministratorAccess|IAMFullAccess)$")
POLICY_ATTACHMENTS = (
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

    Fails when an `Allow` statement grants `Action = "*"`, `service:*` on `Resource = "*"`, a
    write/admin wildcard (`s3:Put*`, `iam:Create*`, `iam:PassRole`) on `Resource = "*"`, or
    `NotAction` on everything; when `AdministratorAccess` is attached; and when a role's trust
    policy lets Principal `*` assume it without a condition. Every policy form counts:
    `aws_iam_policy`, inline role/user/group policies, `jsonencode`, heredoc JSON and
    `data "aws_iam_policy_document"`. A policy document used only as a resource policy
    (bucket, KMS key) or handed to a module is not judged here: broad statements for a named
    principal are normal there. Actions that cannot be known are not a failure.

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
        for statement in document.statements:
            problem = (
                _trust_problem(statement)
                if document.kind == "trust"
                else _identity_problem(statement)
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


def _identity_problem(statement: PolicyStatement) -> str:
    if statement.effect != "Allow":
        return ""
    actions = statement.actions or ()
    on_everything = statement.resources is not None and "*" in statement.resources
    if "*" in actions:
        return 'allows Action "*"; list only the actions the workload needs.'
    if statement.not_actions and on_everything:
        return (
            'allows NotAction on Resource "*", which grants nearly everything; list the '
            "allowed actions instead."
        )
    if not on_everything:
        return ""
    for action in actions:
        if action.endswith(":*"):
            return (
                f'allows "{action}" on Resource "*"; name the actions and scope Resource to '
                "specific ARNs."
            )
    for action in actions:
        if _is_write_wildcard(action) or PRIVILEGE_ESCALATION.match(action):
            return (
                f'allows "{action}" on Resource "*"; scope Resource to the specific ARNs '
                "the workload needs."
            )
    return ""


def _is_write_wildcard(action: str) -> bool:
    if "*" not in action or ":" not in action:
        return False
    verb = action.split(":", 1)[1]
    return not verb.startswith(READ_ONLY_VERBS)


def _trust_problem(statement: PolicyStatement) -> str:
    if statement.effect != "Allow" or statement.has_condition:
        return ""
    if statement.principals and any(p in ("*", "AWS:*") for p in statement.principals):
        return (
            'trust policy lets any principal ("*") assume the role; name the service or '
            "account that may assume it, or add a condition."
        )
    return ""


def _admin_attachments(body: Body) -> Iterator[Problem]:
    for name in ("policy_arn", "managed_policy_arns"):
        if not body.has(name):
            continue
        value = body.get(name)
        for arn in value if isinstance(value, list) else [value]:
            # The known end of an ARN names the policy whatever its partition or account.
            tail = known_suffix(arn)
            if ADMIN_MANAGED_POLICIES.search(tail):
                policy = tail.rsplit("/", 1)[-1]
                yield (
                    body.file,
                    body.line_of(name),
                    f"attaches {policy}; attach a policy "
                    "with only the permissions the workload needs.",
                )


# --- SEC-OPEN-ADMIN-PORTS ----------------------------------------------------------------------

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


@dataclass(frozen=True)
class _Rule:
    body: Body
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

    Covers inline `ingress` blocks (and `dynamic "ingress"`), `aws_security_group_rule`,
    `aws_vpc_security_group_ingress_rule` and network ACL allow rules, including port ranges
    and protocol `-1` (all traffic). CIDRs held in variables and locals are resolved; a CIDR
    that cannot be known (a variable without a value) is not a failure.

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
                ingress.body.file,
                ingress.body.line_of(_cidr_attribute(ingress.body)),
                f"allows {opening} from the internet; restrict the source to a trusted "
                "CIDR or security group, or use SSM Session Manager.",
            )

    return rule


def _cidr_attribute(body: Body) -> str:
    for name in (
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "cidr_ipv4",
        "cidr_ipv6",
        "cidr_block",
        "ipv6_cidr_block",
    ):
        if body.has(name) and any(_is_world(c) for c in _as_list(body.get(name))):
            return name
    return ""


def _inline_ingress(body: Body) -> list[_Rule]:
    return [
        _sg_rule(b, "protocol", ("cidr_blocks", "ipv6_cidr_blocks")) for b in body.blocks("ingress")
    ]


def _sg_rule_resource(body: Body) -> list[_Rule]:
    if body.get("type") != "ingress":
        return []
    return [_sg_rule(body, "protocol", ("cidr_blocks", "ipv6_cidr_blocks"))]


def _vpc_ingress_rule(body: Body) -> list[_Rule]:
    return [_sg_rule(body, "ip_protocol", ("cidr_ipv4", "cidr_ipv6"))]


def _acl_ingress(body: Body) -> list[_Rule]:
    return [_acl_rule(b, "action") for b in body.blocks("ingress")]


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


def _sg_rule(body: Body, protocol: str, cidr_names: tuple[str, ...]) -> _Rule:
    cidrs = tuple(c for name in cidr_names for c in _as_list(body.get(name)))
    return _Rule(body, body.get(protocol), body.get("from_port"), body.get("to_port"), cidrs)


def _acl_rule(body: Body, action: str) -> _Rule:
    cidrs = tuple(c for name in ("cidr_block", "ipv6_cidr_block") for c in _as_list(body.get(name)))
    return _Rule(
        body,
        body.get("protocol"),
        body.get("from_port"),
        body.get("to_port"),
        cidrs,
        allow=str(body.get(action, "")).lower() == "allow",
        stateless=True,
    )


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

S3_SSE_CONFIGURATION = "aws_s3_bucket_server_side_encryption_configuration"
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
    global cluster inherits the global cluster's setting); S3 buckets with neither an inline
    `server_side_encryption_configuration` nor an
    `aws_s3_bucket_server_side_encryption_configuration` that refers to them; EBS volumes,
    instance root/EBS block devices and launch template/configuration volumes without
    `encrypted = true` (unless `aws_ebs_encryption_by_default` is enabled in that region); EFS
    file systems and Redshift clusters without `encrypted = true`; ElastiCache replication groups
    without `at_rest_encryption_enabled = true`; DynamoDB tables with SSE explicitly disabled.
    A flag whose value cannot be known (a variable without a value) is not a failure.

    Why: unencrypted storage exposes data through snapshots, backups and lost media, and fails
    most compliance regimes.

    Fix: turn encryption on, ideally with a customer-managed KMS key.

        resource "aws_db_instance" "db" {
          storage_encrypted = true
          kms_key_id        = aws_kms_key.db.arn
        }
    """
    stores = list(model.resources(*_ENCRYPTION_RULES, "aws_s3_bucket"))
    if not stores:
        return None
    findings: list[Finding] = []
    context = _EncryptionContext(model, _regions_with_default_ebs_encryption(model))
    for resource in stores:
        if resource.type == "aws_s3_bucket":
            findings.extend(_unencrypted_bucket(model, resource))
        else:
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
        or body.has("replicate_source_db")
    ):
        return  # storage belongs to the cluster, or is inherited from the source
    yield from _unless_true(body, "storage_encrypted", "stores data unencrypted", STORAGE_FIX)


def _rds_cluster(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    if body.get("engine_mode") == "serverless" or body.has("replication_source_identifier"):
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
    if resource.type == "aws_instance" and not roots:
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
    for mapping in body.blocks("block_device_mappings"):
        for ebs in mapping.blocks("ebs"):
            if ebs.has("snapshot_id") and not ebs.has("encrypted"):
                continue  # a snapshot's volume inherits the snapshot's encryption
            yield from _unless_true(
                ebs,
                "encrypted",
                "launches instances with an unencrypted EBS volume",
                "set encrypted = true in block_device_mappings.ebs.",
            )


def _dynamodb(context: _EncryptionContext, resource: Resource, body: Body) -> Iterator[Problem]:
    # Without the block DynamoDB encrypts with an AWS owned key; only an explicit off fails.
    for sse in body.blocks("server_side_encryption"):
        if sse.has("enabled") and truth(sse.get("enabled")) is False:
            yield (
                sse.file,
                sse.line_of("enabled"),
                "disables server-side encryption; set server_side_encryption { enabled = true }.",
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
    "aws_elasticache_replication_group": _flag("at_rest_encryption_enabled"),
    "aws_redshift_cluster": _flag("encrypted"),
    "aws_dynamodb_table": _dynamodb,
}


def _regions_with_default_ebs_encryption(model: TerraformModel) -> set[str]:
    return {
        r.region
        for r in model.resources("aws_ebs_encryption_by_default")
        if r.region and truth(r.config.get("enabled", True)) is not False
    }


def _unencrypted_bucket(model: TerraformModel, bucket: Resource) -> Iterator[Finding]:
    if bucket.config.blocks("server_side_encryption_configuration"):
        return
    if bucket_has_companion(model, bucket, S3_SSE_CONFIGURATION):
        return
    yield resource_finding(
        bucket,
        f"{bucket.address}{where(bucket)} has no server-side encryption; add an "
        f"{S3_SSE_CONFIGURATION} (SSE-KMS or AES256) for it.",
    )
