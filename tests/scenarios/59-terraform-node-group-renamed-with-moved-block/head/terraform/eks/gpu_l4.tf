resource "aws_eks_node_group" "gpu_l4" {
  cluster_name    = "vision-staging"
  node_group_name = "gpu-g6"
  node_role_arn   = "arn:aws:iam::120938475610:role/vision-staging-node"
  subnet_ids      = ["subnet-0e9d8c7b6a5f4e301"] # staging runs in one AZ on purpose
  instance_types  = ["g6.xlarge"]
  ami_type        = "AL2_x86_64_GPU"
  capacity_type   = "ON_DEMAND"

  scaling_config {
    min_size     = 1
    desired_size = 1
    max_size     = 1
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "vision"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}

# Renamed so the address says which GPU it is; no replacement of the node group.
moved {
  from = aws_eks_node_group.gpu
  to   = aws_eks_node_group.gpu_l4
}
