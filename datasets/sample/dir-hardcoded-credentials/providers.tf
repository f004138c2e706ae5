terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region     = var.primary_region
  access_key = "AKIAEVALKITSAMPLE001"
  secret_key = "EvalkitSample/Fake+SecretKey/0123456789A"
}

provider "aws" {
  alias      = "secondary"
  region     = var.secondary_region
  access_key = "AKIAEVALKITSAMPLE001"
  secret_key = "EvalkitSample/Fake+SecretKey/0123456789A"
}
