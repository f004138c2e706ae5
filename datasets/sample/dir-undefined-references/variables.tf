variable "primary_region" {
  description = "Region of the primary cache cluster."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Region that holds the snapshot copies."
  type        = string
  default     = "us-west-2"
}

variable "name" {
  description = "Name prefix for all resources."
  type        = string
  default     = "sessions-prod"
}

variable "vpc_cidr" {
  description = "CIDR of the cache VPC."
  type        = string
  default     = "10.50.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid CIDR block."
  }
}

variable "app_cidr" {
  description = "Private range of the application servers allowed to reach Redis."
  type        = string
  default     = "10.0.0.0/8"
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}
