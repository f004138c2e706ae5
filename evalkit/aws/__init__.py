"""What exists in a submission's AWS infrastructure and how it connects.

`evalkit.terraform` knows the language: resources, their evaluated values, instances.
This package knows AWS: what kind of thing each resource type is (`catalog`), and which
resource instance points at which (`graph`), so that checks never follow references
themselves. `evalkit.checks` holds the rules, which only ask this layer.

`aws_of(model)` gives the layer of a submission (or root), built on first use and kept
on the model:

- ``catalog.LOAD_BALANCERS``, ``catalog.DATABASES``, ...: the one list of resource types of
  each kind. Never write a tuple of resource types in a check; add it here.
- ``layer.edges(kind)``: every `Edge` of one relation, e.g. ``"subnet_vpc"``,
  ``"store_subnet_group"``, ``"alarm_action_topic"`` (all kinds: ``graph.EDGE_KINDS``).
  An edge has a `source` instance, the `attribute` and `line` that make it, and a `target`
  instance when `known`. An unknown edge (an input without default, a registry module
  output) may point at anything: a check never fails because of one.
- ``layer.targets(resource_or_instance, kind)`` / ``layer.sources(...)``: the known ends.
- ``edge.mentions`` / ``layer.mentioning(resource, kind)``: what an edge may point at, read
  widely (through locals, inputs and module outputs), for "is anything watching / notifying /
  configuring this" questions, where an unresolved reference must not hide what it names.
- ``layer.network``: subnets with their VPC and route tables, public or private, NAT
  gateways (`evalkit.aws.network`); ``zones``: availability zones of placements.
- ``regions.same_region(a, b)``: the one rule for "in the same region"; relations made by
  name go through ``regions.may_link``, which lets global services (IAM, Route 53,
  CloudFront, Organizations: ``catalog.is_global``) link across regions and aliases.

Views normalise every syntax of one AWS concept into one shape, and answer yes / no /
unknown (None: evalkit cannot know, and a check never fails on it alone):

- ``layer.iam`` (`evalkit.aws.iam`): IAM in one shape. ``iam.documents``: every identity
  and trust policy with its statements, whatever form it is written in (`jsonencode`,
  heredoc, `data "aws_iam_policy_document"`, through locals; `evalkit.aws.policy`);
  ``iam.managed_policies(principal)`` / ``iam.inline_policies(principal)``: what gives a
  role, user or group its permissions (`managed_policy_arns`, every attachment of
  ``catalog.IAM_POLICY_ATTACHMENTS``, the exclusive ones included, `inline_policy`,
  `aws_iam_role_policy`), with ``names_principal`` None when an unknown value may name it;
  ``iam.attachment(holder)``: the managed policies one attachment gives;
  ``iam.instance_profiles(value)`` and ``iam.profile_roles(profile)``: profile -> role.
- ``layer.launch`` (`evalkit.aws.launch`): the EC2 launch path. ``launch.path(launcher)``
  for an instance, launch template or launch configuration: the template it launches from,
  the EKS node groups launching it, its AMI, instance profile(s), and ``volumes`` with
  ``encrypted`` True / False / None; ``launch.boot_scripts(launcher)``: user data, decoded
  where known; ``launch.group_launchers(asg)``: an Auto Scaling group's templates and
  launch configurations (mixed instances policy included); ``launch.instance_tags``.
- ``privileges``: what IAM actions, condition keys and managed policies give (wildcards,
  privilege escalation paths); statements ask it (``statement.on_every_resource``,
  ``statement.scoped_by_condition``).
- ``layer.encryption`` (`evalkit.aws.encryption`): encryption at rest of every data store,
  ``encryption.at_rest(store)``: its settings, each with ``encrypted`` True / False / None,
  the attribute and line that decide it, and the fix.
- ``schema_validation.violations(model)``: what `terraform validate` would reject against
  the AWS provider schema of the major the constraints select (`evalkit.aws.schema`).
- ``layer.ordering`` (`evalkit.aws.ordering`): what AWS needs created before what (the
  internet gateway of a public NAT gateway's VPC, the integrations of a deployed API, the
  listener of an ECS service's target group, a resource named by a literal), one
  ``Prerequisite`` each; whether Terraform orders them is ``model.dependencies``.
- ``literals``: the AWS choices a resource or provider writes down (regions, zones, CIDRs,
  sizes, AMIs, region endpoints), ``resource_literals(resource)`` and
  ``pinned_regions(model)``.
- ``firewall.rules(instance, direction)``: the security group and network ACL rules an
  instance declares, inline blocks and lists, standalone rule resources (also provider v5),
  default groups and ACLs, each a `FirewallRule` with its direction, protocol, port
  interval, peers, action, rule number, group, file and lines; ask it
  ``rule.opens_to_world(port)``. ``firewall.declaring(model, direction)``: the resources
  with such rules.
- ``testsuite.TestSuite(model)``: the submission's tests: which files are tests and why a
  file that looks like one is not (``not_tests``), Terraform test `run` blocks
  (``runs(name)``: command, asserts), `run` blocks written into `.tf` files, and why a test
  needs a live AWS account (``live_use(name)``, None when it runs without).
- ``interface``: what the configuration offers and takes: the resources other systems
  connect to, root outputs, and the constrained inputs (CIDRs, environment names) with
  whether validation guards them.
- ``naming``: the names resources get in AWS (``resource_names``: `name`/`identifier`/...
  by type and `Name` tags, each with its written `value` and whether it is `configured`
  from variables or `numbered` by `count`), Terraform labels (``labels``), the conventions
  names follow and those AWS imposes, where the code is deployed (``spread``: regions,
  environments, var files) and whether a name says so (``names_context``).
- ``availability``: where things run and what survives a failure: ``vpc_spreads``,
  ``group_spread``, ``balancer_spread`` (each a `Spread` of subnets or zone names, asked
  ``single_zone()``); ``has_standby`` / ``is_standalone_database`` for RDS instances,
  ``cluster_members`` and ``fails_over_to_members`` for Aurora clusters.
- ``scaling.Scaling(model)``: scalers in a region, an Auto Scaling group's scaling rules and
  fixed size, the load balancers a fixed instance serves; ``tier_of``: what it is for.
- ``health``: target group health checks (``target_check``), the load balancer traffic an
  Auto Scaling group receives (``traffic_source``) and its check type, and the health check
  of Route 53 records that route by policy (``needs_health_check``, ``record_check``).
- ``monitoring``: what alarms watch (``Monitoring``: ``is_watched``,
  ``unwatched_instances``, application log groups, ``keeps_logs_forever``), who hears of
  them (``Alerting``: alert topics, ``silence(alarm)``, subscribed topics), activity logs
  (``FlowLogs``, ``writes_access_logs``), and modules evalkit cannot read that may create
  such things (``opaque_calls``).
- ``agent.CloudWatchAgent(model).state(launcher)``: whether an EC2 launcher's instances run
  the CloudWatch agent (boot script, SSM association, EKS add-on) and may publish.

Adding a cross-resource check:

1. If the relation is new, add one `EdgeKind` row to ``graph.EDGE_KINDS``: its name, the
   source types, the attribute (``block.attribute`` for a nested block) and the target
   types (plus `by_name` when AWS also links by a literal name). Add an adapter test in
   ``tests/test_aws_layer.py``: HCL in, the edge out, known and unknown.
2. Write the check in ``evalkit/checks/<category>/<name>.py`` as a predicate over instances
   that asks the edges and the views, reported with ``per_instance`` from
   ``checks/_helpers.py`` (CONTRIBUTING.md walks through one)::

       def orphan_topic(instance):                  # -> Iterator[Problem]
           if not aws_of(instance.context.root).sources(instance, "subscription_topic"):
               yield instance.file, instance.line, "has no subscription; ..."

3. Give it fixtures under ``tests/fixtures/checks/<CHECK-ID>/`` (a failing and a passing
   case with the finding's file, line, resource and message in ``expected.yaml``).
"""

from evalkit.aws import provider
from evalkit.aws.graph import EDGE_KINDS, Edge, EdgeKind
from evalkit.aws.layer import AwsLayer, aws_of, release
from evalkit.aws.regions import same_region

# Models built from now on ask AWS where a resource is and what the provider computes.
provider.register()

__all__ = ["EDGE_KINDS", "AwsLayer", "Edge", "EdgeKind", "aws_of", "release", "same_region"]
