locals {
  name_prefix = "${var.project}-${var.environment}"

  common_tags = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}

data "aws_caller_identity" "current" {}

# One VPC per region, each spread over var.az_count zones with a NAT gateway per zone.
module "network_primary" {
  source = "./modules/network"

  name                    = "${local.name_prefix}-${var.primary_region}"
  vpc_cidr                = var.primary_vpc_cidr
  az_count                = var.az_count
  flow_log_retention_days = 90
}

module "network_secondary" {
  source = "./modules/network"

  providers = {
    aws = aws.secondary
  }

  name                    = "${local.name_prefix}-${var.secondary_region}"
  vpc_cidr                = var.secondary_vpc_cidr
  az_count                = var.az_count
  flow_log_retention_days = 90
}

# Customer-managed keys for data at rest, one per region.
resource "aws_kms_key" "primary" {
  description             = "${local.name_prefix} data at rest (${var.primary_region})"
  deletion_window_in_days = 30
  enable_key_rotation     = true
}

resource "aws_kms_key" "secondary" {
  provider = aws.secondary

  description             = "${local.name_prefix} backup copies (${var.secondary_region})"
  deletion_window_in_days = 30
  enable_key_rotation     = true
}

# Application artifacts: private, versioned, KMS-encrypted, with a lifecycle.
resource "aws_s3_bucket" "artifacts" {
  bucket = "${local.name_prefix}-artifacts-${data.aws_caller_identity.current.account_id}"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.primary.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 90
    }
  }
}
