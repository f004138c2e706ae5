"""The EC2 launch path: for everything that launches EC2 instances, what they boot with.

Launchers are `aws_instance`, `aws_launch_template` and `aws_launch_configuration`; an
instance may launch from a template, an `aws_autoscaling_group` from a template (also in a
`mixed_instances_policy`) or a launch configuration, an `aws_eks_node_group` from a template.
For each launcher `LaunchView.path` resolves:
- `template`: the launch template an instance launches from (`template_unknown` when it
  names one the submission does not declare);
- `node_groups`: the EKS managed node groups that launch a template;
- `ami`: the image (`image_id` of a template, `ami` otherwise, the template's when the
  instance sets none);
- `volumes`: the root and EBS volumes its instances get, with `encrypted`;
- `profile`: the instance profile value (its own, else the template's), and `profiles`, the
  instance profiles of the submission it names (roles through `IamView.profile_roles`);
- `boot_scripts`: `user_data` / `user_data_base64`, decoded where known.

Answers are True / False / None: None is unknown, when a value comes from an input without
default, a registry module, a file, or a resource the submission does not declare. A check
never fails on None.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from evalkit.aws.iam import IamView
from evalkit.aws.values import named_instances, truth
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.syntax import call_argument
from evalkit.terraform.values import Unknown

LAUNCHERS = ("aws_instance", "aws_launch_template", "aws_launch_configuration")
BOOT_SCRIPT_ATTRIBUTES = ("user_data", "user_data_base64")
_BASE64_WRAPPERS = frozenset({"base64encode", "base64gzip"})


@dataclass(frozen=True)
class Volume:
    """A volume a launcher's instances get. `block` declares it (``root_block_device``,
    ``ebs_block_device``, a template's ``block_device_mappings.ebs``); None for the root
    volume nobody declares, which the AMI gives unencrypted. `encrypted` is True or False,
    None when its value is unknown or it takes the snapshot's encryption."""

    owner: ResourceInstance
    block: Body | None
    encrypted: bool | None
    encrypted_by_default: bool

    @property
    def kind(self) -> str:
        """``root`` for an undeclared root volume, else the block's type."""
        return self.block.block.type if self.block is not None else "root"


@dataclass(frozen=True)
class BootScript:
    """One boot script attribute. `text` is the script (decoded from base64 when it is) or,
    when only resource attributes (ids, names) in it are unknown, its literal segments; None
    when it cannot be read (a file, an input, a module output). `sketch` is whatever is known
    of it."""

    attribute: str
    text: str | None
    sketch: str


@dataclass(frozen=True)
class LaunchPath:
    launcher: ResourceInstance
    template: ResourceInstance | None
    template_unknown: bool
    node_groups: tuple[ResourceInstance, ...]
    ami: Any
    profile: Any
    profiles: list[ResourceInstance] | None
    volumes: tuple[Volume, ...]


