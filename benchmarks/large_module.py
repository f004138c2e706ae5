"""Grading time of examples that vendor one large service module (evalkit.terraform.parse_memo).

    .venv/bin/python benchmarks/large_module.py
    .venv/bin/python benchmarks/large_module.py --examples 4 --attributes 40 --repeat 3

Generates a module repository's worth of examples: each example is one submission holding a
root configuration and its own copy of the same two modules, a `service` module (a map of
container definitions typed with many `optional()` attributes, nested `dynamic` blocks over
optional inputs, IAM policy documents with dynamic statements, autoscaling) and the
`container` module it calls with `for_each` over that map. That is the shape of the examples
of public ECS modules, whose grading time was four to six times that of other examples.

Grades the examples in one process twice, parsing every file each time (as evalkit did
before parsed files were kept) and with parsed files kept, and prints the CPU seconds of
parsing one example, then of grading each example and all of them, and whether both ways
gave identical results.

Measured on this project's 2-core machine (load 3-5 from other work; CPU seconds, best of 2),
default arguments (58 KB of HCL per example): parsing one example takes 0.41 s; before 1.71 s
for the four examples (0.39 0.43 0.40 0.49), after 0.84 s (0.42 0.11 0.15 0.16): the first
example still parses the modules, the others reuse them. On reconstructions of four public
ECS examples (fargate, complete, complete with three services, EC2 autoscaling; 160-240 KB of
HCL each, parsing about 70% of a first-seen example's time), two runs: before 3.61 s and
3.97 s, after 2.56 s and 2.02 s (0.24-0.64 s for each example after the first, against
0.70-1.32 s before).
"""

from __future__ import annotations

import argparse
import time

from evalkit.checks import REGISTRY
from evalkit.grading.engine import SubmissionResult, grade
from evalkit.records import Submission
from evalkit.terraform import parse_memo
from evalkit.terraform.parse import parse_file

SCALARS = ("string", "number", "bool")
NESTED_BLOCKS = ("deployment", "network", "connect", "registry", "volume", "placement")


def _attribute_names(count: int) -> list[str]:
    return [f"setting{n:02d}" for n in range(count)]


