"""Availability checks: zones, database failover, scaling and health checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from evalkit.aws import AwsLayer, aws_of, catalog, same_region
from evalkit.aws.zones import (
    Placement,
    Zone,
    has_known_instances,
    subnets_in_value,
    subnets_named,
    zone_of,
    zone_of_value,
)
from evalkit.checks._helpers import (
    Problem,
    instance_addresses,
    names_a_source,
    per_instance,
    resource_finding,
    truth,
    where,
)
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Body, Resource, ResourceInstance, TerraformModel
from evalkit.terraform.values import Unknown, known_text

# --- HA-SINGLE-AZ ------------------------------------------------------------------------------


@check(
    "HA-SINGLE-AZ",
    category="availability",
    severity="high",
    title="Everything in one availability zone",
)
def single_az(model: TerraformModel) -> list[Finding] | None:
    """A VPC, an Auto Scaling group or a load balancer sits in a single availability zone.

    Fails when all subnets of a VPC declared in the submission are in one zone (or it has a
    single subnet), when an Auto Scaling group's `vpc_zone_identifier` subnets or
    `availability_zones` are all in one zone, or when a load balancer's `subnets` /
    `subnet_mapping` are. Zones are evaluated per subnet instance: literal names and ids,
    `data.aws_availability_zones` elements picked by `count.index` or `element()` (different
    indexes are different zones), variables, locals, maps and `for_each`. Subnets whose zone
    cannot be known do not count against the design; a VPC is not judged when a registry
    module receives it or a subnet's `vpc_id` cannot be followed, since it may have subnets
    evalkit cannot see. Each VPC, in each region, is judged on its own.

    Why: a zone outage takes down everything placed only in that zone; AWS designs for
    availability assume at least two zones.

    Fix: spread every tier over at least two zones and give groups and load balancers a
    subnet in each.

        resource "aws_subnet" "private" {
          count             = 2
          vpc_id            = aws_vpc.main.id
          cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
          availability_zone = data.aws_availability_zones.available.names[count.index]
        }
    """
    subnets = list(model.resources("aws_subnet"))
    groups = list(model.resources("aws_autoscaling_group"))
    balancers = list(model.resources(*catalog.ALL_LOAD_BALANCERS))
    if not (subnets or groups or balancers):
        return None
    findings = list(_single_zone_vpcs(model, subnets))
    for group in groups:
        findings.extend(
            _single_zone_placements(
                group, _group_placements(model, group), "launches its instances"
            )
        )
    for balancer in balancers:
        findings.extend(
            _single_zone_placements(
                balancer, _balancer_placements(model, balancer), "serves traffic"
            )
        )
    return findings


def _single_zone_vpcs(model: TerraformModel, subnets: list[Resource]) -> Iterator[Finding]:
    members: dict[str, list[ResourceInstance]] = {}
    owners: dict[str, Resource] = {}
    undecided: set[str] = set()
    untraceable = False
    for subnet in subnets:
        for instance in subnet.instances:
            target = _vpc_of(model, instance)
            if target is None:
                # A vpc_id evalkit could not follow may name any VPC: judge none of them.
                untraceable = untraceable or _is_untraceable(instance.get("vpc_id"))
                continue
            vpc = target if isinstance(target, Resource) else target.resource
            addresses = (
                [i.address for i in vpc.instances]
                if isinstance(target, Resource)
                else [target.address]
            )
            for address in addresses:
                owners[address] = vpc
                members.setdefault(address, []).append(instance)
                if isinstance(target, Resource) or not has_known_instances(subnet):
                    undecided.add(address)
    for address, instances in members.items():
        vpc = owners[address]
        if untraceable or address in undecided or _passed_to_unseen_module(model, vpc):
            continue
        problem = _single_zone_problem(_subnet_zones(instances), "subnet")
        if problem:
            yield resource_finding(
                vpc,
                f"{address}{where(vpc)} {problem}; add subnets in at least a second "
                "availability zone for each tier.",
                address=address,
            )


def _is_untraceable(value: Any) -> bool:
    return isinstance(value, Unknown) and not value.refs


def _passed_to_unseen_module(model: TerraformModel, resource: Resource) -> bool:
    """True when a module evalkit cannot read (a registry module) receives `resource`: it may
    add what the check counts (subnets of a VPC, instances of a cluster)."""
    return any(call.child is None for call in model.module_calls_referencing(resource.address))


def _vpc_of(model: TerraformModel, subnet: ResourceInstance) -> ResourceInstance | Resource | None:
    """The VPC instance of a subnet; the whole VPC resource when the code does not pick one
    of its instances."""
    for edge in aws_of(model).graph.edges_from(subnet, "subnet_vpc"):
        if edge.target is not None:
            return edge.target
        if edge.candidates:
            return edge.candidates[0].resource
    return None


def _single_zone_problem(placed: list[tuple[str, Zone | None]], noun: str) -> str:
    """Why placements (each a name and its zone) share one zone; "" when not or unknown."""
    if len(placed) == 1:
        if noun == "zone":
            return f"lists only one availability zone ({placed[0][0]})"
        return f"has a single subnet ({placed[0][0]}), so it lives in one availability zone"
    zones = {zone for _, zone in placed}
    if len(zones) != 1 or None in zones:
        return ""
    zone = zones.pop()
    assert zone is not None
    if zone.kind == "expression":
        return (
            f"puts all of its {len(placed)} {noun}s in the zone of one expression "
            f"({zone.describe()})"
        )
    return f"puts all of its {len(placed)} {noun}s in availability zone {zone.describe()}"


def _subnet_zones(subnets: list[ResourceInstance]) -> list[tuple[str, Zone | None]]:
    return [(subnet.address, zone_of(subnet)) for subnet in subnets]


def _listed_zones(value: Any) -> list[tuple[str, Zone | None]] | None:
    """The zones of a known list of zone names (`availability_zones`); None when unknown."""
    if not isinstance(value, list):
        return None
    return [
        (zone.describe() if (zone := zone_of_value(item)) else "a zone", zone) for item in value
    ]


FIX_BY_NOUN = {
    "subnet": "give it subnets in at least two availability zones",
    "zone": "list at least two availability zones",
}
# A placement: the resource instance, the line that places it, and its subnets or zones as
# (name, zone) pairs, or None when the code does not show them all.
Placed = tuple[ResourceInstance, int, "list[tuple[str, Zone | None]] | None", str]


def _group_placements(model: TerraformModel, group: Resource) -> Iterator[Placed]:
    for instance in group.instances:
        if instance.has("vpc_zone_identifier"):
            placement = subnets_named(model, instance, "vpc_zone_identifier")
            yield (
                instance,
                instance.line_of("vpc_zone_identifier"),
                _placement_zones(placement),
                "subnet",
            )
        elif instance.has("availability_zones"):
            yield (
                instance,
                instance.line_of("availability_zones"),
                _listed_zones(instance.get("availability_zones")),
                "zone",
            )


def _balancer_placements(model: TerraformModel, balancer: Resource) -> Iterator[Placed]:
    for instance in balancer.instances:
        if instance.has("subnets"):
            placement = subnets_named(model, instance, "subnets")
            yield instance, instance.line_of("subnets"), _placement_zones(placement), "subnet"
        elif mappings := instance.blocks("subnet_mapping"):
            placement = _mapped_subnets(model, instance, mappings)
            line = _nested_block_line(instance, "subnet_mapping")
            yield instance, line, _placement_zones(placement), "subnet"
        elif instance.has("availability_zones"):
            yield (
                instance,
                instance.line_of("availability_zones"),
                _listed_zones(instance.get("availability_zones")),
                "zone",
            )


def _nested_block_line(body: Body, block_type: str) -> int:
    """The line of the first `block_type` block, or of the `dynamic` block that makes it."""
    for block in body.block.blocks:
        if block.type == block_type or (block.type == "dynamic" and block.labels == [block_type]):
            return block.line
    return body.line


def _placement_zones(placement: Placement) -> list[tuple[str, Zone | None]] | None:
    return _subnet_zones(placement.subnets) if placement.complete else None


def _mapped_subnets(
    model: TerraformModel, balancer: ResourceInstance, mappings: list[Body]
) -> Placement:
    found: list[ResourceInstance] = []
    for mapping in mappings:
        placement = subnets_named(model, mapping, "subnet_id")
        if not placement.complete:
            return _dynamic_mapping_subnets(model, balancer)
        found.extend(s for s in placement.subnets if s not in found)
    return Placement(found, True)


def _dynamic_mapping_subnets(model: TerraformModel, balancer: ResourceInstance) -> Placement:
    """`dynamic "subnet_mapping"` over subnets evalkit could not iterate: judge its for_each."""
    found: list[ResourceInstance] = []
    for block in balancer.block.blocks:
        if block.type != "dynamic" or block.labels != ["subnet_mapping"]:
            continue
        source = block.attributes.get("for_each")
        if source is None:
            return Placement([], False)
        holder = Body(block, balancer.context, balancer.scope, balancer.address)
        placement = subnets_in_value(model, holder.get("for_each"), balancer.context, source.expr)
        if not placement.complete:
            return placement
        found.extend(s for s in placement.subnets if s not in found)
    return Placement(found, bool(found))


def _single_zone_placements(
    resource: Resource, placements: Iterator[Placed], what: str
) -> Iterator[Finding]:
    failing: dict[tuple[int, str, str], list[str]] = {}
    for instance, line, zones, noun in placements:
        problem = _single_zone_problem(zones, noun) if zones else ""
        if problem:
            failing.setdefault((line, problem, noun), []).append(instance.address)
    for (line, problem, noun), addresses in failing.items():
        for address in instance_addresses(resource, addresses):
            yield resource_finding(
                resource,
                f"{address}{where(resource)} {what} in one availability zone: it "
                f"{problem}; {FIX_BY_NOUN[noun]}.",
                line=line,
                address=address,
            )


# --- HA-RDS-MULTI-AZ ---------------------------------------------------------------------------

CLUSTER_MEMBERS = ("aws_rds_cluster_instance",)


@check(
    "HA-RDS-MULTI-AZ",
    category="availability",
    severity="high",
    title="Database without a standby in another zone",
)
def rds_multi_az(model: TerraformModel) -> list[Finding] | None:
    """An RDS database instance is single-AZ, or an Aurora cluster has fewer than two instances.

    Fails when an `aws_db_instance` (not an Aurora member, not a read replica) does not set
    `multi_az = true`, evaluated through variables, conditionals and `count`/`for_each`; an
    unknown value (a variable without default) is not a failure. Read replicas
    (`replicate_source_db` set to something other than null) are not judged: they add read
    capacity or a copy in another region, and the availability of the database is the
    source's `multi_az`. Fails when an Aurora cluster (`aws_rds_cluster` with an `aurora*`
    engine, provisioned or Serverless v2) has fewer than two instances, counting
    `count`/`for_each` instances of every `aws_rds_cluster_instance` that refers to it and
    the `min_capacity` readers that Aurora Auto Scaling (`aws_appautoscaling_target` on
    `rds:cluster:ReadReplicaCount`) always keeps; each cluster of a global database counts on
    its own. Aurora Serverless v1 (`engine_mode = "serverless"`), Aurora Limitless clusters
    (`cluster_scalability_type = "limitless"`, whose shard groups carry the load) and
    Multi-AZ DB clusters of MySQL or PostgreSQL fail over by design and pass.

    Why: a single-AZ database is down for the length of a zone outage or instance failure;
    with a standby (or a second Aurora instance) RDS fails over in about a minute.

    Fix: set `multi_az = true`, or give an Aurora cluster at least two instances.

        resource "aws_db_instance" "main" {
          multi_az = true
        }

        resource "aws_rds_cluster_instance" "main" {
          count              = 2
          cluster_identifier = aws_rds_cluster.main.id
        }
    """
    databases = list(model.resources("aws_db_instance"))
    clusters = list(model.resources("aws_rds_cluster"))
    if not (databases or clusters):
        return None
    findings: list[Finding] = []
    for database in databases:
        findings.extend(_single_az_database(database))
    members = _cluster_members(model)
    for cluster in clusters:
        findings.extend(_under_provisioned_cluster(model, cluster, members))
    return findings


def _single_az_database(database: Resource) -> list[Finding]:
    def single_az(instance: ResourceInstance) -> Iterator[Problem]:
        engine = instance.get("engine")
        # `replicate_source_db = null` or "" (a module's "no replica" default) is a primary.
        if (
            instance.get("cluster_identifier") is not None
            or names_a_source(instance, "replicate_source_db")
            or (isinstance(engine, str) and engine.startswith("aurora"))
        ):
            return
        multi_az = truth(instance.get("multi_az"))
        if multi_az or (multi_az is None and instance.has("multi_az")):
            return
        state = "multi_az evaluates to false" if instance.has("multi_az") else "multi_az is not set"
        fix = (
            "SQL Server Express cannot run Multi-AZ; use the Standard or Enterprise edition "
            "with multi_az = true"
            if engine == "sqlserver-ex"
            else "set multi_az = true so RDS keeps a synchronous standby in another zone"
        )
        yield (
            instance.file,
            instance.line_of("multi_az"),
            f"runs in a single availability zone ({state}); {fix}.",
        )

    return per_instance(database, single_az)


class _Members:
    """How many Aurora instances belong to each cluster instance address."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.names: dict[str, list[str]] = {}
        self.undecided: set[str] = set()
        self.unattributed = False

    def add(self, cluster: str, name: str, number: int, exact: bool) -> None:
        self.count[cluster] = self.count.get(cluster, 0) + number
        names = self.names.setdefault(cluster, [])
        if name not in names:
            names.append(name)
        if not exact:
            self.undecided.add(cluster)


