variable "primary_region" {
  description = "Primary AWS region"
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Secondary AWS region"
  type        = string
  default     = "us-west-2"
}

variable "environment" {
  description = "Environment name"
  type        = string
  default     = "staging"
}

variable "vpc_cidrs" {
  description = "VPC CIDR block per region role"
  type        = map(string)
  default = {
    primary   = "10.30.0.0/16"
    secondary = "10.31.0.0/16"
  }
}

variable "availability_zones" {
  description = "Availability zones used in the primary region"
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b"]
}

variable "web_instance_type" {
  description = "Instance type for the web tier"
  type        = string
  default     = "t3.medium"
}
