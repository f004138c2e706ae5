"""The firewall view: every syntax of a security group or network ACL rule in, one rule out."""

from __future__ import annotations

from evalkit.aws import firewall
from evalkit.aws.firewall import EGRESS, INGRESS, FirewallRule
from evalkit.terraform.model import build_model


def rules_of(hcl: str, direction: str | None = None) -> list[FirewallRule]:
    model = build_model({"main.tf": hcl})
    return [
        rule
        for resource in model.resources()
        for instance in resource.instances
        for rule in firewall.rules(instance, direction)
    ]


def only(hcl: str, direction: str | None = None) -> FirewallRule:
    found = rules_of(hcl, direction)
    assert len(found) == 1, found
    return found[0]


INLINE_BLOCKS = """resource "aws_security_group" "web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }
  egress {
    from_port       = 0
    to_port         = 0
    protocol        = "-1"
    prefix_list_ids = ["pl-123"]
    security_groups = ["sg-1"]
  }
}
"""


def test_inline_blocks_give_one_rule_each_with_direction_and_world_line() -> None:
    ingress = only(INLINE_BLOCKS, INGRESS)
    assert (ingress.protocol_name, ingress.ports, ingress.from_world) == ("tcp", (22, 22), True)
    assert (ingress.line, ingress.world_line) == (2, 6)
    assert ingress.opens_to_world(22) is True
    assert ingress.opens_to_world(3389) is False
    assert ingress.opens_to_world(22, "udp") is False
    egress = only(INLINE_BLOCKS, EGRESS)
    assert egress.protocol_name == "all" and egress.ports == (0, 65535)
    assert egress.prefix_lists == ("pl-123",) and egress.security_groups == ("sg-1",)
    assert egress.from_world is False and egress.group is None


def test_attribute_list_rules_point_at_their_element_and_world_cidr() -> None:
    rules = rules_of(
        """resource "aws_security_group" "web" {
  ingress = [
    {
      from_port   = 443
      to_port     = 443
      protocol    = "tcp"
      cidr_blocks = ["10.0.0.0/8"]
    },
    {
      from_port        = 3389
      to_port          = 3389
      protocol         = "tcp"
      ipv6_cidr_blocks = ["::/0"]
    },
  ]
}
""",
        INGRESS,
    )
    assert [(r.line, r.world_line) for r in rules] == [(3, 3), (9, 13)]
    assert [r.opens_to_world(3389) for r in rules] == [False, True]


def test_list_from_a_variable_points_at_the_attribute() -> None:
    rule = only(
        """variable "rules" {
  default = [{ from_port = 22, to_port = 22, protocol = "tcp", cidr_blocks = ["0.0.0.0/0"] }]
}
resource "aws_security_group" "web" {
  ingress = var.rules
}
""",
        INGRESS,
    )
    assert (rule.line, rule.world_line) == (5, 5) and rule.opens_to_world(22) is True


def test_dynamic_blocks_are_expanded() -> None:
    rules = rules_of(
        """resource "aws_security_group" "web" {
  dynamic "ingress" {
    for_each = [22, 80]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
""",
        INGRESS,
    )
    assert [r.ports for r in rules] == [(22, 22), (80, 80)]


def test_standalone_group_rules_by_type_and_provider_v5_rules() -> None:
    hcl = """resource "aws_security_group_rule" "in" {
  type                     = "ingress"
  from_port                = 3389
  to_port                  = 3389
  protocol                 = "6"
  source_security_group_id = "sg-9"
  security_group_id        = "sg-1"
}
resource "aws_security_group_rule" "out" {
  type              = "egress"
  from_port         = 0
  to_port           = 65535
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = "sg-1"
}
resource "aws_vpc_security_group_ingress_rule" "v5" {
  security_group_id = "sg-2"
  ip_protocol       = "udp"
  from_port         = 3389
  to_port           = 3389
  cidr_ipv6         = "::/0"
}
resource "aws_vpc_security_group_egress_rule" "v5out" {
  security_group_id = "sg-2"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
"""
    inbound = rules_of(hcl, INGRESS)
    assert [r.resource.address for r in inbound] == [
        "aws_security_group_rule.in",
        "aws_vpc_security_group_ingress_rule.v5",
    ]
    assert inbound[0].security_groups == ("sg-9",) and inbound[0].group == "sg-1"
    assert inbound[0].opens_to_world(3389) is False  # from a group, not the internet
    assert inbound[1].opens_to_world(3389, "udp") is True and inbound[1].world_line == 22
    assert inbound[1].opens_to_world(3389, "tcp") is False
    outbound = rules_of(hcl, EGRESS)
    assert [r.ports for r in outbound] == [(0, 65535), (0, 65535)]


