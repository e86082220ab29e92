terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.116"
    }
  }
}

provider "azurerm" {
  features {}
}

data "azurerm_kubernetes_cluster" "ml" {
  name                = "aks-ml-weu-prod"
  resource_group_name = "rg-ml-weu-prod"
}
