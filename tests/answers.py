"""Model answers shared by several test modules."""

# SSH (port 22) open to the whole internet: fails SEC-OPEN-ADMIN-PORTS at the cidr_blocks line.
OPEN_SSH_GROUP = """resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"""
OPEN_SSH = f"```hcl\n{OPEN_SSH_GROUP}\n```"
