"""SEC-OPEN-ADMIN-PORTS: SSH or RDP open to the internet."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lark import Tree

from evalkit.checks._helpers import (
    Problem,
    per_instance,
    truth,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, TerraformModel
from evalkit.terraform.parse import Attribute
from evalkit.terraform.values import Unknown

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


@dataclass(frozen=True)
class _Rule:
    file: str
    line: int  # the line that opens the rule to the world (its CIDR), else its own
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

    Covers security group `ingress` written as blocks (also `dynamic "ingress"`) or as an
    attribute list (`ingress = [{ ... }]`), `aws_security_group_rule`, the AWS provider v5
    `aws_vpc_security_group_ingress_rule`, and network ACL allow rules (`aws_network_acl`
    blocks or list, `aws_network_acl_rule`, `aws_default_network_acl`), IPv4 and IPv6,
    including port ranges and protocol `-1` (all traffic). CIDRs held in variables and locals
    are resolved; a CIDR that cannot be known (a variable without a value) is not a failure.

    Default network ACLs: evalkit judges the rules the code declares. The default ACL AWS
    creates with every VPC (allow all in and out) is not in the code and is not judged; an
    `aws_default_network_acl` takes that ACL over and leaves it with exactly the rules
    written in it (none written: nothing allowed), so its allow rules are judged like any
    other ACL's.

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
                ingress.file,
                ingress.line,
                f"allows {opening} from the internet; restrict the source to a trusted "
                "CIDR or security group, or use SSM Session Manager.",
            )

    return rule


_SG_CIDRS = ("cidr_blocks", "ipv6_cidr_blocks")
_ACL_CIDRS = ("cidr_block", "ipv6_cidr_block")


def _inline_ingress(body: Body) -> list[_Rule]:
    rules = [_sg_rule(b, "protocol", _SG_CIDRS) for b in body.blocks("ingress")]
    return rules + [
        _listed_rule(body, item, line, "protocol", _SG_CIDRS, "")
        for item, line in _listed_rules(body, "ingress")
    ]


def _sg_rule_resource(body: Body) -> list[_Rule]:
    if body.get("type") != "ingress":
        return []
    return [_sg_rule(body, "protocol", _SG_CIDRS)]


def _vpc_ingress_rule(body: Body) -> list[_Rule]:
    return [_sg_rule(body, "ip_protocol", ("cidr_ipv4", "cidr_ipv6"))]


def _acl_ingress(body: Body) -> list[_Rule]:
    rules = [_acl_rule(b, "action") for b in body.blocks("ingress")]
    return rules + [
        _listed_rule(body, item, line, "protocol", _ACL_CIDRS, "action")
        for item, line in _listed_rules(body, "ingress")
    ]


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


def _world_line(body: Body, cidr_names: tuple[str, ...]) -> int:
    for name in cidr_names:
        if body.has(name) and any(_is_world(c) for c in _as_list(body.get(name))):
            return body.line_of(name)
    return body.line


def _sg_rule(body: Body, protocol: str, cidr_names: tuple[str, ...]) -> _Rule:
    cidrs = tuple(c for name in cidr_names for c in _as_list(body.get(name)))
    return _Rule(
        body.file,
        _world_line(body, cidr_names),
        body.get(protocol),
        body.get("from_port"),
        body.get("to_port"),
        cidrs,
    )


def _acl_rule(body: Body, action: str) -> _Rule:
    cidrs = tuple(c for name in _ACL_CIDRS for c in _as_list(body.get(name)))
    return _Rule(
        body.file,
        _world_line(body, _ACL_CIDRS),
        body.get("protocol"),
        body.get("from_port"),
        body.get("to_port"),
        cidrs,
        allow=str(body.get(action, "")).lower() == "allow",
        stateless=True,
    )


def _listed_rules(body: Body, name: str) -> list[tuple[dict[str, Any], int]]:
    """Rules given as an attribute list (`ingress = [{ ... }]`), each with the line its
    object starts on (the attribute's line when the list comes from a variable or local)."""
    value = body.get(name) if body.has(name) else None
    if not isinstance(value, list):
        return []
    attribute = body.attribute(name)
    starts = _element_lines(attribute.expr) if attribute is not None else []
    fallback = body.line_of(name)
    return [
        (item, starts[index] if len(starts) == len(value) else fallback)
        for index, item in enumerate(value)
        if isinstance(item, dict)
    ]


def _element_lines(expr: Any) -> list[int]:
    """The first line of each element of a list literal written in the source."""
    if not isinstance(expr, Tree):
        return []
    for node in expr.iter_subtrees_topdown():
        if node.data == "tuple":
            return [
                child.meta.line
                for child in node.children
                if isinstance(child, Tree) and child.data != "new_line_or_comment"
            ]
        if node.data not in ("expr_term", "expression"):
            return []
    return []


def _listed_rule(
    body: Body,
    item: dict[str, Any],
    line: int,
    protocol: str,
    cidr_names: tuple[str, ...],
    action: str,
) -> _Rule:
    cidrs = tuple(c for name in cidr_names for c in _as_list(item.get(name)))
    world = next((c for c in cidrs if _is_world(c)), None)
    attribute = body.attribute("ingress")
    if world is not None and attribute is not None:
        line = _line_from(body, attribute, line, str(world))
    return _Rule(
        body.file,
        line,
        item.get(protocol),
        item.get("from_port"),
        item.get("to_port"),
        cidrs,
        allow=str(item.get(action, "")).lower() == "allow" if action else True,
        stateless=bool(action),
    )


def _line_from(body: Body, attribute: Attribute, start: int, text: str) -> int:
    """The first line at or after `start` within `attribute` that holds `text` (`start`
    itself when the list was not written there, but came from a variable or local)."""
    lines = body.context.root.files.get(attribute.file, "").split("\n")
    end = getattr(getattr(attribute.expr, "meta", None), "end_line", start)
    for number in range(start, min(end, len(lines)) + 1):
        if text in lines[number - 1]:
            return number
    return start


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
