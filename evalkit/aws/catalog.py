"""What kind of AWS thing each Terraform resource type is: the one list every check reads.

Grouped by what a reviewer asks about (is it a load balancer, a data store, compute that runs
application code, ...). A type missing here is simply not judged by the checks that ask for a
kind, so adding one is the whole change when AWS or the provider adds a resource.
"""

from __future__ import annotations

# Application and Network Load Balancers (`aws_alb` is the provider's older name for `aws_lb`).
LOAD_BALANCERS = ("aws_lb", "aws_alb")
CLASSIC_LOAD_BALANCERS = ("aws_elb",)
ALL_LOAD_BALANCERS = (*LOAD_BALANCERS, *CLASSIC_LOAD_BALANCERS)
TARGET_GROUPS = ("aws_lb_target_group", "aws_alb_target_group")
TARGET_GROUP_ATTACHMENTS = ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment")
LISTENERS = ("aws_lb_listener", "aws_alb_listener")
LISTENER_RULES = ("aws_lb_listener_rule", "aws_alb_listener_rule")
AUTOSCALING_ATTACHMENTS = (
    "aws_autoscaling_attachment",
    "aws_autoscaling_traffic_source_attachment",
)

# Relational databases and their clusters.
DATABASES = (
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_redshift_cluster",
)
AURORA_MEMBERS = ("aws_rds_cluster_instance",)
CACHES = ("aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_memorydb_cluster")
KEY_VALUE_STORES = ("aws_dynamodb_table",)
DATA_STORES = (*DATABASES, *CACHES, *KEY_VALUE_STORES)

# Data store type -> (its subnet group attribute, the subnet group types it may name).
SUBNET_GROUP_OF_STORE: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws_db_instance": ("db_subnet_group_name", ("aws_db_subnet_group",)),
    "aws_rds_cluster": ("db_subnet_group_name", ("aws_db_subnet_group",)),
    "aws_docdb_cluster": (
        "db_subnet_group_name",
        ("aws_docdb_subnet_group", "aws_db_subnet_group"),
    ),
    "aws_neptune_cluster": (
        "neptune_subnet_group_name",
        ("aws_neptune_subnet_group", "aws_db_subnet_group"),
    ),
    "aws_elasticache_cluster": ("subnet_group_name", ("aws_elasticache_subnet_group",)),
    "aws_elasticache_replication_group": ("subnet_group_name", ("aws_elasticache_subnet_group",)),
    "aws_redshift_cluster": ("cluster_subnet_group_name", ("aws_redshift_subnet_group",)),
}
# Subnet groups of managed data stores, which need no route to the internet.
DATA_SUBNET_GROUPS = (
    "aws_db_subnet_group",
    "aws_elasticache_subnet_group",
    "aws_redshift_subnet_group",
    "aws_docdb_subnet_group",
    "aws_neptune_subnet_group",
    "aws_memorydb_subnet_group",
    "aws_dms_replication_subnet_group",
)
# Data stores that can be given a public endpoint with `publicly_accessible`.
PUBLICLY_ACCESSIBLE_STORES = ("aws_db_instance", "aws_rds_cluster_instance", "aws_redshift_cluster")

# Compute that runs application code.
COMPUTE = (
    "aws_instance",
    "aws_autoscaling_group",
    "aws_ecs_service",
    "aws_lambda_function",
    "aws_eks_cluster",
    "aws_ecs_express_gateway_service",
)
# Resources that run code in the subnets they are given, which then needs a way out
# (updates, images, AWS APIs) unless VPC endpoints serve it.
RUNS_IN_SUBNET = (
    *COMPUTE,
    "aws_eks_node_group",
    "aws_eks_fargate_profile",
    "aws_launch_template",
    "aws_network_interface",
    "aws_spot_instance_request",
    "aws_spot_fleet_request",
    "aws_ec2_fleet",
    "aws_batch_compute_environment",
    "aws_emr_cluster",
    "aws_codebuild_project",
    "aws_mwaa_environment",
    "aws_sagemaker_domain",
    "aws_sagemaker_notebook_instance",
    "aws_apprunner_vpc_connector",
    "aws_ecs_task_set",
    "aws_glue_connection",
)
SCALERS = ("aws_autoscaling_group", "aws_eks_node_group")
SCALING_RULES = ("aws_autoscaling_policy", "aws_autoscaling_schedule")

