terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
  }
  backend "s3" {
    bucket         = "acme-ml-tfstate"
    key            = "eks/ml-prod/terraform.tfstate"
    region         = "us-east-1"
    dynamodb_table = "acme-ml-tflock"
    encrypt        = true
  }
}

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = {
      team        = "ml-platform"
      environment = "prod"
      managed-by  = "terraform"
    }
  }
}
