"""OBS-NO-CLOUDWATCH-AGENT: EC2 without the CloudWatch agent."""

from __future__ import annotations

import base64
import fnmatch
import re
from collections.abc import Iterator
from typing import Any

from lark import Tree

from evalkit.aws import same_region
from evalkit.checks._helpers import (
    Problem,
    per_instance,
)
from evalkit.checks.observability._common import _opaque_calls
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import (
    Body,
    Resource,
    ResourceInstance,
    TerraformModel,
)
from evalkit.aws.policy import PolicyStatement, policy_documents
from evalkit.terraform.values import (
    Unknown,
    known_text,
)

# --- OBS-NO-CLOUDWATCH-AGENT -------------------------------------------------------------------

EC2_LAUNCHERS = ("aws_instance", "aws_launch_template", "aws_launch_configuration")
# How the agent shows up in a boot script or an SSM document: its package, service and
# control script names, and the SSM package and document that install and run it.
AGENT_TEXT = re.compile(
    r"amazon-cloudwatch-agent|AmazonCloudWatchAgent|AmazonCloudWatch-ManageAgent", re.IGNORECASE
)
AGENT_MANAGED_POLICIES = re.compile(r"CloudWatchAgent(?:Server|Admin)Policy$")
INSTALL_DOCUMENT = "AWS-ConfigureAWSPackage"
MANAGE_DOCUMENT = "AmazonCloudWatch-ManageAgent"
PUBLISH_ACTION = "cloudwatch:putmetricdata"
# Module calls evalkit cannot read that may install or configure the agent.
AGENT_MODULE = re.compile(r"cloudwatch|cwagent|ssm", re.IGNORECASE)
BASE64_WRAPPERS = frozenset({"base64encode", "base64gzip"})
NOT_INSTALLED = (
    "no amazon-cloudwatch-agent in user_data, no SSM association installing "
    "AmazonCloudWatchAgent on it"
)
# The EKS add-on that runs the agent on every node (Container Insights).
AGENT_ADDON = "amazon-cloudwatch-observability"
AGENT_CHART = re.compile(r"cloudwatch", re.IGNORECASE)
EKS_INSTALL = (
    f"install it (the {AGENT_ADDON} EKS add-on, amazon-cloudwatch-agent in user_data, or an "
    "SSM association)"
)
# Resources that attach managed policies to a role: (type, role attribute, policy attribute).
ROLE_ATTACHMENTS = (
    ("aws_iam_role_policy_attachment", "role", "policy_arn"),
    ("aws_iam_policy_attachment", "roles", "policy_arn"),
    ("aws_iam_role_policy_attachments_exclusive", "role_name", "policy_arns"),
)