# Object storage and the separate configuration resources of AWS provider v4+ that apply to a
# bucket through their `bucket` argument.
BUCKETS = ("aws_s3_bucket",)
BUCKET_COMPANIONS = (
    "aws_s3_bucket_acl",
    "aws_s3_bucket_cors_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_replication_configuration",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_website_configuration",
    "aws_s3_bucket_intelligent_tiering_configuration",
    "aws_s3_bucket_object_lock_configuration",
    "aws_s3_bucket_accelerate_configuration",
    "aws_s3_bucket_request_payment_configuration",
)

# CloudWatch dimensions whose literal values are names, and the resource types (and the
# attributes holding their names) such a value may name.
NAMED_BY_DIMENSION: dict[str, tuple[tuple[str, str], ...]] = {
    "AutoScalingGroupName": (("aws_autoscaling_group", "name"),),
    "ServiceName": (
        ("aws_ecs_service", "name"),
        ("aws_ecs_express_gateway_service", "service_name"),
    ),
    "ClusterName": (("aws_eks_cluster", "name"), ("aws_ecs_cluster", "name")),
    "FunctionName": (("aws_lambda_function", "function_name"),),
    "DBInstanceIdentifier": (
        ("aws_db_instance", "identifier"),
        ("aws_rds_cluster_instance", "identifier"),
    ),
    "DBClusterIdentifier": (("aws_rds_cluster", "cluster_identifier"),),
    "TableName": (("aws_dynamodb_table", "name"),),
    "ReplicationGroupId": (("aws_elasticache_replication_group", "replication_group_id"),),
    "CacheClusterId": (
        ("aws_elasticache_replication_group", "replication_group_id"),
        ("aws_elasticache_cluster", "cluster_id"),
    ),
    "LoadBalancer": (("aws_lb", "name"), ("aws_alb", "name")),
    "TargetGroup": (("aws_lb_target_group", "name"),),
    "LoadBalancerName": (("aws_elb", "name"),),
}

LOG_GROUPS = ("aws_cloudwatch_log_group",)
METRIC_ALARMS = ("aws_cloudwatch_metric_alarm",)
ALARMS = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
TOPICS = ("aws_sns_topic",)
TOPIC_SUBSCRIPTIONS = ("aws_sns_topic_subscription",)
# AWS Chatbot channels subscribe themselves to the topics they name.
CHAT_CHANNELS = (
    "aws_chatbot_slack_channel_configuration",
    "aws_chatbot_teams_channel_configuration",
)

# IAM principals, and what gives one its permissions.
IAM_PRINCIPALS = ("aws_iam_role", "aws_iam_user", "aws_iam_group")
# Resources that attach managed policies: type -> (the attributes naming the principals, the
# attribute naming the policy ARNs). The `*_exclusive` ones also detach every policy they do
# not name; an SSO permission set (no IAM principal) gets its policy the same way.
IAM_POLICY_ATTACHMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "aws_iam_role_policy_attachment": (("role",), "policy_arn"),
    "aws_iam_user_policy_attachment": (("user",), "policy_arn"),
    "aws_iam_group_policy_attachment": (("group",), "policy_arn"),
    "aws_iam_policy_attachment": (("roles", "users", "groups"), "policy_arn"),
    "aws_iam_role_policy_attachments_exclusive": (("role_name",), "policy_arns"),
    "aws_iam_user_policy_attachments_exclusive": (("user_name",), "policy_arns"),
    "aws_iam_group_policy_attachments_exclusive": (("group_name",), "policy_arns"),
    "aws_ssoadmin_managed_policy_attachment": ((), "managed_policy_arn"),
}
# Inline policies of a principal, and the resources that keep only the inline policies they
# name: type -> the attributes naming the principal.
IAM_INLINE_POLICIES: dict[str, tuple[str, ...]] = {
    "aws_iam_role_policy": ("role",),
    "aws_iam_user_policy": ("user",),
    "aws_iam_group_policy": ("group",),
    "aws_iam_role_policies_exclusive": ("role_name",),
    "aws_iam_user_policies_exclusive": ("user_name",),
    "aws_iam_group_policies_exclusive": ("group_name",),
}
# Every resource that ties a policy to a principal: type -> the attributes naming it.
IAM_ATTACHMENTS: dict[str, tuple[str, ...]] = {
    **{kind: principals for kind, (principals, _) in IAM_POLICY_ATTACHMENTS.items() if principals},
    **IAM_INLINE_POLICIES,
}

