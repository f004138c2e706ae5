provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_iam_policy" "p" {
  policy = <<EOF
{"Version": "2012-10-17"}
}
