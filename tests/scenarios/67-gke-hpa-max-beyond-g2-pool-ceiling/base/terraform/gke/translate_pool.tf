resource "google_container_node_pool" "translate" {
  name           = "translate-l4"
  cluster        = "projects/acme-loc-prod/locations/europe-west1/clusters/loc-prod"
  location       = "europe-west1"
  node_locations = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]

  autoscaling {
    total_min_node_count = 2
    total_max_node_count = 4
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    # g2-standard-24: 2x NVIDIA L4 per node
    machine_type = "g2-standard-24"
    disk_size_gb = 200

    guest_accelerator {
      type  = "nvidia-l4"
      count = 2
      gpu_driver_installation_config {
        gpu_driver_version = "LATEST"
      }
    }

    labels = {
      workload = "translate-l4"
    }

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}
