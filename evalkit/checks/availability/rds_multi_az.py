"""HA-RDS-MULTI-AZ: Database without a standby in another zone."""

from __future__ import annotations

from collections.abc import Iterator

from evalkit.aws import aws_of
from evalkit.aws.zones import (
    has_known_instances,
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
from evalkit.checks.availability._common import _number, _passed_to_unseen_module
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import Resource, ResourceInstance, TerraformModel

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
