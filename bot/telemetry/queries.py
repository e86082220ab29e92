"""PromQL per exporter: the standard metric names of model servers, DCGM, cAdvisor and
kube-state-metrics, and the statistics Aria takes of them.

Peaks are Prometheus's own: ``quantile_over_time`` over a subquery of 5-minute rates (or
values) across the window, so ranges, rates, counter resets and functions are computed by the
server, not re-implemented here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import ExporterName, TelemetryConfig
from bot.promql import quote


@dataclass(frozen=True)
class Histogram:
    bucket: str
    to_ms: float  # multiply the histogram's unit by this for milliseconds


@dataclass(frozen=True)
class Exporter:
    """A model server's (or HTTP framework's) request counter and latency source."""

    name: ExporterName
    title: str
    requests: str  # a counter of requests (or inferences) served
    unit: str
    hints: tuple[str, ...]  # image or argv fragments that point at this exporter
    histogram: Histogram | None = None
    duration_counter: str | None = None  # Triton: cumulative µs over `requests_ok`
    requests_ok: str | None = None


EXPORTERS: tuple[Exporter, ...] = (
    Exporter("triton", "NVIDIA Triton", "nv_inference_count", "inferences/s", ("tritonserver",),
             duration_counter="nv_inference_request_duration_us",
             requests_ok="nv_inference_request_success"),
    Exporter("vllm", "vLLM", "vllm:request_success_total", "requests/s", ("vllm",),
             Histogram("vllm:e2e_request_latency_seconds_bucket", 1000.0)),
    Exporter("tgi", "Text Generation Inference", "tgi_request_count", "requests/s",
             ("text-generation",), Histogram("tgi_request_duration_bucket", 1000.0)),
    Exporter("http", "HTTP server (Micrometer)", "http_server_requests_seconds_count",
             "requests/s", (), Histogram("http_server_requests_seconds_bucket", 1000.0)),
    Exporter("otel-http", "HTTP server (OpenTelemetry)",
             "http_server_request_duration_seconds_count", "requests/s", (),
             Histogram("http_server_request_duration_seconds_bucket", 1000.0)),
)
BY_NAME = {e.name: e for e in EXPORTERS}

GPU_UTIL = "DCGM_FI_DEV_GPU_UTIL"
GPU_FB_USED = "DCGM_FI_DEV_FB_USED"
CPU_SECONDS = "container_cpu_usage_seconds_total"
MEMORY_WORKING_SET = "container_memory_working_set_bytes"
RESOURCE_REQUESTS = "kube_pod_container_resource_requests"
POD_METRICS = tuple(dict.fromkeys(
    [e.requests for e in EXPORTERS] + [GPU_UTIL, GPU_FB_USED, CPU_SECONDS, MEMORY_WORKING_SET]))


@dataclass(frozen=True)
class Controller:
    """kube-state-metrics names for one workload kind."""

    label: str
    desired: str
    available: str


CONTROLLERS = {
    "Deployment": Controller("deployment", "kube_deployment_spec_replicas",
                             "kube_deployment_status_replicas_available"),
    "StatefulSet": Controller("statefulset", "kube_statefulset_replicas",
                              "kube_statefulset_status_replicas_ready"),
}
HPA_DESIRED = "kube_horizontalpodautoscaler_status_desired_replicas"
HPA_MIN = "kube_horizontalpodautoscaler_spec_min_replicas"
HPA_MAX = "kube_horizontalpodautoscaler_spec_max_replicas"


@dataclass(frozen=True)
class Stats:
    """The window and statistics of one review (from `.aria.yml`)."""

    window: str
    step: str
    quantile: float
    stat: str

    @classmethod
    def of(cls, config: TelemetryConfig) -> Stats:
        return cls(config.window, config.resolution, config.quantile, config.stat)

    def peak(self, inner: str) -> str:
        return f"quantile_over_time({self.quantile:g}, ({inner})[{self.window}:{self.step}])"

    def maximum(self, inner: str) -> str:
        return f"max_over_time(({inner})[{self.window}:{self.step}])"

    def points(self, inner: str) -> str:
        """How many steps of the window have a value: coverage = points / steps."""
        return f"count_over_time(({inner})[{self.window}:{self.step}])"

    def quality(self, inner: str) -> str:
        """Steps with a value (`points="all"`) and with NaN or ±Inf (`points="nonfinite"`).

        NaN sorts below every number in Prometheus's quantiles, so a peak taken over NaN
        values looks like a figure; these counts tell the two apart in one query.
        """
        bad = f"({inner}) != ({inner}) or abs({inner}) == +Inf"
        return (f'label_replace({self.points(inner)}, "points", "all", "", "") or '
                f'label_replace({self.points(bad)}, "points", "nonfinite", "", "")')

    def rate(self, metric: str, sel: str) -> str:
        return f"rate({metric}{{{sel}}}[{self.step}])"


def requests_total(exporter: Exporter, sel: str, stats: Stats) -> str:
    return f"sum({stats.rate(exporter.requests, sel)})"


def requests_per_replica(exporter: Exporter, sel: str, available: str, stats: Stats) -> str:
    # `> 0` drops instants with no available replica instead of dividing by zero (+Inf).
    return f"{requests_total(exporter, sel, stats)} / (sum({available}) > 0)"


def latency_ms(exporter: Exporter, sel: str, stats: Stats) -> str | None:
    if exporter.histogram is not None:
        hist = exporter.histogram
        return (f"histogram_quantile(0.99, sum by (le) ({stats.rate(hist.bucket, sel)})) "
                f"* {hist.to_ms:g}")
    if exporter.duration_counter and exporter.requests_ok:
        # Triton exports no histogram by default: the mean from its cumulative counters.
        return (f"sum({stats.rate(exporter.duration_counter, sel)}) / "
                f"sum({stats.rate(exporter.requests_ok, sel)}) / 1000")
    return None


def gpu_busy(sel: str) -> str:
    """GPUs' worth of work: the sum of per-GPU utilisation, in GPUs."""
    return f"sum({GPU_UTIL}{{{sel}}}) / 100"


def gpu_util(sel: str) -> str:
    return f"avg({GPU_UTIL}{{{sel}}})"


def gpu_memory(sel: str) -> str:
    return f"max({GPU_FB_USED}{{{sel}}})"


def cpu_cores(sel: str, container: str, stats: Stats) -> str:
    return f"sum({stats.rate(CPU_SECONDS, f'{sel}, container={quote(container)}')})"


def cpu_of_requests(sel: str, container: str, stats: Stats) -> str:
    requests = (f"sum({RESOURCE_REQUESTS}{{{sel}, container={quote(container)}, "
                f'resource="cpu"}})')
    return f"{cpu_cores(sel, container, stats)} / ({requests} > 0) * 100"


def memory_bytes(sel: str, container: str) -> str:
    return f"max({MEMORY_WORKING_SET}{{{sel}, container={quote(container)}}})"


def object_selector(namespace: str, label: str, name: str) -> str:
    return f"namespace={quote(namespace)}, {label}={quote(name)}"
