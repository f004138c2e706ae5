"""Security checks: credentials, IAM wildcards, admin ports, encryption at rest."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any

from evalkit.checks._helpers import literal_origin, resource_finding, truth, where
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, TerraformModel
from evalkit.terraform.policy import PolicyDocument, PolicyStatement, policy_documents
from evalkit.terraform.values import Unknown

# --- SEC-HARDCODED-CREDENTIALS -----------------------------------------------------------------

ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
SECRET_KEY_ASSIGNMENT = re.compile(
    r"(?i)secret(?:_access)?_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])")
SECRET_ATTRIBUTE = re.compile(
    r"^(?:master_|admin_|root_|db_|user_|master_user_)?password$|^auth_token$|^secret_string$"
    r"|^(?:client_|api_)secret$|^api_key$|^private_key$")
PROVIDER_SECRET_ATTRIBUTES = ("access_key", "secret_key", "token")
SENSITIVE_NAME = re.compile(r"(?i)pass(?:word|wd)?$|password|secret|token|api_?key|access_?key"
                            r"|private_?key|credential")
NOT_A_SECRET_SUFFIX = re.compile(
    r"(?i)(_arn|_name|_id|_ids|_length|_path|_prefix|_suffix|_version|_enabled|_type|_days"
    r"|_rotation|_policy|_ttl|_expiry|_duration|_count|_bucket|_region|_kms_key|_parameter"
    r"|_location|_format|_mode|_header)$")
ASSIGNED_SECRET = re.compile(
    r"(?i)\b[A-Z_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY)[A-Z_]*\s*[=:]\s*[\"']?"
    r"(?!\$)([^\s\"'$]{4,})")


@check("SEC-HARDCODED-CREDENTIALS", category="security", severity="critical",
       title="Credentials written into the code")
def hardcoded_credentials(model: TerraformModel) -> list[Finding]:
    """An AWS key, password, token or secret is a literal in the submission.

    Fails on AWS access key ids (AKIA.../ASIA...) or secret access keys anywhere in the files;
    provider `access_key`/`secret_key`/`token`; `password`, `master_password`, `auth_token`,
    `secret_string` and similar attributes whose value is written in the code (directly, as a
    variable default, in `terraform.tfvars`, or through a local); sensitive-named variables with
    a literal default; secrets in `user_data` or environment maps.

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
    findings.extend(_keys_in_text(model))
    findings.extend(_secret_attributes(model))
    findings.extend(_sensitive_variable_defaults(model))
    findings.extend(_secrets_in_scripts_and_environment(model))
    return _one_per_line(findings)


def _keys_in_text(model: TerraformModel) -> Iterator[Finding]:
    for name in sorted(model.files):
        text = model.files[name]
        for match in ACCESS_KEY_ID.finditer(text):
            model.secrets.add(match.group(0))
            yield finding(name, _line_at(text, match.start()), "",
                          f"{name} contains an AWS access key id; remove it and use an IAM role "
                          "or environment credentials instead.")
        for match in SECRET_KEY_ASSIGNMENT.finditer(text):
            model.secrets.add(match.group(1))
            yield finding(name, _line_at(text, match.start()), "",
                          f"{name} contains an AWS secret access key; remove it and use an IAM "
                          "role or environment credentials instead.")


def _secret_attributes(model: TerraformModel) -> Iterator[Finding]:
    for module in model.modules:
        for key, block in module.providers.items():
            body = Body(block, module, {}, f"provider.{key}")
            for name in PROVIDER_SECRET_ATTRIBUTES:
                yield from _literal_secret(model, body, name, f'provider "{key}"')
    for resource in model.resources():
        for body in _bodies(resource.config):
            for name in body.block.attributes:
                if SECRET_ATTRIBUTE.match(name):
                    yield from _literal_secret(model, body, name, resource.address)


