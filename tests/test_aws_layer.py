"""The AWS layer: HCL in, the relations evalkit sees out, for every edge kind."""

from __future__ import annotations

import pytest

from evalkit.aws import aws_of, catalog, same_region
from evalkit.aws.graph import KINDS
from evalkit.terraform.model import build_model

# kind -> (the target's block, the source's block with {ref} where it names the target,
#          what {ref} is when the source names the target, the target's address)
CASES: dict[str, tuple[str, str, str, str]] = {
    "subnet_vpc": (
        'resource "aws_vpc" "t" { cidr_block = "10.0.0.0/16" }',
        'resource "aws_subnet" "s" { vpc_id = {ref} }',
        "aws_vpc.t.id",
        "aws_vpc.t",
    ),
    "association_subnet": (
        'resource "aws_subnet" "t" { vpc_id = "vpc-1" }',
        'resource "aws_route_table_association" "s" {\n  subnet_id = {ref}\n'
        '  route_table_id = "rtb-1"\n}',
        "aws_subnet.t.id",
        "aws_subnet.t",
    ),
    "association_route_table": (
        'resource "aws_route_table" "t" { vpc_id = "vpc-1" }',
        'resource "aws_route_table_association" "s" {\n  subnet_id = "subnet-1"\n'
        "  route_table_id = {ref}\n}",
        "aws_route_table.t.id",
        "aws_route_table.t",
    ),
    "route_nat": (
        'resource "aws_nat_gateway" "t" { subnet_id = "subnet-1" }',
        'resource "aws_route" "s" {\n  route_table_id = "rtb-1"\n'
        '  destination_cidr_block = "0.0.0.0/0"\n  nat_gateway_id = {ref}\n}',
        "aws_nat_gateway.t.id",
        "aws_nat_gateway.t",
    ),
    "route_gateway": (
        'resource "aws_internet_gateway" "t" { vpc_id = "vpc-1" }',
        'resource "aws_route_table" "s" {\n  vpc_id = "vpc-1"\n'
        '  route {\n    cidr_block = "0.0.0.0/0"\n    gateway_id = {ref}\n  }\n}',
        "aws_internet_gateway.t.id",
        "aws_internet_gateway.t",
    ),
    "route_route_table": (
        'resource "aws_route_table" "t" { vpc_id = "vpc-1" }',
        'resource "aws_route" "s" {\n  route_table_id = {ref}\n'
        '  destination_cidr_block = "0.0.0.0/0"\n  gateway_id = "igw-1"\n}',
        "aws_route_table.t.id",
        "aws_route_table.t",
    ),
    "in_subnet": (
        'resource "aws_subnet" "t" { vpc_id = "vpc-1" }',
        'resource "aws_lambda_function" "s" {\n  function_name = "f"\n'
        "  vpc_config {\n    subnet_ids = [{ref}]\n    security_group_ids = []\n  }\n}",
        "aws_subnet.t.id",
        "aws_subnet.t",
    ),
    "store_subnet_group": (
        'resource "aws_db_subnet_group" "t" {\n  name = "main"\n  subnet_ids = []\n}',
        'resource "aws_db_instance" "s" { db_subnet_group_name = {ref} }',
        "aws_db_subnet_group.t.name",
        "aws_db_subnet_group.t",
    ),
    "flow_log_vpc": (
        'resource "aws_vpc" "t" { cidr_block = "10.0.0.0/16" }',
        'resource "aws_flow_log" "s" {\n  vpc_id = {ref}\n  traffic_type = "ALL"\n}',
        "aws_vpc.t.id",
        "aws_vpc.t",
    ),
    "access_log_bucket": (
        'resource "aws_s3_bucket" "t" { bucket = "lb-logs" }',
        'resource "aws_lb" "s" {\n  access_logs {\n    bucket = {ref}\n    enabled = true\n  }\n}',
        "aws_s3_bucket.t.id",
        "aws_s3_bucket.t",
    ),
    "attachment_target_group": (
        'resource "aws_lb_target_group" "t" { port = 80 }',
        'resource "aws_autoscaling_group" "s" {\n  min_size = 1\n  max_size = 2\n'
        "  target_group_arns = [{ref}]\n}",
        "aws_lb_target_group.t.arn",
        "aws_lb_target_group.t",
    ),
    "attachment_group": (
        'resource "aws_autoscaling_group" "t" {\n  name = "web"\n  min_size = 1\n  max_size = 2\n}',
        'resource "aws_autoscaling_attachment" "s" {\n  autoscaling_group_name = {ref}\n'
        '  lb_target_group_arn = "arn:aws:elasticloadbalancing:x"\n}',
        "aws_autoscaling_group.t.id",
        "aws_autoscaling_group.t",
    ),
    "attachment_target": (
        'resource "aws_instance" "t" { ami = "ami-12345678" }',
        'resource "aws_lb_target_group_attachment" "s" {\n'
        '  target_group_arn = "arn:aws:elasticloadbalancing:x"\n  target_id = {ref}\n}',
        "aws_instance.t.id",
        "aws_instance.t",
    ),
    "listener_lb": (
        'resource "aws_lb" "t" { internal = true }',
        'resource "aws_lb_listener" "s" {\n  load_balancer_arn = {ref}\n  port = 80\n}',
        "aws_lb.t.arn",
        "aws_lb.t",
    ),
    "listener_target_group": (
        'resource "aws_lb_target_group" "t" { port = 80 }',
        'resource "aws_lb_listener" "s" {\n  load_balancer_arn = "arn:x"\n'
        '  default_action {\n    type = "forward"\n    target_group_arn = {ref}\n  }\n}',
        "aws_lb_target_group.t.arn",
        "aws_lb_target_group.t",
    ),
    "rule_listener": (
        'resource "aws_lb_listener" "t" {\n  load_balancer_arn = "arn:x"\n  port = 80\n}',
        'resource "aws_lb_listener_rule" "s" { listener_arn = {ref} }',
        "aws_lb_listener.t.arn",
        "aws_lb_listener.t",
    ),
    "rule_target_group": (
        'resource "aws_lb_target_group" "t" { port = 80 }',
        'resource "aws_lb_listener_rule" "s" {\n  listener_arn = "arn:x"\n'
        '  action {\n    type = "forward"\n    target_group_arn = {ref}\n  }\n}',
        "aws_lb_target_group.t.arn",
        "aws_lb_target_group.t",
    ),
    "elb_instance": (
        'resource "aws_instance" "t" { ami = "ami-12345678" }',
        'resource "aws_elb_attachment" "s" {\n  elb = "web"\n  instance = {ref}\n}',
        "aws_instance.t.id",
        "aws_instance.t",
    ),
    "elb_instance_balancer": (
        'resource "aws_elb" "t" { name = "web" }',
        'resource "aws_elb_attachment" "s" {\n  elb = {ref}\n  instance = "i-1"\n}',
        "aws_elb.t.id",
        "aws_elb.t",
    ),
    "group_classic_lb": (
        'resource "aws_elb" "t" { name = "web" }',
        'resource "aws_autoscaling_group" "s" {\n  min_size = 1\n  max_size = 2\n'
        "  load_balancers = [{ref}]\n}",
        "aws_elb.t.name",
        "aws_elb.t",
    ),
    "attachment_classic_lb": (
        'resource "aws_elb" "t" { name = "web" }',
        'resource "aws_autoscaling_attachment" "s" {\n  autoscaling_group_name = "web"\n'
        "  elb = {ref}\n}",
        "aws_elb.t.id",
        "aws_elb.t",
    ),
    "scaling_rule_group": (
        'resource "aws_autoscaling_group" "t" {\n  name = "web"\n  min_size = 1\n  max_size = 2\n}',
        'resource "aws_autoscaling_policy" "s" {\n  name = "cpu"\n'
        "  autoscaling_group_name = {ref}\n}",
        "aws_autoscaling_group.t.name",
        "aws_autoscaling_group.t",
    ),
    "api_entry": (
        'resource "aws_apigatewayv2_api" "t" {\n  name = "api"\n  protocol_type = "HTTP"\n}',
        'resource "aws_apigatewayv2_route" "s" {\n  api_id = {ref}\n'
        '  route_key = "GET /"\n  authorization_type = "AWS_IAM"\n}',
        "aws_apigatewayv2_api.t.id",
        "aws_apigatewayv2_api.t",
    ),
    "capacity_provider_group": (
        'resource "aws_autoscaling_group" "t" {\n  min_size = 1\n  max_size = 2\n}',
        'resource "aws_ecs_capacity_provider" "s" {\n  name = "ec2"\n'
        "  auto_scaling_group_provider {\n    auto_scaling_group_arn = {ref}\n  }\n}",
        "aws_autoscaling_group.t.arn",
        "aws_autoscaling_group.t",
    ),
    "cluster_capacity_provider": (
        'resource "aws_ecs_capacity_provider" "t" { name = "ec2" }',
        'resource "aws_ecs_cluster_capacity_providers" "s" {\n  cluster_name = "main"\n'
        "  capacity_providers = [{ref}]\n}",
        "aws_ecs_capacity_provider.t.name",
        "aws_ecs_capacity_provider.t",
    ),
    "log_destination": (
        'resource "aws_cloudwatch_log_group" "t" { name = "/vpc/flow" }',
        'resource "aws_flow_log" "s" {\n  vpc_id = "vpc-1"\n  traffic_type = "ALL"\n'
        "  log_destination = {ref}\n}",
        "aws_cloudwatch_log_group.t.arn",
        "aws_cloudwatch_log_group.t",
    ),
    "service_cluster": (
        'resource "aws_ecs_cluster" "t" { name = "main" }',
        'resource "aws_ecs_service" "s" {\n  name = "web"\n  cluster = {ref}\n}',
        "aws_ecs_cluster.t.id",
        "aws_ecs_cluster.t",
    ),
    "bucket_companion": (
        'resource "aws_s3_bucket" "t" { bucket = "data" }',
        'resource "aws_s3_bucket_versioning" "s" {\n  bucket = {ref}\n'
        '  versioning_configuration {\n    status = "Enabled"\n  }\n}',
        "aws_s3_bucket.t.id",
        "aws_s3_bucket.t",
    ),
    "iam_attachment": (
        'resource "aws_iam_role" "t" {\n  name = "app"\n  assume_role_policy = "{}"\n}',
        'resource "aws_iam_role_policy_attachment" "s" {\n  role = {ref}\n'
        '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}',
        "aws_iam_role.t.name",
        "aws_iam_role.t",
    ),
    "subscription_topic": (
        'resource "aws_sns_topic" "t" { name = "alerts" }',
        'resource "aws_sns_topic_subscription" "s" {\n  topic_arn = {ref}\n'
        '  protocol = "email"\n  endpoint = "ops@example.com"\n}',
        "aws_sns_topic.t.arn",
        "aws_sns_topic.t",
    ),
    "alarm_action_topic": (
        'resource "aws_sns_topic" "t" { name = "alerts" }',
        'resource "aws_cloudwatch_metric_alarm" "s" {\n  alarm_name = "cpu"\n'
        "  alarm_actions = [{ref}]\n}",
        "aws_sns_topic.t.arn",
        "aws_sns_topic.t",
    ),
    "alarm_watches": (
        'resource "aws_db_instance" "t" { identifier = "main" }',
        'resource "aws_cloudwatch_metric_alarm" "s" {\n  alarm_name = "cpu"\n'
        "  dimensions = { DBInstanceIdentifier = {ref} }\n}",
        "aws_db_instance.t.identifier",
        "aws_db_instance.t",
    ),
    "cluster_member": (
        'resource "aws_rds_cluster" "t" {\n  cluster_identifier = "main"\n'
        '  engine = "aurora-postgresql"\n}',
        'resource "aws_rds_cluster_instance" "s" { cluster_identifier = {ref} }',
        "aws_rds_cluster.t.id",
        "aws_rds_cluster.t",
    ),
    "replica_scaling": (
        'resource "aws_rds_cluster" "t" {\n  cluster_identifier = "main"\n'
        '  engine = "aurora-mysql"\n}',
        'resource "aws_appautoscaling_target" "s" {\n  service_namespace = "rds"\n'
        '  scalable_dimension = "rds:cluster:ReadReplicaCount"\n'
        '  resource_id = "cluster:${{ref}}"\n  min_capacity = 1\n  max_capacity = 3\n}',
        "aws_rds_cluster.t.id",
        "aws_rds_cluster.t",
    ),
}


