output "vpc_id" {
  value = module.vpc.id
}
