terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}

# Primary region (default provider).
provider "aws" {
  region = var.primary_region

  default_tags {
    tags = local.common_tags
  }
}

# Standby region: second network and cross-region database backups.
provider "aws" {
  alias  = "secondary"
  region = var.secondary_region

  default_tags {
    tags = local.common_tags
  }
}