@check(
    "OBS-NO-CLOUDWATCH-AGENT",
    category="observability",
    severity="medium",
    title="EC2 without the CloudWatch agent",
)
def no_cloudwatch_agent(model: TerraformModel) -> list[Finding] | None:
    """EC2 instances, launch templates or launch configurations run without a CloudWatch
    agent that can publish.

    Two things are needed, and each is looked for:
    - the agent is installed: the boot script (`user_data`, `user_data_base64`, base64 or
      not; an instance launched from a template in the submission uses the template's) names
      `amazon-cloudwatch-agent`, or an `aws_ssm_association` in the same region runs
      `AWS-ConfigureAWSPackage` with the `AmazonCloudWatchAgent` package,
      `AmazonCloudWatch-ManageAgent`, or a document of the submission that installs it, and
      targets the instance (`InstanceIds` naming it or `*`, or a `tag:` / `tag-key` target
      its tags or the provider's `default_tags` match);
    - the agent may publish: the instance profile's role has `CloudWatchAgentServerPolicy`
      (or `CloudWatchAgentAdminPolicy`) attached (`aws_iam_role_policy_attachment`,
      `aws_iam_policy_attachment`, `managed_policy_arns`), or a policy of its own (inline,
      `aws_iam_role_policy`, an attached `aws_iam_policy`) allows `cloudwatch:PutMetricData`.
    A launch template used by an `aws_eks_node_group` is judged as the node group runs it:
    its nodes get the node group's `node_role_arn` role (EKS rejects an instance profile in
    the template), so the permission is that role's (not judged when the role is defined
    elsewhere, or when the add-on below publishes with a role of its own), and the
    `amazon-cloudwatch-observability` EKS add-on on the node group's cluster, or a Helm
    release of a CloudWatch agent chart, installs the agent. An instance profile the
    provider names from a `name_prefix` (its `name` left null) is an instance profile.
    It fails when either is known to be missing, and the message says which: an agent that
    is installed but has no permission (no instance profile, or a role without the policy)
    sends nothing, and a permission with no agent is unused. Unknowns never fail: a boot
    script read from a file (`file()`, `templatefile()`) or a variable, an instance profile
    or role defined outside the submission, or a policy evalkit cannot read leave that half
    unknown, and only a half known to be missing fails; so does a module evalkit cannot read
    whose source is a CloudWatch agent or SSM module (a module's name never counts). Instances
    that `count = 0` removes
    are not judged. n/a without instances, launch templates or launch configurations.

    Why: EC2's own metrics stop at the hypervisor: without the agent there is no memory,
    disk-space or process metric and no application or system log in CloudWatch, so the
    commonest outages (a full disk, a memory leak) go unseen by alarms.

    Fix: install the agent at boot and let the instance role publish.

        resource "aws_iam_role_policy_attachment" "cw_agent" {
          role       = aws_iam_role.app.name
          policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
        }

        resource "aws_launch_template" "app" {
          iam_instance_profile { name = aws_iam_instance_profile.app.name }
          user_data = base64encode(<<-EOT
            #!/bin/bash
            dnf install -y amazon-cloudwatch-agent
            /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl \\
              -a fetch-config -m ec2 -s -c ssm:${aws_ssm_parameter.cw_config.name}
          EOT
          )
        }
    """
    subjects = [r for r in model.resources(*EC2_LAUNCHERS) if r.instances]
    if not subjects:
        return None
    agent = _AgentEvidence(model)
    findings: list[Finding] = []
    for resource in subjects:
        findings.extend(per_instance(resource, agent.problems))
    return findings


