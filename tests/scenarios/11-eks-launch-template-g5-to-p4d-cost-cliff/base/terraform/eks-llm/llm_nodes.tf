resource "aws_launch_template" "llm" {
  name_prefix   = "${var.cluster_name}-llm-"
  instance_type = "g5.2xlarge"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 300
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  tag_specifications {
    resource_type = "instance"
    tags = {
      Name = "${var.cluster_name}-llm"
    }
  }
}

resource "aws_eks_node_group" "llm" {
  cluster_name    = var.cluster_name
  node_group_name = "llm-serving"
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.private_subnet_ids
  ami_type        = "AL2_x86_64_GPU"
  capacity_type   = "ON_DEMAND"

  launch_template {
    id      = aws_launch_template.llm.id
    version = aws_launch_template.llm.latest_version
  }

  scaling_config {
    min_size     = 2
    desired_size = 2
    max_size     = 4
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "llm-serving"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}
