output "primary_vpc_id" {
  description = "ID of the VPC in the primary region."
  value       = module.network_primary.vpc_id
}

output "secondary_vpc_id" {
  description = "ID of the VPC in the secondary region."
  value       = module.network_secondary.vpc_id
}

output "primary_private_subnet_ids" {
  description = "Private subnet IDs in the primary region, one per availability zone."
  value       = module.network_primary.private_subnet_ids
}

output "db_endpoint" {
  description = "Connection endpoint (host:port) of the primary database."
  value       = aws_db_instance.primary.endpoint
}

output "db_master_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the database master password."
  value       = aws_db_instance.primary.master_user_secret[0].secret_arn
}

output "artifacts_bucket_arn" {
  description = "ARN of the encrypted artifacts bucket."
  value       = aws_s3_bucket.artifacts.arn
}

output "alerts_topic_arn" {
  description = "ARN of the SNS topic that receives every alarm."
  value       = aws_sns_topic.alerts.arn
}
