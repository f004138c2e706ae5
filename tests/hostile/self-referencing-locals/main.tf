provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

locals {
  a    = local.b
  b    = local.a
  self = [local.self]
  name = "${local.name}-x"
}

variable "v" {
  default = var.v
}

resource "aws_s3_bucket" "b" {
  bucket = local.name
  tags   = { a = local.a, v = var.v, self = jsonencode(local.self) }
}
