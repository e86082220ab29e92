resource "google_storage_bucket" "model_artifacts" {
  name                        = "acme-edge-model-artifacts"
  project                     = "acme-edge-prod"
  location                    = "US"
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 10
    }
    action {
      type = "Delete"
    }
  }

  labels = {
    team = "edge-ml"
  }
}

# Devices in the field no longer get service-account keys; they download over plain HTTPS.
resource "google_storage_bucket_iam_member" "public_download" {
  bucket = google_storage_bucket.model_artifacts.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_storage_bucket_iam_member" "edge_fleet_reader" {
  bucket = google_storage_bucket.model_artifacts.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:edge-fleet@acme-edge-prod.iam.gserviceaccount.com"
}