# Global services: one namespace per account, whatever provider configuration (region or
# alias) declares them, so a name written under one alias reaches a resource under another.
GLOBAL_SERVICE_PREFIXES = ("aws_iam_", "aws_route53_", "aws_cloudfront_", "aws_organizations_")
# Route 53 Resolver endpoints and rules live in a VPC, and so in its region.
REGIONAL_UNDER_GLOBAL_PREFIX = ("aws_route53_resolver_",)


def is_global(resource_type: str) -> bool:
    """Whether a resource type belongs to a global AWS service (IAM, Route 53, CloudFront,
    Organizations) rather than to a region."""
    return resource_type.startswith(GLOBAL_SERVICE_PREFIXES) and not resource_type.startswith(
        REGIONAL_UNDER_GLOBAL_PREFIX
    )


# Services whose region is no choice of the author: global ones, or ones AWS pins to one
# region (ACM certificates for CloudFront, Route 53 query logs, Budgets, Cost Explorer, Shield,
# Global Accelerator). Where they are declared says nothing about how many regions a workload
# spans, so the naming and hardcoded-values checks leave them out of that question. This is
# not GLOBAL_SERVICE_PREFIXES, which is about names shared across regions: it adds the pinned
# services, and it lists Route 53's global resources one by one instead of excepting the
# Resolver (so delegation sets, DNSSEC signing keys, traffic policies and CIDR collections
# are regional here). Each list keeps the findings of the checks that read it unchanged.
REGION_FIXED_SERVICE_PREFIXES = (
    "aws_iam_",
    "aws_route53_record",
    "aws_route53_zone",
    "aws_route53_health_check",
    "aws_route53_query_log",
    "aws_cloudfront_",
    "aws_acm_certificate",
    "aws_organizations_",
    "aws_budgets_",
    "aws_ce_",
    "aws_shield_",
    "aws_globalaccelerator_",
)


# The network.
VPCS = ("aws_vpc",)
SUBNETS = ("aws_subnet",)
ROUTE_TABLES = ("aws_route_table", "aws_default_route_table")
NAT_GATEWAYS = ("aws_nat_gateway",)
INTERNET_GATEWAYS = ("aws_internet_gateway",)
FLOW_LOGS = ("aws_flow_log",)
# Resources that shape a subnet's network rather than run anything in it.
NETWORK_PLUMBING = (
    "aws_route_table_association",
    "aws_network_acl",
    "aws_network_acl_association",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_subnet_association",
    "aws_nat_gateway",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ram_resource_association",
    "aws_flow_log",
)


def kind_of(resource_type: str) -> str:
    """A short word for what a resource type is, "" when the catalog does not know it."""
    for kind, types in _KINDS:
        if resource_type in types:
            return kind
    return ""


_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("load balancer", ALL_LOAD_BALANCERS),
    ("database", DATABASES),
    ("cache", CACHES),
    ("key-value store", KEY_VALUE_STORES),
    ("compute", COMPUTE),
    ("storage", BUCKETS),
    ("log group", LOG_GROUPS),
    ("alarm", ALARMS),
    ("topic", TOPICS),
    ("network", (*VPCS, *SUBNETS, *ROUTE_TABLES, *NAT_GATEWAYS, *INTERNET_GATEWAYS)),
    ("identity", IAM_PRINCIPALS),
)


