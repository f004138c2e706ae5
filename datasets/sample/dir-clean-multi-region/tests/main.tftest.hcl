# Plan-only checks: run with `terraform test`.
variables {
  alarm_email = "oncall@example.com"
}

run "database_is_encrypted_and_multi_az" {
  command = plan

  assert {
    condition     = aws_db_instance.primary.storage_encrypted == true
    error_message = "The primary database must be encrypted at rest."
  }

  assert {
    condition     = aws_db_instance.primary.multi_az == true
    error_message = "The primary database must be Multi-AZ."
  }

  assert {
    condition     = aws_db_instance.primary.manage_master_user_password == true
    error_message = "The master password must be managed by Secrets Manager."
  }
}

run "ssh_is_not_open_to_the_world" {
  command = plan

  assert {
    condition     = alltrue([for rule in aws_security_group.worker.ingress : !contains(rule.cidr_blocks, "0.0.0.0/0")])
    error_message = "No worker ingress rule may be open to 0.0.0.0/0."
  }
}

run "rejects_invalid_vpc_cidr" {
  command = plan

  variables {
    primary_vpc_cidr = "10.10.0.0/33"
  }

  expect_failures = [var.primary_vpc_cidr]
}

run "rejects_world_open_admin_cidr" {
  command = plan

  variables {
    admin_cidr = "0.0.0.0/0"
  }

  expect_failures = [var.admin_cidr]
}
