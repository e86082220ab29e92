# A100 pool for the document-understanding models (one A100 80GB per node).
resource "azurerm_kubernetes_cluster_node_pool" "gpua100" {
  name                  = "gpua100"
  kubernetes_cluster_id = data.azurerm_kubernetes_cluster.ml.id
  vm_size               = "Standard_NC24ads_A100_v4"
  zones                 = ["1", "2", "3"]
  vnet_subnet_id        = "/subscriptions/7c1e2d9a-5b4f-4e0a-9c3d-2f8b6a1e4d70/resourceGroups/rg-ml-weu-prod/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/snet-aks-gpu"

  enable_auto_scaling = true
  min_count           = 2
  max_count           = 6
  max_pods            = 30
  os_disk_size_gb     = 256
  os_disk_type        = "Ephemeral"
  priority            = "Regular"

  node_labels = {
    "workload"      = "doc-ai"
    "accelerator"   = "nvidia-a100"
  }

  node_taints = ["sku=gpu:NoSchedule"]

  upgrade_settings {
    max_surge = "1"
  }

  tags = {
    costcenter = "doc-ai"
    env        = "prod"
  }
}
