locals {
  name     = "ops-${var.environment}"
  anywhere = "0.0.0.0/0"

  tags = {
    Environment = var.environment
    Team        = "platform"
  }
}

data "aws_ami" "amazon_linux" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }
}

data "aws_ami" "windows" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["Windows_Server-2022-English-Full-Base-*"]
  }
}

# --- Primary region network --------------------------------------------------
resource "aws_vpc" "primary" {
  cidr_block = var.primary_vpc_cidr
  tags       = merge(local.tags, { Name = "${local.name}-${var.primary_region}" })
}

resource "aws_internet_gateway" "primary" {
  vpc_id = aws_vpc.primary.id
  tags   = local.tags
}

resource "aws_subnet" "public" {
  for_each = var.public_subnets

  vpc_id                  = aws_vpc.primary.id
  cidr_block              = cidrsubnet(var.primary_vpc_cidr, 8, each.value)
  availability_zone       = "${var.primary_region}${each.key}"
  map_public_ip_on_launch = true
  tags                    = merge(local.tags, { Name = "${local.name}-public-${each.key}" })
}

# --- Linux bastion -----------------------------------------------------------
resource "aws_security_group" "bastion" {
  name        = "${local.name}-bastion"
  description = "SSH bastion"
  vpc_id      = aws_vpc.primary.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTPS for the status page"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = local.tags
}

resource "aws_instance" "bastion" {
  ami                    = data.aws_ami.amazon_linux.id
  instance_type          = var.bastion_instance_type
  subnet_id              = aws_subnet.public["a"].id
  vpc_security_group_ids = [aws_security_group.bastion.id]
  iam_instance_profile   = aws_iam_instance_profile.ssm.name

  root_block_device {
    volume_size = 16
    encrypted   = true
  }

  tags = merge(local.tags, { Name = "${local.name}-bastion" })
}

# Extra volume for operators' home directories.
resource "aws_ebs_volume" "bastion_home" {
  availability_zone = aws_instance.bastion.availability_zone
  size              = 50
  type              = "gp3"
  tags              = merge(local.tags, { Name = "${local.name}-bastion-home" })
}

resource "aws_volume_attachment" "bastion_home" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.bastion_home.id
  instance_id = aws_instance.bastion.id
}

# --- Windows jump host ---------------------------------------------------------
resource "aws_security_group" "jump" {
  name        = "${local.name}-jump"
  description = "Windows jump host"
  vpc_id      = aws_vpc.primary.id
  tags        = local.tags
}

resource "aws_security_group_rule" "jump_rdp" {
  type              = "ingress"
  description       = "RDP from administrators"
  from_port         = 3389
  to_port           = 3389
  protocol          = "tcp"
  cidr_blocks       = [var.admin_cidr]
  security_group_id = aws_security_group.jump.id
}

resource "aws_security_group_rule" "jump_egress" {
  type              = "egress"
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.jump.id
}

resource "aws_instance" "jump" {
  ami                    = data.aws_ami.windows.id
  instance_type          = var.bastion_instance_type
  subnet_id              = aws_subnet.public["b"].id
  vpc_security_group_ids = [aws_security_group.jump.id]

  root_block_device {
    volume_size = 60
    encrypted   = true
  }

  tags = merge(local.tags, { Name = "${local.name}-jump" })
}

# --- Secondary region bastion ------------------------------------------------
resource "aws_vpc" "secondary" {
  provider   = aws.secondary
  cidr_block = var.secondary_vpc_cidr
  tags       = merge(local.tags, { Name = "${local.name}-${var.secondary_region}" })
}

resource "aws_security_group" "bastion_secondary" {
  provider    = aws.secondary
  name        = "${local.name}-bastion"
  description = "SSH bastion (secondary region)"
  vpc_id      = aws_vpc.secondary.id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "bastion_secondary_ssh" {
  provider          = aws.secondary
  security_group_id = aws_security_group.bastion_secondary.id
  description       = "SSH"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = local.anywhere
}

# --- Session Manager access ----------------------------------------------------
resource "aws_iam_role" "ssm" {
  name = "${local.name}-bastion-ssm"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.ssm.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "ssm" {
  name = "${local.name}-bastion-ssm"
  role = aws_iam_role.ssm.name
}