READ_REPLICA_COUNT = "rds:cluster:ReadReplicaCount"


def _cluster_members(model: TerraformModel) -> _Members:
    """Cluster instances, and read replicas that Aurora Auto Scaling keeps at all times."""
    members = _Members()
    layer = aws_of(model)
    for edge in layer.edges("cluster_member"):
        member = edge.source.resource
        if edge.target is None and not edge.candidates:
            members.unattributed = True
            continue
        exact = edge.known and has_known_instances(member)
        for cluster in edge.candidates:
            members.add(cluster.address, member.address, 1, exact)
    for edge in layer.edges("replica_scaling"):
        scaling = edge.source
        if scaling.get("scalable_dimension") != READ_REPLICA_COUNT:
            continue
        minimum = _number(scaling.get("min_capacity"))
        for cluster in edge.candidates:
            if minimum is None:
                members.undecided.add(cluster.address)
            elif minimum >= 1:
                exact = edge.known and has_known_instances(scaling.resource)
                members.add(cluster.address, scaling.resource.address, minimum, exact)
    return members


def _under_provisioned_cluster(
    model: TerraformModel, cluster: Resource, members: _Members
) -> Iterator[Finding]:
    if not has_known_instances(cluster) or _passed_to_unseen_module(model, cluster):
        return
    failing: dict[str, list[str]] = {}
    for instance in cluster.instances:
        if not _needs_two_instances(instance):
            continue
        address = instance.address
        count = members.count.get(address, 0)
        if count >= 2 or address in members.undecided or members.unattributed:
            continue
        names = ", ".join(members.names.get(address, []))
        problem = (
            f"has a single instance ({names})" if count == 1 else "has no aws_rds_cluster_instance"
        )
        failing.setdefault(problem, []).append(address)
    for problem, addresses in failing.items():
        for address in instance_addresses(cluster, addresses):
            yield resource_finding(
                cluster,
                f"{address}{where(cluster)} {problem}, so there is no replica to fail "
                "over to; run at least two cluster instances (count = 2), which Aurora spreads "
                "over zones.",
                address=address,
            )


