locals {
  tags = {
    Service   = "sessions"
    ManagedBy = "terraform"
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "cache" {
  cidr_block = var.vpc_cidr
  tags       = merge(local.tags, { Name = "${var.name}-vpc" })
}

resource "aws_subnet" "cache" {
  count             = 3
  vpc_id            = aws_vpc.cache.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = merge(local.tags, { Name = "${var.name}-cache-${count.index}" })
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = "${var.name}-cache"
  subnet_ids = aws_subnet.cache[*].id
}

# Redis is only reachable from the application range.
resource "aws_security_group" "redis" {
  name        = "${var.name}-redis"
  description = "Redis from application servers"
  vpc_id      = aws_vpc.missing.id

  ingress {
    description = "Redis"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [var.app_cidr]
  }

  ingress {
    description = "SSH from the corporate network"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  tags = local.tags
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = var.name
  description                = "Session store"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.node_type
  num_cache_clusters         = 3
  automatic_failover_enabled = true
  multi_az_enabled           = true
  subnet_group_name          = aws_elasticache_subnet_group.cache.name
  security_group_ids         = [aws_security_group.redis.id]
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  snapshot_retention_limit   = 7
  tags                       = local.tags
}

# Snapshot exports, copied to the secondary region.
resource "aws_s3_bucket" "snapshots" {
  bucket = "${var.name}-redis-snapshots"
  tags   = local.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "snapshots" {
  bucket = aws_s3_bucket.snapshots.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket" "snapshots_replica" {
  provider = aws.nowhere
  bucket   = "${var.name}-redis-snapshots-replica"
  tags     = local.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "snapshots_replica" {
  provider = aws.secondary
  bucket   = aws_s3_bucket.snapshots_replica.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_sns_topic" "cache_alerts" {
  name = "${var.name}-cache-alerts"
}

resource "aws_cloudwatch_metric_alarm" "redis_memory" {
  alarm_name          = "${var.name}-redis-memory"
  namespace           = "AWS/ElastiCache"
  metric_name         = "DatabaseMemoryUsagePercentage"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  dimensions          = { ReplicationGroupId = aws_elasticache_replication_group.sessions.id }
  alarm_actions       = [aws_sns_topic.cache_alerts.arn]
}
