locals {
  project  = "acme-research-prod"
  region   = "europe-west4"
  zones    = ["europe-west4-a", "europe-west4-b", "europe-west4-c"]
  cluster  = "projects/acme-research-prod/locations/europe-west4/clusters/serving"
}

resource "google_container_node_pool" "llm" {
  name           = "llm-serving"
  project        = local.project
  cluster        = local.cluster
  location       = local.region
  node_locations = local.zones

  autoscaling {
    total_min_node_count = 3
    total_max_node_count = 12
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type = "a3-highgpu-8g"
    disk_size_gb = 300
    disk_type    = "pd-balanced"

    guest_accelerator {
      type  = "nvidia-h100-80gb"
      count = 8
      gpu_driver_installation_config {
        gpu_driver_version = "DEFAULT"
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

    service_account = "gke-llm-nodes@acme-research-prod.iam.gserviceaccount.com"
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]

    workload_metadata_config {
      mode = "GKE_METADATA"
    }
  }
}
