"""A generator of realistic multi-region Terraform submissions for benchmarks, and the real
model answers the benchmarks also read.

Deterministic for a seed: the same arguments give the same corpus.
"""

from __future__ import annotations

import random
from pathlib import Path

# Real model answers: one folder per task, with MODEL_RESPONSE.md and IDEAL_RESPONSE.md.
RLHF_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "rlhf-dev"

ACTION_CHOICES = ['"s3:GetObject"', '"s3:*"', '"*"', '"s3:GetObject", "s3:PutObject"']
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"]

_PROVIDERS = """terraform {{
  required_version = ">= 1.5"
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "~> 5.0" }}
  }}
}}

variable "primary_region" {{
  description = "Primary region"
  type        = string
  default     = "{primary}"
}}

variable "secondary_region" {{
  description = "Secondary region"
  type        = string
  default     = "{secondary}"
}}

variable "environment" {{
  description = "Environment name"
  type        = string
  default     = "prod"
}}

provider "aws" {{
  region = var.primary_region
}}

provider "aws" {{
  alias  = "secondary"
  region = var.secondary_region
}}

locals {{
  name = "app-${{var.environment}}"
  tags = {{ Environment = var.environment, Project = "bench" }}
  vpc_cidrs = {{ primary = "10.{a}.0.0/16", secondary = "10.{b}.0.0/16" }}
}}
"""

_STACK = """
resource "aws_vpc" "{name}" {{
  {provider}cidr_block           = local.vpc_cidrs["{side}"]
  enable_dns_hostnames = true
  tags                 = merge(local.tags, {{ Name = "${{local.name}}-{name}" }})
}}

data "aws_availability_zones" "{name}" {{
  {provider}state = "available"
}}

resource "aws_subnet" "{name}_private" {{
  {provider}count             = {azs}
  vpc_id            = aws_vpc.{name}.id
  cidr_block        = cidrsubnet(aws_vpc.{name}.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.{name}.names[count.index]
  tags = merge(local.tags, {{
    Name = "${{local.name}}-{name}-private-${{count.index}}"
  }})
}}

resource "aws_security_group" "{name}_app" {{
  {provider}name   = "${{local.name}}-{name}-app"
  vpc_id = aws_vpc.{name}.id

  dynamic "ingress" {{
    for_each = [80, 443]
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }}
  }}

  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["{ssh_cidr}"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_db_subnet_group" "{name}" {{
  {provider}name       = "${{local.name}}-{name}"
  subnet_ids = aws_subnet.{name}_private[*].id
}}

resource "aws_db_instance" "{name}" {{
  {provider}identifier                  = "${{local.name}}-{name}-db"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  allocated_storage           = 100
  storage_encrypted           = {encrypted}
  multi_az                    = true
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.{name}.name
  vpc_security_group_ids      = [aws_security_group.{name}_app.id]
}}

resource "aws_s3_bucket" "{name}_data" {{
  {provider}bucket = "${{local.name}}-{name}-data"
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "{name}_data" {{
  {provider}bucket = aws_s3_bucket.{name}_data.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "aws:kms"
    }}
  }}
}}

resource "aws_iam_role" "{name}_app" {{
  name = "${{local.name}}-{name}-app"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = {{ Service = "ec2.amazonaws.com" }}
    }}]
  }})
}}

resource "aws_iam_role_policy" "{name}_app" {{
  role = aws_iam_role.{name}_app.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = [{actions}]
      Resource = {resource}
    }}]
  }})
}}

resource "aws_cloudwatch_metric_alarm" "{name}_cpu" {{
  {provider}alarm_name          = "${{local.name}}-{name}-db-cpu"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = "CPUUtilization"
  namespace           = "AWS/RDS"
  period              = 300
  statistic           = "Average"
  threshold           = 80
  dimensions = {{
    DBInstanceIdentifier = aws_db_instance.{name}.identifier
  }}
}}
"""


def submission(index: int, target_kb: int, seed: int = 0) -> dict[str, str]:
    """One submission of roughly `target_kb` KB: providers plus repeated regional stacks."""
    rng = random.Random(seed * 1_000_003 + index)
    primary, secondary = rng.sample(REGIONS, 2)
    files = {
        "providers.tf": _PROVIDERS.format(
            primary=primary, secondary=secondary, a=rng.randint(0, 99), b=rng.randint(100, 199)
        )
    }
    stacks: list[str] = []
    size = len(files["providers.tf"])
    count = 0
    while size < target_kb * 1024:
        side = "primary" if count % 2 == 0 else "secondary"
        stack = _STACK.format(
            name=f"{side}_{count}",
            side=side,
            provider="provider = aws.secondary\n  " if side == "secondary" else "",
            azs=rng.choice([1, 2, 3]),
            ssh_cidr=rng.choice(["10.0.0.0/8", "0.0.0.0/0", "192.168.0.0/16"]),
            encrypted=rng.choice(["true", "true", "false"]),
            actions=rng.choice(ACTION_CHOICES),
            resource=rng.choice(['"*"', f"aws_s3_bucket.{side}_{count}_data.arn"]),
        )
        stacks.append(stack)
        size += len(stack)
        count += 1
    files["main.tf"] = "".join(stacks)
    return files


def corpus(count: int, min_kb: int = 5, max_kb: int = 60, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [submission(i, rng.randint(min_kb, max_kb), seed) for i in range(count)]


def answer_paths(folder: Path = RLHF_DEV) -> list[Path]:
    """Every answer (``*_RESPONSE.md``) of the task folders under `folder`, in a fixed order;
    empty when `folder` is absent."""
    return sorted(folder.glob("*/*_RESPONSE.md"))