def _edges(kind: str, reference: str) -> list:
    target, source, _, _ = CASES[kind]
    text = "\n".join(
        [
            'variable "external" {\n  type = string\n}',
            target,
            source.replace("{ref}", reference),
        ]
    )
    return aws_of(build_model({"main.tf": text})).edges(kind)


def test_every_edge_kind_has_a_case() -> None:
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_known_edge(kind: str) -> None:
    reference, target = CASES[kind][2], CASES[kind][3]
    edges = _edges(kind, reference)
    assert len(edges) == 1
    edge = edges[0]
    assert edge.known and edge.target is not None
    assert (edge.source.address.split(".")[1], edge.target.address) == ("s", target)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_unknown_edge(kind: str) -> None:
    """A value from an input without default may name anything: the edge is not known."""
    edges = _edges(kind, "var.external")
    assert len(edges) == 1
    assert (edges[0].known, edges[0].target) == (False, None)


def test_an_unresolved_value_still_mentions_what_it_is_written_from() -> None:
    text = """
variable "env" { type = string }
resource "aws_lambda_function" "api" { function_name = "api-${var.env}" }
locals { watched = aws_lambda_function.api.function_name }
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name = "errors"
  dimensions = { FunctionName = local.watched }
}
"""
    layer = aws_of(build_model({"main.tf": text}))
    (edge,) = layer.edges("alarm_watches")
    assert (edge.known, edge.target) == (False, None)
    assert [m.address for m in edge.mentions] == ["aws_lambda_function.api"]


