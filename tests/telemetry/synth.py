"""Realistic production series for a fleet of workloads, written as OpenMetrics for
`promtool tsdb create-blocks-from openmetrics`.

Each workload serves a daily cycle (trough at night, peak mid-afternoon, quieter weekends)
with seeded bursts, runs a fixed replica count or follows an HPA, is rolled out once (new pod
names), and can have pods restart (counter resets), start late (partial data) or export NaN.
The exporters' own metric names and labels are used: vLLM, TGI, Triton, Micrometer HTTP,
DCGM, cAdvisor and kube-state-metrics. :meth:`Timeline` keeps the ground truth so tests can
check Prometheus's figures against what was generated.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import numpy as np

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' safe-encoding alphabet
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class Fleet:
    """One workload's production behaviour."""

    name: str
    namespace: str = "serving"
    kind: Literal["Deployment", "StatefulSet"] = "Deployment"
    exporter: Literal["vllm", "tgi", "triton", "http"] = "vllm"
    model: str = "llama"
    replicas: int = 4  # what the cluster runs (without an HPA)
    gpus: int = 1
    peak: float = 100.0  # total requests/s at the daily peak, before bursts
    trough: float = 0.35  # night load as a share of the peak
    per_gpu: float = 50.0  # requests/s one GPU serves at 100% utilisation
    cpu_request: float = 2.0
    cpu_base: float = 0.2  # cores per pod at idle
    cpu_per_request: float = 0.01  # cores per request/s
    memory_base: float = 6 * 2**30
    memory_per_request: float = 20 * 2**20
    hpa: tuple[int, int] | None = None  # (min, max) in the cluster; replicas follow load
    hpa_per_replica: float = 20.0  # load per replica the HPA aims at
    days: float = 2.0  # how much history there is
    scrape_s: int = 60
    # Events, as fractions of the history: a rollout (new pod names), restarts of pod 0
    # (counter resets), a late start (partial data), DCGM exporting NaN from then on.
    rollout_at: float | None = 0.6
    restarts: tuple[float, ...] = ()
    start_at: float = 0.0
    nan_gpu_from: float | None = None
    bursts: int = 4
    burst_size: float = 0.1
    gpu_metrics: bool = True
    cpu_metrics: bool = True
    request_metrics: bool = True
    histogram: bool = True
    seed: int = 0

    @property
    def hpa_name(self) -> str:
        return self.name


@dataclass
class Pod:
    name: str
    active: np.ndarray  # bool per sample
    restarts: list[int] = field(default_factory=list)  # sample indexes where counters reset