def _literal_secret(model: TerraformModel, body: Body, name: str, owner: str
                    ) -> Iterator[Finding]:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        return
    model.secrets.add(value)
    file, line = literal_origin(body, name)
    yield finding(file, line, owner,
                  f"{owner} sets {name} to a literal value; generate it (random_password), let "
                  "AWS manage it, or read it from Secrets Manager instead of writing it in code.")


def _sensitive_variable_defaults(model: TerraformModel) -> Iterator[Finding]:
    for module in model.modules:
        for name, block in module.variables.items():
            if not SENSITIVE_NAME.search(name) or NOT_A_SECRET_SUFFIX.search(name):
                continue
            source = module.tfvars.get(name) or block.attributes.get("default")
            if source is None:
                continue
            value = module.evaluate(source.expr, {})
            if isinstance(value, str) and value.strip() and not _looks_like_reference(value):
                model.secrets.add(value)
                yield finding(source.file, source.line, f"var.{name}",
                              f"variable {name} has a literal secret value; leave it without a "
                              "default and pass it at run time, or use Secrets Manager.")


def _looks_like_reference(value: str) -> bool:
    # ARNs, SSM parameter paths and the like name where a secret lives; they are not secrets.
    return value.startswith(("arn:", "/", "alias/", "ssm:", "{{resolve:"))


def _secrets_in_scripts_and_environment(model: TerraformModel) -> Iterator[Finding]:
    for resource in model.resources():
        config = resource.config
        for name in ("user_data", "user_data_base64"):
            if config.has(name):
                text = _text_of(config.get(name))
                for match in ASSIGNED_SECRET.finditer(text):
                    model.secrets.add(match.group(1))
                    yield resource_finding(
                        resource, f"{resource.address} writes a secret into {name}; fetch it at "
                        "boot from Secrets Manager or SSM instead.", line=config.line_of(name))
                    break
        for environment in config.blocks("environment"):
            yield from _secret_environment(model, resource, environment, "variables")
        if config.has("container_definitions"):
            yield from _secret_container_environment(model, resource, config)


def _secret_environment(model: TerraformModel, resource: Resource, body: Body, name: str
                        ) -> Iterator[Finding]:
    variables = body.get(name)
    if not isinstance(variables, dict):
        return
    for key, value in sorted(variables.items()):
        if SENSITIVE_NAME.search(key) and not NOT_A_SECRET_SUFFIX.search(key) and isinstance(
                value, str) and value.strip() and not _looks_like_reference(value):
            model.secrets.add(value)
            yield resource_finding(
                resource, f"{resource.address} puts a literal {key} in its environment; "
                "reference a secret (Secrets Manager, SSM) instead.", line=body.line_of(name))


def _secret_container_environment(model: TerraformModel, resource: Resource, config: Body
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
            if isinstance(key, str) and SENSITIVE_NAME.search(key) and isinstance(
                    secret, str) and secret.strip() and not _looks_like_reference(secret):
                model.secrets.add(secret)
                yield resource_finding(
                    resource, f"{resource.address} passes a literal {key} to a container; use "
                    "the container definition's secrets with a Secrets Manager ARN.",
                    line=config.line_of("container_definitions"))


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown) and isinstance(value.partial, str):
        return value.partial
    return ""


def _bodies(body: Body) -> Iterator[Body]:
    """A body and all its nested blocks (dynamic blocks expanded)."""
    stack = [body]
    while stack:
        current = stack.pop()
        yield current
        nested_types = sorted({b.type for b in current.block.blocks if b.type != "dynamic"} | {
            b.labels[0] for b in current.block.blocks if b.type == "dynamic" and b.labels})
        for block_type in nested_types:
            stack.extend(current.blocks(block_type))


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

READ_ONLY_VERBS = ("Get", "List", "Describe", "Read", "View", "BatchGet", "Search", "Query",
                   "Scan", "Lookup", "Select", "Head", "Check", "Filter", "Validate", "Retrieve")
