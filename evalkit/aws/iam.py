"""IAM as one shape: the principals, the policies that give them permissions in every form
Terraform writes them, and the instance profiles that hand a role to EC2.

Forms folded together:
- policy documents (`evalkit.aws.policy`): `jsonencode`, heredoc or quoted JSON, a
  `data "aws_iam_policy_document"`, through locals, in `aws_iam_policy`,
  `aws_iam_role_policy` (and user / group), `inline_policy` blocks of a role, trust policies;
- managed policies a principal gets (`PolicyAttachment`): a role's `managed_policy_arns`, and
  every attachment resource of ``catalog.IAM_POLICY_ATTACHMENTS``, the `*_exclusive` ones
  included; a policy is named by ARN, by reference to an `aws_iam_policy` of the submission,
  or through a `data "aws_iam_policy"` lookup (`ManagedPolicy`);
- inline policies a principal gets (`InlinePolicy`): its `inline_policy` blocks and the
  `aws_iam_role_policy` (user, group) resources naming it;
- instance profiles -> their role.

Unknowns: `names_principal` is True when the holder names the principal, None when an unknown
value (an input without default, a module output) may; `InlinePolicy.statements` is None or
empty when the policy cannot be read. A `ManagedPolicy` whose `value` is unknown and that
refers to nothing of the submission may be any policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from evalkit.aws import catalog
from evalkit.aws.policy import (
    IDENTITY_POLICY_ATTRIBUTES,
    PolicyDocument,
    PolicyStatement,
    policy_documents,
)
from evalkit.aws.privileges import admin_policy_name
from evalkit.aws.values import named_instances, names
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown, known_suffix

# The principal type each attribute of an attachment names.
_PRINCIPAL_OF_ATTRIBUTE = {
    "role": "aws_iam_role",
    "roles": "aws_iam_role",
    "role_name": "aws_iam_role",
    "user": "aws_iam_user",
    "users": "aws_iam_user",
    "user_name": "aws_iam_user",
    "group": "aws_iam_group",
    "groups": "aws_iam_group",
    "group_name": "aws_iam_group",
}


@dataclass(frozen=True)
class ManagedPolicy:
    """One managed policy named by an attachment: `value` as evaluated (an ARN, or unknown),
    the `aws_iam_policy` instances of the submission it refers to, and the
    `data "aws_iam_policy"` lookups it reads."""

    value: Any
    policies: tuple[ResourceInstance, ...]
    lookups: tuple[Resource, ...]

    @property
    def known_names(self) -> tuple[str, ...]:
        """What the policy is known to be called: the known end of its ARN (whatever its
        partition or account), then each lookup's ``:policy/<name>`` and ARN end."""
        found = [known_suffix(self.value)]
        for lookup in self.lookups:
            name = lookup.config.get("name")
            if isinstance(name, str):
                found.append(f":policy/{name}")
            found.append(known_suffix(lookup.config.get("arn")))
        return tuple(name for name in found if name)

    @property
    def admin_name(self) -> str:
        """``AdministratorAccess`` or ``IAMFullAccess`` when the policy is one of them; ""."""
        return admin_policy_name(self.known_names)

    @property
    def unknown(self) -> bool:
        """An unknown ARN that refers to nothing of the submission: it may be any policy."""
        return isinstance(self.value, Unknown) and not (self.policies or self.lookups)


@dataclass(frozen=True)
class PolicyAttachment:
    """Managed policies given by `attribute` of `holder` (an attachment resource instance, or
    a role's `managed_policy_arns`)."""

    holder: ResourceInstance
    attribute: str
    names_principal: bool | None
    policies: tuple[ManagedPolicy, ...]

    @property
    def line(self) -> int:
        return self.holder.line_of(self.attribute)


@dataclass(frozen=True)
class InlinePolicy:
    """An inline policy of a principal: an `inline_policy` block of a role, or an
    `aws_iam_role_policy` (user, group) naming it. `statements` is None or empty when the
    policy cannot be read."""

    holder: ResourceInstance
    names_principal: bool | None
    statements: tuple[PolicyStatement, ...] | None