def test_literal_name_links_within_a_region_only() -> None:
    text = """
provider "aws" { region = "us-east-1" }
provider "aws" {
  alias  = "dr"
  region = "us-west-2"
}
resource "aws_s3_bucket" "east" { bucket = "logs" }
resource "aws_s3_bucket" "west" {
  provider = aws.dr
  bucket   = "logs"
}
resource "aws_s3_bucket_versioning" "west" {
  provider = aws.dr
  bucket   = "logs"
}
resource "aws_s3_bucket_versioning" "elsewhere" { bucket = "someone-elses" }
"""
    layer = aws_of(build_model({"main.tf": text}))
    edges = {e.source.address: e for e in layer.edges("bucket_companion")}
    assert edges["aws_s3_bucket_versioning.west"].target.address == "aws_s3_bucket.west"
    outside = edges["aws_s3_bucket_versioning.elsewhere"]
    assert (outside.known, outside.target) == (True, None)


def test_expanded_sources_give_an_edge_per_instance() -> None:
    text = """
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "private" {
  for_each = { a = 1, b = 2 }
  vpc_id   = aws_vpc.main.id
}
resource "aws_db_subnet_group" "db" { subnet_ids = [for s in aws_subnet.private : s.id] }
"""
    layer = aws_of(build_model({"main.tf": text}))
    assert [e.source.address for e in layer.edges("subnet_vpc")] == [
        'aws_subnet.private["a"]',
        'aws_subnet.private["b"]',
    ]
    placed = [e.target.address for e in layer.edges("in_subnet") if e.target]
    assert placed == ['aws_subnet.private["a"]', 'aws_subnet.private["b"]']