PRIVILEGE_ESCALATION = re.compile(
    r"^iam:(PassRole|Create\w*|Attach\w*|Put\w*|Update\w*|Add\w*|Set\w*|Delete\w*)$"
    r"|^sts:AssumeRole\*?$", re.IGNORECASE)
ADMIN_MANAGED_POLICIES = re.compile(r":policy/(AdministratorAccess|IAMFullAccess)$")
POLICY_ATTACHMENTS = ("aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment",
                      "aws_iam_group_policy_attachment", "aws_iam_policy_attachment")


@check("SEC-IAM-WILDCARD", category="security", severity="critical",
       title="IAM policy grants everything")
def iam_wildcard(model: TerraformModel) -> list[Finding] | None:
    """An IAM policy allows all actions, all of a service on all resources, or admin access.

    Fails when an `Allow` statement grants `Action = "*"`, `service:*` on `Resource = "*"`, a
    write/admin wildcard (`s3:Put*`, `iam:Create*`, `iam:PassRole`) on `Resource = "*"`, or
    `NotAction` on everything; when `AdministratorAccess` is attached; and when a role's trust
    policy lets Principal `*` assume it without a condition. Every policy form counts:
    `aws_iam_policy`, inline role/user/group policies, `jsonencode`, heredoc JSON and
    `data "aws_iam_policy_document"`.

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
    if not documents and not attachments and not roles:
        return None
    findings: list[Finding] = []
    for document in documents:
        for statement in document.statements:
            problem = (_trust_problem(statement) if document.kind == "trust"
                       else _identity_problem(statement))
            if problem:
                findings.append(finding(
                    statement.file, statement.line, document.resource.address,
                    f"{document.resource.address}{where(document.resource)} {problem}",
                    document.resource.location))
    for resource in attachments + roles:
        findings.extend(_admin_attachments(resource))
    return findings


def _identity_problem(statement: PolicyStatement) -> str:
    if statement.effect != "Allow":
        return ""
    actions = statement.actions or ()
    on_everything = statement.resources is not None and "*" in statement.resources
    if "*" in actions:
        return 'allows Action "*"; list only the actions the workload needs.'
    if statement.not_actions and on_everything:
        return ('allows NotAction on Resource "*", which grants nearly everything; list the '
                "allowed actions instead.")
    if not on_everything:
        return ""
    for action in actions:
        if action.endswith(":*"):
            return (f'allows "{action}" on Resource "*"; name the actions and scope Resource to '
                    "specific ARNs.")
    for action in actions:
        if _is_write_wildcard(action) or PRIVILEGE_ESCALATION.match(action):
            return (f'allows "{action}" on Resource "*"; scope Resource to the specific ARNs '
                    "the workload needs.")
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
        return ('trust policy lets any principal ("*") assume the role; name the service or '
                "account that may assume it, or add a condition.")
    return ""


def _admin_attachments(resource: Resource) -> Iterator[Finding]:
    for name in ("policy_arn", "managed_policy_arns"):
        if not resource.config.has(name):
            continue
        value = resource.config.get(name)
        arns = value if isinstance(value, list) else [value]
        for arn in arns:
            if isinstance(arn, str) and ADMIN_MANAGED_POLICIES.search(arn):
                policy = arn.rsplit("/", 1)[-1]
                yield resource_finding(
                    resource, f"{resource.address}{where(resource)} attaches {policy}; attach a "
                    "policy with only the permissions the workload needs.",
                    line=resource.config.line_of(name))


# --- SEC-OPEN-ADMIN-PORTS ----------------------------------------------------------------------

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
WORLD = ("0.0.0.0/0", "::/0")


class _Rule:
    def __init__(self, resource: Resource, body: Body, protocol: Any, from_port: Any,
                 to_port: Any, cidrs: list[Any], allow: bool = True) -> None:
        self.resource, self.body = resource, body
        self.protocol, self.from_port, self.to_port = protocol, from_port, to_port
        self.cidrs, self.allow = cidrs, allow


@check("SEC-OPEN-ADMIN-PORTS", category="security", severity="critical",
       title="SSH or RDP open to the internet")
def open_admin_ports(model: TerraformModel) -> list[Finding] | None:
    """Ingress to port 22 (SSH) or 3389 (RDP) is allowed from 0.0.0.0/0 or ::/0.

    Covers inline `ingress` blocks (and `dynamic "ingress"`), `aws_security_group_rule`,
    `aws_vpc_security_group_ingress_rule` and network ACL allow rules, including port ranges
    and protocol `-1` (all traffic). CIDRs held in variables and locals are resolved.

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
    rules = list(_ingress_rules(model))
    if not rules:
        return None
    findings = []
    for rule in rules:
        port = _exposed_admin_port(rule)
        if port is None:
            continue
        resource = rule.resource
        service = ADMIN_PORTS[port] if isinstance(port, int) else "all ports"
        opening = f"port {port} ({service})" if isinstance(port, int) else "all traffic"
        findings.append(resource_finding(
            resource, f"{resource.address}{where(resource)} allows {opening} from the internet; "
            "restrict the source to a trusted CIDR or security group, or use SSM Session "
            "Manager.", line=rule.body.line_of(_cidr_attribute(rule.body)) or rule.body.line))
    return findings


