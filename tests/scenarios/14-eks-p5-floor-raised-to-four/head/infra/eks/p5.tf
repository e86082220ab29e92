# H100 capacity for the foundation-model team. Nodes are bought as a Capacity Block outside
# Terraform; this group scales into it.
resource "aws_eks_node_group" "h100" {
  cluster_name    = "fm-prod"
  node_group_name = "h100-p5"
  node_role_arn   = "arn:aws:iam::730415926358:role/fm-prod-node"
  subnet_ids = [
    "subnet-07a1b2c3d4e5f6071", # us-east-2a
    "subnet-07a1b2c3d4e5f6072", # us-east-2b
  ]
  instance_types = ["p5.48xlarge"]
  ami_type       = "AL2_x86_64_GPU"
  capacity_type  = "ON_DEMAND"

  scaling_config {
    min_size     = 4
    desired_size = 4
    max_size     = 6
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload        = "fm-serving"
    "gpu.acme.io/class" = "h100"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}
