"""HEAD014, written blind from its contract: a workload's nodeSelector matches no node pool.

Driven through the public CLI (`aria audit|review --format json`) on trees a platform team
would commit. Only the contract is asserted: which workloads get the finding (exactly once
each), its severity and family, that the message names the workload and the selected
key=value, and the status in reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.rules.nodepool_tree import (
    TOLERATE_EVERYTHING,
    EksctlGroup,
    Taint,
    aks_node_pool,
    audit_findings,
    eks_node_group,
    eksctl_cluster,
    gke_node_pool,
    karpenter_node_pool,
    multi_doc,
    review_findings,
    toleration,
    workload,
    write_tree,
)

RULE = "HEAD014"

# Pools shared by several cases. Taints as the cloud applies them to GPU nodes.
GPU_TAINT = Taint("nvidia.com/gpu", "present")
EKS_GENERAL = eks_node_group("general", {"workload-class": "general"})
EKS_BATCH = eks_node_group("batch", {"workload-class": "batch"}, instance_type="c6i.4xlarge")
EKS_GPU = eks_node_group("gpu-a10g", {"workload-class": "gpu-inference"},
                         instance_type="g5.2xlarge", taints=(GPU_TAINT,))
EKS_SEARCH = eks_node_group("search", {"workload-class": "search"},
                            instance_type="r6i.2xlarge",
                            taints=(Taint("dedicated", "search"),))
KARPENTER_SPOT = karpenter_node_pool(
    "spot-batch", {"acme.io/capacity-profile": "spot-batch"},
    taints=(Taint("acme.io/interruptible", "true"),))
GKE_TRAINING_CPU = gke_node_pool("training-cpu", {"pool-purpose": "training"})
GKE_TRAINING_A100 = gke_node_pool("training-a100", {"pool-purpose": "training-gpu"},
                                  machine_type="a2-highgpu-1g",
                                  accelerator="nvidia-tesla-a100", taints=(GPU_TAINT,))
GKE_SERVING_T4 = gke_node_pool("serving-t4", {"pool-purpose": "serving-gpu"},
                               machine_type="n1-standard-8", accelerator="nvidia-tesla-t4",
                               taints=(GPU_TAINT,))
VISION_A10G = eks_node_group("vision-a10g", {"acme.io/team": "vision",
                                             "acme.io/gpu-model": "a10g"},
                             instance_type="g5.2xlarge", taints=(GPU_TAINT,))
SPEECH_L4 = eks_node_group("speech-l4", {"acme.io/team": "speech", "acme.io/gpu-model": "l4"},
                           instance_type="g6.2xlarge", taints=(GPU_TAINT,))
EKSCTL_GROUPS = (
    EksctlGroup("general", {"role": "general"}),
    EksctlGroup("gpu-a10g", {"role": "gpu"}, instance_type="g5.xlarge", taints=(GPU_TAINT,)),
)
EKS_TF = "infra/eks/node_groups.tf"
GKE_TF = "infra/gke/node_pools.tf"
AKS_TF = "infra/aks/node_pools.tf"
KARPENTER = "platform/karpenter/nodepools.yaml"
EKSCTL = "clusters/ml-platform/cluster.yaml"


def tf(*blocks: str) -> str:
    return "\n".join(blocks)


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str]
    # workload name -> key=value pairs of which the message must name one (empty: any)
    fires: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _kustomize(base_value: str, overlay_value: str) -> dict[str, str]:
    """A base Deployment with one prod overlay that patches its nodeSelector."""
    base = workload("Deployment", "event-ingest", namespace="ingest",
                    node_selector={"workload-class": base_value})
    patch = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: event-ingest\n"
             "  namespace: ingest\n"
             "spec:\n  template:\n    spec:\n      nodeSelector:\n"
             f"        workload-class: {overlay_value}\n")
    return {
        EKS_TF: tf(EKS_GENERAL, eks_node_group("ingest-highmem",
                                               {"workload-class": "ingest-highmem"},
                                               instance_type="r6i.2xlarge")),
        "k8s/ingest/base/deployment.yaml": base,
        "k8s/ingest/base/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources:\n  - deployment.yaml\n"),
        "k8s/ingest/overlays/prod/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "namespace: ingest\nresources:\n  - ../../base\n"
            "patches:\n  - path: node-placement.yaml\n"),
        "k8s/ingest/overlays/prod/node-placement.yaml": patch,
    }


POSITIVE = [
    Case("eks-tf-pool-label-renamed", {
        EKS_TF: tf(eks_node_group("general", {"workload-class": "general-purpose"}), EKS_GPU),
        "k8s/data/feature-etl.yaml": workload(
            "Deployment", "feature-etl", namespace="data",
            node_selector={"workload-class": "general"}),
    }, {"feature-etl": ("workload-class=general",)}),
    Case("gke-selector-value-typo", {
        GKE_TF: tf(GKE_TRAINING_CPU, GKE_TRAINING_A100),
        "k8s/research/tokenizer-build.yaml": workload(
            "Deployment", "tokenizer-build", namespace="research",
            node_selector={"pool-purpose": "trainning"}),
    }, {"tokenizer-build": ("pool-purpose=trainning",)}),
    Case("eks-right-label-taint-not-tolerated", {
        EKS_TF: tf(EKS_GENERAL, EKS_SEARCH),
        "k8s/search/vector-index.yaml": workload(
            "Deployment", "vector-index", namespace="search",
            node_selector={"workload-class": "search"}),
    }, {"vector-index": ("workload-class=search",)}),
    Case("eks-toleration-for-another-key-only", {
        EKS_TF: tf(EKS_GENERAL, EKS_SEARCH),
        "k8s/search/query-router.yaml": workload(
            "Deployment", "query-router", namespace="search",
            node_selector={"workload-class": "search"},
            tolerations=(toleration("dedicated-search", "true"),)),
    }, {"query-router": ("workload-class=search",)}),
    Case("gpu-pod-selects-cpu-only-eks-pool", {
        EKS_TF: tf(EKS_GENERAL, EKS_GPU),
        "k8s/serving/reranker.yaml": workload(
            "Deployment", "reranker", namespace="serving", gpus=1,
            node_selector={"workload-class": "general"}),
    }, {"reranker": ("workload-class=general",)}),
    Case("gpu-job-selects-cpu-only-gke-pool", {
        GKE_TF: tf(GKE_TRAINING_CPU, GKE_TRAINING_A100),
        "k8s/research/finetune-llama.yaml": workload(
            "Job", "finetune-llama", namespace="research", gpus=1,
            node_selector={"pool-purpose": "training"}),
    }, {"finetune-llama": ("pool-purpose=training",)}),
    Case("karpenter-nodepool-label-changed", {
        KARPENTER: karpenter_node_pool("spot-batch", {"acme.io/capacity-profile": "spot"}),
        "k8s/data/embeddings-backfill.yaml": workload(
            "Deployment", "embeddings-backfill", namespace="data",
            node_selector={"acme.io/capacity-profile": "spot-batch"}),
    }, {"embeddings-backfill": ("acme.io/capacity-profile=spot-batch",)}),
    Case("karpenter-taint-not-tolerated", {
        KARPENTER: KARPENTER_SPOT,
        "k8s/data/log-compactor.yaml": workload(
            "Deployment", "log-compactor", namespace="data",
            node_selector={"acme.io/capacity-profile": "spot-batch"}),
    }, {"log-compactor": ("acme.io/capacity-profile=spot-batch",)}),
    Case("eksctl-managed-nodegroup-mismatch", {
        EKSCTL: eksctl_cluster(managed=EKSCTL_GROUPS),
        "k8s/platform/model-gateway.yaml": workload(
            "Deployment", "model-gateway", namespace="platform",
            node_selector={"role": "edge"}),
    }, {"model-gateway": ("role=edge",)}),
    Case("eksctl-gpu-pod-on-general-nodegroup", {
        EKSCTL: eksctl_cluster(managed=EKSCTL_GROUPS),
        "k8s/serving/ocr.yaml": workload(
            "Deployment", "ocr", namespace="serving", gpus=1, node_selector={"role": "general"}),
    }, {"ocr": ("role=general",)}),
    Case("eksctl-unmanaged-nodegroup-job", {
        EKSCTL: eksctl_cluster(unmanaged=(
            EksctlGroup("training", {"role": "training"}, instance_type="c6i.8xlarge"),)),
        "k8s/research/dataset-shard.yaml": workload(
            "Job", "dataset-shard", namespace="research", node_selector={"role": "train"}),
    }, {"dataset-shard": ("role=train",)}),
    Case("statefulset-british-spelling", {
        EKS_TF: tf(EKS_GENERAL, eks_node_group(
            "storage", {"workload-class": "storage-optimized"}, instance_type="i4i.2xlarge")),
        "k8s/data/feature-store.yaml": workload(
            "StatefulSet", "feature-store", namespace="data",
            node_selector={"workload-class": "storage-optimised"}),
    }, {"feature-store": ("workload-class=storage-optimised",)}),
    Case("daemonset-gpu-model-no-pool", {
        EKS_TF: tf(VISION_A10G, SPEECH_L4),
        "k8s/monitoring/dcgm-exporter.yaml": workload(
            "DaemonSet", "dcgm-exporter", namespace="monitoring",
            node_selector={"acme.io/gpu-model": "h100"}),
    }, {"dcgm-exporter": ("acme.io/gpu-model=h100",)}),
    Case("cronjob-karpenter-value-swapped", {
        KARPENTER: KARPENTER_SPOT,
        "k8s/search/nightly-reindex.yaml": workload(
            "CronJob", "nightly-reindex", namespace="search",
            node_selector={"acme.io/capacity-profile": "batch-spot"},
            tolerations=(toleration("acme.io/interruptible", "true"),)),
    }, {"nightly-reindex": ("acme.io/capacity-profile=batch-spot",)}),
    Case("aks-node-labels-mismatch", {
        AKS_TF: tf(aks_node_pool("general", {"workload-class": "general"}),
                   aks_node_pool("etl", {"workload-class": "etl"}, vm_size="Standard_E8s_v5")),
        "k8s/data/parquet-writer.yaml": workload(
            "Deployment", "parquet-writer", namespace="data",
            node_selector={"workload-class": "elt"}),
    }, {"parquet-writer": ("workload-class=elt",)}),
    Case("aks-node-taint-not-tolerated", {
        AKS_TF: aks_node_pool("etl", {"workload-class": "etl"}, vm_size="Standard_E8s_v5",
                              taints=(Taint("workload-class", "etl"),)),
        "k8s/data/spark-driver.yaml": workload(
            "Deployment", "spark-driver", namespace="data",
            node_selector={"workload-class": "etl"}),
    }, {"spark-driver": ("workload-class=etl",)}),
    Case("two-owned-keys-split-across-pools", {
        EKS_TF: tf(VISION_A10G, SPEECH_L4),
        "k8s/vision/detector.yaml": workload(
            "Deployment", "detector", namespace="vision", gpus=1,
            node_selector={"acme.io/team": "vision", "acme.io/gpu-model": "l4"}),
    }, {"detector": ("acme.io/team=vision", "acme.io/gpu-model=l4")}),
    Case("owned-key-mismatch-beside-os-key", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/report-renderer.yaml": workload(
            "Deployment", "report-renderer", namespace="data",
            node_selector={"kubernetes.io/os": "linux", "workload-class": "reporting"}),
    }, {"report-renderer": ("workload-class=reporting",)}),
    Case("multi-doc-one-of-two-workloads", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/pipelines.yaml": multi_doc(
            workload("Deployment", "clickstream-sink", namespace="data",
                     node_selector={"workload-class": "batch"}),
            workload("Deployment", "sessionizer", namespace="data",
                     node_selector={"workload-class": "stream"}),
        ),
    }, {"sessionizer": ("workload-class=stream",)}),
    Case("key-owned-only-by-karpenter-beside-terraform-pools", {
        EKS_TF: tf(EKS_GENERAL, EKS_GPU),
        KARPENTER: KARPENTER_SPOT,
        "k8s/data/thumbnailer.yaml": workload(
            "Deployment", "thumbnailer", namespace="data",
            node_selector={"acme.io/capacity-profile": "spot-bacth"},
            tolerations=(toleration("acme.io/interruptible"),)),
    }, {"thumbnailer": ("acme.io/capacity-profile=spot-bacth",)}),
    Case("kustomize-overlay-patches-in-a-missing-value", _kustomize("general", "ingest-himem"),
         {"event-ingest": ("workload-class=ingest-himem",)}),
]

NEGATIVE = [
    Case("eks-matching-pool", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/feature-etl.yaml": workload(
            "Deployment", "feature-etl", namespace="data",
            node_selector={"workload-class": "batch"}),
    }),
    Case("extra-keys-no-pool-sets", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/feature-etl.yaml": workload(
            "Deployment", "feature-etl", namespace="data",
            node_selector={"workload-class": "general", "kubernetes.io/os": "linux",
                           "topology.kubernetes.io/zone": "eu-west-1a",
                           "acme.io/rack": "r12"}),
    }),
    Case("only-provider-keys", {
        EKS_TF: tf(EKS_GENERAL, EKS_GPU),
        KARPENTER: KARPENTER_SPOT,
        "k8s/serving/asr.yaml": workload(
            "Deployment", "asr", namespace="serving", gpus=1,
            node_selector={"eks.amazonaws.com/nodegroup": "legacy-gpu",
                           "karpenter.sh/capacity-type": "spot",
                           "node.kubernetes.io/instance-type": "p3.2xlarge"}),
        "k8s/serving/gke-migrated.yaml": workload(
            "Deployment", "gke-migrated", namespace="serving",
            node_selector={"cloud.google.com/gke-nodepool": "default-pool"}),
    }),
    Case("custom-key-only-other-repos-define", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/ledger-sync.yaml": workload(
            "Deployment", "ledger-sync", namespace="data",
            node_selector={"finance.acme.io/pci-zone": "restricted"}),
    }),
    Case("taint-tolerated-exactly", {
        EKS_TF: tf(EKS_GENERAL, EKS_SEARCH),
        "k8s/search/vector-index.yaml": workload(
            "Deployment", "vector-index", namespace="search",
            node_selector={"workload-class": "search"},
            tolerations=(toleration("dedicated", "search"),)),
    }),
    Case("wildcard-toleration", {
        EKS_TF: tf(EKS_GENERAL, eks_node_group(
            "ingest", {"workload-class": "ingest"},
            taints=(Taint("dedicated", "ingest", "NoExecute"),))),
        "k8s/logging/fluent-bit.yaml": workload(
            "DaemonSet", "fluent-bit", namespace="logging",
            node_selector={"workload-class": "ingest"}, tolerations=(TOLERATE_EVERYTHING,)),
    }),
    Case("no-node-pools-in-tree", {
        "k8s/data/feature-etl.yaml": workload(
            "Deployment", "feature-etl", namespace="data",
            node_selector={"workload-class": "batch"}),
        "k8s/serving/reranker.yaml": workload(
            "Deployment", "reranker", namespace="serving", gpus=1,
            node_selector={"acme.io/gpu-model": "a10g"}),
    }),
    Case("node-affinity-only", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/feature-etl.yaml": workload(
            "Deployment", "feature-etl", namespace="data",
            affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{
                    "key": "workload-class", "operator": "In", "values": ["batchh"]}]}]}}}),
    }),
    Case("no-node-selector", {
        EKS_TF: tf(EKS_GENERAL, EKS_SEARCH, EKS_GPU),
        "k8s/data/feature-etl.yaml": workload("Deployment", "feature-etl", namespace="data"),
        "k8s/serving/reranker.yaml": workload("Deployment", "reranker", namespace="serving",
                                              gpus=1),
    }),
    Case("one-of-several-pools-matches", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH, EKS_SEARCH, EKS_GPU),
        KARPENTER: KARPENTER_SPOT,
        "k8s/data/sessionizer.yaml": workload(
            "StatefulSet", "sessionizer", namespace="data",
            node_selector={"workload-class": "batch"}),
    }),
    Case("gpu-pod-on-gpu-pool-gpu-taint-untolerated", {
        EKS_TF: tf(EKS_GENERAL, EKS_GPU),
        "k8s/serving/reranker.yaml": workload(
            "Deployment", "reranker", namespace="serving", gpus=1,
            node_selector={"workload-class": "gpu-inference"}),
    }),
    Case("cpu-pod-on-gpu-pool", {
        EKS_TF: tf(EKS_GENERAL, EKS_GPU),
        "k8s/serving/tokenizer-sidecar.yaml": workload(
            "Deployment", "tokenizer-sidecar", namespace="serving",
            node_selector={"workload-class": "gpu-inference"}),
    }),
    Case("gke-gpu-from-guest-accelerator", {
        GKE_TF: tf(GKE_TRAINING_CPU, GKE_SERVING_T4),
        "k8s/serving/whisper.yaml": workload(
            "Deployment", "whisper", namespace="serving", gpus=1,
            node_selector={"pool-purpose": "serving-gpu"}),
    }),
    Case("gke-gpu-job-on-a100-pool", {
        GKE_TF: tf(GKE_TRAINING_CPU, GKE_TRAINING_A100),
        "k8s/research/finetune-llama.yaml": workload(
            "Job", "finetune-llama", namespace="research", gpus=1,
            node_selector={"pool-purpose": "training-gpu"}),
    }),
    Case("gpu-pod-on-gpu-eks-instance-type", {
        EKS_TF: tf(VISION_A10G, SPEECH_L4),
        "k8s/vision/detector.yaml": workload(
            "Deployment", "detector", namespace="vision", gpus=1,
            node_selector={"acme.io/team": "vision", "acme.io/gpu-model": "a10g"}),
    }),
    Case("karpenter-key-toleration-exists", {
        KARPENTER: KARPENTER_SPOT,
        "k8s/search/nightly-reindex.yaml": workload(
            "CronJob", "nightly-reindex", namespace="search",
            node_selector={"acme.io/capacity-profile": "spot-batch"},
            tolerations=(toleration("acme.io/interruptible"),)),
    }),
    Case("eksctl-nodegroup-match", {
        EKSCTL: eksctl_cluster(managed=(
            EksctlGroup("general", {"role": "general"}),
            EksctlGroup("platform", {"role": "platform"},
                        taints=(Taint("team", "platform"),)),
        )),
        "k8s/platform/model-gateway.yaml": workload(
            "Deployment", "model-gateway", namespace="platform",
            node_selector={"role": "platform"},
            tolerations=(toleration("team", "platform"),)),
    }),
    Case("eksctl-gpu-pod-on-gpu-nodegroup", {
        EKSCTL: eksctl_cluster(managed=EKSCTL_GROUPS),
        "k8s/serving/ocr.yaml": workload(
            "Deployment", "ocr", namespace="serving", gpus=1, node_selector={"role": "gpu"}),
    }),
    Case("aks-taint-tolerated", {
        AKS_TF: aks_node_pool("etl", {"workload-class": "etl"}, vm_size="Standard_E8s_v5",
                              taints=(Taint("workload-class", "etl"),)),
        "k8s/data/spark-driver.yaml": workload(
            "Deployment", "spark-driver", namespace="data",
            node_selector={"workload-class": "etl"},
            tolerations=(toleration("workload-class", "etl"),)),
    }),
    Case("kustomize-overlay-fixes-base-typo", _kustomize("genral", "ingest-highmem")),
]


def _assert_fires(found: list[dict], expected: dict[str, tuple[str, ...]]) -> None:
    assert len(found) == len(expected), [f["message"] for f in found]
    for name, pairs in expected.items():
        mine = [f for f in found if name in f["message"]]
        assert len(mine) == 1, (name, [f["message"] for f in found])
        finding = mine[0]
        assert finding["severity"] == "warning"
        assert finding["family"] == "headroom"
        assert any(pair in finding["message"] for pair in pairs), finding["message"]


@pytest.mark.parametrize("case", POSITIVE + NEGATIVE, ids=lambda c: c.id)
def test_audit(case: Case, tmp_path: Path) -> None:
    found = audit_findings(write_tree(tmp_path, case.files), RULE)
    _assert_fires(found, case.fires)


# Reviews: base tree -> head tree; for each workload, the status its finding must have
# (None: no finding that is new or unchanged, i.e. not reported as standing).
@dataclass(frozen=True)
class ReviewCase:
    id: str
    base: dict[str, str]
    head: dict[str, str]
    status: dict[str, str | None]


ETL_ON_BATCH = workload("Deployment", "feature-etl", namespace="data",
                        node_selector={"workload-class": "batch"})
RERANKER_GPU = workload("Deployment", "reranker", namespace="serving", gpus=1,
                        node_selector={"workload-class": "gpu-inference"})
REINDEX = workload("CronJob", "nightly-reindex", namespace="search",
                   node_selector={"acme.io/capacity-profile": "spot-batch"},
                   tolerations=(toleration("acme.io/interruptible", "true"),))
STUCK = workload("Deployment", "geo-enricher", namespace="data",
                 node_selector={"workload-class": "geo"})

REVIEWS = [
    ReviewCase("pool-label-value-renamed-in-terraform", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/feature-etl.yaml": ETL_ON_BATCH,
    }, {
        EKS_TF: tf(EKS_GENERAL, eks_node_group("batch", {"workload-class": "batch-compute"},
                                               instance_type="c6i.4xlarge")),
        "k8s/data/feature-etl.yaml": ETL_ON_BATCH,
    }, {"feature-etl": "new"}),
    ReviewCase("selector-typo-introduced", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/feature-etl.yaml": ETL_ON_BATCH,
    }, {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/feature-etl.yaml": workload("Deployment", "feature-etl", namespace="data",
                                              node_selector={"workload-class": "bacth"}),
    }, {"feature-etl": "new"}),
    ReviewCase("untolerated-taint-added-to-pool", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/feature-etl.yaml": ETL_ON_BATCH,
    }, {
        EKS_TF: tf(EKS_GENERAL, eks_node_group("batch", {"workload-class": "batch"},
                                               instance_type="c6i.4xlarge",
                                               taints=(Taint("dedicated", "batch"),))),
        "k8s/data/feature-etl.yaml": ETL_ON_BATCH,
    }, {"feature-etl": "new"}),
    ReviewCase("karpenter-label-changed", {
        KARPENTER: KARPENTER_SPOT, "k8s/search/nightly-reindex.yaml": REINDEX,
    }, {
        KARPENTER: karpenter_node_pool("spot-batch", {"acme.io/capacity-profile": "spot"},
                                       taints=(Taint("acme.io/interruptible", "true"),)),
        "k8s/search/nightly-reindex.yaml": REINDEX,
    }, {"nightly-reindex": "new"}),
    ReviewCase("gpu-pool-moved-to-cpu-instances", {
        EKS_TF: tf(EKS_GENERAL, EKS_GPU), "k8s/serving/reranker.yaml": RERANKER_GPU,
    }, {
        EKS_TF: tf(EKS_GENERAL, eks_node_group("gpu-a10g", {"workload-class": "gpu-inference"},
                                               instance_type="m6i.2xlarge")),
        "k8s/serving/reranker.yaml": RERANKER_GPU,
    }, {"reranker": "new"}),
    ReviewCase("unchanged-mismatch-stays-unchanged", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/geo-enricher.yaml": STUCK,
    }, {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/geo-enricher.yaml": STUCK.replace(":2.3.1", ":2.4.0"),
    }, {"geo-enricher": "unchanged"}),
    ReviewCase("one-new-one-unchanged-in-same-review", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/feature-etl.yaml": ETL_ON_BATCH, "k8s/data/geo-enricher.yaml": STUCK,
    }, {
        EKS_TF: tf(eks_node_group("general", {"workload-class": "general"},
                                  instance_type="m7i.2xlarge"),
                   eks_node_group("batch", {"workload-class": "batch-compute"},
                                  instance_type="c6i.4xlarge")),
        "k8s/data/feature-etl.yaml": ETL_ON_BATCH, "k8s/data/geo-enricher.yaml": STUCK,
    }, {"feature-etl": "new", "geo-enricher": "unchanged"}),
    ReviewCase("selector-fixed", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/geo-enricher.yaml": STUCK,
    }, {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH),
        "k8s/data/geo-enricher.yaml": workload("Deployment", "geo-enricher", namespace="data",
                                               node_selector={"workload-class": "batch"}),
    }, {"geo-enricher": None}),
    ReviewCase("toleration-added", {
        EKS_TF: tf(EKS_GENERAL, EKS_SEARCH),
        "k8s/search/vector-index.yaml": workload(
            "Deployment", "vector-index", namespace="search",
            node_selector={"workload-class": "search"}),
    }, {
        EKS_TF: tf(EKS_GENERAL, EKS_SEARCH),
        "k8s/search/vector-index.yaml": workload(
            "Deployment", "vector-index", namespace="search",
            node_selector={"workload-class": "search"},
            tolerations=(toleration("dedicated", "search"),)),
    }, {"vector-index": None}),
    ReviewCase("pool-added-for-stuck-workload", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/geo-enricher.yaml": STUCK,
    }, {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH,
                   eks_node_group("geo", {"workload-class": "geo"},
                                  instance_type="c7g.2xlarge")),
        "k8s/data/geo-enricher.yaml": STUCK,
    }, {"geo-enricher": None}),
    ReviewCase("new-workload-with-missing-pool", {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/feature-etl.yaml": ETL_ON_BATCH,
    }, {
        EKS_TF: tf(EKS_GENERAL, EKS_BATCH), "k8s/data/feature-etl.yaml": ETL_ON_BATCH,
        "k8s/data/geo-enricher.yaml": STUCK,
    }, {"geo-enricher": "new", "feature-etl": None}),
]


@pytest.mark.parametrize("case", REVIEWS, ids=lambda c: c.id)
def test_review(case: ReviewCase, tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", case.base)
    head = write_tree(tmp_path / "head", case.head)
    standing = [f for f in review_findings(base, head, RULE)
                if f["status"] in ("new", "unchanged")]
    for name, status in case.status.items():
        mine = [f for f in standing if name in f["message"]]
        if status is None:
            assert mine == [], [f["message"] for f in mine]
        else:
            assert [f["status"] for f in mine] == [status], [f["message"] for f in standing]
    named = [f for f in standing if any(n in f["message"] for n in case.status)]
    assert len(named) == len(standing), [f["message"] for f in standing]
