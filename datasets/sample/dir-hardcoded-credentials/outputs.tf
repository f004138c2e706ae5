output "primary_vpc_id" {
  value = aws_vpc.primary.id
}

output "secondary_vpc_id" {
  value = aws_vpc.secondary.id
}

output "db_endpoint" {
  value = aws_db_instance.main.endpoint
}

output "web_instance_ids" {
  value = aws_instance.web[*].id
}
