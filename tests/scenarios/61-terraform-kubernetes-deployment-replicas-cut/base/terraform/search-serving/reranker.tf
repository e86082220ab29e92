resource "kubernetes_service_account_v1" "reranker" {
  metadata {
    name      = "reranker"
    namespace = "search"
  }
  automount_service_account_token = false
}

resource "kubernetes_deployment" "reranker" {
  metadata {
    name      = "reranker"
    namespace = "search"
    labels = {
      "app.kubernetes.io/name" = "reranker"
    }
  }

  spec {
    replicas = 3

    selector {
      match_labels = {
        "app.kubernetes.io/name" = "reranker"
      }
    }

    template {
      metadata {
        labels = {
          "app.kubernetes.io/name" = "reranker"
        }
        annotations = {
          "prometheus.io/scrape" = "true"
          "prometheus.io/port"   = "9090"
        }
      }

      spec {
        service_account_name            = kubernetes_service_account_v1.reranker.metadata[0].name
        automount_service_account_token = false

        node_selector = {
          workload = "gpu-inference"
        }

        toleration {
          key      = "nvidia.com/gpu"
          operator = "Exists"
          effect   = "NoSchedule"
        }

        topology_spread_constraint {
          max_skew           = 1
          topology_key       = "topology.kubernetes.io/zone"
          when_unsatisfiable = "DoNotSchedule"
          label_selector {
            match_labels = {
              "app.kubernetes.io/name" = "reranker"
            }
          }
        }

        security_context {
          run_as_non_root = true
          run_as_user     = 10001
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name  = "reranker"
          image = "ghcr.io/acme-ml/reranker:2.1.0@sha256:a44ac58da9e6ae00619d71453c003dd0a9ab25320565476b40f0eab344b54d6a"

          port {
            name           = "http"
            container_port = 8000
          }

          port {
            name           = "metrics"
            container_port = 9090
          }

          resources {
            requests = {
              cpu              = "2"
              memory           = "12Gi"
              "nvidia.com/gpu" = "1"
            }
            limits = {
              memory           = "12Gi"
              "nvidia.com/gpu" = "1"
            }
          }

          startup_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 5
            failure_threshold = 60
          }

          readiness_probe {
            http_get {
              path = "/ready"
              port = "http"
            }
            period_seconds = 5
          }

          liveness_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 10
            failure_threshold = 3
          }

          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_pod_disruption_budget_v1" "reranker" {
  metadata {
    name      = "reranker"
    namespace = "search"
  }
  spec {
    max_unavailable = "1"
    selector {
      match_labels = {
        "app.kubernetes.io/name" = "reranker"
      }
    }
  }
}
