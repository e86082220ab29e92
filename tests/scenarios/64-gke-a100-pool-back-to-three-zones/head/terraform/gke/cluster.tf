resource "google_container_cluster" "inference" {
  name     = "inference-prod"
  location = "us-central1"

  remove_default_node_pool = true
  initial_node_count       = 1

  release_channel {
    channel = "REGULAR"
  }

  workload_identity_config {
    workload_pool = "acme-ml-prod.svc.id.goog"
  }

  network    = "projects/acme-ml-prod/global/networks/ml-vpc"
  subnetwork = "projects/acme-ml-prod/regions/us-central1/subnetworks/gke-inference"
}