class _AgentEvidence:
    """What the submission shows about the agent, asked one launcher instance at a time."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.associations = [
            instance
            for resource in model.resources("aws_ssm_association")
            for instance in resource.instances
        ]
        self.statements = _identity_statements(model)
        self.opaque_agent_module = bool(_opaque_calls(model, AGENT_MODULE))
        self.node_groups = _node_groups_by_template(model)
        self.addons = [
            instance
            for resource in model.resources("aws_eks_addon")
            for instance in resource.instances
            if instance.get("addon_name") == AGENT_ADDON
        ]
        # A Helm chart that runs the agent on the cluster's nodes (its DaemonSet).
        self.agent_chart = any(
            AGENT_CHART.search(known_text(instance.get(name)))
            for resource in model.resources("helm_release")
            for instance in resource.instances
            for name in ("chart", "name")
        )

    def problems(self, instance: ResourceInstance) -> Iterator[Problem]:
        node_groups = self.node_groups.get(instance.address, [])
        if node_groups:
            yield from self.node_group_problems(instance, node_groups)
            return
        template = _launch_template_of(self.model, instance)
        installed = self.installed(instance, template)
        permission = self.permission(instance, template)
        if installed is not False and permission is not False:
            return
        gap = _permission_gap(instance, template)
        install = "install it (amazon-cloudwatch-agent in user_data, or an SSM association)"
        allow = (
            "attach CloudWatchAgentServerPolicy to the instance profile's role"
            if _profile_value(instance, template) is not None
            else "give it an instance profile whose role has CloudWatchAgentServerPolicy"
        )
        yield _agent_problem(instance, installed, permission, gap, install, allow)

    def node_group_problems(
        self, template: ResourceInstance, node_groups: list[ResourceInstance]
    ) -> Iterator[Problem]:
        """A launch template of EKS managed node groups: its nodes get the node group's
        `node_role_arn` role (EKS rejects an instance profile in the template), and the agent
        may run as the EKS add-on."""
        installed = self.installed(template, None)
        if self.agent_chart or _any_true([self.addon_installs(g) for g in node_groups]):
            installed = True
        roles = [_linked(self.model, g.get("node_role_arn"), "aws_iam_role") for g in node_groups]
        if any(found is None for found in roles):
            permission: bool | None = None  # a node role defined elsewhere
        else:
            permission = _any_true([self.role_permits(r) for found in roles for r in found or ()])
        if permission is False and self.addon_has_own_role(node_groups):
            permission = None  # the add-on's service account may publish with its own role
        if installed is not False and permission is not False:
            return
        names = ", ".join(dict.fromkeys(r.resource.address for found in roles for r in found or ()))
        gap = (
            f"runs nodes with the node role {names}, which lacks CloudWatchAgentServerPolicy "
            "(or any grant of cloudwatch:PutMetricData), so an agent could not publish"
        )
        allow = f"attach CloudWatchAgentServerPolicy to {names}"
        missing = f"{NOT_INSTALLED}, no {AGENT_ADDON} add-on on its cluster"
        yield _agent_problem(template, installed, permission, gap, EKS_INSTALL, allow, missing)

    def addon_installs(self, node_group: ResourceInstance) -> bool | None:
        """The node group's cluster runs the CloudWatch observability add-on."""
        found: bool | None = False
        for addon in self.addons:
            linked = _same_cluster(self.model, addon.get("cluster_name"), node_group)
            if linked is True:
                return True
            if linked is None:
                found = None
        return found

    def addon_has_own_role(self, node_groups: list[ResourceInstance]) -> bool:
        return any(
            addon.get("service_account_role_arn") is not None
            or addon.blocks("pod_identity_association")
            for addon in self.addons
            if any(_same_cluster(self.model, addon.get("cluster_name"), g) for g in node_groups)
        )

    # -- installed -------------------------------------------------------------------------

    def installed(
        self, instance: ResourceInstance, template: ResourceInstance | None
    ) -> bool | None:
        script = _boot_script_evidence(instance)
        if script is False and template is not None:
            script = _boot_script_evidence(template)
        elif script is False and _launches_from_unknown_template(instance):
            script = None
        if script is True:
            return True
        by_ssm = self.installed_by_ssm(instance)
        if by_ssm is True:
            return True
        if template is not None and self.installed_by_ssm(template) is True:
            return True
        if self.opaque_agent_module:
            return None
        return False if script is False and by_ssm is False else None

    def installed_by_ssm(self, subject: ResourceInstance) -> bool | None:
        found: bool | None = False
        for association in self.associations:
            if not same_region(association.resource, subject.resource):
                continue
            installs = _association_installs_agent(self.model, association)
            if installs is False:
                continue
            reaches = _association_targets(self.model, association, subject)
            if installs and reaches:
                return True
            if reaches is not False:
                found = None
        return found

    # -- allowed to publish ---------------------------------------------------------------

    def permission(
        self, instance: ResourceInstance, template: ResourceInstance | None
    ) -> bool | None:
        profile_value = _profile_value(instance, template)
        if profile_value is None:
            return None if _launches_from_unknown_template(instance) and template is None else False
        profiles = _linked(self.model, profile_value, "aws_iam_instance_profile")
        if profiles is None:
            return None
        return _any_true([self.profile_permits(profile) for profile in profiles])

    def profile_permits(self, profile: ResourceInstance) -> bool | None:
        if not profile.has("role"):
            return False
        roles = _linked(self.model, profile.get("role"), "aws_iam_role")
        if roles is None:
            return None
        return _any_true([self.role_permits(role) for role in roles])

    def role_permits(self, role: ResourceInstance) -> bool | None:
        answers: list[bool | None] = [
            _managed_arns_permit(self.model, role.get("managed_policy_arns"), self.statements),
            _statements_permit(self.statements.get(("inline_policy", role.address))),
        ]
        for policy in self.model.resources("aws_iam_role_policy"):
            for item in policy.instances:
                if _points_at(self.model, item.get("role"), role) is not False:
                    answers.append(
                        _statements_permit(self.statements.get(("policy", item.address)), item)
                    )
        for kind, role_field, arn_field in ROLE_ATTACHMENTS:
            for attachment in self.model.resources(kind):
                for item in attachment.instances:
                    linked = _points_at(self.model, item.get(role_field), role)
                    if linked is False:
                        continue
                    permits = _managed_arns_permit(self.model, item.get(arn_field), self.statements)
                    answers.append(None if linked is None and permits else permits)
        return _any_true(answers)


