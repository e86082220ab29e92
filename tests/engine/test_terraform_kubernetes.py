"""Kubernetes objects written with the Terraform kubernetes provider are reviewed like YAML."""

from __future__ import annotations

from bot.ingest.terraform import parse_terraform
from bot.ingest.tfkubernetes import kubernetes_object
from tests.conftest import findings_for

RERANKER = """
resource "kubernetes_deployment_v1" "reranker" {{
  metadata {{
    name      = "reranker"
    namespace = var.namespace
    labels = {{
      "app.kubernetes.io/name" = "reranker"
    }}
  }}

  spec {{
    replicas = {replicas}

    selector {{
      match_labels = {{
        "app.kubernetes.io/name" = "reranker"
      }}
    }}

    template {{
      metadata {{
        labels = {{
          "app.kubernetes.io/name" = "reranker"
        }}
      }}

      spec {{
        affinity {{
          pod_anti_affinity {{
            required_during_scheduling_ignored_during_execution {{
              topology_key = "kubernetes.io/hostname"
              label_selector {{
                match_labels = {{
                  "app.kubernetes.io/name" = "reranker"
                }}
              }}
            }}
          }}
        }}

        container {{
          name  = "reranker"
          image = "ghcr.io/acme-ml/reranker:2.1.0"
          port {{
            name           = "http"
            container_port = 8000
          }}
          resources {{
            limits = {{
              memory           = "12Gi"
              "nvidia.com/gpu" = "1"
            }}
          }}
        }}
      }}
    }}
  }}
}}

resource "kubernetes_pod_disruption_budget_v1" "reranker" {{
  metadata {{
    name = "reranker"
  }}
  spec {{
    max_unavailable = "1"
    selector {{
      match_labels = {{
        "app.kubernetes.io/name" = "reranker"
      }}
    }}
  }}
}}
"""


def test_a_terraform_deployment_reads_as_its_manifest():
    [deployment, pdb] = [kubernetes_object(d) for d in
                         parse_terraform("serving/reranker.tf",
                                         RERANKER.format(replicas=3)).documents]
    assert deployment is not None and pdb is not None
    assert (deployment.kind, deployment.api_version, deployment.name, deployment.namespace) == (
        "Deployment", "apps/v1", "reranker", "")  # `var.namespace` is set at plan time
    pod = deployment.body["spec"]["template"]["spec"]
    assert [c["ports"] for c in pod["containers"]] == [[{"name": "http", "containerPort": 8000}]]
    terms = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms == [{"topologyKey": "kubernetes.io/hostname", "labelSelector": {
        "matchLabels": {"app.kubernetes.io/name": "reranker"}}}]
    assert pdb.body["spec"] == {"maxUnavailable": "1", "selector": {
        "matchLabels": {"app.kubernetes.io/name": "reranker"}}}
    assert deployment.line_at("spec", "replicas") == 12


def test_a_terraform_deployment_cut_to_one_replica_is_a_single_point_of_failure():
    """Scenario 61: the same finding as in YAML, at the line of `replicas`."""
    found = findings_for({"serving/reranker.tf": RERANKER.format(replicas=1)}, rule="SPOF001")
    assert [(f.subject, f.location.path, f.location.line) for f in found] == [
        ("Deployment/-/reranker", "serving/reranker.tf", 12)]
    healthy = {"serving/reranker.tf": RERANKER.format(replicas=3)}
    for rule in ("SPOF001", "SPOF002", "SPOF004"):
        assert findings_for(healthy, rule=rule) == [], rule


def test_only_typed_kubernetes_resources_are_read():
    tf = """
    resource "kubernetes_manifest" "app" {
      manifest = yamldecode(file("deploy.yaml"))
    }
    resource "google_storage_bucket" "weights" {
      name     = "weights"
      location = "US"
    }
    """
    docs = parse_terraform("infra/main.tf", tf).documents
    assert [kubernetes_object(d) for d in docs] == [None, None]
