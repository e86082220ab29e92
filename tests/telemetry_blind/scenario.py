"""The fleet the suite reviews: one workload per situation a capacity planner meets.

Numbers here are the generator's targets; every expectation is computed from the samples
actually written (`fleet.Truth`), never from these constants.
"""

from __future__ import annotations

from tests.telemetry_blind.fleet import GIB, Hpa, Workload

TRITON_IMAGE = "nvcr.io/nvidia/tritonserver:24.05-py3"
VLLM_IMAGE = "vllm/vllm-openai:v0.6.3"

# Headroom policy of the repository under review (`.aria.yml`, base side).
HEADROOM_MIN = 0.25
HEADROOM_MAX = 0.40

RESNET = Workload(
    namespace="vision", name="triton-resnet", exporter="triton", container="triton",
    image=TRITON_IMAGE, model="resnet50", peak_rps=1400.0, replicas=4, peak_util=0.48,
    gpus_per_pod=1, cpu_request=4.0, memory_request=16 * GIB,
    rollouts=[9.0, 4.5], restarts=[(1, 3)], gaps=[(6, 3.0, 30)], seed=11)

LLAMA = Workload(
    namespace="llm", name="vllm-llama", exporter="vllm", container="vllm", image=VLLM_IMAGE,
    model="meta-llama/Llama-3.1-8B-Instruct", peak_rps=40.0, replicas=4, peak_util=0.65,
    gpus_per_pod=1, cpu_request=8.0, memory_request=64 * GIB, latency_histogram=True,
    rollouts=[7.0], restarts=[(2, 5)], cadvisor=False, seed=12)

CHECKOUT = Workload(
    namespace="shop", name="checkout-api", exporter="http", container="checkout-api",
    image="europe-docker.pkg.dev/shop/apps/checkout-api:1.42.0", model="",
    peak_rps=900.0, replicas=8, peak_util=0.57, cpu_request=1.0, memory_request=2 * GIB,
    hpa=Hpa(min_replicas=3, max_replicas=10, target_cpu=0.60), rollouts=[2.0], seed=13)

EMBEDDER = Workload(
    namespace="search", name="embedder", exporter="triton", container="triton",
    image=TRITON_IMAGE, model="e5-large-v2", peak_rps=300.0, replicas=3, peak_util=0.35,
    cpu_request=4.0, memory_request=8 * GIB, scaled=(10.3, 5), seed=14)

DETECTOR = Workload(
    namespace="vision", name="triton-detector", exporter="triton", container="triton",
    image=TRITON_IMAGE, model="yolov8x", peak_rps=60.0, replicas=3, peak_util=0.08,
    gpus_per_pod=2, cpu_request=8.0, memory_request=32 * GIB, rollouts=[8.0], cadvisor=False,
    seed=15)

QWEN = Workload(
    namespace="llm", name="vllm-qwen", exporter="vllm", container="vllm", image=VLLM_IMAGE,
    model="Qwen/Qwen2.5-7B-Instruct", peak_rps=30.0, replicas=3, peak_util=0.40,
    gpus_per_pod=1, cpu_request=8.0, memory_request=64 * GIB,
    nan_spans=[(2, 13.0, 180)], cadvisor=False, seed=16)

MISTRAL = Workload(
    namespace="llm", name="vllm-mistral", exporter="vllm", container="vllm", image=VLLM_IMAGE,
    model="mistralai/Mistral-7B-Instruct-v0.3", peak_rps=20.0, replicas=4, peak_util=0.40,
    gpus_per_pod=1, cpu_request=8.0, memory_request=64 * GIB, days_of_data=2.0,
    cadvisor=False, seed=17)

# Pods run (kube-state-metrics sees the Deployment) but nobody scrapes the server, and the
# DCGM exporter has no pod mapping on its node pool.
FALCON = Workload(
    namespace="llm", name="tgi-falcon", exporter="tgi", container="tgi",
    image="ghcr.io/huggingface/text-generation-inference:2.3.1",
    model="tiiuae/falcon-7b-instruct", peak_rps=15.0, replicas=4, peak_util=0.30,
    gpus_per_pod=1, cpu_request=8.0, memory_request=64 * GIB, app_metrics=False, dcgm=False,
    cadvisor=False, seed=18)

# Scraped by an old annotation-driven job (`kubernetes_namespace`, `kubernetes_pod_name`):
# the repository maps it in `.aria.yml` (telemetry.workloads).
GEMMA = Workload(
    namespace="llm", name="vllm-gemma", exporter="vllm", container="vllm", image=VLLM_IMAGE,
    model="google/gemma-2-9b-it", peak_rps=12.0, replicas=2, peak_util=0.30,
    gpus_per_pod=1, cpu_request=8.0, memory_request=64 * GIB, legacy_pod_labels=True,
    cadvisor=False, seed=19)
GEMMA_SELECTOR = 'kubernetes_namespace="llm", app_kubernetes_io_name="vllm-gemma"'

FLEET = [RESNET, LLAMA, CHECKOUT, EMBEDDER, DETECTOR, QWEN, MISTRAL, FALCON, GEMMA]