def _needs_two_instances(cluster: ResourceInstance) -> bool:
    engine = cluster.get("engine", "aurora")  # the provider's historical default
    mode = cluster.get("engine_mode", "provisioned")
    if not isinstance(engine, str) or not isinstance(mode, str):
        return False  # unknown: not judged
    if mode == "serverless":
        return False  # Serverless v1 fails over across zones by itself
    scalability = cluster.get("cluster_scalability_type", "standard")
    if not isinstance(scalability, str) or scalability.lower() == "limitless":
        return False  # Limitless: shard groups, not cluster instances, carry the load
    return engine.startswith("aurora")


# --- HA-NO-AUTOSCALING -------------------------------------------------------------------------

COMPUTE_NAMESPACES = ("ecs", "ec2")
APP_WORDS = frozenset(
    {
        "web",
        "webserver",
        "webservers",
        "websrv",
        "webapp",
        "www",
        "app",
        "apps",
        "application",
        "appserver",
        "api",
        "worker",
        "workers",
        "frontend",
        "backend",
    }
)
# Words that make an instance something other than an app tier (a bastion, a NAT, a
# self-managed database or tool), even when a project name such as "webapp" is in its name.
NOT_APP_WORDS = frozenset(
    {
        "bastion",
        "jump",
        "jumpbox",
        "jumphost",
        "nat",
        "vpn",
        "openvpn",
        "mgmt",
        "management",
        "db",
        "database",
        "mysql",
        "postgres",
        "postgresql",
        "mongo",
        "mongodb",
        "redis",
        "cache",
        "elasticsearch",
        "kafka",
        "zookeeper",
        "monitoring",
        "prometheus",
        "grafana",
        "jenkins",
        "ldap",
        "dns",
    }
)
# Tags that say what an instance does; project-wide tags (Project, Application) do not.
DESCRIPTIVE_TAGS = ("Name", "Role", "Tier", "Component")