def test_unknown_parts_answer_unknown() -> None:
    hcl = """variable "cidr" {}
variable "protocol" {}
resource "aws_security_group" "a" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
resource "aws_security_group" "b" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = var.protocol
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group_rule" "c" {
  type              = var.protocol
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = "sg-1"
}
"""
    unknown_cidr, unknown_protocol, unknown_direction = rules_of(hcl)
    assert unknown_cidr.from_world is None and unknown_cidr.opens_to_world(22) is None
    assert unknown_protocol.protocol_name is None and unknown_protocol.covers(22) is None
    assert unknown_protocol.opens_to_world(22) is None
    assert unknown_direction.direction is None
    assert [r.resource.name for r in rules_of(hcl, INGRESS)] == ["a", "b"]


def test_network_acl_rules_carry_action_order_and_return_traffic() -> None:
    hcl = """resource "aws_network_acl" "main" {
  vpc_id = "vpc-1"
  ingress {
    rule_no    = 100
    action     = "deny"
    protocol   = "tcp"
    from_port  = 22
    to_port    = 22
    cidr_block = "0.0.0.0/0"
  }
  ingress {
    rule_no    = 200
    action     = "allow"
    protocol   = "tcp"
    from_port  = 1024
    to_port    = 65535
    cidr_block = "0.0.0.0/0"
  }
}
resource "aws_network_acl_rule" "rdp" {
  network_acl_id  = "acl-1"
  rule_number     = 300
  egress          = false
  protocol        = "-1"
  rule_action     = "allow"
  ipv6_cidr_block = "::/0"
}
resource "aws_network_acl_rule" "out" {
  network_acl_id = "acl-1"
  rule_number    = 100
  egress         = true
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}
"""
    deny, ephemeral, everything = rules_of(hcl, INGRESS)
    assert (deny.allow, deny.rule_number, deny.stateless) == (False, 100, True)
    assert deny.opens_to_world(22) is False
    assert ephemeral.is_return_traffic and ephemeral.opens_to_world(3389) is False
    assert everything.rule_number == 300 and everything.group == "acl-1"
    assert everything.opens_to_world(22) is True and not everything.is_return_traffic
    assert [r.resource.address for r in rules_of(hcl, EGRESS)] == ["aws_network_acl_rule.out"]


def test_default_group_and_acl_are_read_like_the_others() -> None:
    hcl = """resource "aws_default_security_group" "d" {
  ingress {
    protocol  = -1
    self      = true
    from_port = 0
    to_port   = 0
  }
}
resource "aws_default_network_acl" "d" {
  default_network_acl_id = "acl-0"
  egress = [{ rule_no = 1, action = "allow", protocol = "-1", from_port = 0, to_port = 0,
              cidr_block = "0.0.0.0/0" }]
}
"""
    group, acl = rules_of(hcl)
    assert group.security_groups == ("self",) and group.from_world is False
    assert (acl.direction, acl.allow, acl.from_world, acl.stateless) == (EGRESS, True, True, True)


def test_declaring_lists_resources_with_rules_of_a_direction() -> None:
    model = build_model({"main.tf": INLINE_BLOCKS + 'resource "aws_security_group" "empty" {}\n'})
    assert [r.address for r in firewall.declaring(model, INGRESS)] == ["aws_security_group.web"]
    assert [r.address for r in firewall.declaring(model)] == ["aws_security_group.web"]
