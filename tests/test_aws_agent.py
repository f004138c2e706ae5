"""The CloudWatch agent view: HCL in, whether a launcher's instances run the agent and may
publish out, known and unknown (a boot script from a file, a node role from elsewhere)."""

from __future__ import annotations

import textwrap

from evalkit.aws.agent import CloudWatchAgent
from evalkit.terraform.model import ResourceInstance, TerraformModel, build_model

ROLE = """
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = "{}"
}
resource "aws_iam_instance_profile" "app" {
  name = "app"
  role = aws_iam_role.app.name
}
"""
AGENT_POLICY = """
resource "aws_iam_role_policy_attachment" "agent" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
}
"""


def model_of(text: str) -> TerraformModel:
    return build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})


def instance(model: TerraformModel, address: str) -> ResourceInstance:
    resource = model.find_resource(address)
    assert resource is not None, address
    return resource.instances[0]


def test_agent_in_user_data_with_the_agent_policy() -> None:
    model = model_of(
        ROLE
        + AGENT_POLICY
        + """
        resource "aws_instance" "app" {
          ami                  = "ami-1"
          iam_instance_profile = aws_iam_instance_profile.app.name
          user_data            = "dnf install -y amazon-cloudwatch-agent"
        }
        """
    )
    state = CloudWatchAgent(model).state(instance(model, "aws_instance.app"))
    assert (state.installed, state.permitted, state.has_profile) == (True, True, True)
    assert state.node_roles is None


def test_no_agent_and_no_profile() -> None:
    model = model_of('resource "aws_instance" "app" { ami = "ami-1" }\n')
    state = CloudWatchAgent(model).state(instance(model, "aws_instance.app"))
    assert (state.installed, state.permitted, state.has_profile) == (False, False, False)


def test_boot_script_from_a_file_is_unknown_and_role_without_policy_is_not_permitted() -> None:
    model = model_of(
        ROLE
        + """
        resource "aws_instance" "app" {
          ami                  = "ami-1"
          iam_instance_profile = aws_iam_instance_profile.app.name
          user_data            = file("boot.sh")
        }
        """
    )
    state = CloudWatchAgent(model).state(instance(model, "aws_instance.app"))
    assert (state.installed, state.permitted) == (None, False)


def test_ssm_association_installing_the_agent_by_tag() -> None:
    model = model_of(
        ROLE
        + AGENT_POLICY
        + """
        resource "aws_instance" "tagged" {
          ami                  = "ami-1"
          iam_instance_profile = aws_iam_instance_profile.app.name
          tags                 = { Monitoring = "on" }
        }
        resource "aws_instance" "other" {
          ami                  = "ami-1"
          iam_instance_profile = aws_iam_instance_profile.app.name
        }
        resource "aws_ssm_association" "agent" {
          name       = "AWS-ConfigureAWSPackage"
          parameters = { action = "Install", name = "AmazonCloudWatchAgent" }
          targets {
            key    = "tag:Monitoring"
            values = ["on"]
          }
        }
        """
    )
    agent = CloudWatchAgent(model)
    assert agent.state(instance(model, "aws_instance.tagged")).installed is True
    assert agent.state(instance(model, "aws_instance.other")).installed is False


def test_node_group_template_uses_the_node_role_and_the_add_on() -> None:
    model = model_of(
        ROLE
        + AGENT_POLICY
        + """
        variable "role" { type = string }
        resource "aws_eks_cluster" "main" {
          name     = "main"
          role_arn = "arn:aws:iam::123456789012:role/eks"
          vpc_config { subnet_ids = ["subnet-1"] }
        }
        resource "aws_eks_addon" "agent" {
          cluster_name = aws_eks_cluster.main.name
          addon_name   = "amazon-cloudwatch-observability"
        }
        resource "aws_launch_template" "nodes" { image_id = "ami-1" }
        resource "aws_launch_template" "others" { image_id = "ami-2" }
        resource "aws_eks_node_group" "workers" {
          cluster_name  = aws_eks_cluster.main.name
          node_role_arn = aws_iam_role.app.arn
          subnet_ids    = ["subnet-1"]
          scaling_config {
            desired_size = 1
            max_size     = 1
            min_size     = 1
          }
          launch_template {
            id      = aws_launch_template.nodes.id
            version = "$Latest"
          }
        }
        resource "aws_eks_node_group" "others" {
          cluster_name  = "elsewhere"
          node_role_arn = var.role
          subnet_ids    = ["subnet-1"]
          scaling_config {
            desired_size = 1
            max_size     = 1
            min_size     = 1
          }
          launch_template {
            id      = aws_launch_template.others.id
            version = "$Latest"
          }
        }
        """
    )
    agent = CloudWatchAgent(model)
    nodes = agent.state(instance(model, "aws_launch_template.nodes"))
    assert (nodes.installed, nodes.permitted) == (True, True)
    assert nodes.node_roles == ("aws_iam_role.app",)
    others = agent.state(instance(model, "aws_launch_template.others"))
    assert others.permitted is None
