locals {
  tags = {
    Project   = var.project
    ManagedBy = "terraform"
  }
}

# Deployment history, one table per region.
resource "aws_dynamodb_table" "deployments_primary" {
  provider     = aws.primary
  name         = "${var.project}-deployments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "service"
  range_key    = "deployed_at"

  attribute {
    name = "service"
    type = "S"
  }

  attribute {
    name = "deployed_at"
    type = "S"
  }

  server_side_encryption {
    enabled = true
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = local.tags
}

resource "aws_dynamodb_table" "deployments_secondary" {
  provider     = aws.secondary
  name         = "${var.project}-deployments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "service"
  range_key    = "deployed_at"

  attribute {
    name = "service"
    type = "S"
  }

  attribute {
    name = "deployed_at"
    type = "S"
  }

  server_side_encryption {
    enabled = true
  }

  tags = local.tags
}

# Build artifacts bucket.
resource "aws_s3_bucket" "artifacts" {
  provider = aws.primary
  bucket   = "${var.project}-artifacts-${data.aws_caller_identity.current.account_id}"
  tags     = local.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  provider = aws.primary
  bucket   = aws_s3_bucket.artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

# Notifier function deployed to both regions.
resource "aws_lambda_function" "notifier_primary" {
  provider         = aws.primary
  function_name    = "${var.project}-notifier"
  role             = aws_iam_role.notifier.arn
  runtime          = var.lambda_runtime
  handler          = "notifier.handler"
  filename         = var.lambda_package
  source_code_hash = filebase64sha256(var.lambda_package)
  timeout          = 30

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.deployments_primary.name
    }
  }

  tags = local.tags
}

resource "aws_lambda_function" "notifier_secondary" {
  provider         = aws.secondary
  function_name    = "${var.project}-notifier"
  role             = aws_iam_role.notifier.arn
  runtime          = var.lambda_runtime
  handler          = "notifier.handler"
  filename         = var.lambda_package
  source_code_hash = filebase64sha256(var.lambda_package)
  timeout          = 30

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.deployments_secondary.name
    }
  }

  tags = local.tags
}