def _cidr_attribute(body: Body) -> str:
    for name in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6", "cidr_block",
                 "ipv6_cidr_block"):
        if body.has(name):
            return name
    return ""


def _ingress_rules(model: TerraformModel) -> Iterator[_Rule]:
    for resource in model.resources("aws_security_group", "aws_default_security_group"):
        for body in resource.config.blocks("ingress"):
            yield _rule_from(resource, body, "protocol", ("cidr_blocks", "ipv6_cidr_blocks"))
    for resource in model.resources("aws_security_group_rule"):
        body = resource.config
        if body.get("type") == "ingress":
            yield _rule_from(resource, body, "protocol", ("cidr_blocks", "ipv6_cidr_blocks"))
    for resource in model.resources("aws_vpc_security_group_ingress_rule"):
        yield _rule_from(resource, resource.config, "ip_protocol", ("cidr_ipv4", "cidr_ipv6"))
    for resource in model.resources("aws_network_acl", "aws_default_network_acl"):
        for body in resource.config.blocks("ingress"):
            yield _acl_rule(resource, body, "action")
    for resource in model.resources("aws_network_acl_rule"):
        body = resource.config
        if truth(body.get("egress", False)) is False:
            yield _acl_rule(resource, body, "rule_action")


def _rule_from(resource: Resource, body: Body, protocol: str, cidr_names: tuple[str, ...]
               ) -> _Rule:
    cidrs: list[Any] = []
    for name in cidr_names:
        value = body.get(name)
        cidrs.extend(value if isinstance(value, list) else [value] if value is not None else [])
    return _Rule(resource, body, body.get(protocol), body.get("from_port"),
                 body.get("to_port"), cidrs)


def _acl_rule(resource: Resource, body: Body, action: str) -> _Rule:
    cidrs = [body.get("cidr_block"), body.get("ipv6_cidr_block")]
    return _Rule(resource, body, body.get("protocol"), body.get("from_port"),
                 body.get("to_port"), [c for c in cidrs if c is not None],
                 allow=str(body.get(action, "")).lower() == "allow")


def _exposed_admin_port(rule: _Rule) -> int | str | None:
    """The admin port (or "all") a rule exposes to the internet, or None."""
    if not rule.allow or not any(_is_world(c) for c in rule.cidrs):
        return None
    protocol = str(rule.protocol).lower() if not isinstance(rule.protocol, Unknown) else None
    if protocol is None:
        return None
    if protocol in ("-1", "all"):
        return "all"
    if protocol not in ("tcp", "6", "udp", "17"):
        return None
    low, high = _port(rule.from_port), _port(rule.to_port)
    if low is None and high is None and protocol in ("tcp", "6"):
        return None
    low = low if low is not None else high
    high = high if high is not None else low
    for port in ADMIN_PORTS:
        if port == 22 and protocol in ("udp", "17"):
            continue
        if low is not None and high is not None and low <= port <= high:
            return port
        if low == 0 and high == 0:
            return port  # from 0 to 0 on tcp is read by AWS as all ports
    return None


