resource "azurerm_kubernetes_cluster_node_pool" "ocr" {
  name                  = "ocra10"
  kubernetes_cluster_id = var.aks_cluster_id
  vm_size               = "Standard_NV36ads_A10_v5"
  zones                 = ["1", "2", "3"]
  enable_auto_scaling   = true
  min_count             = 2
  max_count             = 6
  priority              = "Regular"

  node_labels = {
    "workload" = "ocr"
  }

  node_taints = ["nvidia.com/gpu=present:NoSchedule"]
}

variable "aks_cluster_id" {
  type = string
}
