resource "azurerm_kubernetes_cluster_node_pool" "training_inference" {
  name                  = "gpua100"
  kubernetes_cluster_id = var.aks_cluster_id
  vm_size               = "Standard_ND96asr_v4"
  zones                 = ["1", "2", "3"]
  enable_auto_scaling   = true
  min_count             = 3
  max_count             = 8
  priority              = "Regular"
  os_disk_size_gb       = 128

  node_labels = {
    "workload" = "vision-inference"
  }

  node_taints = ["nvidia.com/gpu=present:NoSchedule"]

  tags = {
    costcenter = "vision"
  }
}

variable "aks_cluster_id" {
  type        = string
  description = "ID of the AKS cluster (from the platform stack outputs)"
}