def _port(value: Any) -> int | None:
    if isinstance(value, bool) or isinstance(value, Unknown):
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


@check("SEC-ENCRYPTION-AT-REST", category="security", severity="critical",
       title="Data store not encrypted at rest")
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
    encrypted_by_default = _regions_with_default_ebs_encryption(model)
    for resource in stores:
        if resource.type == "aws_s3_bucket":
            findings.extend(_unencrypted_bucket(model, resource))
        else:
            findings.extend(_ENCRYPTION_RULES[resource.type](model, resource,
                                                             encrypted_by_default))
    return findings


def _flag_unless_true(resource: Resource, body: Body, attribute: str, what: str,
                      fix: str) -> Iterator[Finding]:
    value = body.get(attribute)
    if truth(value) is None and body.has(attribute):
        return  # unknown: not a failure
    if truth(value):
        return
    line = body.line_of(attribute) if body.has(attribute) else body.line
    yield resource_finding(resource, f"{resource.address}{where(resource)} {what}; {fix}",
                           line=line)


def _rds_instance(model: TerraformModel, resource: Resource, _: set[str]) -> Iterator[Finding]:
    config = resource.config
    engine = config.get("engine")
    if config.has("cluster_identifier") or (isinstance(engine, str) and engine.startswith(
            "aurora")) or config.has("replicate_source_db"):
        return  # storage belongs to the cluster, or is inherited from the source
    yield from _flag_unless_true(resource, config, "storage_encrypted",
                                 "stores data unencrypted", "set storage_encrypted = true.")


def _rds_cluster(model: TerraformModel, resource: Resource, _: set[str]) -> Iterator[Finding]:
    config = resource.config
    if not truth(config.get("storage_encrypted")) and config.has("global_cluster_identifier"):
        for global_cluster in model.referenced_resources(
                config.get("global_cluster_identifier"), "aws_rds_global_cluster"):
            if truth(global_cluster.config.get("storage_encrypted")):
                return
    if config.get("engine_mode") == "serverless" or config.has("replication_source_identifier"):
        return
    yield from _flag_unless_true(resource, config, "storage_encrypted",
                                 "stores data unencrypted", "set storage_encrypted = true.")


def _rds_global_cluster(model: TerraformModel, resource: Resource, _: set[str]
                        ) -> Iterator[Finding]:
    if resource.config.has("source_db_cluster_identifier"):
        return
    yield from _flag_unless_true(resource, resource.config, "storage_encrypted",
                                 "stores data unencrypted", "set storage_encrypted = true.")


def _simple_flag(attribute: str, fix: str):  # noqa: ANN202 - a small rule factory
    def rule(model: TerraformModel, resource: Resource, _: set[str]) -> Iterator[Finding]:
        yield from _flag_unless_true(resource, resource.config, attribute,
                                     "stores data unencrypted", fix)
    return rule


def _ebs_volume(model: TerraformModel, resource: Resource, default_on: set[str]
                ) -> Iterator[Finding]:
    if resource.region and resource.region in default_on:
        return
    yield from _flag_unless_true(resource, resource.config, "encrypted",
                                 "creates an unencrypted EBS volume", "set encrypted = true.")