class LaunchView:
    """The launch paths of one submission (or root)."""

    def __init__(self, model: TerraformModel, iam: IamView) -> None:
        self.model = model
        self.iam = iam

    @cached_property
    def _default_ebs_regions(self) -> set[str]:
        return {
            r.region
            for r in self.model.resources("aws_ebs_encryption_by_default")
            if r.region and truth(r.config.get("enabled", True)) is not False
        }

    def encrypted_by_default(self, resource: Resource) -> bool:
        """EBS encryption by default (`aws_ebs_encryption_by_default`) is on in the region
        `resource` is created in."""
        return bool(resource.region) and resource.region in self._default_ebs_regions

    def path(self, launcher: ResourceInstance) -> LaunchPath:
        """What the instances of one launcher instance boot with."""
        template = self.template_of(launcher)
        profile = _profile_value(launcher)
        if profile is None and template is not None:
            profile = _profile_value(template)
        ami = launcher.get("image_id" if _is_template(launcher) else "ami")
        if ami is None and template is not None:
            ami = template.get("image_id")
        return LaunchPath(
            launcher,
            template,
            template is None and _names_a_template(launcher),
            tuple(self._node_groups_by_template.get(launcher.address, ())),
            ami,
            profile,
            None if profile is None else self.iam.instance_profiles(profile),
            self.volumes(launcher),
        )

    def template_of(self, launcher: ResourceInstance) -> ResourceInstance | None:
        """The launch template instance an `aws_instance` launches from, when it is known."""
        if launcher.resource.type != "aws_instance":
            return None
        for block in launcher.blocks("launch_template"):
            for name in ("id", "name"):
                if block.has(name):
                    found = named_instances(self.model, block.get(name), "aws_launch_template")
                    if found:
                        return found[0]
        return None

    def group_launchers(self, group: ResourceInstance) -> list[ResourceInstance] | None:
        """The launch templates and configurations an Auto Scaling group launches from (its
        own `launch_template`, a `mixed_instances_policy` one, `launch_configuration`);
        None when one of them is not in the submission."""
        values: list[tuple[Any, str]] = (
            [(group.get("launch_configuration"), "aws_launch_configuration")]
            if group.has("launch_configuration")
            else []
        )
        specs = list(group.blocks("launch_template"))
        for policy in group.blocks("mixed_instances_policy"):
            for launch in policy.blocks("launch_template"):
                specs.extend(launch.blocks("launch_template_specification"))
        for spec in specs:
            for name in ("id", "launch_template_id", "name", "launch_template_name"):
                if spec.has(name):
                    values.append((spec.get(name), "aws_launch_template"))
        found: list[ResourceInstance] = []
        for value, kind in values:
            named = named_instances(self.model, value, kind)
            if named is None:
                return None
            found.extend(i for i in named if i not in found)
        return found

    @cached_property
    def _node_groups_by_template(self) -> dict[str, list[ResourceInstance]]:
        """EKS managed node groups by the address of the launch template instance they use."""
        found: dict[str, list[ResourceInstance]] = {}
        for resource in self.model.resources("aws_eks_node_group"):
            for group in resource.instances:
                for block in group.blocks("launch_template"):
                    for name in ("id", "name"):
                        named = named_instances(self.model, block.get(name), "aws_launch_template")
                        for template in named or ():
                            users = found.setdefault(template.address, [])
                            if group not in users:
                                users.append(group)
        return found

    # -- volumes ---------------------------------------------------------------------------

    def volumes(self, launcher: ResourceInstance) -> tuple[Volume, ...]:
        """The volumes a launcher declares (or leaves to the AMI). An instance launched from
        a template, known or not, and declaring no root volume gets the template's."""
        by_default = self.encrypted_by_default(launcher.resource)
        if _is_template(launcher):
            mappings = launcher.blocks("block_device_mappings")
            found = [] if mappings else [Volume(launcher, None, False, by_default)]
            for mapping in mappings:
                for ebs in mapping.blocks("ebs"):
                    from_snapshot = ebs.has("snapshot_id") and not ebs.has("encrypted")
                    encrypted = None if from_snapshot else _encrypted(ebs)
                    found.append(Volume(launcher, ebs, encrypted, by_default))
            return tuple(found)
        roots = launcher.blocks("root_block_device")
        from_template = launcher.resource.type == "aws_instance" and _names_a_template(launcher)
        found = [] if roots or from_template else [Volume(launcher, None, False, by_default)]
        found.extend(
            Volume(launcher, device, _encrypted(device), by_default)
            for device in roots + launcher.blocks("ebs_block_device")
        )
        return tuple(found)

    # -- boot scripts ----------------------------------------------------------------------

    @staticmethod
    def boot_scripts(launcher: Body) -> tuple[BootScript, ...]:
        """The boot script attributes a launcher (or template) sets."""
        return tuple(
            _boot_script(launcher, name) for name in BOOT_SCRIPT_ATTRIBUTES if launcher.has(name)
        )

    # -- tags ------------------------------------------------------------------------------

    @staticmethod
    def instance_tags(launcher: ResourceInstance) -> dict[str, Any] | None:
        """The tags the launcher's EC2 instances get: their own (or a launch template's
        `tag_specifications` for instances) and the provider's `default_tags`; None when some
        are unknown or come from elsewhere (an Auto Scaling group)."""
        resource = launcher.resource
        if resource.type == "aws_launch_configuration":
            return None
        if resource.type == "aws_launch_template":
            specs = [
                s
                for s in launcher.blocks("tag_specifications")
                if s.get("resource_type") == "instance"
            ]
            own = specs[0].get("tags", {}) if specs else {}
        else:
            own = launcher.get("tags", {})
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


def _is_template(launcher: ResourceInstance) -> bool:
    return launcher.resource.type == "aws_launch_template"


def _names_a_template(launcher: ResourceInstance) -> bool:
    return launcher.resource.type == "aws_instance" and bool(launcher.blocks("launch_template"))


def _encrypted(block: Body) -> bool | None:
    """`encrypted` of a volume block: absent is False, an unknown value None."""
    return truth(block.get("encrypted")) if block.has("encrypted") else False


def _profile_value(launcher: ResourceInstance) -> Any:
    """What a launcher names as its instance profile (a name or an ARN), None for none."""
    if _is_template(launcher):
        for block in launcher.blocks("iam_instance_profile"):
            for name in ("name", "arn"):
                if block.has(name):
                    return block.get(name)
        return None
    return launcher.get("iam_instance_profile")


def _boot_script(body: Body, name: str) -> BootScript:
    value = body.get(name)
    if isinstance(value, Unknown) and value.partial is None:
        argument = call_argument(body.block.attributes[name].expr, _BASE64_WRAPPERS)
        if argument is not None:
            value = body.context.evaluate(argument, body.scope)
    if isinstance(value, str):
        text = _decoded(value)
        return BootScript(name, text, text)
    if isinstance(value, Unknown) and isinstance(value.partial, str):
        unreadable = bool(value.reason) or any(
            ref.split(".")[0] in ("var", "module") for ref in value.refs
        )
        return BootScript(name, None if unreadable else value.partial, value.partial)
    return BootScript(name, None, "")


def _decoded(text: str) -> str:
    """`text`, or what it decodes to when it is base64 of UTF-8 text."""
    compact = "".join(text.split())
    if len(compact) < 8 or len(compact) % 4 or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", compact):
        return text
    try:
        return base64.b64decode(compact, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return text
