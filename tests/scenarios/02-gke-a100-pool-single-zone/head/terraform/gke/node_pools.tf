resource "google_container_node_pool" "a100" {
  name     = "a100-serving"
  cluster  = google_container_cluster.inference.id
  location = "us-central1"

  # A100 stockouts in -b and -c keep failing scale-ups; pin to -a where we have a reservation.
  node_locations = ["us-central1-a"]

  autoscaling {
    total_min_node_count = 2
    total_max_node_count = 6
    location_policy      = "BALANCED"
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  upgrade_settings {
    max_surge       = 1
    max_unavailable = 0
  }

  node_config {
    machine_type = "a2-highgpu-1g"
    disk_type    = "pd-ssd"
    disk_size_gb = 200

    guest_accelerator {
      type  = "nvidia-tesla-a100"
      count = 1
      gpu_driver_installation_config {
        gpu_driver_version = "LATEST"
      }
    }

    labels = {
      workload = "llm-serving"
    }

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }

    service_account = "gke-gpu-nodes@acme-ml-prod.iam.gserviceaccount.com"
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot = true
    }
  }
}
