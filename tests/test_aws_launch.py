"""The EC2 launch path view: HCL in, what a launcher's instances boot with out (template,
node groups, AMI, volumes, instance profile -> role, user data), known and unknown."""

from __future__ import annotations

import base64
import textwrap

from evalkit.aws import aws_of
from evalkit.aws.launch import LaunchView
from evalkit.terraform.model import ResourceInstance, TerraformModel, build_model

ROLE = """
resource "aws_iam_role" "node" {
  name               = "node"
  assume_role_policy = "{}"
}
resource "aws_iam_instance_profile" "node" {
  name = "node"
  role = aws_iam_role.node.name
}
"""


def view(text: str) -> tuple[LaunchView, TerraformModel]:
    model = build_model({"main.tf": textwrap.dedent(text).lstrip("\n")})
    return aws_of(model).launch, model


def instance(model: TerraformModel, address: str) -> ResourceInstance:
    resource = model.find_resource(address)
    assert resource is not None, address
    return resource.instances[0]


def test_instance_from_template_gets_its_ami_profile_and_volumes() -> None:
    launch, model = view(
        ROLE
        + """
        resource "aws_launch_template" "app" {
          image_id = "ami-0123456789abcdef0"
          iam_instance_profile { name = aws_iam_instance_profile.node.name }
          block_device_mappings {
            device_name = "/dev/xvda"
            ebs { encrypted = true }
          }
        }
        resource "aws_instance" "app" {
          launch_template { id = aws_launch_template.app.id }
        }
        """
    )
    path = launch.path(instance(model, "aws_instance.app"))
    assert path.template is not None and path.template.address == "aws_launch_template.app"
    assert not path.template_unknown
    assert path.ami == "ami-0123456789abcdef0"
    assert [p.address for p in path.profiles or []] == ["aws_iam_instance_profile.node"]
    roles = aws_of(model).iam.profile_roles((path.profiles or [])[0])
    assert [r.address for r in roles or []] == ["aws_iam_role.node"]
    # The instance declares no volume: they are the template's, judged there.
    assert path.volumes == ()
    (volume,) = launch.volumes(instance(model, "aws_launch_template.app"))
    assert volume.encrypted is True and volume.kind == "ebs"


def test_unknown_template_ami_and_profile() -> None:
    launch, model = view("""
        variable "template_id" { type = string }
        variable "profile" { type = string }
        variable "ami" { type = string }
        resource "aws_instance" "app" {
          ami                  = var.ami
          iam_instance_profile = var.profile
          launch_template { id = var.template_id }
        }
        """)
    path = launch.path(instance(model, "aws_instance.app"))
    assert path.template is None and path.template_unknown
    assert path.profile is not None and path.profiles is None  # defined elsewhere
    assert not isinstance(path.ami, str)  # unknown AMI
    assert path.volumes == ()


def test_instance_volumes_known_unknown_and_missing_root() -> None:
    launch, model = view("""
        variable "encrypted" { type = bool }
        resource "aws_instance" "bare" {
          ami           = "ami-1"
          instance_type = "t3.micro"
        }
        resource "aws_instance" "disks" {
          ami           = "ami-1"
          instance_type = "t3.micro"
          root_block_device { encrypted = true }
          ebs_block_device {
            device_name = "/dev/sdf"
            encrypted   = var.encrypted
          }
          ebs_block_device { device_name = "/dev/sdg" }
        }
        """)
    (root,) = launch.volumes(instance(model, "aws_instance.bare"))
    assert root.block is None and root.encrypted is False and root.kind == "root"
    volumes = launch.volumes(instance(model, "aws_instance.disks"))
    assert [(v.kind, v.encrypted) for v in volumes] == [
        ("root_block_device", True),
        ("ebs_block_device", None),
        ("ebs_block_device", False),
    ]


