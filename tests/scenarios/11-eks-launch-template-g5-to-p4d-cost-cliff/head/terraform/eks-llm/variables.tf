variable "cluster_name" {
  type    = string
  default = "ml-prod"
}

variable "private_subnet_ids" {
  type = list(string)
  default = [
    "subnet-04c2a9e1f3b7d8a10", # us-west-2a
    "subnet-09e7b1c4d2a6f3b21", # us-west-2b
    "subnet-0f3d6a8b1c9e4d532", # us-west-2c
  ]
}

variable "node_role_arn" {
  type    = string
  default = "arn:aws:iam::583910274615:role/ml-prod-eks-node"
}
