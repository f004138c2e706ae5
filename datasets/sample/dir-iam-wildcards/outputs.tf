output "deployer_role_arn" {
  description = "Role the CI system assumes"
  value       = aws_iam_role.deployer.arn
}

output "break_glass_role_arn" {
  description = "Emergency administrator role"
  value       = aws_iam_role.break_glass.arn
}

output "notifier_function_arns" {
  description = "Notifier Lambda ARNs per region"
  value = {
    (var.primary_region)   = aws_lambda_function.notifier_primary.arn
    (var.secondary_region) = aws_lambda_function.notifier_secondary.arn
  }
}
