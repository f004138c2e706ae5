"""HA-RDS-MULTI-AZ: Database without a standby in another zone."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from evalkit.aws.availability import (
    ClusterMembers,
    cluster_members,
    fails_over_to_members,
    has_standby,
    is_standalone_database,
    passed_to_unseen_module,
)
from evalkit.aws.zones import has_known_instances
from evalkit.checks._helpers import Problem, per_instance
from evalkit.checks.registry import check
from evalkit.records import Finding
from evalkit.terraform.model import ResourceInstance, TerraformModel


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
        findings.extend(per_instance(database, _single_az_database))
    members = cluster_members(model)
    for cluster in clusters:
        if has_known_instances(cluster) and not passed_to_unseen_module(model, cluster):
            findings.extend(per_instance(cluster, partial(_under_provisioned_cluster, members)))
    return findings


def _single_az_database(database: ResourceInstance) -> Iterator[Problem]:
    if not is_standalone_database(database) or has_standby(database) is not False:
        return
    state = "multi_az evaluates to false" if database.has("multi_az") else "multi_az is not set"
    fix = (
        "SQL Server Express cannot run Multi-AZ; use the Standard or Enterprise edition "
        "with multi_az = true"
        if database.get("engine") == "sqlserver-ex"
        else "set multi_az = true so RDS keeps a synchronous standby in another zone"
    )
    yield (
        database.file,
        database.line_of("multi_az"),
        f"runs in a single availability zone ({state}); {fix}.",
    )


def _under_provisioned_cluster(
    members: ClusterMembers, cluster: ResourceInstance
) -> Iterator[Problem]:
    count = members.of(cluster.address)
    if fails_over_to_members(cluster) is not True or count is None or count >= 2:
        return
    names = ", ".join(members.names.get(cluster.address, []))
    problem = (
        f"has a single instance ({names})" if count == 1 else "has no aws_rds_cluster_instance"
    )
    yield (
        cluster.file,
        cluster.line,
        f"{problem}, so there is no replica to fail over to; run at least two cluster "
        "instances (count = 2), which Aurora spreads over zones.",
    )
