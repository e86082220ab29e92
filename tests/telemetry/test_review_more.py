"""More reviews with telemetry: replica drift, node pools, StatefulSets, series mapped in
`.aria.yml`, changes telemetry cannot project, and changes it has nothing to say about."""

from __future__ import annotations

import pytest

from bot.engine import review
from bot.findings import Status
from bot.render import render
from tests.telemetry.conftest import REVIEW_WINDOW_S, Production
from tests.telemetry.manifests import ARIA_YML, gke_pool, tree, workload
from tests.telemetry.synth import expected_peak, prometheus_points


def _new(decision, rule: str) -> list:
    return [f for f in decision.findings if f.rule_id == rule and f.status is Status.new]


def _drift_review(head_replicas: int):
    args = {"gpus": 0, "exporter": "http"}
    return review(tree({"k8s/drift.yaml": workload("drift", replicas=3, **args)}),
                  tree({"k8s/drift.yaml": workload("drift", replicas=head_replicas, **args)}))


def test_replicas_that_disagree_with_what_runs(telemetry_on: Production):
    decision = _drift_review(4)  # the repository says 3, the cluster runs 5
    (finding,) = _new(decision, "HEAD011")
    assert finding.subject == "Deployment/serving/drift"
    assert "**replicas: 3**" in finding.message and "**5 replicas**" in finding.message
    assert "The repository writes **replicas: 3**" in render(decision, "markdown")


def test_a_change_that_writes_what_runs_is_no_drift(telemetry_on: Production):
    decision = _drift_review(5)
    assert not _new(decision, "HEAD011")


def _pool_review(head_nodes: int):
    files = {"k8s/chat.yaml": workload("chat-tight", replicas=4)}
    return review(tree({**files, "infra/gpu.tf": gke_pool(8)}),
                  tree({**files, "infra/gpu.tf": gke_pool(head_nodes)}))


def test_node_pool_cut_below_the_gpus_in_use(telemetry_on: Production):
    decision = _pool_review(2)
    (pool,) = decision.telemetry.pools
    assert (pool.gpus_before, pool.gpus_after) == (8, 2)
    assert pool.workloads == ["Deployment/serving/chat-tight"]
    assert pool.peak_gpus == pytest.approx(4)
    assert "count(DCGM_FI_DEV_GPU_UTIL" in pool.readings[0].promql
    (cut,) = [f for f in _new(decision, "HEAD010") if f.detail == "node-pool"]
    assert cut.subject == "google_container_node_pool.gpu"
    assert cut.location.path == "infra/gpu.tf" and cut.location.line == 6


def test_node_pool_cut_that_keeps_the_gpus_in_use(telemetry_on: Production):
    decision = _pool_review(6)
    (pool,) = decision.telemetry.pools
    assert pool.cut is None and pool.peak_gpus == pytest.approx(4)
    assert not _new(decision, "HEAD010")


def test_gpu_class_change_is_not_projected(telemetry_on: Production):
    files = {"k8s/chat.yaml": workload("chat-tight", replicas=4)}
    decision = review(tree({**files, "infra/gpu.tf": gke_pool(8)}),
                      tree({**files, "infra/gpu.tf": gke_pool(8, machine="a2-highgpu-1g",
                                                                accelerator="nvidia-tesla-a100")}))
    (item,) = decision.telemetry.workloads
    assert item.projection is None
    assert any("GPU class" in n and "probe" in n for n in item.notes)
    (pool,) = decision.telemetry.pools
    assert any("GPU class changes" in n for n in pool.notes)
    assert not _new(decision, "HEAD009") and not _new(decision, "HEAD010")


