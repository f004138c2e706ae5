variable "project" {
  description = "Short project name, used as a prefix for resource names."
  type        = string
  default     = "orders"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.project))
    error_message = "The project must be 3-21 lowercase letters, digits or hyphens."
  }
}

variable "environment" {
  description = "Deployment environment."
  type        = string
  default     = "prod"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be one of dev, staging or prod."
  }
}

variable "primary_region" {
  description = "AWS region hosting the primary stack."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "AWS region hosting the standby network and backup copies."
  type        = string
  default     = "us-west-2"
}

variable "primary_vpc_cidr" {
  description = "CIDR block of the primary VPC. Must not overlap the secondary VPC."
  type        = string
  default     = "10.10.0.0/16"

  validation {
    condition     = can(cidrhost(var.primary_vpc_cidr, 0))
    error_message = "primary_vpc_cidr must be a valid IPv4 CIDR block."
  }
}

variable "secondary_vpc_cidr" {
  description = "CIDR block of the secondary VPC. Must not overlap the primary VPC."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.secondary_vpc_cidr, 0))
    error_message = "secondary_vpc_cidr must be a valid IPv4 CIDR block."
  }
}

variable "az_count" {
  description = "Number of availability zones used in each region."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "admin_cidr" {
  description = "Internal range (VPN) allowed to reach instances over SSH."
  type        = string
  default     = "10.0.0.0/8"

  validation {
    condition     = can(cidrhost(var.admin_cidr, 0)) && var.admin_cidr != "0.0.0.0/0"
    error_message = "admin_cidr must be a valid CIDR block and must not be 0.0.0.0/0."
  }
}

variable "db_instance_class" {
  description = "Instance class of the PostgreSQL database."
  type        = string
  default     = "db.r6g.large"
}

variable "worker_instance_type" {
  description = "Instance type of the order-processing workers."
  type        = string
  default     = "m6i.large"
}

variable "alarm_email" {
  description = "Address subscribed to the alerts topic."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", var.alarm_email))
    error_message = "alarm_email must be an email address."
  }
}
