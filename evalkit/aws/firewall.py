"""Firewall rules: every way Terraform writes a security group or network ACL rule, as one
`FirewallRule`.

AWS filters traffic in two places, and Terraform spells each several ways:

- security groups: `ingress`/`egress` blocks inside ``aws_security_group`` and
  ``aws_default_security_group`` (also `dynamic` ones), the same as an attribute list
  (``ingress = [{ ... }]``), ``aws_security_group_rule`` (``type = "ingress"``) and the
  provider v5 ``aws_vpc_security_group_ingress_rule`` / ``..._egress_rule``;
- network ACLs: `ingress`/`egress` blocks or lists inside ``aws_network_acl`` and
  ``aws_default_network_acl``, and ``aws_network_acl_rule`` (``egress = true``).

`rules(instance)` reads one resource instance into rules; a check asks a rule questions
(`from_world`, `ports`, `covers(port)`, `is_return_traffic`) and never reads the syntax.
Every question answers True, False or None, and None means evalkit cannot know (a CIDR or
protocol held in an input without a value): a check decides nothing on a None by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evalkit.aws.network import ip_network
from evalkit.aws.values import truth
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.syntax import element_lines, end_line
from evalkit.terraform.values import Unknown

INGRESS = "ingress"
EGRESS = "egress"
ALL_PORTS = (0, 65535)
# The start of the ports clients answer on: an ACL rule that admits 1024-65535 (or
# 32768-65535) lets return traffic in, which stateless ACLs need beside every opening.
EPHEMERAL_PORTS_START = 1024
# Protocol numbers as AWS accepts them, by the name evalkit uses.
_PROTOCOL_NAMES = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp"}
_PORT_PROTOCOLS = ("tcp", "udp")


@dataclass(frozen=True)
class FirewallRule:
    """One security group or network ACL rule, whatever syntax wrote it.

    Values are as evaluated: `Unknown` where evalkit cannot know them, None where the rule
    does not set them. For an egress rule the peers (`cidrs`, `prefix_lists`,
    `security_groups`) are destinations, for an ingress rule sources.
    """

    resource: Resource  # the resource that declares the rule
    direction: str | None  # INGRESS, EGRESS, None when unknown
    protocol: Any  # as written: "tcp", "6", "-1", ...
    from_port: Any
    to_port: Any
    cidrs: tuple[Any, ...]  # IPv4 and IPv6
    prefix_lists: tuple[Any, ...] = ()
    security_groups: tuple[Any, ...] = ()  # also "self" for a group's own members
    allow: bool | None = True  # ACL rules may deny; None when the action is unknown
    rule_number: Any = None  # ACL rules are evaluated in this order, lowest first
    group: Any = None  # the group or ACL a standalone rule joins; None when inline
    file: str = ""
    line: int = 0  # where the rule starts: its block, list element or resource
    world_line: int = 0  # the line that opens it to the internet (its CIDR), else `line`

    @property
    def stateless(self) -> bool:
        """A network ACL rule: return traffic needs its own allow rule."""
        return self.resource.type in NETWORK_ACL_TYPES

    @property
    def protocol_name(self) -> str | None:
        """``tcp``, ``udp``, ``icmp``, ``all`` (for ``-1``) or the protocol as written in
        lowercase; None when unknown or not set."""
        if isinstance(self.protocol, Unknown) or self.protocol is None:
            return None
        text = str(self.protocol).lower()
        return _PROTOCOL_NAMES.get(text, text)

    @property
    def from_world(self) -> bool | None:
        """Whether a peer is the whole internet (``0.0.0.0/0``, ``::/0``); None when no
        known peer is but one is unknown."""
        if any(_is_world(cidr) for cidr in self.cidrs):
            return True
        return None if any(isinstance(cidr, Unknown) for cidr in self.cidrs) else False

    @property
    def ports(self) -> tuple[int, int] | None:
        """The port interval the rule admits (all ports for protocol ``-1``); None when
        unknown or when the protocol has no ports (ICMP)."""
        protocol = self.protocol_name
        if protocol == "all":
            return ALL_PORTS
        if protocol not in _PORT_PROTOCOLS:
            return None
        low, high = _port(self.from_port), _port(self.to_port)
        # One end written: the rule is read as that single port.
        low = high if low is None else low
        high = low if high is None else high
        return None if low is None or high is None else (low, high)

    def covers(self, port: int, protocol: str = "tcp") -> bool | None:
        """Whether the rule matches traffic to `port` over `protocol` (``tcp``/``udp``)."""
        name = self.protocol_name
        if name is None:
            return None
        if name not in ("all", protocol):
            return False
        interval = self.ports
        return None if interval is None else interval[0] <= port <= interval[1]

    @property
    def is_return_traffic(self) -> bool:
        """An ACL rule admitting the ephemeral ports (1024-65535, 32768-65535): the standard
        rule for answers to connections made from inside, not an opening for new ones
        (security groups still decide those)."""
        interval = self.ports
        return (
            self.stateless
            and self.protocol_name != "all"
            and interval is not None
            and interval[0] >= EPHEMERAL_PORTS_START
            and interval[1] == ALL_PORTS[1]
        )

    def opens_to_world(self, port: int, protocol: str = "tcp") -> bool | None:
        """Whether the rule lets the internet reach `port` over `protocol`: it allows, a peer
        is the world and it covers the port (ACL return-traffic rules do not open)."""
        answers = [self.allow, self.from_world, self.covers(port, protocol)]
        if False in answers or self.is_return_traffic:
            return False
        return None if None in answers else True


SECURITY_GROUP_TYPES = (
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
)
NETWORK_ACL_TYPES = ("aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule")
RULE_TYPES = SECURITY_GROUP_TYPES + NETWORK_ACL_TYPES


def rules(instance: ResourceInstance, direction: str | None = None) -> list[FirewallRule]:
    """The rules a security group, ACL or rule resource instance declares (none for other
    types); with `direction`, only those known to go that way."""
    reader = _READERS.get(instance.resource.type)
    found = reader(instance) if reader is not None else []
    return [rule for rule in found if direction is None or rule.direction == direction]


def declaring(model: TerraformModel, direction: str | None = None) -> list[Resource]:
    """The resources of `model` with a rule in some instance (going `direction`)."""
    return [
        resource
        for resource in model.resources(*RULE_TYPES)
        if any(rules(instance, direction) for instance in resource.instances)
    ]


# --- reading each syntax ----------------------------------------------------------------------

_SG_CIDRS = ("cidr_blocks", "ipv6_cidr_blocks")
_ACL_CIDRS = ("cidr_block", "ipv6_cidr_block")


@dataclass(frozen=True)
class _Syntax:
    """The attribute names one kind of rule uses."""

    protocol: str
    cidrs: tuple[str, ...]
    prefix_lists: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    action: str = ""  # empty: rules that always allow (security groups)
    rule_number: str = ""  # empty: unordered rules (security groups)


_INLINE_GROUP = _Syntax("protocol", _SG_CIDRS, ("prefix_list_ids",), ("security_groups", "self"))
_GROUP_RULE = _Syntax(
    "protocol", _SG_CIDRS, ("prefix_list_ids",), ("source_security_group_id", "self")
)
_VPC_GROUP_RULE = _Syntax(
    "ip_protocol",
    ("cidr_ipv4", "cidr_ipv6"),
    ("prefix_list_id",),
    ("referenced_security_group_id",),
)
_INLINE_ACL = _Syntax("protocol", _ACL_CIDRS, action="action", rule_number="rule_no")
_ACL_RULE = _Syntax("protocol", _ACL_CIDRS, action="rule_action", rule_number="rule_number")


def _inline_group(body: ResourceInstance) -> list[FirewallRule]:
    return _inline(body, _INLINE_GROUP)


def _inline_acl(body: ResourceInstance) -> list[FirewallRule]:
    return _inline(body, _INLINE_ACL)


def _inline(body: ResourceInstance, syntax: _Syntax) -> list[FirewallRule]:
    """Rules written inside the group or ACL, as blocks and as attribute lists."""
    found: list[FirewallRule] = []
    for direction in (INGRESS, EGRESS):
        found.extend(_written(body, nested, syntax, direction) for nested in body.blocks(direction))
        found.extend(_listed(body, syntax, direction))
    return found


def _group_rule(body: ResourceInstance) -> list[FirewallRule]:
    kind = body.get("type")
    direction = kind if kind in (INGRESS, EGRESS) else None
    return [_written(body, body, _GROUP_RULE, direction, body.get("security_group_id"))]


def _vpc_group_rule(direction: str) -> Callable[[ResourceInstance], list[FirewallRule]]:
    def read(body: ResourceInstance) -> list[FirewallRule]:
        return [_written(body, body, _VPC_GROUP_RULE, direction, body.get("security_group_id"))]

    return read


def _acl_rule(body: ResourceInstance) -> list[FirewallRule]:
    egress = truth(body.get("egress", False))
    direction = None if egress is None else EGRESS if egress else INGRESS
    return [_written(body, body, _ACL_RULE, direction, body.get("network_acl_id"))]


_READERS: dict[str, Callable[[ResourceInstance], list[FirewallRule]]] = {
    "aws_security_group": _inline_group,
    "aws_default_security_group": _inline_group,
    "aws_security_group_rule": _group_rule,
    "aws_vpc_security_group_ingress_rule": _vpc_group_rule(INGRESS),
    "aws_vpc_security_group_egress_rule": _vpc_group_rule(EGRESS),
    "aws_network_acl": _inline_acl,
    "aws_default_network_acl": _inline_acl,
    "aws_network_acl_rule": _acl_rule,
}


def _written(
    owner: ResourceInstance, body: Body, syntax: _Syntax, direction: str | None, group: Any = None
) -> FirewallRule:
    """A rule written as a block or a resource: its attributes are `body`'s."""
    return _rule(
        owner,
        body.get,
        syntax,
        direction,
        group,
        body.line,
        _world_line(body, syntax.cidrs),
    )


