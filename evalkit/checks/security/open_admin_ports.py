"""SEC-OPEN-ADMIN-PORTS: SSH or RDP open to the internet."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import firewall
from evalkit.aws.firewall import INGRESS, FirewallRule
from evalkit.checks._helpers import Problem, per_instance
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import ResourceInstance, TerraformModel

# Admin ports, the service on each, and the protocols it listens on (SSH is TCP only).
ADMIN_PORTS = {22: ("SSH", ("tcp",)), 3389: ("RDP", ("tcp", "udp"))}


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
    resources = firewall.declaring(model, INGRESS)
    if not resources:
        return None
    findings: list[Finding] = []
    for resource in resources:
        findings.extend(per_instance(resource, _open_admin_ports))
    return findings


def _open_admin_ports(instance: ResourceInstance) -> Iterator[Problem]:
    for rule in firewall.rules(instance, INGRESS):
        opening = _admin_opening(rule)
        if opening is not None:
            yield (
                rule.file,
                rule.world_line,
                f"allows {opening} from the internet; restrict the source to a trusted "
                "CIDR or security group, or use SSM Session Manager.",
            )


def _admin_opening(rule: FirewallRule) -> str | None:
    """What of the admin ports a rule opens to the internet, in words, or None."""
    if rule.protocol_name == "all":
        return "all traffic" if rule.opens_to_world(22) else None
    for port, (service, protocols) in ADMIN_PORTS.items():
        if any(rule.opens_to_world(port, protocol) for protocol in protocols):
            return f"port {port} ({service})"
    return None
