resource "aws_eks_node_group" "chat" {
  cluster_name    = "assistant-prod"
  node_group_name = "chat-serving"
  node_role_arn   = "arn:aws:iam::615204938271:role/assistant-prod-node"
  subnet_ids = [
    "subnet-0aa1bb2cc3dd4ee01", # eu-west-1a
    "subnet-0aa1bb2cc3dd4ee02", # eu-west-1b
    "subnet-0aa1bb2cc3dd4ee03", # eu-west-1c
  ]
  instance_types = ["g5.2xlarge", "g6.2xlarge"]
  ami_type       = "AL2_x86_64_GPU"
  capacity_type  = "SPOT"

  scaling_config {
    min_size     = 3
    desired_size = 3
    max_size     = 10
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "chat-serving"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}