def _agent_problem(
    instance: ResourceInstance,
    installed: bool | None,
    permission: bool | None,
    gap: str,
    install: str,
    allow: str,
    missing: str = NOT_INSTALLED,
) -> Problem:
    """The finding's text: what is missing (the agent, the permission or both) and the fix."""
    if installed is False and permission is False:
        text = f"runs no CloudWatch agent ({missing}) and {gap}; {install} and {allow}"
    elif installed is False:
        text = (
            f"runs no CloudWatch agent: {missing}, so memory, disk and log "
            f"metrics are never collected; {install}"
        )
    elif installed is True:
        text = f"installs the CloudWatch agent, but {gap}; {allow}"
    else:
        text = f"{gap}; {allow}"
    return instance.file, instance.line, f"{text}."


def _same_cluster(
    model: TerraformModel, cluster_name: Any, node_group: ResourceInstance
) -> bool | None:
    """Whether an add-on's `cluster_name` is the node group's cluster (the same name, or a
    reference to the same `aws_eks_cluster`); None when that cannot be known."""
    names = [cluster_name, node_group.get("cluster_name")]
    if all(isinstance(name, str) for name in names):
        return names[0] == names[1]
    clusters = [set(model.referenced_resources(name, "aws_eks_cluster")) for name in names]
    if clusters[0] and clusters[1]:
        return bool(clusters[0] & clusters[1])
    return None


def _node_groups_by_template(model: TerraformModel) -> dict[str, list[ResourceInstance]]:
    """EKS managed node groups by the address of the launch template instance they use."""
    found: dict[str, list[ResourceInstance]] = {}
    for resource in model.resources("aws_eks_node_group"):
        for group in resource.instances:
            for block in group.blocks("launch_template"):
                for name in ("id", "name"):
                    for template in _linked(model, block.get(name), "aws_launch_template") or ():
                        users = found.setdefault(template.address, [])
                        if group not in users:
                            users.append(group)
    return found


def _any_true(answers: list[bool | None]) -> bool | None:
    """True when one answer is, False when all are known and none is, else None."""
    if any(answer is True for answer in answers):
        return True
    return None if None in answers else False


def _permission_gap(instance: ResourceInstance, template: ResourceInstance | None) -> str:
    if _profile_value(instance, template) is None:
        return "has no IAM instance profile, so an agent could not publish to CloudWatch"
    return (
        "has an instance profile whose role lacks CloudWatchAgentServerPolicy (or any grant "
        "of cloudwatch:PutMetricData), so an agent could not publish"
    )


def _profile_value(instance: ResourceInstance, template: ResourceInstance | None) -> Any:
    """The instance profile the launcher's instances get: their own, else the template's."""
    value = _instance_profile_value(instance)
    if value is None and template is not None:
        value = _instance_profile_value(template)
    return value


def _launch_template_of(
    model: TerraformModel, instance: ResourceInstance
) -> ResourceInstance | None:
    """The launch template instance an `aws_instance` is launched from, when it is known."""
    if instance.resource.type != "aws_instance":
        return None
    for block in instance.blocks("launch_template"):
        for name in ("id", "name"):
            if block.has(name):
                found = _linked(model, block.get(name), "aws_launch_template")
                if found:
                    return found[0]
    return None


def _launches_from_unknown_template(instance: ResourceInstance) -> bool:
    return instance.resource.type == "aws_instance" and bool(instance.blocks("launch_template"))


def _boot_script_evidence(body: Body) -> bool | None:
    """True when the boot script installs the agent, False when it is known and does not,
    None when it cannot be read (a file, a variable) or may be set elsewhere."""
    texts = [_script_text(body, name) for name in ("user_data", "user_data_base64")]
    if any(text is not None and AGENT_TEXT.search(text) for text in texts):
        return True
    if any(
        body.has(name) and text is None
        for name, text in zip(("user_data", "user_data_base64"), texts, strict=True)
    ):
        return None
    return False


def _script_text(body: Body, name: str) -> str | None:
    """The readable text of a boot script attribute: decoded when it is base64, the literal
    segments of a template whose unknown parts are resource attributes (ids, names).
    None when the text is unknown."""
    if not body.has(name):
        return ""
    value = body.get(name)
    if isinstance(value, Unknown) and value.partial is None:
        argument = _base64_argument(body.block.attributes[name].expr)
        if argument is not None:
            value = body.context.evaluate(argument, body.scope)
    if isinstance(value, str):
        return _decoded(value)
    if isinstance(value, Unknown) and isinstance(value.partial, str):
        if AGENT_TEXT.search(value.partial):
            return value.partial
        if value.reason or any(ref.split(".")[0] in ("var", "module") for ref in value.refs):
            return None
        return value.partial
    return None