@check(
    "HA-NO-AUTOSCALING",
    category="availability",
    severity="high",
    title="Compute that cannot scale or replace itself",
)
def no_autoscaling(model: TerraformModel) -> list[Finding] | None:
    """An app tier runs on a fixed set of EC2 instances, or an Auto Scaling group never scales.

    Fails when `aws_instance`s registered with a load balancer (`aws_lb_target_group_attachment`,
    `aws_elb` `instances`, `aws_elb_attachment`), or named or tagged (`Name`, `Role`, `Tier`,
    `Component`) as a web, app, API or worker tier, run in a region where the submission has
    no Auto Scaling group, EKS node group or Application Auto Scaling target for ECS; and
    when an `aws_autoscaling_group` has `min_size == max_size` (evaluated) and no
    `aws_autoscaling_policy` or `aws_autoscaling_schedule` refers to it. Bastion, NAT,
    database and tool instances are not an app tier, even when a project name such as
    "webapp" is in their name. n/a when the submission has no EC2 compute (Lambda or
    Fargate-only designs), unless ECS services scale through Application Auto Scaling.

    Why: fixed instances are not replaced when they fail and cannot absorb load; an Auto
    Scaling group pinned to one size only replaces failed instances.

    Fix: run the tier as an Auto Scaling group from a launch template, with room to scale and
    a policy that scales it.

        resource "aws_autoscaling_group" "web" {
          min_size            = 2
          max_size            = 6
          vpc_zone_identifier = aws_subnet.private[*].id
          target_group_arns   = [aws_lb_target_group.web.arn]
          launch_template {
            id      = aws_launch_template.web.id
            version = "$Latest"
          }
        }

        resource "aws_autoscaling_policy" "web_cpu" {
          autoscaling_group_name = aws_autoscaling_group.web.name
          policy_type            = "TargetTrackingScaling"
          target_tracking_configuration {
            predefined_metric_specification {
              predefined_metric_type = "ASGAverageCPUUtilization"
            }
            target_value = 60
          }
        }
    """
    servers = list(model.resources("aws_instance"))
    groups = list(model.resources("aws_autoscaling_group"))
    scaled_services = _scaled_compute_targets(model)
    if not (servers or groups or scaled_services):
        return None
    findings: list[Finding] = []
    scalers = [*model.resources(*catalog.SCALERS), *scaled_services]
    for server in servers:
        findings.extend(_fixed_app_tier(model, server, scalers))
    rules = _scaling_rules(model)
    for group in groups:
        findings.extend(_pinned_group(group, rules))
    return findings


