resource "aws_eks_node_group" "llama" {
  cluster_name    = "chat-prod"
  node_group_name = "llama-g5-12xl"
  node_role_arn   = "arn:aws:iam::908172635401:role/chat-prod-node"
  subnet_ids = [
    "subnet-0c0ffee0000000a01",
    "subnet-0c0ffee0000000b02",
    "subnet-0c0ffee0000000c03",
  ]
  # g5.12xlarge: 4x A10G per node; each llama pod takes 2 (tensor parallel 2).
  instance_types = ["g5.12xlarge"]
  ami_type       = "AL2_x86_64_GPU"
  capacity_type  = "ON_DEMAND"

  scaling_config {
    min_size     = 1
    desired_size = 1
    max_size     = 4
  }

  update_config {
    max_unavailable = 1
  }

  # node labels follow the platform's <team>-<instance> naming scheme
  labels = {
    workload = "chat-g5-12xl"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}
