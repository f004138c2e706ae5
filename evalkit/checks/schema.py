"""IAC-SCHEMA-VIOLATION: would `terraform validate` accept the code against the AWS provider?

The code as written is compared with the provider schema shipped in `evalkit.aws.schema`,
for the provider major the configuration's ``required_providers`` constraints select; the
walk and its leniencies live in `evalkit.aws.schema_validation`.
"""

from __future__ import annotations

from evalkit.aws import schema_validation
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform import TerraformModel


@check(
    "IAC-SCHEMA-VIOLATION",
    category="iac",
    severity="critical",
    title="Code that `terraform validate` rejects against the AWS provider schema",
    notes=schema_validation.notes,
)
def schema_violation(model: TerraformModel) -> list[Finding] | None:
    """A resource, data source or ephemeral type the AWS provider does not have; an argument
    or nested block it does not accept (at any depth, `dynamic` blocks included, `tags {}`
    written as a block, `settings = {}` written as an argument where the schema has a block);
    a required argument or block left out of a complete resource; a single-instance block
    given more than once; an argument given a literal Terraform cannot convert to its type
    (`cidr_blocks = "0.0.0.0/0"` for a list, `tags = ["web"]` for a map, `"yes"` for a bool);
    a top-level block Terraform's language does not have (`resources`, test `run` blocks in a
    `.tf` file) or with the wrong number of labels (`resource "aws_s3_bucket" { ... }`); a
    name declared twice in one directory (a resource, data source, module call, variable,
    output, local value, check, or provider configuration with the same alias), in one file
    or two, which Terraform rejects when it loads the module; a call to a function Terraform
    does not have (`tocidr()`, or `list()`/`map()`, removed in Terraform 0.15); a block that
    sets both `count` and `for_each`; a variable `type` Terraform cannot read (quoted, as in
    `type = "string"`, or naming no type, as in `type = integer`); a resource, data source or
    module repeated by `for_each` over a list (a tuple, a `[for ...]`, a list function's
    result, or a variable declared as a list), where Terraform takes a map or a set; a quoted
    `depends_on` entry; a reference in the backend or provider requirements, which Terraform
    reads before variables exist.

    Judged against the AWS provider major that `terraform init` would install: the newest that
    the `required_providers` version constraints allow (none or `>= 5`: 6.x; `~> 5.0`: 5.x;
    `~> 4.0`: 4.x). Constraints allowing only majors below 4 are `n/a`. What Terraform accepts
    is not failed: block syntax for list/set-of-object arguments (`ingress {}`, `route {}`),
    meta-arguments, `dynamic` blocks whose count is unknown, content the provider does not
    describe (QuickSight definitions, WAFv2 statements), resources shown abbreviated (a `# ...`
    comment inside them) for what they leave out, and instances known not to exist
    (`count = 0`), type constraints (`type = list(string)` is no call), provider-defined
    functions (`provider::aws::arn_parse`), override files (`override.tf`, `*_override.tf`),
    which merge into the declaration they repeat, values Terraform converts (`port = "80"`,
    `enabled = "true"`, `description = 5`) and values not written out as literals
    (references, calls, a template of one interpolation such as `"${var.cidrs}"`). Local
    module code is judged where a root calls it. Deprecated arguments are
    not failed: the check's note names them, with their replacement (under a 4.x pin, also
    what AWS provider 5.0 removed).

    Why: code that `terraform validate` rejects cannot be planned or deployed, however good
    the rest of it looks; an invented argument (`encryption_enabled = true` on a bucket) only
    pretends to configure something.

    Fix: use the names the message suggests (the current provider documentation lists every
    argument); move settings removed in AWS provider 5.0 or 6.0 to their replacement; write blocks
    as blocks and maps as `tags = { ... }`; declare each name once per directory; run
    `terraform validate`.

    Schema: generated from the AWS provider's jsii bindings on the Python registry,
    `cdktn-provider-aws==25.8.1` (AWS provider 6.69.1), `cdktf-cdktf-provider-aws==19.65.1`
    (AWS provider 5.99.1) and `cdktf-cdktf-provider-aws==15.0.0` (AWS provider 4.67.0),
    shipped in `evalkit/aws/schemas/`. Regenerate with
    `python tools/build_aws_schema.py` (it downloads the pinned wheels; change the pins there
    to move to a newer provider).

        resource "aws_flow_log" "vpc" {
          log_destination = aws_cloudwatch_log_group.flow.arn   # not log_destination_arn
          tags = { Name = "vpc-flow" }                          # a map, not tags { ... }
          ...
    """
    violations = schema_validation.violations(model)
    if violations is None:
        return None
    return [finding(v.file, v.line, v.resource, f"{v.resource}: {v.message}") for v in violations]


__all__ = ["schema_violation"]
