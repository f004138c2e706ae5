output "redis_primary_endpoint" {
  description = "Primary endpoint of the Redis replication group."
  value       = aws_elasticache_replication_group.sessions.primary_endpoint_address
}

output "snapshot_bucket_arns" {
  description = "Snapshot bucket ARNs in both regions."
  value       = [aws_s3_bucket.snapshots.arn, aws_s3_bucket.snapshots_replica.arn]
}