class Timeline:
    """Per-sample load, replicas and pods of one fleet between ``start`` and ``end``."""

    def __init__(self, fleet: Fleet, end: int) -> None:
        self.fleet = fleet
        start = end - int(fleet.days * 86400) // fleet.scrape_s * fleet.scrape_s
        self.times = np.arange(start, end + 1, fleet.scrape_s, dtype=np.int64)
        n = len(self.times)
        rng = random.Random(f"{fleet.name}-{fleet.seed}")
        hours = (self.times % 86400) / 3600.0
        daily = ((1 + np.cos(2 * np.pi * (hours - 15.0) / 24.0)) / 2) ** 1.5
        day_index = (self.times - start) // 86400
        weekly = np.where(day_index % 7 >= 5, 0.8, 1.0)
        load = fleet.peak * (fleet.trough + (1 - fleet.trough) * daily) * weekly
        for _ in range(fleet.bursts):  # 20 minutes each
            at, width = rng.randrange(n), max(1, 1200 // fleet.scrape_s)
            load[at:at + width] *= 1 + fleet.burst_size
        self.load = load
        self.present = np.arange(n) >= int(fleet.start_at * n)
        if fleet.hpa:
            low, high = fleet.hpa
            self.replicas = np.clip(np.ceil(load / fleet.hpa_per_replica), low, high).astype(int)
        else:
            self.replicas = np.full(n, fleet.replicas, dtype=int)
        self.rollout = int(fleet.rollout_at * n) if fleet.rollout_at is not None else n
        self.pods = self._pods(rng, n)

    def _pods(self, rng: random.Random, n: int) -> list[Pod]:
        f = self.fleet
        index = np.arange(n)
        resets = [int(r * n) for r in f.restarts]
        pods = []
        if f.kind == "StatefulSet":  # ordinal names survive a rollout; the counters restart
            for i in range(int(self.replicas.max())):
                active = (self.replicas > i) & self.present
                if active.any():
                    pods.append(Pod(f"{f.name}-{i}", active,
                                    [self.rollout] + (resets if i == 0 else [])))
            return pods
        for in_epoch in (index < self.rollout, index >= self.rollout):
            rs_hash = "".join(rng.choice(ALPHABET) for _ in range(10))
            for i in range(int(self.replicas.max())):
                suffix = "".join(rng.choice(ALPHABET) for _ in range(5))
                active = in_epoch & (self.replicas > i) & self.present
                if active.any():
                    pods.append(Pod(f"{f.name}-{rs_hash}-{suffix}", active,
                                    resets if i == 0 else []))
        return pods

    # --- per-pod quantities -------------------------------------------------------------
    def pod_rps(self, pod: Pod) -> np.ndarray:
        return np.where(pod.active, self.load / np.maximum(self.replicas, 1), 0.0)

    def counter(self, pod: Pod, per_second: np.ndarray) -> np.ndarray:
        """A counter that accumulates ``per_second`` and resets to 0 at each restart."""
        increments = per_second * self.fleet.scrape_s
        total = np.cumsum(increments)
        for at in sorted(pod.restarts):
            if 0 < at < len(total):
                total[at:] -= total[at - 1]
        return total

    def gpu_util(self, pod: Pod) -> np.ndarray:
        per_gpu = self.pod_rps(pod) / self.fleet.gpus
        return np.clip(100.0 * per_gpu / self.fleet.per_gpu, 0.0, 100.0)

    def cpu_cores(self, pod: Pod) -> np.ndarray:
        return self.fleet.cpu_base + self.fleet.cpu_per_request * self.pod_rps(pod)

    def memory(self, pod: Pod) -> np.ndarray:
        return self.fleet.memory_base + self.fleet.memory_per_request * self.pod_rps(pod)

    def mean_latency_s(self, pod: Pod) -> np.ndarray:
        busy = np.minimum(self.gpu_util(pod) / 100.0 if self.fleet.gpus else
                          self.cpu_cores(pod) / self.fleet.cpu_request, 0.95)
        return 0.08 / (1.0 - busy)

    # --- ground truth -------------------------------------------------------------------
    def busy_gpus(self) -> np.ndarray:
        return sum((self.gpu_util(p) / 100.0 * self.fleet.gpus for p in self.pods),
                   np.zeros(len(self.times)))

    def total_cores(self) -> np.ndarray:
        return sum((np.where(p.active, self.cpu_cores(p), 0.0) for p in self.pods),
                   np.zeros(len(self.times)))


def prometheus_points(tl: Timeline, per_pod: Callable[[Pod], np.ndarray], at: float,
                      window_s: float, step_s: int = 300, rate: bool = False) -> np.ndarray:
    """What Prometheus's subquery sees: the sum over pods at each step in (at − window, at].

    An instant value is a pod's latest sample within the 5-minute lookback; a rate is the
    pod's increase over the step's range divided by its length.
    """
    first = (math.floor((at - window_s) / step_s) + 1) * step_s
    values = [(p, per_pod(p)) for p in tl.pods]
    points = []
    for tau in range(int(first), int(at) + 1, step_s):
        in_range = (tl.times > tau - step_s) & (tl.times <= tau)
        total, seen = 0.0, False
        for pod, v in values:
            mask = in_range & pod.active
            if not mask.any():
                continue
            seen = True
            total += v[mask].sum() * tl.fleet.scrape_s / step_s if rate else v[mask][-1]
        if seen:
            points.append(total)
    return np.array(points)


def expected_peak(points: np.ndarray, quantile: float = 0.99) -> float:
    return float(np.quantile(points, quantile))


# --- OpenMetrics ------------------------------------------------------------------------------

def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def _write(out: IO[str], name: str, labels: str, times: np.ndarray, values: np.ndarray,
           mask: np.ndarray) -> None:
    prefix = f"{name}{labels} "
    out.writelines(f"{prefix}{v:.10g} {t}\n" for t, v, m in zip(times.tolist(), values.tolist(),
                                                                mask.tolist(), strict=True) if m)


def _pod_labels(f: Fleet, pod: Pod, container: str) -> dict[str, str]:
    return {"namespace": f.namespace, "pod": pod.name, "container": container}


Series = tuple[str, np.ndarray, np.ndarray, np.ndarray]  # labels, times, values, present
REQUEST_COUNTERS = (("vllm", "vllm:request_success_total"), ("tgi", "tgi_request_count"),
                    ("triton", "nv_inference_count"), ("triton", "nv_inference_request_success"),
                    ("http", "http_server_requests_seconds_count"))
HISTOGRAMS = (("vllm", "vllm:e2e_request_latency_seconds_bucket"),
              ("tgi", "tgi_request_duration_bucket"),
              ("http", "http_server_requests_seconds_bucket"))


class Families:
    """The metric families of a set of timelines, grouped as OpenMetrics requires."""

    def __init__(self, timelines: list[Timeline]) -> None:
        self.timelines = timelines

    def __iter__(self) -> Iterator[tuple[str, list[Series]]]:
        for name, fn in self._families():
            series = [s for tl in self.timelines for s in fn(tl)]
            if series:
                yield name, series

    def _families(self) -> Iterator[tuple[str, Callable[[Timeline], list[Series]]]]:
        for exporter, metric in REQUEST_COUNTERS:
            yield metric, lambda tl, e=exporter, m=metric: self._requests(tl, e, m)
        yield "nv_inference_request_duration_us", self._triton_duration
        for exporter, bucket in HISTOGRAMS:
            yield bucket, lambda tl, e=exporter: self._buckets(tl, e)
        yield "DCGM_FI_DEV_GPU_UTIL", self._gpu_util
        yield "DCGM_FI_DEV_FB_USED", self._gpu_memory
        yield "container_cpu_usage_seconds_total", self._cpu
        yield "container_memory_working_set_bytes", self._memory
        yield "kube_pod_container_resource_requests", self._requests_cpu
        for metric in ("kube_deployment_spec_replicas", "kube_deployment_status_replicas_available",
                       "kube_statefulset_replicas", "kube_statefulset_status_replicas_ready"):
            yield metric, lambda tl, m=metric: self._controller(tl, m)
        for metric in ("kube_horizontalpodautoscaler_status_desired_replicas",
                       "kube_horizontalpodautoscaler_spec_min_replicas",
                       "kube_horizontalpodautoscaler_spec_max_replicas"):
            yield metric, lambda tl, m=metric: self._hpa(tl, m)

    @staticmethod
    def _requests(tl: Timeline, exporter: str, name: str) -> list[Series]:
        f = tl.fleet
        if f.exporter != exporter or not f.request_metrics:
            return []
        extra = {"vllm": {"model_name": f.model, "finished_reason": "stop"},
                 "triton": {"model": f.model, "version": "1"},
                 "http": {"uri": "/predict", "method": "POST", "status": "200"}}.get(exporter, {})
        return [(_labels(**_pod_labels(f, p, "server"), **extra), tl.times,
                 tl.counter(p, tl.pod_rps(p)), p.active) for p in tl.pods]

    @staticmethod
    def _triton_duration(tl: Timeline) -> list[Series]:
        f = tl.fleet
        if f.exporter != "triton" or not f.request_metrics:
            return []
        return [(_labels(**_pod_labels(f, p, "server"), model=f.model, version="1"), tl.times,
                 tl.counter(p, tl.pod_rps(p) * tl.mean_latency_s(p) * 1e6), p.active)
                for p in tl.pods]

    @staticmethod
    def _buckets(tl: Timeline, exporter: str) -> list[Series]:
        f = tl.fleet
        if f.exporter != exporter or not f.histogram or not f.request_metrics:
            return []
        out = []
        for p in tl.pods:
            rps, mean = tl.pod_rps(p), tl.mean_latency_s(p)
            for le in (*LATENCY_BUCKETS, math.inf):
                share = 1.0 - np.exp(-le / mean) if math.isfinite(le) else np.ones_like(mean)
                out.append((_labels(**_pod_labels(f, p, "server"),
                                    le="+Inf" if math.isinf(le) else f"{le:g}"),
                            tl.times, tl.counter(p, rps * share), p.active))
        return out

    @staticmethod
    def _per_gpu(tl: Timeline, value: Callable[[Pod], np.ndarray]) -> list[Series]:
        """One DCGM series per GPU of each pod, labelled as dcgm-exporter does."""
        f = tl.fleet
        if not f.gpus or not f.gpu_metrics:
            return []
        return [(_labels(gpu=str(g), UUID=f"GPU-{p.name}-{g}", **_pod_labels(f, p, "server")),
                 tl.times, value(p), p.active) for p in tl.pods for g in range(f.gpus)]

    @classmethod
    def _gpu_util(cls, tl: Timeline) -> list[Series]:
        nan_from = tl.fleet.nan_gpu_from
        cut = int(nan_from * len(tl.times)) if nan_from is not None else len(tl.times)
        after = np.arange(len(tl.times)) >= cut
        return cls._per_gpu(tl, lambda p: np.where(after, np.nan, tl.gpu_util(p)))

    @classmethod
    def _gpu_memory(cls, tl: Timeline) -> list[Series]:
        return cls._per_gpu(tl, lambda p: 30000.0 + 50.0 * tl.pod_rps(p))

    @staticmethod
    def _cpu(tl: Timeline) -> list[Series]:
        f = tl.fleet
        if not f.cpu_metrics:
            return []
        return [(_labels(**_pod_labels(f, p, "server")), tl.times, tl.counter(p, tl.cpu_cores(p)),
                 p.active) for p in tl.pods]

    @staticmethod
    def _memory(tl: Timeline) -> list[Series]:
        f = tl.fleet
        if not f.cpu_metrics:
            return []
        return [(_labels(**_pod_labels(f, p, "server")), tl.times, tl.memory(p), p.active)
                for p in tl.pods]

    @staticmethod
    def _requests_cpu(tl: Timeline) -> list[Series]:
        f = tl.fleet
        return [(_labels(**_pod_labels(f, p, "server"), resource="cpu", unit="core"), tl.times,
                 np.full(len(tl.times), f.cpu_request), p.active) for p in tl.pods]

    @staticmethod
    def _controller(tl: Timeline, metric: str) -> list[Series]:
        f = tl.fleet
        label = "deployment" if "deployment" in metric else "statefulset"
        if label != f.kind.lower():
            return []
        return [(_labels(namespace=f.namespace, **{label: f.name}), tl.times,
                 tl.replicas.astype(float), tl.present)]

    @staticmethod
    def _hpa(tl: Timeline, metric: str) -> list[Series]:
        f = tl.fleet
        if not f.hpa:
            return []
        value = {"desired": tl.replicas.astype(float),
                 "min": np.full(len(tl.times), float(f.hpa[0])),
                 "max": np.full(len(tl.times), float(f.hpa[1]))}
        key = next(k for k in value if f"_{k}_" in metric or metric.endswith(f"_{k}_replicas"))
        return [(_labels(namespace=f.namespace, horizontalpodautoscaler=f.hpa_name), tl.times,
                 value[key], tl.present)]


def write_openmetrics(timelines: list[Timeline], path: Path) -> int:
    """Write every family of ``timelines`` to ``path``; the number of samples written."""
    samples = 0
    with path.open("w", encoding="utf-8") as out:
        for name, series in Families(timelines):
            out.write(f"# TYPE {name} unknown\n")
            for labels, times, values, mask in series:
                _write(out, name, labels, times, values, mask)
                samples += int(mask.sum())
        out.write("# EOF\n")
    return samples