def test_same_region_compares_regions_else_provider_aliases() -> None:
    text = """
provider "aws" { region = "us-east-1" }
provider "aws" {
  alias  = "copy"
  region = "us-east-1"
}
provider "aws" {
  alias  = "dr"
  region = var.dr_region
}
variable "dr_region" { type = string }
resource "aws_sns_topic" "a" {}
resource "aws_sns_topic" "b" { provider = aws.copy }
resource "aws_sns_topic" "c" { provider = aws.dr }
resource "aws_sns_topic" "d" { provider = aws.dr }
"""
    model = build_model({"main.tf": text})
    a, b, c, d = (model.find_resource(f"aws_sns_topic.{n}") for n in "abcd")
    assert same_region(a, b)  # both regions known: equal
    assert not same_region(a, c)  # region unknown: another provider alias
    assert same_region(c, d)


def test_catalog_knows_every_load_balancer_type() -> None:
    assert set(catalog.ALL_LOAD_BALANCERS) == {"aws_lb", "aws_alb", "aws_elb"}
    assert catalog.kind_of("aws_alb") == "load balancer"
    assert catalog.kind_of("aws_elasticache_replication_group") == "cache"


def test_global_services_link_by_name_across_provider_aliases() -> None:
    text = """
provider "aws" { region = "us-east-1" }
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy_attachment" "logs" {
  provider   = aws.west
  role       = "app"
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
}
resource "aws_s3_bucket" "east" { bucket = "logs" }
resource "aws_s3_bucket_versioning" "west" {
  provider = aws.west
  bucket   = "logs"
}
"""
    layer = aws_of(build_model({"main.tf": text}))
    (attachment,) = layer.edges("iam_attachment")
    assert attachment.source.address == "aws_iam_role_policy_attachment.logs"
    assert (attachment.line, attachment.known) == (13, True)
    assert attachment.target is not None and attachment.target.address == "aws_iam_role.app"
    # A bucket is regional: the same name under another region is another bucket.
    (versioning,) = layer.edges("bucket_companion")
    assert (versioning.known, versioning.target) == (True, None)