class IamView:
    """The IAM of one submission (or root), read once."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model

    @cached_property
    def documents(self) -> list[PolicyDocument]:
        """Every identity and trust policy document, per instance (`policy_documents`)."""
        return policy_documents(self.model)

    @cached_property
    def _identity_statements(self) -> dict[tuple[str, str], tuple[PolicyStatement, ...]]:
        found: dict[tuple[str, str], tuple[PolicyStatement, ...]] = {}
        for document in self.documents:
            if document.kind == "identity":
                key = (document.attribute, document.address)
                found[key] = found.get(key, ()) + document.statements
        return found

    # -- managed policies ----------------------------------------------------------------

    def attachment(self, holder: ResourceInstance) -> PolicyAttachment | None:
        """The managed policies an attachment instance (or a role, by `managed_policy_arns`)
        gives, whoever it gives them to; None when it sets none."""
        if holder.resource.type == "aws_iam_role":
            attribute = "managed_policy_arns"
        elif holder.resource.type in catalog.IAM_POLICY_ATTACHMENTS:
            attribute = catalog.IAM_POLICY_ATTACHMENTS[holder.resource.type][1]
        else:
            return None
        if not holder.has(attribute):
            return None
        return self._attachment(holder, attribute, True)

    def _attachment(
        self, holder: ResourceInstance, attribute: str, names_principal: bool | None
    ) -> PolicyAttachment:
        value = holder.get(attribute)
        items = value if isinstance(value, list) else [value]
        return PolicyAttachment(
            holder,
            attribute,
            names_principal,
            tuple(self._managed_policy(item) for item in items if item is not None),
        )

    def _managed_policy(self, value: Any) -> ManagedPolicy:
        referenced = self.model.referenced_resources(value, "aws_iam_policy")
        return ManagedPolicy(
            value,
            tuple(i for r in referenced if r.mode == "managed" for i in r.instances),
            tuple(r for r in referenced if r.mode == "data"),
        )

    def managed_policies(self, principal: ResourceInstance) -> list[PolicyAttachment]:
        """The attachments that give `principal` managed policies, or may (an unknown
        principal name): its own `managed_policy_arns` and every attachment resource."""
        found: list[PolicyAttachment] = []
        own = self.attachment(principal)
        if own is not None:
            found.append(own)
        for kind, (attributes, arns) in catalog.IAM_POLICY_ATTACHMENTS.items():
            for attribute in self._naming(attributes, principal):
                for resource in self.model.resources(kind):
                    for holder in resource.instances:
                        linked = names(self.model, holder.get(attribute), principal)
                        if linked is not False:
                            found.append(self._attachment(holder, arns, linked))
        return found

    # -- inline policies -----------------------------------------------------------------

    def inline_policies(self, principal: ResourceInstance) -> list[InlinePolicy]:
        """The inline policies `principal` has, or may have (an unknown principal name)."""
        found: list[InlinePolicy] = []
        if principal.blocks("inline_policy"):
            statements = self._identity_statements.get(("inline_policy", principal.address))
            if statements is not None:
                found.append(InlinePolicy(principal, True, statements))
        for kind in IDENTITY_POLICY_ATTRIBUTES:
            for attribute in self._naming(catalog.IAM_INLINE_POLICIES.get(kind, ()), principal):
                for resource in self.model.resources(kind):
                    for holder in resource.instances:
                        linked = names(self.model, holder.get(attribute), principal)
                        if linked is not False:
                            statements = self._identity_statements.get(("policy", holder.address))
                            found.append(InlinePolicy(holder, linked, statements))
        return found

    def policy_statements(self, policy: ResourceInstance) -> tuple[PolicyStatement, ...] | None:
        """The statements of an `aws_iam_policy` instance; None when it has none readable."""
        return self._identity_statements.get(("policy", policy.address))

    @staticmethod
    def _naming(attributes: tuple[str, ...], principal: ResourceInstance) -> Iterator[str]:
        """The attributes of `attributes` that name principals of `principal`'s type."""
        for attribute in attributes:
            if _PRINCIPAL_OF_ATTRIBUTE.get(attribute) == principal.resource.type:
                yield attribute

    # -- instance profiles and roles -----------------------------------------------------

    def instance_profiles(self, value: Any) -> list[ResourceInstance] | None:
        """The instance profiles a value (a name, an ARN, a reference) names; None when it
        names none of the submission (unknown, or defined elsewhere)."""
        return named_instances(self.model, value, "aws_iam_instance_profile")

    def roles(self, value: Any) -> list[ResourceInstance] | None:
        """The roles a value (a name, an ARN, a reference) names; None as above."""
        return named_instances(self.model, value, "aws_iam_role")

    def profile_roles(self, profile: ResourceInstance) -> list[ResourceInstance] | None:
        """The role an instance profile hands to EC2: [] when it has none, None when it is
        defined elsewhere."""
        if not profile.has("role"):
            return []
        return self.roles(profile.get("role"))