def _listed(body: ResourceInstance, syntax: _Syntax, direction: str) -> list[FirewallRule]:
    """Rules given as an attribute list (``ingress = [{ ... }]``), each at the line its
    object starts on (the attribute's line when the list comes from a variable or local)."""
    value = body.get(direction) if body.has(direction) else None
    attribute = body.attribute(direction)
    if not isinstance(value, list) or attribute is None:
        return []
    starts = element_lines(attribute.expr)
    fallback = body.line_of(direction)
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            continue
        start = starts[index] if len(starts) == len(value) else fallback
        cidrs = [c for name in syntax.cidrs for c in _as_list(item.get(name))]
        world = next((c for c in cidrs if _is_world(c)), None)
        world_line = start if world is None else _line_from(body, direction, start, str(world))
        found.append(_rule(body, item.get, syntax, direction, None, start, world_line))
    return found


def _rule(
    owner: ResourceInstance,
    read: Callable[[str], Any],
    syntax: _Syntax,
    direction: str | None,
    group: Any,
    line: int,
    world_line: int,
) -> FirewallRule:
    def values(names: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(v for name in names for v in _as_list(read(name)))

    allow: bool | None = True
    if syntax.action:
        action = read(syntax.action)
        allow = None if isinstance(action, Unknown) else str(action or "").lower() == "allow"
    groups = values(syntax.security_groups)
    return FirewallRule(
        resource=owner.resource,
        direction=direction,
        protocol=read(syntax.protocol),
        from_port=read("from_port"),
        to_port=read("to_port"),
        cidrs=values(syntax.cidrs),
        prefix_lists=values(syntax.prefix_lists),
        security_groups=tuple("self" if g is True else g for g in groups if g is not False),
        allow=allow,
        rule_number=read(syntax.rule_number) if syntax.rule_number else None,
        group=group,
        file=owner.file,
        line=line,
        world_line=world_line,
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _world_line(body: Body, cidr_names: tuple[str, ...]) -> int:
    for name in cidr_names:
        if body.has(name) and any(_is_world(c) for c in _as_list(body.get(name))):
            return body.line_of(name)
    return body.line


def _line_from(body: Body, name: str, start: int, text: str) -> int:
    """The first line at or after `start` within attribute `name` that holds `text`
    (`start` itself when the list was not written there, but came from a variable)."""
    attribute = body.attribute(name)
    if attribute is None:
        return start
    lines = body.context.root.files.get(attribute.file, "").split("\n")
    end = end_line(attribute.expr, start)
    for number in range(start, min(end, len(lines)) + 1):
        if text in lines[number - 1]:
            return number
    return start


def _port(value: Any) -> int | None:
    if isinstance(value, bool | Unknown):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite number
        return None


def _is_world(cidr: Any) -> bool:
    """0.0.0.0/0 or ::/0, however written."""
    network = ip_network(cidr)
    return network is not None and network.prefixlen == 0