def _scaled_compute_targets(model: TerraformModel) -> list[Resource]:
    """Application Auto Scaling targets that scale compute (ECS services, Spot Fleets)."""
    return [
        target
        for target in model.resources("aws_appautoscaling_target")
        if target.config.get("service_namespace") in COMPUTE_NAMESPACES
        or isinstance(target.config.get("service_namespace"), Unknown)
    ]


def _fixed_app_tier(
    model: TerraformModel, server: Resource, scalers: list[Resource]
) -> Iterator[Finding]:
    if any(same_region(server, scaler) for scaler in scalers):
        return
    balancers = _registered_with(model, server)
    words = _descriptive_words(server)
    if words & NOT_APP_WORDS and not balancers:
        return
    if balancers:
        role = f"serves {balancers[0]}"
    elif words & APP_WORDS:
        role = f"runs the {sorted(words & APP_WORDS)[0]} tier"
    else:
        return
    known = has_known_instances(server)
    count = (
        f"{len(server.instances)} fixed EC2 instances"
        if known and len(server.instances) > 1
        else "a single fixed EC2 instance"
        if known
        else "fixed EC2 instances"
    )
    yield resource_finding(
        server,
        f"{server.address}{where(server)} {role} from {count} with no Auto Scaling group "
        "in that region, so failed instances are not replaced and load cannot add capacity; "
        "run it as an aws_autoscaling_group from a launch template with a scaling policy.",
    )


