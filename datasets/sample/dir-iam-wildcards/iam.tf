data "aws_caller_identity" "current" {
  provider = aws.primary
}

# Role assumed by the CI system to run deployments in this account.
resource "aws_iam_role" "deployer" {
  provider = aws.primary
  name     = "${var.project}-deployer"

  # Lets the CI runners assume the role from their own account.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "*" }
    }]
  })
}

resource "aws_iam_policy" "deployer" {
  provider    = aws.primary
  name        = "${var.project}-deploy"
  description = "Permissions needed by the deployment pipeline"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "DeployEverything"
        Effect   = "Allow"
        Action   = "*"
        Resource = "*"
      }
    ]
  })
}

resource "aws_iam_role_policy_attachment" "deployer" {
  provider   = aws.primary
  role       = aws_iam_role.deployer.name
  policy_arn = aws_iam_policy.deployer.arn
}

# Break-glass role for the on-call engineer.
resource "aws_iam_role" "break_glass" {
  provider = aws.primary
  name     = "${var.project}-break-glass"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "break_glass_admin" {
  provider   = aws.primary
  role       = aws_iam_role.break_glass.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# Execution role of the notifier Lambda (shared by both regions).
resource "aws_iam_role" "notifier" {
  provider = aws.primary
  name     = "${var.project}-notifier"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "notifier_logs" {
  provider   = aws.primary
  role       = aws_iam_role.notifier.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "notifier_table" {
  provider = aws.primary
  name     = "deployments-table"
  role     = aws_iam_role.notifier.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"]
      Resource = [
        aws_dynamodb_table.deployments_primary.arn,
        aws_dynamodb_table.deployments_secondary.arn,
      ]
    }]
  })
}
