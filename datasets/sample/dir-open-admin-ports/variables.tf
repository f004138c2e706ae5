variable "primary_region" {
  description = "Primary region"
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Secondary region"
  type        = string
  default     = "us-west-2"
}

variable "environment" {
  description = "Environment name"
  type        = string
  default     = "dev"
}

variable "primary_vpc_cidr" {
  description = "CIDR of the primary VPC"
  type        = string
  default     = "10.40.0.0/16"
}

variable "secondary_vpc_cidr" {
  description = "CIDR of the secondary VPC"
  type        = string
  default     = "10.41.0.0/16"
}

variable "public_subnets" {
  description = "Public subnet index per availability zone suffix"
  type        = map(number)
  default = {
    a = 0
    b = 1
  }
}

variable "admin_cidr" {
  description = "CIDR allowed to connect to the Windows jump host over RDP"
  type        = string
  default     = "0.0.0.0/0"
}

variable "bastion_instance_type" {
  description = "Instance type for the jump hosts"
  type        = string
  default     = "t3.small"
}