def _registered_with(model: TerraformModel, server: Resource) -> list[str]:
    """The load balancers (or target groups) the instances are registered with."""
    layer = aws_of(model)
    found: list[str] = []
    for kind, owner_kind in (
        ("attachment_target", "attachment_target_group"),
        ("elb_instance", "elb_instance_balancer"),
    ):
        for edge in layer.graph.edges_to(server, kind):
            registration = edge.source
            owners = (
                [registration]
                if registration.resource.type in catalog.CLASSIC_LOAD_BALANCERS
                else layer.targets(registration, owner_kind)
            )
            name = owners[0].resource.address if owners else registration.resource.address
            if name not in found:
                found.append(name)
    return found


def _descriptive_words(server: Resource) -> set[str]:
    texts = [server.name]
    tags = server.config.get("tags")
    if isinstance(tags, dict):
        texts.extend(known_text(tags.get(key)) for key in DESCRIPTIVE_TAGS)
    words: set[str] = set()
    for text in texts:
        spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
        words.update(w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w)
    return words


class _ScalingRules:
    """Which Auto Scaling groups have a scaling policy or schedule."""

    def __init__(self) -> None:
        self.groups: set[str] = set()
        self.unattributed = False


def _scaling_rules(model: TerraformModel) -> _ScalingRules:
    rules = _ScalingRules()
    for edge in aws_of(model).edges("scaling_rule_group"):
        if edge.target is not None:
            rules.groups.add(edge.target.address)
        elif edge.candidates:
            rules.groups.update(c.resource.address for c in edge.candidates)
        elif not edge.known:
            rules.unattributed = True
    return rules


def _pinned_group(group: Resource, rules: _ScalingRules) -> Iterator[Finding]:
    if rules.unattributed or group.address in rules.groups:
        return iter(())

    def pinned(instance: ResourceInstance) -> Iterator[Problem]:
        if instance.address in rules.groups:
            return
        low, high = _number(instance.get("min_size")), _number(instance.get("max_size"))
        if low is not None and high is not None and low == high:
            yield (
                instance.file,
                instance.line_of("max_size"),
                f"has min_size = max_size = {high} and no scaling policy, so it never "
                "scales with load; raise max_size and add an aws_autoscaling_policy "
                "(target tracking on CPU or request count).",
            )

    return iter(per_instance(group, pinned))


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# --- HA-HEALTH-CHECKS --------------------------------------------------------------------------

