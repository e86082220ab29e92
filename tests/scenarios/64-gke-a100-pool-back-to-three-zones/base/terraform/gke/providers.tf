terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.8"
    }
  }
  backend "gcs" {
    bucket = "acme-ml-tfstate"
    prefix = "gke/inference-prod"
  }
}

provider "google" {
  project = "acme-ml-prod"
  region  = "us-central1"
}
