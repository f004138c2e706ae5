"""The CloudWatch agent on EC2: whether a launcher's instances run it and may publish.

Two halves, each True / False / None (None: evalkit cannot know, e.g. a boot script read
from a file, an instance profile or role defined elsewhere, a policy it cannot read):

- installed: a boot script (`user_data`, the launch template's) names the agent, an
  `aws_ssm_association` in the region installs it and targets the instances (`InstanceIds`,
  `tag:`/`tag-key` targets matched against their tags), or, for EKS managed node groups,
  the `amazon-cloudwatch-observability` add-on on their cluster or a CloudWatch Helm chart;
- permitted: the instance profile's role (a node group's `node_role_arn` role) has the
  agent's managed policy or a policy allowing `cloudwatch:PutMetricData`.

A module evalkit cannot read whose source is a CloudWatch agent or SSM module leaves
"installed" unknown.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from evalkit.aws.iam import ManagedPolicy
from evalkit.aws.launch import BootScript, LaunchPath
from evalkit.aws.layer import aws_of
from evalkit.aws.monitoring import opaque_calls
from evalkit.aws.network import any_true
from evalkit.aws.policy import PolicyStatement
from evalkit.aws.regions import same_region
from evalkit.aws.values import named_instances, names
from evalkit.terraform.model import ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown, known_text

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
# The EKS add-on that runs the agent on every node (Container Insights).
AGENT_ADDON = "amazon-cloudwatch-observability"
AGENT_CHART = re.compile(r"cloudwatch", re.IGNORECASE)


@dataclass(frozen=True)
class AgentState:
    """The agent on one launcher's instances. `installed` and `permitted` answer True /
    False / None; `has_profile` says whether the launcher has an instance profile at all;
    `node_roles` holds the node role addresses of the EKS managed node groups that launch
    from it (None when no node group does: then its own instance profile counts)."""

    installed: bool | None
    permitted: bool | None
    has_profile: bool
    node_roles: tuple[str, ...] | None = None


class CloudWatchAgent:
    """What the submission shows about the agent, asked one launcher instance at a time."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.iam = aws_of(model).iam
        self.launch = aws_of(model).launch
        self.associations = _instances(model, "aws_ssm_association")
        self.opaque_agent_module = bool(opaque_calls(model, AGENT_MODULE))
        self.addons = [
            addon
            for addon in _instances(model, "aws_eks_addon")
            if addon.get("addon_name") == AGENT_ADDON
        ]
        # A Helm chart that runs the agent on the cluster's nodes (its DaemonSet).
        self.agent_chart = any(
            AGENT_CHART.search(known_text(release.get(name)))
            for release in _instances(model, "helm_release")
            for name in ("chart", "name")
        )

    def state(self, launcher: ResourceInstance) -> AgentState:
        """The agent on the instances of an EC2 instance, launch template or launch
        configuration."""
        path = self.launch.path(launcher)
        if path.node_groups:
            return self.node_group_state(path)
        return AgentState(
            self.installed(path), self.permission(path), has_profile=path.profile is not None
        )

    def node_group_state(self, path: LaunchPath) -> AgentState:
        """A launch template of EKS managed node groups: its nodes get the node group's
        `node_role_arn` role (EKS rejects an instance profile in the template), and the agent
        may run as the EKS add-on."""
        node_groups = path.node_groups
        installed = self.installed(path)
        if self.agent_chart or any_true([self.addon_installs(g) for g in node_groups]):
            installed = True
        roles = [self.iam.roles(g.get("node_role_arn")) for g in node_groups]
        if any(found is None for found in roles):
            permission: bool | None = None  # a node role defined elsewhere
        else:
            permission = any_true([self.role_permits(r) for found in roles for r in found or ()])
        if permission is False and self.addon_has_own_role(node_groups):
            permission = None  # the add-on's service account may publish with its own role
        role_names = tuple(
            dict.fromkeys(r.resource.address for found in roles for r in found or ())
        )
        return AgentState(installed, permission, path.profile is not None, role_names)

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

    def addon_has_own_role(self, node_groups: tuple[ResourceInstance, ...]) -> bool:
        return any(
            addon.get("service_account_role_arn") is not None
            or addon.blocks("pod_identity_association")
            for addon in self.addons
            if any(_same_cluster(self.model, addon.get("cluster_name"), g) for g in node_groups)
        )

    # -- installed -------------------------------------------------------------------------

    def installed(self, path: LaunchPath) -> bool | None:
        script = _script_evidence(self.launch.boot_scripts(path.launcher))
        if script is False and path.template is not None:
            script = _script_evidence(self.launch.boot_scripts(path.template))
        elif script is False and path.template_unknown:
            script = None
        if script is True:
            return True
        by_ssm = self.installed_by_ssm(path.launcher)
        if by_ssm is True:
            return True
        if path.template is not None and self.installed_by_ssm(path.template) is True:
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
            reaches = self.association_targets(association, subject)
            if installs and reaches:
                return True
            if reaches is not False:
                found = None
        return found

    def association_targets(
        self, association: ResourceInstance, subject: ResourceInstance
    ) -> bool | None:
        """Whether an association reaches the launcher's instances; None when it may."""
        resource = subject.resource
        answers: list[bool | None] = []
        if association.has("instance_id"):
            answers.append(names(self.model, association.get("instance_id"), resource))
        for target in association.blocks("targets"):
            key, values = target.get("key"), target.get("values")
            if not isinstance(key, str) or not isinstance(values, list):
                answers.append(None)
            elif key == "InstanceIds":
                if "*" in values:
                    answers.append(True)
                elif resource.type != "aws_instance":
                    answers.append(False)
                else:
                    answers.append(names(self.model, values, resource))
            elif key.startswith("tag:") or key == "tag-key":
                answers.append(_tags_match(self.launch.instance_tags(subject), key, values))
            else:
                answers.append(None)
        return any_true(answers)

    # -- allowed to publish ---------------------------------------------------------------

    def permission(self, path: LaunchPath) -> bool | None:
        if path.profile is None:
            return None if path.template_unknown else False
        if path.profiles is None:
            return None
        return any_true(
            [
                any_true([self.role_permits(role) for role in roles])
                if (roles := self.iam.profile_roles(profile)) is not None
                else None
                for profile in path.profiles
            ]
        )

    def role_permits(self, role: ResourceInstance) -> bool | None:
        answers = [
            _statements_permit(inline.statements) for inline in self.iam.inline_policies(role)
        ]
        for attachment in self.iam.managed_policies(role):
            permits = any_true([self.managed_permits(p) for p in attachment.policies])
            answers.append(None if attachment.names_principal is None and permits else permits)
        return any_true(answers)

    def managed_permits(self, policy: ManagedPolicy) -> bool | None:
        """The agent's managed policy (by ARN or lookup), or an `aws_iam_policy` of the
        submission allowing cloudwatch:PutMetricData; None for an ARN evalkit cannot know."""
        if any(AGENT_MANAGED_POLICIES.search(name) for name in policy.known_names):
            return True
        if policy.unknown:
            return None
        return any_true(
            [
                False if statements is None else _statements_permit(statements)
                for statements in map(self.iam.policy_statements, policy.policies)
            ]
        )


def _instances(model: TerraformModel, resource_type: str) -> list[ResourceInstance]:
    return [i for resource in model.resources(resource_type) for i in resource.instances]


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


def _script_evidence(scripts: tuple[BootScript, ...]) -> bool | None:
    """True when a boot script installs the agent, False when all are known and none does,
    None when one cannot be read (a file, a variable)."""
    if any(AGENT_TEXT.search(script.sketch) for script in scripts):
        return True
    return None if any(script.text is None for script in scripts) else False


def _association_installs_agent(
    model: TerraformModel, association: ResourceInstance
) -> bool | None:
    name = association.get("name")
    if isinstance(name, Unknown):
        documents = named_instances(model, name, "aws_ssm_document")
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
    documents = [d for d in _instances(model, "aws_ssm_document") if d.get("name") == name]
    return any(AGENT_TEXT.search(known_text(d.get("content"))) for d in documents)


def _tags_match(tags: dict[str, Any] | None, key: str, values: list[Any]) -> bool | None:
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


def _statements_permit(statements: tuple[PolicyStatement, ...] | None) -> bool | None:
    """Whether the statements allow cloudwatch:PutMetricData; None when they cannot be read."""
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