def test_catalog_tells_global_services_from_regional_ones() -> None:
    assert catalog.is_global("aws_iam_role")
    assert catalog.is_global("aws_route53_record")
    assert catalog.is_global("aws_cloudfront_distribution")
    assert catalog.is_global("aws_organizations_policy")
    assert not catalog.is_global("aws_route53_resolver_endpoint")
    assert not catalog.is_global("aws_s3_bucket")


@pytest.mark.parametrize(
    "resource_id",
    [
        '"cluster:${aws_rds_cluster.t.cluster_identifier}"',
        'format("cluster:%s", aws_rds_cluster.t.cluster_identifier)',
        "local.scaling_id",
        '"cluster:main"',
    ],
)
def test_replica_scaling_links_whatever_builds_the_resource_id(resource_id: str) -> None:
    """The cluster identifier is a literal, so the value keeps no reference: the edge is
    what the expression is written from (through the local), or the name after `cluster:`."""
    text = f"""
resource "aws_rds_cluster" "t" {{
  cluster_identifier = "main"
  engine             = "aurora-mysql"
}}
resource "aws_rds_cluster" "other" {{
  cluster_identifier = "other"
  engine             = "aurora-mysql"
}}
locals {{ scaling_id = "cluster:${{aws_rds_cluster.t.cluster_identifier}}" }}
resource "aws_appautoscaling_target" "s" {{
  service_namespace  = "rds"
  scalable_dimension = "rds:cluster:ReadReplicaCount"
  resource_id        = {resource_id}
  min_capacity       = 1
  max_capacity       = 3
}}
"""
    (edge,) = aws_of(build_model({"main.tf": text})).edges("replica_scaling")
    assert edge.known and edge.target is not None
    assert edge.target.address == "aws_rds_cluster.t"
