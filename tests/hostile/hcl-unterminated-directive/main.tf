resource "aws_s3_bucket" "b" {
  bucket = "%{ if true }logs"
}
