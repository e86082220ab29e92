resource "google_container_node_pool" "gpu_l4" {
  name       = "gpu-l4"
  cluster    = google_container_cluster.platform.id
  location   = "europe-west4"
  node_locations = ["europe-west4-a", "europe-west4-b", "europe-west4-c"]

  autoscaling {
    min_node_count = 1
    max_node_count = 4
  }

  node_config {
    machine_type = "g2-standard-8"
    spot         = false
    labels = {
      pool = "gpu-l4"
    }
    guest_accelerator {
      type  = "nvidia-l4"
      count = 2
    }
    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}
