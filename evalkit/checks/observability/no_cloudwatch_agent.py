"""OBS-NO-CLOUDWATCH-AGENT: EC2 without the CloudWatch agent."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws.agent import AGENT_ADDON, AgentState, CloudWatchAgent
from evalkit.aws.launch import LAUNCHERS
from evalkit.checks._helpers import Problem, per_instance
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import ResourceInstance, TerraformModel

NOT_INSTALLED = (
    "no amazon-cloudwatch-agent in user_data, no SSM association installing "
    "AmazonCloudWatchAgent on it"
)
INSTALL = "install it (amazon-cloudwatch-agent in user_data, or an SSM association)"
EKS_INSTALL = (
    f"install it (the {AGENT_ADDON} EKS add-on, amazon-cloudwatch-agent in user_data, or an "
    "SSM association)"
)
LACKS_POLICY = (
    "lacks CloudWatchAgentServerPolicy (or any grant of cloudwatch:PutMetricData), so an "
    "agent could not publish"
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
    subjects = [r for r in model.resources(*LAUNCHERS) if r.instances]
    if not subjects:
        return None
    agent = CloudWatchAgent(model)
    findings: list[Finding] = []
    for resource in subjects:
        findings.extend(per_instance(resource, lambda launcher: _problems(agent, launcher)))
    return findings


def _problems(agent: CloudWatchAgent, launcher: ResourceInstance) -> Iterator[Problem]:
    state = agent.state(launcher)
    if state.installed is not False and state.permitted is not False:
        return
    missing, install = NOT_INSTALLED, INSTALL
    if state.node_roles is not None:
        roles = ", ".join(state.node_roles)
        gap = f"runs nodes with the node role {roles}, which {LACKS_POLICY}"
        allow = f"attach CloudWatchAgentServerPolicy to {roles}"
        missing, install = f"{NOT_INSTALLED}, no {AGENT_ADDON} add-on on its cluster", EKS_INSTALL
    elif not state.has_profile:
        gap = "has no IAM instance profile, so an agent could not publish to CloudWatch"
        allow = "give it an instance profile whose role has CloudWatchAgentServerPolicy"
    else:
        gap = f"has an instance profile whose role {LACKS_POLICY}"
        allow = "attach CloudWatchAgentServerPolicy to the instance profile's role"
    yield launcher.file, launcher.line, f"{_text(state, gap, install, allow, missing)}."


def _text(state: AgentState, gap: str, install: str, allow: str, missing: str) -> str:
    """What is missing (the agent, the permission or both) and the fix."""
    if state.installed is False and state.permitted is False:
        return f"runs no CloudWatch agent ({missing}) and {gap}; {install} and {allow}"
    if state.installed is False:
        return (
            f"runs no CloudWatch agent: {missing}, so memory, disk and log "
            f"metrics are never collected; {install}"
        )
    if state.installed is True:
        return f"installs the CloudWatch agent, but {gap}; {allow}"
    return f"{gap}; {allow}"
