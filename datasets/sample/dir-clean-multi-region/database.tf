resource "aws_db_subnet_group" "primary" {
  name       = "${local.name_prefix}-db"
  subnet_ids = module.network_primary.private_subnet_ids
}

resource "aws_security_group" "db" {
  name_prefix = "${local.name_prefix}-db-"
  description = "PostgreSQL, reachable from the worker tier only"
  vpc_id      = module.network_primary.vpc_id

  ingress {
    description     = "PostgreSQL from workers"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.worker.id]
  }
}

resource "aws_db_instance" "primary" {
  identifier     = "${local.name_prefix}-db"
  engine         = "postgres"
  engine_version = "16.3"
  instance_class = var.db_instance_class

  allocated_storage     = 100
  max_allocated_storage = 500
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.primary.arn

  db_name                     = "orders"
  username                    = "orders_admin"
  manage_master_user_password = true

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.primary.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false

  backup_retention_period   = 14
  copy_tags_to_snapshot     = true
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.name_prefix}-db-final"

  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.primary.arn
}

# Automated backups are copied to the secondary region for disaster recovery.
resource "aws_db_instance_automated_backups_replication" "secondary" {
  provider = aws.secondary

  source_db_instance_arn = aws_db_instance.primary.arn
  kms_key_id             = aws_kms_key.secondary.arn
  retention_period       = 7
}
