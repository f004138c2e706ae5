output "bastion_public_ip" {
  description = "Public IP of the Linux bastion"
  value       = aws_instance.bastion.public_ip
}

output "jump_host_id" {
  description = "Instance ID of the Windows jump host"
  value       = aws_instance.jump.id
}

output "secondary_bastion_sg_id" {
  description = "Security group of the secondary-region bastion"
  value       = aws_security_group.bastion_secondary.id
}
