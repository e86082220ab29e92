# GPU node groups for the ml-prod EKS cluster.
# Inference pods select these nodes with `workload: gpu-inference` and tolerate
# the nvidia.com/gpu taint.

resource "aws_eks_node_group" "system" {
  cluster_name    = "ml-prod"
  node_group_name = "system-m6i"
  node_role_arn   = "arn:aws:iam::412381957734:role/ml-prod-node"
  subnet_ids = [
    "subnet-0a3f9c1e7b2d45a01", # private us-east-1a
    "subnet-0b7e2d4c9a1f36b02", # private us-east-1b
    "subnet-0c1d8e5f2a7b49c03", # private us-east-1c
  ]
  instance_types = ["m6i.xlarge"]
  capacity_type  = "ON_DEMAND"

  scaling_config {
    desired_size = 3
    min_size     = 3
    max_size     = 6
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "system"
  }
}

resource "aws_eks_node_group" "gpu_inference" {
  cluster_name    = "ml-prod"
  node_group_name = "gpu-inference-g5"
  node_role_arn   = "arn:aws:iam::412381957734:role/ml-prod-node"
  subnet_ids = [
    "subnet-0a3f9c1e7b2d45a01", # private us-east-1a
    "subnet-0b7e2d4c9a1f36b02", # private us-east-1b
    "subnet-0c1d8e5f2a7b49c03", # private us-east-1c
  ]
  instance_types = ["g5.2xlarge"]
  ami_type       = "AL2_x86_64_GPU"
  capacity_type  = "ON_DEMAND"
  disk_size      = 200

  scaling_config {
    desired_size = 3
    min_size     = 2
    max_size     = 6
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
    ignore_changes = [scaling_config[0].desired_size]
  }
}