def _base64_argument(expr: Any) -> Any:
    node = expr
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if not (isinstance(node, Tree) and node.data == "function_call"):
        return None
    names = [
        str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "identifier"
    ]
    arguments = [c for c in node.children if isinstance(c, Tree) and c.data == "arguments"]
    if names[-1:] and names[-1] in BASE64_WRAPPERS and arguments and arguments[0].children:
        first = [c for c in arguments[0].children if isinstance(c, Tree)]
        return first[0] if first else None
    return None


def _decoded(text: str) -> str:
    """`text`, or what it decodes to when it is base64 of UTF-8 text."""
    compact = "".join(text.split())
    if len(compact) < 8 or len(compact) % 4 or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", compact):
        return text
    try:
        return base64.b64decode(compact, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return text


def _association_installs_agent(
    model: TerraformModel, association: ResourceInstance
) -> bool | None:
    name = association.get("name")
    if isinstance(name, Unknown):
        documents = _linked(model, name, "aws_ssm_document")
        if not documents:
            return None
        return any(AGENT_TEXT.search(known_text(d.get("content"))) for d in documents) or None
    if not isinstance(name, str):
        return False
    if name == MANAGE_DOCUMENT:
        return True
    if name == INSTALL_DOCUMENT:
        parameters = association.get("parameters")
        if not isinstance(parameters, dict):
            return None
        package = parameters.get("name")
        if isinstance(package, str):
            return bool(AGENT_TEXT.search(package))
        return None
    documents = [
        d
        for resource in model.resources("aws_ssm_document")
        for d in resource.instances
        if d.get("name") == name
    ]
    return any(AGENT_TEXT.search(known_text(d.get("content"))) for d in documents)


def _association_targets(
    model: TerraformModel, association: ResourceInstance, subject: ResourceInstance
) -> bool | None:
    """Whether an association reaches the launcher's instances; None when it may."""
    resource = subject.resource
    answers: list[bool | None] = []
    if association.has("instance_id"):
        answers.append(_points_at(model, association.get("instance_id"), resource))
    for target in association.blocks("targets"):
        key, values = target.get("key"), target.get("values")
        if not isinstance(key, str) or not isinstance(values, list):
            answers.append(None)
            continue
        if key == "InstanceIds":
            if "*" in values:
                answers.append(True)
            elif resource.type != "aws_instance":
                answers.append(False)
            else:
                answers.append(_points_at(model, values, resource))
        elif key.startswith("tag:") or key == "tag-key":
            answers.append(_tags_match(subject, key, values))
        else:
            answers.append(None)
    if any(answer is True for answer in answers):
        return True
    return None if None in answers else False


def _tags_match(subject: ResourceInstance, key: str, values: list[Any]) -> bool | None:
    tags = _instance_tags(subject)
    if tags is None:
        return None
    if key == "tag-key":
        return any(isinstance(v, str) and v in tags for v in values) or (
            None if any(not isinstance(v, str) for v in values) else False
        )
    value = tags.get(key.removeprefix("tag:"))
    if value is None:
        return False
    if isinstance(value, Unknown) or any(not isinstance(v, str) for v in values):
        return None
    return value in values


def _instance_tags(subject: ResourceInstance) -> dict[str, Any] | None:
    """The tags the launcher's EC2 instances get: their own (or a launch template's
    `tag_specifications` for instances) and the provider's `default_tags`; None when some
    are unknown or come from elsewhere (an Auto Scaling group)."""
    resource = subject.resource
    body = subject
    if resource.type == "aws_launch_configuration":
        return None
    if resource.type == "aws_launch_template":
        specs = [
            s for s in body.blocks("tag_specifications") if s.get("resource_type") == "instance"
        ]
        own = specs[0].get("tags", {}) if specs else {}
    else:
        own = body.get("tags", {})
    defaults: Any = {}
    provider = resource.context.provider_body(resource.provider_key)
    if provider is not None:
        blocks = provider.blocks("default_tags")
        defaults = blocks[0].get("tags", {}) if blocks else {}
    if not isinstance(own, dict) or not isinstance(defaults, dict):
        return None
    merged = {**defaults, **own}
    if resource.type == "aws_launch_template":
        # An Auto Scaling group may add tags to the instances it launches.
        return merged if merged else None
    return merged


def _instance_profile_value(body: ResourceInstance) -> Any:
    """What an instance, launch template or launch configuration names as its instance
    profile (a name or an ARN), or None when it has none."""
    if body.resource.type == "aws_launch_template":
        for block in body.blocks("iam_instance_profile"):
            for name in ("name", "arn"):
                if block.has(name):
                    return block.get(name)
        return None
    return body.get("iam_instance_profile")


def _linked(model: TerraformModel, value: Any, resource_type: str) -> list[ResourceInstance] | None:
    """The instances of `resource_type` that `value` names by reference, by name or by ARN;
    None when it names none the submission declares (unknown, or defined elsewhere)."""
    found: list[ResourceInstance] = []
    for resource in model.referenced_resources(value, resource_type):
        found.extend(resource.instances)
    if found:
        return found
    if isinstance(value, str):
        for resource in model.resources(resource_type):
            for instance in resource.instances:
                if _names(instance, value):
                    found.append(instance)
        return found if found else None
    return None


def _names(instance: ResourceInstance, value: str) -> bool:
    """`value` is the instance's name (or ends its ARN)."""
    name = instance.get("name")
    if not isinstance(name, str) or not name:
        return False
    return value == name or value.endswith(f"/{name}")


def _points_at(
    model: TerraformModel, value: Any, target: Resource | ResourceInstance
) -> bool | None:
    """Whether `value` (a role, instance id, or a list of them) names `target`."""
    resource = target.resource if isinstance(target, ResourceInstance) else target
    if resource in model.referenced_resources(value, resource.type):
        return True
    items = value if isinstance(value, list) else [value]
    named = [item for item in items if isinstance(item, str)]
    instances = [target] if isinstance(target, ResourceInstance) else resource.instances
    if any(_names(instance, item) for item in named for instance in instances):
        return True
    if any(isinstance(item, Unknown) and not model.referenced_resources(item) for item in items):
        return None
    return False


def _managed_arns_permit(
    model: TerraformModel, arns: Any, statements: dict[tuple[str, str], tuple[PolicyStatement, ...]]
) -> bool | None:
    if arns is None:
        return False
    answers: list[bool | None] = []
    for item in arns if isinstance(arns, list) else [arns]:
        if isinstance(item, str) and AGENT_MANAGED_POLICIES.search(item):
            return True
        policies = model.referenced_resources(item, "aws_iam_policy")
        for policy in policies:
            for instance in policy.instances:
                answers.append(_statements_permit(statements.get(("policy", instance.address))))
        if not policies and isinstance(item, Unknown):
            answers.append(_data_policy_permits(model, item))
    if any(answer is True for answer in answers):
        return True
    return None if None in answers else False


def _data_policy_permits(model: TerraformModel, item: Unknown) -> bool | None:
    """A `data "aws_iam_policy"` looked up by the agent policy's name or ARN permits."""
    for source in model.referenced_resources(item):
        if source.mode == "data" and source.type == "aws_iam_policy":
            for instance in source.instances:
                for name in ("name", "arn"):
                    text = instance.get(name)
                    if isinstance(text, str) and AGENT_MANAGED_POLICIES.search(text):
                        return True
    return None


def _identity_statements(
    model: TerraformModel,
) -> dict[tuple[str, str], tuple[PolicyStatement, ...]]:
    """Identity policy statements by (attribute, instance address): ``("policy",
    "aws_iam_policy.x")``, ``("inline_policy", "aws_iam_role.app")``."""
    found: dict[tuple[str, str], tuple[PolicyStatement, ...]] = {}
    for document in policy_documents(model):
        if document.kind == "identity":
            key = (document.attribute, document.address)
            found[key] = found.get(key, ()) + document.statements
    return found


def _statements_permit(
    statements: tuple[PolicyStatement, ...] | None, holder: Body | None = None
) -> bool | None:
    """Whether the statements allow cloudwatch:PutMetricData; None when they cannot be read
    (a `holder` whose policy was not read at all is unknown, not empty)."""
    if statements is None:
        return None if holder is not None else False
    if not statements:
        return None
    unknown = False
    for statement in statements:
        if statement.effect == "Deny":
            continue
        if statement.actions is None or not statement.effect:
            unknown = True
            continue
        if any(fnmatch.fnmatchcase(PUBLISH_ACTION, action.lower()) for action in statement.actions):
            return True
    return None if unknown else False