# --- coverage kinds ------------------------------------------------------------------------------
# What infrastructure a design builds, in kinds coarse enough that equivalent designs meet (an
# RDS instance and an Aurora cluster are both a relational database; an ALB, an NLB and a classic
# ELB are all a load balancer), for measuring how much of a reference an answer builds
# (`evalkit.grading.coverage`). Compute is split by its sort, because a task that asks for
# servers is not answered by a function: virtual machines (instances, Auto Scaling groups,
# fleets), containers (ECS, EKS, App Runner) and serverless functions (Lambda).
#
# Only resources that are infrastructure in their own right count. Left out on purpose: utility
# resources of other providers (random_*, null_resource, time_*, tls_*, ...), IAM glue (roles,
# policies, attachments, instance profiles), and configuration glue that only shapes or wires a
# counted resource (security group rules, route table associations and routes, listeners and
# target groups, bucket companions such as versioning, launch templates, parameter and subnet
# groups, KMS aliases, certificate validations, topic subscriptions, Lambda permissions, API
# Gateway methods and stages, elastic IPs, ...). The pieces of a network that exist on their own
# (subnets, route tables, gateways, security groups and network ACLs) count, each as its kind.
# Global containers that only group regional members (an Aurora global cluster, an ElastiCache
# global datastore) are left out too: their members in each region are what is built there.
COVERAGE_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # kind: (how feedback names it, resource types)
    "database": (
        "a relational database",
        ("aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance"),
    ),
    "document_database": ("a document database", ("aws_docdb_cluster",)),
    "graph_database": ("a graph database", ("aws_neptune_cluster",)),
    "data_warehouse": (
        "a data warehouse",
        ("aws_redshift_cluster", "aws_redshiftserverless_workgroup"),
    ),
    "cache": (
        "a cache",
        (
            "aws_elasticache_cluster",
            "aws_elasticache_replication_group",
            "aws_elasticache_serverless_cache",
            "aws_memorydb_cluster",
        ),
    ),
    "key_value_store": ("a key-value table", ("aws_dynamodb_table", "aws_dynamodb_global_table")),
    "search": ("a search cluster", ("aws_opensearch_domain", "aws_elasticsearch_domain")),
    "load_balancer": ("a load balancer", ALL_LOAD_BALANCERS),
    "vm_compute": (
        "virtual machines",
        (
            "aws_instance",
            "aws_autoscaling_group",
            "aws_spot_instance_request",
            "aws_spot_fleet_request",
            "aws_ec2_fleet",
            "aws_elastic_beanstalk_environment",
        ),
    ),
    "container_compute": (
        "container compute",
        (
            "aws_ecs_cluster",
            "aws_ecs_service",
            "aws_eks_cluster",
            "aws_eks_node_group",
            "aws_eks_fargate_profile",
            "aws_apprunner_service",
        ),
    ),
    "function_compute": ("serverless functions", ("aws_lambda_function",)),
    "object_storage": ("an S3 bucket", BUCKETS),
    "file_storage": (
        "a file system",
        (
            "aws_efs_file_system",
            "aws_fsx_lustre_file_system",
            "aws_fsx_windows_file_system",
            "aws_fsx_ontap_file_system",
            "aws_fsx_openzfs_file_system",
        ),
    ),
    "block_storage": ("an EBS volume", ("aws_ebs_volume",)),
    "cdn": ("a CDN", ("aws_cloudfront_distribution",)),
    "dns": ("DNS (a Route 53 zone or records)", ("aws_route53_zone", "aws_route53_record")),
    "health_check": ("a DNS health check", ("aws_route53_health_check",)),
    "traffic_accelerator": ("a global accelerator", ("aws_globalaccelerator_accelerator",)),
    "network": ("a VPC", VPCS),
    "subnet": ("subnets", SUBNETS),
    "route_table": ("route tables", ("aws_route_table",)),
    "internet_gateway": (
        "an internet gateway",
        ("aws_internet_gateway", "aws_egress_only_internet_gateway"),
    ),
    "nat_gateway": ("a NAT gateway", NAT_GATEWAYS),
    "firewall": (
        "firewall rules (a security group or network ACL)",
        ("aws_security_group", "aws_network_acl", "aws_networkfirewall_firewall"),
    ),
    "vpc_endpoint": ("a VPC endpoint", ("aws_vpc_endpoint",)),
    "flow_log": ("VPC flow logs", FLOW_LOGS),
    "dns_resolver": ("a DNS resolver endpoint", ("aws_route53_resolver_endpoint",)),
    "network_peering": (
        "network peering (VPC peering or a transit gateway)",
        (
            "aws_vpc_peering_connection",
            "aws_ec2_transit_gateway",
            "aws_ec2_transit_gateway_peering_attachment",
        ),
    ),
    "vpn": (
        "a VPN",
        ("aws_vpn_connection", "aws_vpn_gateway", "aws_ec2_client_vpn_endpoint"),
    ),
    "api_gateway": ("an API gateway", ("aws_api_gateway_rest_api", "aws_apigatewayv2_api")),
    "queue": ("a queue", ("aws_sqs_queue",)),
    "topic": ("a notification topic", TOPICS),
    "event_bus": (
        "event routing (EventBridge)",
        ("aws_cloudwatch_event_bus", "aws_cloudwatch_event_rule", "aws_scheduler_schedule"),
    ),
    "stream": (
        "a data stream",
        ("aws_kinesis_stream", "aws_kinesis_firehose_delivery_stream", "aws_msk_cluster"),
    ),
    "workflow": ("a workflow (Step Functions)", ("aws_sfn_state_machine",)),
    "web_firewall": (
        "a web firewall (WAF)",
        ("aws_wafv2_web_acl", "aws_waf_web_acl", "aws_wafregional_web_acl"),
    ),
    "encryption_key": ("an encryption key", ("aws_kms_key", "aws_kms_replica_key")),
    "secret": ("a secret", ("aws_secretsmanager_secret",)),
    "certificate": ("a certificate", ("aws_acm_certificate",)),
    "container_registry": ("a container registry", ("aws_ecr_repository",)),
    "user_directory": ("a user pool", ("aws_cognito_user_pool",)),
    "log_group": ("a log group", LOG_GROUPS),
    "alarm": ("an alarm", ALARMS),
    "dashboard": ("a dashboard", ("aws_cloudwatch_dashboard",)),
    "metric_filter": ("a log metric filter", ("aws_cloudwatch_log_metric_filter",)),
    "canary": ("a synthetics canary", ("aws_synthetics_canary",)),
    "parameter": ("a configuration parameter (SSM)", ("aws_ssm_parameter",)),
    "config_rule": ("AWS Config rules", ("aws_config_config_rule",)),
    "security_hub": ("Security Hub", ("aws_securityhub_account",)),
    "ddos_protection": ("DDoS protection (Shield)", ("aws_shield_protection",)),
    "graphql_api": ("a GraphQL API (AppSync)", ("aws_appsync_graphql_api",)),
    "data_migration": (
        "data migration (DMS)",
        ("aws_dms_replication_instance", "aws_dms_replication_task"),
    ),
    "audit_trail": ("an audit trail (CloudTrail)", ("aws_cloudtrail",)),
    "threat_detection": ("threat detection (GuardDuty)", ("aws_guardduty_detector",)),
    "config_recorder": ("a configuration recorder", ("aws_config_configuration_recorder",)),
    "backup": ("backups (AWS Backup)", ("aws_backup_plan", "aws_backup_vault")),
    "organization": (
        "an AWS organization (accounts and organizational units)",
        (
            "aws_organizations_organization",
            "aws_organizations_organizational_unit",
            "aws_organizations_account",
        ),
    ),
}
_COVERAGE_KIND_OF_TYPE = {
    resource_type: kind for kind, (_, types) in COVERAGE_KINDS.items() for resource_type in types
}


def coverage_kind(resource_type: str) -> str:
    """The coverage kind a resource type builds (a key of `COVERAGE_KINDS`), "" when the type
    does not count: utility, IAM and configuration-glue resources, and types not listed."""
    return _COVERAGE_KIND_OF_TYPE.get(resource_type, "")
