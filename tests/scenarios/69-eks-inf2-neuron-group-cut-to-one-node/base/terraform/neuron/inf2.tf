# Inferentia2 capacity for the Llama-3 8B chat model compiled with neuronx-distributed.
resource "aws_eks_node_group" "neuron" {
  cluster_name    = "genai-prod"
  node_group_name = "inf2-8xl"
  node_role_arn   = "arn:aws:iam::331204958716:role/genai-prod-node"
  subnet_ids = [
    "subnet-0f1e2d3c4b5a69801", # us-west-2a
    "subnet-0f1e2d3c4b5a69802", # us-west-2b
    "subnet-0f1e2d3c4b5a69803", # us-west-2d
  ]
  instance_types = ["inf2.8xlarge"]
  ami_type       = "AL2_x86_64_GPU"
  capacity_type  = "ON_DEMAND"

  scaling_config {
    min_size     = 2
    desired_size = 2
    max_size     = 6
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "neuron-serving"
  }

  taint {
    key    = "aws.amazon.com/neuron"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}