def test_statefulset_on_cpu(telemetry_on: Production):
    args = {"kind": "StatefulSet", "gpus": 0, "exporter": "http", "cpu": "1"}
    decision = review(tree({"k8s/ranker.yaml": workload("ranker", replicas=3, **args)}),
                      tree({"k8s/ranker.yaml": workload("ranker", replicas=2, **args)}))
    (item,) = decision.telemetry.workloads
    p = item.projection
    assert p.basis == "cpu" and 'pod=~"ranker-[0-9]+"' in p.peak.promql
    tl = telemetry_on.timelines["ranker"]
    at = decision.telemetry.evaluated_at.timestamp()
    # ordinal pods keep their names across the rollout; rate() sees the counter restart
    assert p.peak.value == pytest.approx(
        expected_peak(prometheus_points(tl, tl.cpu_cores, at, REVIEW_WINDOW_S, rate=True)),
        rel=0.02)
    assert p.after.total == 2.0 and p.utilisation_after == pytest.approx(p.peak.value / 2)
    running = next(r for r in item.readings if r.label.startswith("replicas the cluster"))
    assert running.value == 3 and "kube_statefulset_replicas" in running.promql


def test_series_mapped_in_aria_yml(telemetry_on: Production):
    config = ARIA_YML + """\
telemetry:
  window: 2d
  workloads:
    serving/chat-fits:
      selector: 'namespace="serving", pod=~"chat-fits-.+"'
      exporter: vllm
"""
    config = config.replace("telemetry: {window: 2d}\n", "", 1)
    decision = review(tree({"k8s/chat.yaml": workload("chat-fits", replicas=6, namespace=None)},
                           config=config),
                      tree({"k8s/chat.yaml": workload("chat-fits", replicas=4, namespace=None)},
                           config=config))
    (item,) = decision.telemetry.workloads
    assert item.selector == 'namespace="serving", pod=~"chat-fits-.+"'
    assert item.projection is not None and item.projection.verdict == "fits"
    assert item.exporter == "vllm"


def test_a_workload_without_namespace_needs_a_mapping(telemetry_on: Production):
    decision = review(tree({"k8s/chat.yaml": workload("chat-fits", replicas=6, namespace=None)}),
                      tree({"k8s/chat.yaml": workload("chat-fits", replicas=4, namespace=None)}))
    (item,) = decision.telemetry.workloads
    assert decision.telemetry.queries == 0
    assert "telemetry.workloads.<namespace>/chat-fits" in item.notes[0]
    replicas = next(a for a in decision.assumptions if "Replica counts" in a.text)
    assert replicas.source == "repository" and "could not replace it for 1" in replicas.text


def test_triton_batching_change_without_a_probe(telemetry_on: Production):
    model = "name: \"resnet50\"\nbackend: \"onnxruntime\"\nmax_batch_size: 8\n" \
            "input [{{ name: \"x\", data_type: TYPE_FP32, dims: [3] }}]\n" \
            "output [{{ name: \"y\", data_type: TYPE_FP32, dims: [3] }}]\n" \
            "instance_group [{{ count: {count}, kind: KIND_GPU }}]\n"
    server = {"k8s/idle.yaml": workload("idle-gpu", replicas=4, gpus=2, exporter="triton")}
    decision = review(tree({**server, "models/resnet50/config.pbtxt": model.format(count=1)}),
                      tree({**server, "models/resnet50/config.pbtxt": model.format(count=2)}))
    (item,) = decision.telemetry.workloads
    assert item.changes == ["Triton model resnet50: instance_group changed"]
    assert item.projection is None
    assert any("Triton instance count or batching" in n for n in item.notes)
    requests = next(r for r in item.readings if r.label.startswith("peak NVIDIA Triton"))
    assert requests.value > 0 and "nv_inference_count" in requests.promql


def test_a_change_without_capacity_effect_sends_no_query(telemetry_on: Production):
    base = tree({"k8s/chat.yaml": workload("chat-fits", replicas=6)})
    head = tree({"k8s/chat.yaml": workload("chat-fits", replicas=6).replace(
        "image: vllm/vllm-openai:v0.6.3", "image: vllm/vllm-openai:v0.6.4")})
    decision = review(base, head)
    assert decision.telemetry is None
    assert "Production telemetry" not in render(decision, "markdown")