def _instance_volumes(model: TerraformModel, resource: Resource, default_on: set[str]
                      ) -> Iterator[Finding]:
    if resource.region and resource.region in default_on:
        return
    config = resource.config
    roots = config.blocks("root_block_device")
    if resource.type == "aws_instance" and not roots:
        yield resource_finding(
            resource, f"{resource.address}{where(resource)} has an unencrypted root volume; add "
            "root_block_device { encrypted = true }.")
    for device in roots + config.blocks("ebs_block_device"):
        yield from _flag_unless_true(resource, device, "encrypted",
                                     f"has an unencrypted {device.block.type.replace('_', ' ')}",
                                     "set encrypted = true.")


def _launch_template(model: TerraformModel, resource: Resource, default_on: set[str]
                     ) -> Iterator[Finding]:
    if resource.region and resource.region in default_on:
        return
    for mapping in resource.config.blocks("block_device_mappings"):
        for ebs in mapping.blocks("ebs"):
            if ebs.has("snapshot_id") and not ebs.has("encrypted"):
                continue  # a snapshot's volume inherits the snapshot's encryption
            yield from _flag_unless_true(resource, ebs, "encrypted",
                                         "launches instances with an unencrypted EBS volume",
                                         "set encrypted = true in block_device_mappings.ebs.")


def _dynamodb(model: TerraformModel, resource: Resource, _: set[str]) -> Iterator[Finding]:
    for sse in resource.config.blocks("server_side_encryption"):
        if truth(sse.get("enabled")) is False and sse.has("enabled"):
            yield resource_finding(
                resource, f"{resource.address}{where(resource)} disables server-side "
                "encryption; set server_side_encryption { enabled = true }.",
                line=sse.line_of("enabled"))


_ENCRYPTION_RULES = {
    "aws_db_instance": _rds_instance,
    "aws_rds_cluster": _rds_cluster,
    "aws_rds_global_cluster": _rds_global_cluster,
    "aws_docdb_cluster": _simple_flag("storage_encrypted", "set storage_encrypted = true."),
    "aws_neptune_cluster": _simple_flag("storage_encrypted", "set storage_encrypted = true."),
    "aws_ebs_volume": _ebs_volume,
    "aws_instance": _instance_volumes,
    "aws_launch_configuration": _instance_volumes,
    "aws_launch_template": _launch_template,
    "aws_efs_file_system": _simple_flag("encrypted", "set encrypted = true."),
    "aws_elasticache_replication_group": _simple_flag(
        "at_rest_encryption_enabled", "set at_rest_encryption_enabled = true."),
    "aws_redshift_cluster": _simple_flag("encrypted", "set encrypted = true."),
    "aws_dynamodb_table": _dynamodb,
}


def _regions_with_default_ebs_encryption(model: TerraformModel) -> set[str]:
    return {r.region for r in model.resources("aws_ebs_encryption_by_default")
            if r.region and truth(r.config.get("enabled", True)) is not False}


def _unencrypted_bucket(model: TerraformModel, bucket: Resource) -> Iterator[Finding]:
    if bucket.config.blocks("server_side_encryption_configuration"):
        return
    if _has_separate_encryption(model, bucket):
        return
    yield resource_finding(
        bucket, f"{bucket.address}{where(bucket)} has no server-side encryption; add an "
        f"{S3_SSE_CONFIGURATION} (SSE-KMS or AES256) for it.")


def _has_separate_encryption(model: TerraformModel, bucket: Resource) -> bool:
    """An aws_s3_bucket_server_side_encryption_configuration points at this bucket."""
    if any(referrer.type == S3_SSE_CONFIGURATION for referrer, _ in
           model.referrers(bucket.address)):
        return True
    names = {bucket.config.get("bucket")} - {None}
    for configuration in model.resources(S3_SSE_CONFIGURATION):
        target = configuration.config.get("bucket")
        if isinstance(target, str) and target in names:
            return True
        if bucket in model.referenced_resources(target, "aws_s3_bucket"):
            return True
        if isinstance(target, Unknown) and bucket.is_expanded is False and any(
                ref.startswith(f"{bucket.address}[") for ref in target.refs):
            return True
    return False