def test_template_volume_from_snapshot_and_default_encryption() -> None:
    launch, model = view("""
        provider "aws" { region = "eu-west-1" }
        resource "aws_ebs_encryption_by_default" "on" { enabled = true }
        resource "aws_launch_template" "snap" {
          block_device_mappings {
            device_name = "/dev/xvda"
            ebs { snapshot_id = "snap-1" }
          }
        }
        resource "aws_launch_template" "bare" {}
        """)
    (snapshot,) = launch.volumes(instance(model, "aws_launch_template.snap"))
    assert snapshot.encrypted is None  # the snapshot's encryption
    (root,) = launch.volumes(instance(model, "aws_launch_template.bare"))
    assert root.encrypted is False and root.encrypted_by_default


def test_node_group_and_autoscaling_group_templates() -> None:
    launch, model = view("""
        resource "aws_launch_template" "nodes" { image_id = "ami-1" }
        resource "aws_launch_template" "spot" { image_id = "ami-2" }
        resource "aws_launch_configuration" "old" {
          image_id      = "ami-3"
          instance_type = "t3.micro"
        }
        resource "aws_eks_node_group" "workers" {
          cluster_name  = "c"
          node_role_arn = "arn:aws:iam::123456789012:role/node"
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
        resource "aws_autoscaling_group" "mixed" {
          max_size = 1
          min_size = 1
          mixed_instances_policy {
            launch_template {
              launch_template_specification {
                launch_template_id = aws_launch_template.spot.id
              }
            }
          }
        }
        resource "aws_autoscaling_group" "classic" {
          max_size             = 1
          min_size             = 1
          launch_configuration = aws_launch_configuration.old.name
        }
        resource "aws_autoscaling_group" "elsewhere" {
          max_size = 1
          min_size = 1
          launch_template { id = "lt-0123456789" }
        }
        """)
    nodes = launch.path(instance(model, "aws_launch_template.nodes"))
    assert [g.address for g in nodes.node_groups] == ["aws_eks_node_group.workers"]
    assert launch.path(instance(model, "aws_launch_template.spot")).node_groups == ()
    mixed = launch.group_launchers(instance(model, "aws_autoscaling_group.mixed"))
    assert [t.address for t in mixed or []] == ["aws_launch_template.spot"]
    classic = launch.group_launchers(instance(model, "aws_autoscaling_group.classic"))
    assert [t.address for t in classic or []] == ["aws_launch_configuration.old"]
    assert launch.group_launchers(instance(model, "aws_autoscaling_group.elsewhere")) is None


def test_user_data_decoded_or_unknown() -> None:
    script = "#!/bin/bash\ndnf install -y amazon-cloudwatch-agent\n"
    encoded = base64.b64encode(script.encode()).decode()
    launch, model = view(f"""
        variable "script" {{ type = string }}
        locals {{ script = "echo hello" }}
        resource "aws_instance" "plain" {{
          ami       = "ami-1"
          user_data = "echo hi"
        }}
        resource "aws_instance" "encoded" {{
          ami              = "ami-1"
          user_data_base64 = "{encoded}"
        }}
        resource "aws_launch_template" "wrapped" {{
          user_data = base64encode(local.script)
        }}
        resource "aws_instance" "from_input" {{
          ami       = "ami-1"
          user_data = var.script
        }}
        resource "aws_instance" "none" {{ ami = "ami-1" }}
        """)

    def texts(address: str) -> list[str | None]:
        return [s.text for s in launch.boot_scripts(instance(model, address))]

    assert texts("aws_instance.plain") == ["echo hi"]
    assert texts("aws_instance.encoded") == [script]
    assert texts("aws_launch_template.wrapped") == ["echo hello"]
    assert texts("aws_instance.from_input") == [None]
    assert texts("aws_instance.none") == []


def test_instance_tags_with_provider_defaults() -> None:
    launch, model = view("""
        provider "aws" {
          region = "us-east-1"
          default_tags { tags = { Team = "ops" } }
        }
        resource "aws_instance" "app" {
          ami  = "ami-1"
          tags = { Name = "app" }
        }
        resource "aws_launch_configuration" "old" {
          image_id      = "ami-1"
          instance_type = "t3.micro"
        }
        """)
    assert launch.instance_tags(instance(model, "aws_instance.app")) == {
        "Team": "ops",
        "Name": "app",
    }
    assert launch.instance_tags(instance(model, "aws_launch_configuration.old")) is None