def _object_type(attributes: list[str], depth: int) -> str:
    """An object type of optional attributes, nesting one object per level."""
    indent = "  " * (depth + 2)
    lines = [
        f"{indent}{name} = optional({SCALARS[n % 3]}{', 1' if n % 7 == 3 else ''})"
        for n, name in enumerate(attributes)
    ]
    if depth < 3:
        inner = _object_type(attributes[: max(4, len(attributes) // 2)], depth + 1)
        lines.append(f"{indent}nested = optional(list(object({{\n{inner}\n{indent}}})))")
    return "\n".join(lines)


def _variables(attributes: list[str]) -> str:
    parts = [
        'variable "name" {\n  type = string\n}\n',
        'variable "create" {\n  type     = bool\n  default  = true\n  nullable = false\n}\n',
        'variable "tags" {\n  type    = map(string)\n  default = {}\n}\n',
        'variable "subnet_ids" {\n  type    = list(string)\n  default = []\n}\n',
        'variable "containers" {\n  description = "Container definitions by name"\n'
        f"  type = map(object({{\n    create = optional(bool, true)\n"
        f"{_object_type(attributes, 0)}\n  }}))\n  default = {{}}\n}}\n",
    ]
    for block in NESTED_BLOCKS:
        parts.append(
            f'variable "{block}" {{\n  type = object({{\n{_object_type(attributes, 1)}\n'
            "  })\n  default = null\n}\n"
        )
    for n in range(len(attributes)):
        parts.append(
            f'variable "option{n:02d}" {{\n  description = "Option {n}"\n'
            f"  type        = {SCALARS[n % 3]}\n  default     = null\n}}\n"
        )
    return "\n".join(parts)


def _dynamic(block: str, source: str, attributes: list[str], depth: int) -> str:
    """A dynamic block over an optional input, with its nested list as a deeper block."""
    pad = "  " * (depth + 1)
    body = "\n".join(
        f"{pad}    {name} = try({block}.value.{name}, null)" for name in attributes[:12]
    )
    inner = ""
    if depth < 4:
        inner = "\n" + _dynamic(
            f"{block}_item",
            f"{block}.value.nested",
            attributes[: max(4, len(attributes) // 2)],
            depth + 1,
        )
    return (
        f'{pad}dynamic "{block}" {{\n'
        f"{pad}  for_each = {source} != null ? "
        f"(can(length({source})) ? {source} : [{source}]) : []\n"
        f"{pad}  content {{\n{body}{inner}\n{pad}  }}\n{pad}}}"
    )


def _service_main(attributes: list[str]) -> str:
    dynamics = "\n\n".join(
        _dynamic(block, f"var.{block}", attributes, 0) for block in NESTED_BLOCKS
    )
    options = "\n".join(
        f'  option{n:02d} = coalesce(var.option{n:02d}, local.defaults["option{n:02d}"])'
        for n in range(0, len(attributes), 2)
    )
    container_args = "\n".join(f"  {name} = each.value.{name}" for name in attributes)
    statements = "\n".join(
        f'  dynamic "statement" {{\n    for_each = var.{block} != null ? [var.{block}] : []\n'
        f'    content {{\n      sid       = "{block.title()}"\n'
        f'      actions   = ["ecs:Describe*"]\n      resources = ["*"]\n    }}\n  }}'
        for block in NESTED_BLOCKS
    )
    return f"""locals {{
  create   = var.create
  defaults = {{ for n in range({len(attributes)}) : format("option%02d", n) => tostring(n) }}
  network = {{
    subnets         = var.subnet_ids
    security_groups = [for group in aws_security_group.this : group.id]
  }}
}}

resource "aws_ecs_service" "this" {{
  count = local.create ? 1 : 0

  name            = var.name
  task_definition = try(aws_ecs_task_definition.this[0].arn, null)
  desired_count   = 2
{options}

  network_configuration {{
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }}

{dynamics}

  tags = merge(var.tags, {{ Name = var.name }})
}}

module "container" {{
  source   = "../container"
  for_each = {{ for key, value in var.containers : key => value if local.create && value.create }}

  name = coalesce(try(each.value.setting00, null), each.key)
{container_args}
  tags = var.tags
}}

resource "aws_ecs_task_definition" "this" {{
  count = local.create ? 1 : 0

  family                   = var.name
  cpu                      = 1024
  memory                   = 2048
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  container_definitions    = jsonencode([for key, value in module.container : value.definition])
  execution_role_arn       = aws_iam_role.task[0].arn
  tags                     = var.tags
}}

data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }}
  }}
}}

data "aws_iam_policy_document" "task" {{
{statements}
}}

resource "aws_iam_role" "task" {{
  count              = local.create ? 1 : 0
  name_prefix        = "${{var.name}}-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}}

resource "aws_iam_role_policy" "task" {{
  count  = local.create ? 1 : 0
  role   = aws_iam_role.task[0].id
  policy = data.aws_iam_policy_document.task.json
}}

resource "aws_security_group" "this" {{
  count       = local.create && length(var.subnet_ids) > 0 ? 1 : 0
  name_prefix = "${{var.name}}-"
  description = "Tasks of ${{var.name}}"
  tags        = var.tags
}}

resource "aws_appautoscaling_target" "this" {{
  count              = local.create ? 1 : 0
  min_capacity       = 1
  max_capacity       = 4
  resource_id        = "service/cluster/${{var.name}}"
  scalable_dimension = "ecs:service:DesiredCount"
  service_namespace  = "ecs"
}}

output "service_name" {{
  value = try(aws_ecs_service.this[0].name, null)
}}

output "definitions" {{
  value = {{ for key, value in module.container : key => value.definition }}
}}
"""


def _container_module(attributes: list[str]) -> str:
    variables = "\n".join(
        f'variable "{name}" {{\n  type    = any\n  default = null\n}}\n' for name in attributes
    )
    fields = "\n".join(f"    {name} = var.{name}" for name in attributes)
    return f"""variable "name" {{
  type = string
}}

variable "tags" {{
  type    = map(string)
  default = {{}}
}}

{variables}
locals {{
  definition_with_nulls = {{
    name = var.name
{fields}
  }}
  definition = {{ for key, value in local.definition_with_nulls : key => value if value != null }}
}}

resource "aws_cloudwatch_log_group" "this" {{
  name              = "/ecs/${{var.name}}"
  retention_in_days = 30
  tags              = var.tags
}}

output "definition" {{
  value = local.definition
}}
"""


def _example_root(index: int, attributes: list[str], containers: int) -> str:
    entries = "\n".join(
        f"    app{n} = {{\n"
        + "\n".join(f'      {name} = "{index}-{n}-{k}"' for k, name in enumerate(attributes[:8]))
        + "\n    }"
        for n in range(containers)
    )
    return f"""terraform {{
  required_version = ">= 1.5"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}

locals {{
  name = "example-{index}"
  tags = {{ Example = "example-{index}" }}
}}

module "service" {{
  source = "./modules/service"

  name       = local.name
  subnet_ids = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  containers = {{
{entries}
  }}
  tags = local.tags
}}

module "task_only" {{
  source = "./modules/service"

  name   = "${{local.name}}-task"
  create = false
  tags   = local.tags
}}
"""


def examples(count: int, attributes: int, containers: int) -> list[Submission]:
    """`count` submissions that vendor the same modules under the same paths."""
    names = _attribute_names(attributes)
    shared = {
        "modules/service/main.tf": _service_main(names),
        "modules/service/variables.tf": _variables(names),
        "modules/container/main.tf": _container_module(names),
    }
    return [
        Submission(f"example-{n}", {"main.tf": _example_root(n, names, containers), **shared})
        for n in range(count)
    ]


def _parse_seconds(submission: Submission) -> float:
    started = time.process_time()
    for name, text in submission.files.items():
        parse_file(name, text)
    return time.process_time() - started


def grade_all(
    submissions: list[Submission], keep_parsed: bool
) -> tuple[list[float], list[SubmissionResult]]:
    """CPU seconds and results of grading every submission in turn in this process."""
    parse_memo.clear()
    limit = parse_memo.MAX_TOTAL_CHARS
    if not keep_parsed:
        parse_memo.MAX_TOTAL_CHARS = 0
    try:
        seconds, results = [], []
        for submission in submissions:
            started = time.process_time()
            results.append(grade(submission, list(REGISTRY), None))
            seconds.append(time.process_time() - started)
        return seconds, results
    finally:
        parse_memo.MAX_TOTAL_CHARS = limit
        parse_memo.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--attributes", type=int, default=40)
    parser.add_argument("--containers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    submissions = examples(args.examples, args.attributes, args.containers)
    size = sum(len(text) for text in submissions[0].files.values()) / 1000
    parse_file("warm.tf", "a = 1\n")  # the grammar loads once per process, outside the timings
    parsing = min(_parse_seconds(submissions[0]) for _ in range(args.repeat))
    print(f"{args.examples} examples of {size:.0f} KB of HCL; parsing one takes {parsing:.2f} s")
    for label, keep in (("before (every file parsed)", False), ("after (parsed files kept)", True)):
        runs = [grade_all(submissions, keep) for _ in range(args.repeat)]
        best = min(runs, key=lambda run: sum(run[0]))[0]
        per_example = " ".join(f"{value:.2f}" for value in best)
        print(f"{label:28} total {sum(best):.2f} s; per example {per_example}")
    before, after = grade_all(submissions, False)[1], grade_all(submissions, True)[1]
    same = [
        b.results == a.results and b.status == a.status for b, a in zip(before, after, strict=True)
    ]
    print(f"results identical: {all(same)}")


if __name__ == "__main__":
    main()
