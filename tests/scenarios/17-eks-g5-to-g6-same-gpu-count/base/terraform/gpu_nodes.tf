resource "aws_eks_node_group" "gpu" {
  cluster_name    = "search-prod"
  node_group_name = "gpu-1x"
  node_role_arn   = "arn:aws:iam::241768305912:role/search-prod-node"
  subnet_ids = [
    "subnet-0d1e2f3a4b5c6d701",
    "subnet-0d1e2f3a4b5c6d702",
    "subnet-0d1e2f3a4b5c6d703",
  ]
  instance_types = ["g5.2xlarge"]
  ami_type       = "AL2_x86_64_GPU"
  capacity_type  = "ON_DEMAND"

  scaling_config {
    min_size     = 3
    desired_size = 3
    max_size     = 8
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "gpu-inference"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [scaling_config[0].desired_size]
  }
}

resource "aws_eks_node_group" "gpu_spot" {
  cluster_name    = "search-prod"
  node_group_name = "gpu-1x-spot"
  node_role_arn   = "arn:aws:iam::241768305912:role/search-prod-node"
  subnet_ids = [
    "subnet-0d1e2f3a4b5c6d701",
    "subnet-0d1e2f3a4b5c6d702",
    "subnet-0d1e2f3a4b5c6d703",
  ]
  instance_types = ["g5.2xlarge", "g6.2xlarge", "g5.4xlarge"]
  ami_type       = "AL2_x86_64_GPU"
  capacity_type  = "SPOT"

  scaling_config {
    min_size     = 0
    desired_size = 0
    max_size     = 10
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "gpu-batch"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}