ROUTING_POLICIES = ("failover_routing_policy", "latency_routing_policy", "weighted_routing_policy")


@check(
    "HA-HEALTH-CHECKS",
    category="availability",
    severity="high",
    title="Traffic sent to targets nobody health-checks",
)
def health_checks(model: TerraformModel) -> list[Finding] | None:
    """Load balancing or DNS routing does not check the health of what it routes to.

    Fails when a target group (`aws_lb_target_group`, `aws_alb_target_group`; Lambda target
    groups exempt) has no `health_check` block or disables it; when an Auto Scaling group that
    receives load balancer traffic (`target_group_arns`, `load_balancers`, or an
    `aws_autoscaling_attachment`) keeps `health_check_type = "EC2"` (the default); and when a
    Route 53 record with a failover, latency or weighted routing policy has no
    `health_check_id` (or one pointing at a disabled `aws_route53_health_check`), unless it is
    an alias with `evaluate_target_health = true`. A SECONDARY failover record may omit the
    health check: Route 53 only fails over to it, so the primary's check is what matters.

    Why: without health checks a load balancer or DNS keeps sending users to dead targets,
    and an Auto Scaling group on EC2 checks keeps instances whose application has crashed.

    Fix: declare the health check at every layer that routes traffic.

        resource "aws_lb_target_group" "web" {
          health_check {
            path    = "/health"
            matcher = "200"
          }
        }

        resource "aws_autoscaling_group" "web" {
          health_check_type         = "ELB"
          health_check_grace_period = 300
        }
    """
    target_groups = list(model.resources(*catalog.TARGET_GROUPS))
    groups = list(model.resources("aws_autoscaling_group"))
    records = [r for r in model.resources("aws_route53_record") if _routing_policies(r.config)]
    if not (target_groups or groups or records):
        return None
    findings: list[Finding] = []
    for target_group in target_groups:
        findings.extend(_unchecked_target_group(target_group))
    for group in groups:
        findings.extend(_group_on_ec2_checks(model, group))
    for record in records:
        findings.extend(_unchecked_record(model, record))
    return findings


NO_TARGET_CHECK = (
    "has no health_check block, so it relies on AWS's default probe, which does not test "
    "what the application serves; declare health_check with the application's health path, "
    "matcher and thresholds."
)
DISABLED_TARGET_CHECK = (
    "disables its health check, so the load balancer keeps routing to targets that stopped "
    "serving; set enabled = true."
)


def _unchecked_target_group(target_group: Resource) -> Iterator[Finding]:
    def unchecked(instance: ResourceInstance) -> Iterator[Problem]:
        target_type = instance.get("target_type", "instance")
        if not isinstance(target_type, str) or target_type == "lambda":
            return
        checks = instance.blocks("health_check")
        if not checks:
            yield instance.file, instance.line, NO_TARGET_CHECK
        for health_check in checks:
            if health_check.has("enabled") and truth(health_check.get("enabled")) is False:
                yield instance.file, health_check.line_of("enabled"), DISABLED_TARGET_CHECK

    return iter(per_instance(target_group, unchecked))


def _group_on_ec2_checks(model: TerraformModel, group: Resource) -> Iterator[Finding]:
    layer = aws_of(model)

    def on_ec2_checks(instance: ResourceInstance) -> Iterator[Problem]:
        source = _traffic_source(layer, instance)
        check_type = instance.get("health_check_type", "EC2")
        if source is not None and isinstance(check_type, str) and check_type.upper() == "EC2":
            yield (
                instance.file,
                instance.line_of("health_check_type"),
                f"receives traffic from {source} but uses EC2 health checks, so instances "
                "whose application fails the load balancer's check are never replaced; set "
                'health_check_type = "ELB".',
            )

    return iter(per_instance(group, on_ec2_checks))


def _traffic_source(layer: AwsLayer, group: ResourceInstance) -> str | None:
    """What load balancer sends traffic to this group, in words; None when nothing does."""
    for name, kind in (
        ("target_group_arns", "attachment_target_group"),
        ("load_balancers", "group_classic_lb"),
        ("traffic_source", ""),
    ):
        value = group.get(name)
        if name == "traffic_source":
            value = [block.get("identifier") for block in group.blocks(name)]
        if not _non_empty(value):
            continue
        targets = layer.targets(group, kind) if kind else []
        if targets:
            return _describe_target(layer, targets[0])
        if not isinstance(value, Unknown):
            return f"the load balancers in {name}"
    for edge in layer.graph.edges_to(group.resource, "attachment_group"):
        attachment = edge.source
        for kind in ("attachment_target_group", "attachment_classic_lb"):
            targets = layer.targets(attachment, kind)
            if targets:
                return _describe_target(layer, targets[0])
        if any(
            attachment.get(name) is not None
            for name in ("lb_target_group_arn", "alb_target_group_arn", "elb")
        ) or attachment.blocks("traffic_source"):
            return attachment.resource.address
    return None


def _non_empty(value: Any) -> bool:
    if isinstance(value, list):
        return any(item is not None for item in value)
    return isinstance(value, Unknown) and bool(value.refs) and not value.reason


def _describe_target(layer: AwsLayer, target: ResourceInstance) -> str:
    """``aws_lb.web via aws_lb_target_group.web``: follow target group -> listener -> LB."""
    resource = target.resource
    if resource.type not in catalog.TARGET_GROUPS:
        return resource.address
    listeners = layer.sources(resource, "listener_target_group")
    for rule in layer.sources(resource, "rule_target_group"):
        listeners.extend(layer.targets(rule, "rule_listener"))
    for listener in listeners:
        balancers = layer.targets(listener, "listener_lb")
        if balancers:
            return f"{balancers[0].resource.address} via {resource.address}"
    return resource.address


def _routing_policies(body: Body) -> list[str]:
    return [name for name in ROUTING_POLICIES if body.blocks(name)]


def _unchecked_record(model: TerraformModel, record: Resource) -> Iterator[Finding]:
    def unchecked(instance: ResourceInstance) -> Iterator[Problem]:
        policies = _routing_policies(instance)
        if not policies or _is_secondary(instance) or _evaluates_alias_target(instance):
            return
        problem = _missing_health_check(model, instance)
        if problem:
            kind = policies[0].replace("_routing_policy", "")
            yield (
                instance.file,
                instance.line_of("health_check_id"),
                f"uses {kind} routing but {problem[0]}, so Route 53 keeps answering with an "
                f"endpoint that is down; {problem[1]}.",
            )

    return iter(per_instance(record, unchecked))


def _is_secondary(record: ResourceInstance) -> bool:
    return any(
        isinstance(kind := policy.get("type"), str) and kind.upper() == "SECONDARY"
        for policy in record.blocks("failover_routing_policy")
    )


def _evaluates_alias_target(record: ResourceInstance) -> bool:
    return any(
        truth(alias.get("evaluate_target_health")) is not False for alias in record.blocks("alias")
    )


def _missing_health_check(
    model: TerraformModel, record: ResourceInstance
) -> tuple[str, str] | None:
    """What is wrong with the record's health check, and the fix; None when it has one."""
    value = record.get("health_check_id")
    if value is None or value == "":
        return (
            "has no health_check_id",
            "point health_check_id at an "
            "aws_route53_health_check (or use an alias with evaluate_target_health = true)",
        )
    for health_check in model.referenced_resources(value, "aws_route53_health_check"):
        if truth(health_check.config.get("disabled")) is True:
            return (
                f"its health check {health_check.address} is disabled",
                f"remove disabled = true from {health_check.address}",
            )
    return None
