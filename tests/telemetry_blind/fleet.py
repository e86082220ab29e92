"""Two weeks of a production fleet as the standard exporters expose it, with its ground truth.

Each workload is simulated minute by minute: demand → replicas (fixed, scaled by hand, or by
an HPA) → pods (named as a ReplicaSet names them; a rollout renames them, a restart resets
their counters) → what Triton / vLLM / Micrometer, DCGM, cAdvisor and kube-state-metrics
would have exported, scraped once a minute. The ground truth is computed from the very
samples written, never typed in: the p99 of 5-minute request rates and utilisation over the
last 14 days, replicas running now, what the HPA wanted, GPU-hours held.

Every utilisation signal of a pod (GPU busy %, CPU used / requested, vLLM running sequences /
`--max-num-seqs`, KV-cache use) is the same fraction of the pod's capacity, so whichever one a
reviewer reads, the capacity arithmetic agrees.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np

from tests.telemetry_blind.demand import (
    DAY,
    HOUR,
    demand_shape,
    p99_at_steps,
    p99_of_5m,
    weekday_bursts,
)
from tests.telemetry_blind.openmetrics import Clock, Registry, Series

WINDOW = 14 * DAY
MIB = 1024 * 1024
GIB = 1024 * MIB
Exporter = Literal["triton", "vllm", "http", "tgi"]
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"   # what Kubernetes uses for generated names


def _token(seed: str, n: int) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:n])


def _offset(seed: str) -> float:
    """A target's scrape offset within the minute (ms precision)."""
    return int(hashlib.sha256(seed.encode()).hexdigest()[:6], 16) % 60_000 / 1000.0


def _ip(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).digest()
    return f"10.{h[0] % 64}.{h[1]}.{h[2] % 254 + 1}"


@dataclass(frozen=True)
class Hpa:
    min_replicas: int
    max_replicas: int
    target_cpu: float          # averageUtilization / 100


@dataclass
class Workload:
    namespace: str
    name: str
    exporter: Exporter
    container: str
    image: str
    model: str
    peak_rps: float                      # p99 of 5-minute total request rate to aim at
    replicas: int                        # what runs (before any manual scale)
    peak_util: float = 0.5               # p99 per-replica utilisation at `replicas` (fixed)
    gpus_per_pod: int = 0
    gpu_model: str = "NVIDIA A100-SXM4-80GB"
    cpu_request: float = 2.0             # cores
    memory_request: int = 8 * GIB
    hpa: Hpa | None = None
    max_num_seqs: int = 256              # vLLM
    scaled: tuple[float, int] | None = None   # (days ago, replicas) of a `kubectl scale`
    rollouts: list[float] = field(default_factory=list)          # days ago
    restarts: list[tuple[int, float]] = field(default_factory=list)  # (slot, days ago)
    # (days ago, hour of day UTC, minutes): no scrape of its targets / its gauges read NaN
    gaps: list[tuple[int, float, int]] = field(default_factory=list)
    nan_spans: list[tuple[int, float, int]] = field(default_factory=list)
    days_of_data: float | None = None    # None: the whole range
    app_metrics: bool = True             # False: pods run, their server is not scraped
    dcgm: bool = True
    cadvisor: bool = True                # cAdvisor and per-pod kube-state-metrics series
    latency_histogram: bool = False
    legacy_pod_labels: bool = False      # server scraped with kubernetes_namespace/_pod_name
    seed: int = 0

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Truth:
    """What a correct reader of the written samples finds over the last 14 days.

    Rates are p99s of 5-minute averages of the counted requests / CPU seconds; gauges are
    p99s of the values a 5-minute-step evaluation sees (the last sample before each step).
    """

    workload: Workload
    peak_rps: float                      # requests/s, all pods
    peak_util: float                     # mean per-replica utilisation (fraction)
    peak_cpu_cores: float | None         # CPU used by the serving containers (cAdvisor)
    gpu_busy_p99: float | None           # sum over GPUs of DCGM utilisation, in GPUs
    gpu_util_p99: float | None           # mean over GPUs of DCGM utilisation, fraction
    gpu_util_max_any: float | None       # highest single-GPU sample in the window, fraction
    spec_replicas_now: int               # kube_deployment_spec_replicas at the end
    hpa_desired_p99: float | None
    gpu_hours: float                     # sum over GPUs of hours with DCGM samples
    coverage: float                      # share of the 14-day window with samples
    latency_p99_bucket: tuple[float, float] | None   # bucket holding the peak's p99 latency
    nonfinite_samples: int = 0


@dataclass
class _Pod:
    name: str
    uid: str
    slot: int
    start: int          # first minute index
    end: int            # one past the last
    node: str
    gpu_index: int


class Timeline:
    """Minute grid from just over 14 days ago to a little after now (so that 'now' queries
    made during the test run still fall inside the data)."""

    def __init__(self, now: int, lead_minutes: int = 45, history: int = WINDOW + 2 * HOUR):
        self.now = now - now % 60
        start = self.now - history
        self.clock = Clock(start=start, minutes=(history // 60) + lead_minutes)
        self.t = self.clock.times()
        self.in_window = (self.t >= self.now - WINDOW) & (self.t < self.now)

    def index(self, days_ago: float) -> int:
        return int(round((self.now - days_ago * DAY - self.clock.start) / 60))

    def at_hour(self, days_ago: int, hour: float) -> int:
        """Index of `hour` o'clock (UTC) on the day `days_ago` days before today."""
        midnight = self.now - self.now % DAY - days_ago * DAY
        return int(round((midnight + hour * HOUR - self.clock.start) / 60))


def _runs(active: np.ndarray, cuts: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of True, also split at each cut index."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    out: list[tuple[int, int]] = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        points = [a] + [c for c in sorted(cuts) if a < c < b] + [b]
        out.extend(zip(points[:-1], points[1:], strict=False))
    return [(int(a), int(b)) for a, b in out]


class FleetBuilder:
    def __init__(self, timeline: Timeline) -> None:
        self.tl = timeline
        self.registry = Registry(timeline.clock)
        self.truths: dict[str, Truth] = {}
        self.ksm_offset = _offset("kube-state-metrics")
        self.ksm_target = {"job": "kube-state-metrics", "instance": "10.8.0.12:8080",
                           "service": "kube-state-metrics", "endpoint": "http",
                           "container": "kube-state-metrics",
                           "pod": "kube-state-metrics-6f9d8c7b5-q2x8m"}

    # -- the simulation ---------------------------------------------------------------
    def add(self, w: Workload) -> Truth:
        tl = self.tl
        rng = np.random.default_rng(w.seed)
        n = tl.clock.minutes
        shape = demand_shape(tl.t, rng, weekday_bursts(tl.now, rng))
        present = np.ones(n, dtype=bool)
        if w.days_of_data is not None:
            present &= np.arange(n) >= tl.index(w.days_of_data)
        scale = w.peak_rps / p99_of_5m(shape, tl.t, tl.in_window & present)
        demand = shape * scale                                    # requests per second

        replicas, desired, spec = self._replicas(w, demand, rng)
        per_replica_capacity = self._capacity(w)
        pods = self._pods(w, replicas, present)
        scraped = present.copy()
        for days_ago, hour, minutes in w.gaps:
            i = tl.at_hour(days_ago, hour)
            scraped[i:i + minutes] = False
        nan_mask = np.zeros(n, dtype=bool)
        for days_ago, hour, minutes in w.nan_spans:
            i = tl.at_hour(days_ago, hour)
            nan_mask[i:i + minutes] = True

        # each pod's share of the demand: small steady imbalance between slots
        weight = np.array([1.0 + 0.03 * ((s % 3) - 1) for s in range(replicas.max())])
        active = np.zeros((replicas.max(), n), dtype=bool)
        for p in pods:
            active[p.slot, p.start:p.end] = True
        total_weight = (weight[:, None] * active).sum(axis=0)
        total_weight[total_weight == 0] = 1.0

        requests_total = np.zeros(n)
        util_sum = np.zeros(n)
        cores_sum = np.zeros(n)
        gpu_sum = np.zeros(n)                  # DCGM percent, summed over valid samples
        gpu_count = np.zeros(n)
        gpu_max = np.full(n, -1.0)
        gpu_hours = 0.0
        nonfinite = 0
        for p in pods:
            span = np.arange(p.start, p.end)
            rps = demand[span] * weight[p.slot] / total_weight[span]
            reqs = rng.poisson(rps * 60).astype(np.float64)       # requests in each minute
            util = np.clip(rps / per_replica_capacity, 0, 1)
            requests_total[span] += reqs
            util_sum[span] += util
            keep = scraped[span]
            if w.dcgm and w.gpus_per_pod:
                pct = np.clip(np.round(100 * util * rng.normal(1, 0.01, len(span))), 0, 100)
                valid = span[keep & ~nan_mask[span]]
                vpct = pct[keep & ~nan_mask[span]]
                for _ in range(w.gpus_per_pod):
                    gpu_sum[valid] += vpct
                    gpu_count[valid] += 1
                    gpu_max[valid] = np.maximum(gpu_max[valid], vpct)
                    gpu_hours += np.count_nonzero(tl.in_window[span[keep]]) / 60
                nonfinite += self._dcgm(w, p, span[keep], pct[keep], nan_mask[span[keep]], rng)
            if w.cadvisor:
                cores_sum[span[keep]] += self._cadvisor(w, p, span, keep, util, rng)
                self._ksm_pod(w, p, span[keep])
            if w.app_metrics:
                nonfinite += self._app(w, p, span, keep, reqs, util, nan_mask, rng)
        self._ksm_deployment(w, replicas, desired, spec, scraped)

        in_win = tl.in_window & present
        has_gpu = w.gpus_per_pod > 0 and w.dcgm
        gpu_seen = in_win & (gpu_count > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            gpu_busy = np.where(gpu_count > 0, gpu_sum / 100, np.nan)
            gpu_mean = np.where(gpu_count > 0, gpu_sum / gpu_count / 100, np.nan)
        truth = Truth(
            workload=w,
            peak_rps=p99_of_5m(requests_total / 60.0, tl.t, in_win),
            peak_util=p99_of_5m(util_sum / replicas, tl.t, in_win),
            peak_cpu_cores=(p99_of_5m(np.where(scraped, cores_sum, np.nan), tl.t, in_win)
                            if w.cadvisor else None),
            gpu_busy_p99=p99_at_steps(gpu_busy, tl.t, in_win) if has_gpu else None,
            gpu_util_p99=p99_at_steps(gpu_mean, tl.t, in_win) if has_gpu else None,
            gpu_util_max_any=float(gpu_max[gpu_seen].max()) / 100 if has_gpu else None,
            spec_replicas_now=int(spec[tl.index(0) - 1]),
            hpa_desired_p99=(p99_at_steps(desired.astype(float), tl.t, in_win)
                             if w.hpa else None),
            gpu_hours=gpu_hours,
            coverage=float(np.count_nonzero(scraped & tl.in_window)
                           / np.count_nonzero(tl.in_window)),
            latency_p99_bucket=(self._latency_truth(util_sum / replicas, in_win)
                                if w.latency_histogram else None),
            nonfinite_samples=nonfinite,
        )
        self.truths[w.key] = truth
        return truth

    def _replicas(self, w: Workload, demand: np.ndarray, rng: np.random.Generator,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pods running per minute, what the HPA wanted, and the Deployment's spec.replicas."""
        n = len(demand)
        if w.hpa is None:
            running = np.full(n, w.replicas, dtype=np.int64)
            if w.scaled is not None:
                days_ago, to = w.scaled
                running[self.tl.index(days_ago):] = to
            return running, running.copy(), running.copy()
        # CPU-bound service: per-pod CPU = demand share / capacity x request. The HPA sees
        # the last 5 minutes' average and asks for ceil(used / (target x request)) pods.
        cores_per_rps = w.cpu_request / self._capacity(w)
        used = demand * cores_per_rps
        smooth = np.convolve(used, np.ones(5) / 5, mode="full")[:n]
        want = np.ceil(smooth / (w.hpa.target_cpu * w.cpu_request) - 0.1)  # HPA tolerance
        desired = np.clip(want, w.hpa.min_replicas, w.hpa.max_replicas).astype(np.int64)
        running = np.concatenate([[desired[0]], desired[:-1]])         # a minute to start
        return running, desired, desired.copy()

    def _capacity(self, w: Workload) -> float:
        """Requests per second one pod serves at 100% utilisation: chosen so that the p99
        per-replica utilisation is `peak_util` when `replicas` pods share the peak."""
        return w.peak_rps / (w.peak_util * w.replicas)

    def _pods(self, w: Workload, replicas: np.ndarray, present: np.ndarray) -> list[_Pod]:
        tl = self.tl
        rollout_at = sorted(tl.at_hour(int(d), 6 + (d % 1) * 4) for d in w.rollouts)
        pods: list[_Pod] = []
        nodes = [f"gke-prod-{'a100' if w.gpus_per_pod else 'n2-std'}-pool-"
                 f"{_token(w.key + str(i), 8)}-{_token(w.key + 'n' + str(i), 4)}"
                 for i in range(6)]
        for slot in range(int(replicas.max())):
            # a rollout replaces pods one after another, a minute and a half apart
            cuts = [r + (slot * 3) // 2 for r in rollout_at]
            for a, b in _runs((replicas > slot) & present, cuts):
                generation = sum(1 for r in rollout_at if r <= a)
                rs_hash = _token(f"{w.key}/rs{generation}", 10)
                name = f"{w.name}-{rs_hash}-{_token(f'{w.key}/{slot}/{a}', 5)}"
                node = nodes[(slot + generation) % len(nodes)]
                pods.append(_Pod(name=name, uid=_uid(name), slot=slot, start=a, end=b,
                                 node=node, gpu_index=(slot * w.gpus_per_pod) % 8))
        return pods

    # -- exporters --------------------------------------------------------------------
    def _app_labels(self, w: Workload, p: _Pod) -> dict[str, str]:
        instance = f"{_ip(p.name)}:" + {"triton": "8002", "vllm": "8000", "http": "8080",
                                        "tgi": "80"}[w.exporter]
        if w.legacy_pod_labels:
            # the classic annotation-driven `kubernetes-pods` job: pod labels copied by
            # labelmap, namespace and pod under their old names
            return {"app_kubernetes_io_name": w.name, "app_kubernetes_io_part_of": w.namespace,
                    "instance": instance, "job": "kubernetes-pods",
                    "kubernetes_namespace": w.namespace, "kubernetes_pod_name": p.name}
        return {"namespace": w.namespace, "pod": p.name, "container": w.container,
                "job": f"{w.namespace}/{w.name}", "instance": instance}

    def _counter(self, family: str, sample: str, help_text: str, labels: dict[str, str],
                 offset: float, span: np.ndarray, keep: np.ndarray, increments: np.ndarray,
                 resets: list[int], decimals: int = 0) -> None:
        """A counter from per-minute increments, restarting from 0 at each reset index."""
        value = _restarting_cumsum(increments, span, resets)
        self.registry.add(family, "counter", help_text,
                          Series(sample, labels, offset, span[keep], value[keep], decimals))

    def _gauge(self, family: str, help_text: str, labels: dict[str, str], offset: float,
               idx: np.ndarray, values: np.ndarray, decimals: int = 0) -> None:
        self.registry.add(family, "gauge", help_text,
                          Series(family, labels, offset, idx, values, decimals))

    def _resets(self, w: Workload, p: _Pod) -> list[int]:
        return [self.tl.at_hour(int(d), 14.5) for slot, d in w.restarts if slot == p.slot
                and p.start < self.tl.at_hour(int(d), 14.5) < p.end]

    def _app(self, w: Workload, p: _Pod, span: np.ndarray, keep: np.ndarray,
             reqs: np.ndarray, util: np.ndarray, nan_mask: np.ndarray,
             rng: np.random.Generator) -> int:
        labels = self._app_labels(w, p)
        off = _offset(p.name)
        resets = self._resets(w, p)
        if w.exporter == "triton":
            m = {"model": w.model, "version": "1"}
            fail = rng.binomial(reqs.astype(np.int64), 0.001).astype(np.float64)
            ok = reqs - fail
            queue_us = 150 + 4000 * util ** 3               # queueing grows near saturation
            for fam, sample, help_text, inc in [
                ("nv_inference_request_success", "nv_inference_request_success",
                 "Number of successful inference requests, all batch sizes", ok),
                ("nv_inference_request_failure", "nv_inference_request_failure",
                 "Number of failed inference requests, all batch sizes", fail),
                ("nv_inference_count", "nv_inference_count",
                 "Number of inferences performed (does not include cached requests)", ok),
                ("nv_inference_queue_duration_us", "nv_inference_queue_duration_us",
                 "Cumulative inference queuing duration in microseconds",
                 np.round(ok * queue_us)),
            ]:
                extra = {"reason": "BACKEND"} if fam.endswith("failure") else {}
                # Triton's counters carry no `_total` suffix, which an OpenMetrics counter
                # family requires: written untyped under their own names
                self.registry.add(fam, "unknown", help_text,
                                  Series(sample, {**m, **extra, **labels}, off, span[keep],
                                         _restarting_cumsum(inc, span, resets)[keep]))
            return 0
        if w.exporter == "vllm":
            m = {"model_name": w.model}
            nan_here = nan_mask[span] & keep
            running = np.round(util * w.max_num_seqs)
            cache = np.round(util * rng.normal(1, 0.01, len(span)), 4)
            nans = 0
            for fam, help_text, vals, dec in [
                ("vllm:num_requests_running", "Number of requests currently running on GPU.",
                 running, 0),
                ("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.",
                 cache, 4),
            ]:
                vals = vals.astype(np.float64).copy()
                vals[nan_here] = np.nan
                if nan_here.any() and fam == "vllm:gpu_cache_usage_perc":
                    vals[np.flatnonzero(nan_here)[len(np.flatnonzero(nan_here)) // 2]] = np.inf
                nans += int(np.count_nonzero(~np.isfinite(vals[keep])))
                self._gauge(fam, help_text, {**m, **labels}, off, span[keep], vals[keep], dec)
            stop = np.round(reqs * 0.93)
            for reason, inc in [("stop", stop), ("length", reqs - stop)]:
                self._counter("vllm:request_success", "vllm:request_success_total",
                              "Count of successfully processed requests.",
                              {"finished_reason": reason, **m, **labels}, off, span, keep,
                              inc, resets)
            self._counter("vllm:generation_tokens", "vllm:generation_tokens_total",
                          "Number of generation tokens processed.", {**m, **labels}, off,
                          span, keep, np.round(reqs * 310), resets)
            if w.latency_histogram:
                self._vllm_latency(w, labels | m, off, span, keep, reqs, util, resets)
            return nans
        if w.exporter == "http":
            routes = [("POST", "/api/v1/checkout", "200", "SUCCESS", "none", 0.62),
                      ("GET", "/api/v1/cart", "200", "SUCCESS", "none", 0.375),
                      ("POST", "/api/v1/checkout", "500", "SERVER_ERROR",
                       "TimeoutException", 0.005)]
            left = reqs.copy()
            for i, (method, uri, status, outcome, exc, share) in enumerate(routes):
                inc = left if i == len(routes) - 1 else np.round(reqs * share)
                left = left - inc
                rl = {"application": w.name, "exception": exc, "method": method,
                      "outcome": outcome, "status": status, "uri": uri, **labels}
                self.registry.add("http_server_requests_seconds", "summary", HTTP_HELP,
                                  Series("http_server_requests_seconds_count", rl, off,
                                             span[keep],
                                             _restarting_cumsum(inc, span, resets)[keep]))
                secs = inc * (0.045 + 0.08 * util ** 2)
                self.registry.add("http_server_requests_seconds", "summary", HTTP_HELP,
                                  Series("http_server_requests_seconds_sum", rl, off,
                                             span[keep],
                                             _restarting_cumsum(secs, span, resets)[keep], 3))
            return 0
        raise AssertionError(w.exporter)

    def _vllm_latency(self, w: Workload, labels: dict[str, str], off: float,
                      span: np.ndarray, keep: np.ndarray, reqs: np.ndarray,
                      util: np.ndarray, resets: list[int]) -> None:
        cdf = _latency_cdf(util)
        fam = "vllm:e2e_request_latency_seconds"
        help_text = "Histogram of end to end request latency in seconds."
        for j, le in enumerate(VLLM_E2E_BUCKETS):
            inc = np.round(reqs * cdf[:, j]) if j < len(VLLM_E2E_BUCKETS) - 1 else reqs
            le_text = "+Inf" if math.isinf(le) else repr(float(le))
            self.registry.add(fam, "histogram", help_text,
                              Series(f"{fam}_bucket", {**labels, "le": le_text}, off,
                                     span[keep], _restarting_cumsum(inc, span, resets)[keep]))
        self.registry.add(fam, "histogram", help_text,
                          Series(f"{fam}_count", labels, off, span[keep],
                                 _restarting_cumsum(reqs, span, resets)[keep]))
        self.registry.add(fam, "histogram", help_text,
                          Series(f"{fam}_sum", labels, off, span[keep],
                                 _restarting_cumsum(reqs * _latency_mean(util), span,
                                                    resets)[keep], 3))

    def _latency_truth(self, mean_util: np.ndarray, in_win: np.ndarray) -> tuple[float, float]:
        """Bucket bounds holding the p99 latency at the p99 5-minute utilisation."""
        u = p99_of_5m(mean_util, self.tl.t, in_win)
        cdf = _latency_cdf(np.array([u]))[0]
        j = int(np.searchsorted(cdf, 0.99))
        lower = 0.0 if j == 0 else VLLM_E2E_BUCKETS[j - 1]
        return (lower, VLLM_E2E_BUCKETS[j])

    def _dcgm(self, w: Workload, p: _Pod, idx: np.ndarray, gpu_pct: np.ndarray,
              nan_here: np.ndarray, rng: np.random.Generator) -> int:
        nans = 0
        for g in range(w.gpus_per_pod):
            gpu = p.gpu_index + g
            labels = {"gpu": str(gpu), "UUID": f"GPU-{_uid(p.node + str(gpu))}",
                      "device": f"nvidia{gpu}", "modelName": w.gpu_model,
                      "Hostname": p.node, "DCGM_FI_DRIVER_VERSION": "550.54.15",
                      "container": w.container, "namespace": w.namespace, "pod": p.name,
                      "instance": f"{_ip(p.node)}:9400", "job": "nvidia-dcgm-exporter"}
            off = _offset(p.node + "dcgm")
            util = gpu_pct.copy()
            util[nan_here] = np.nan
            nans += int(np.count_nonzero(nan_here))
            fb = np.round((70_000 if w.exporter == "vllm" else 6_000 + 20_000 * gpu_pct / 100)
                          + rng.normal(0, 50, len(idx)))
            fb[nan_here] = np.nan
            self._gauge("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", labels, off, idx,
                        util)
            self._gauge("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", labels,
                        off, idx, fb)
        return nans

    def _cadvisor(self, w: Workload, p: _Pod, span: np.ndarray, keep: np.ndarray,
                  util: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Writes the pod's cAdvisor series; returns the cores its container used per
        scraped minute."""
        off = _offset(p.node + "kubelet")
        resets = self._resets(w, p)
        base = {"endpoint": "https-metrics", "instance": f"{_ip(p.node)}:10250",
                "job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": w.namespace,
                "node": p.node, "pod": p.name, "service": "kubelet"}
        pod_cgroup = f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" \
                     f"{p.uid.replace('-', '_')}.slice"
        cores = util * w.cpu_request * rng.normal(1, 0.01, len(span))
        wss = (0.55 + 0.15 * util) * w.memory_request
        # one series per container instance: a restart is a new container id
        bounds = [span[0], *resets, span[-1] + 1]
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            seg = np.arange(a, b) - span[0]
            seg = seg[keep[seg]]
            if not len(seg):
                continue
            cid = _uid(f"{p.name}/{k}").replace("-", "")
            labels = {**base, "container": w.container,
                      "id": f"{pod_cgroup}/cri-containerd-{cid}.scope", "image": w.image,
                      "name": cid}
            cpu = np.cumsum(cores[np.arange(a, b) - span[0]] * 60)
            cpu = cpu[keep[np.arange(a, b) - span[0]]]
            self.registry.add("container_cpu_usage_seconds", "counter",
                              "Cumulative cpu time consumed in seconds.",
                              Series("container_cpu_usage_seconds_total", labels, off,
                                     span[seg], cpu, 3))
            self._gauge("container_memory_working_set_bytes", "Current working set in bytes.",
                        labels, off, span[seg], np.round(wss[seg]))
        # the pod's own cgroup: container="" (its containers plus the pause process), which
        # a reader must not add to the containers' own series
        pod_labels = {**base, "container": "", "id": pod_cgroup, "image": "", "name": ""}
        self.registry.add("container_cpu_usage_seconds", "counter",
                          "Cumulative cpu time consumed in seconds.",
                          Series("container_cpu_usage_seconds_total", pod_labels, off,
                                 span[keep], np.cumsum((cores + 0.002) * 60)[keep], 3))
        return cores[keep]

    def _ksm_pod(self, w: Workload, p: _Pod, idx: np.ndarray) -> None:
        labels = {**self.ksm_target, "namespace": w.namespace, "pod": p.name, "uid": p.uid,
                  "container": w.container, "node": p.node}
        ones = np.ones(len(idx))
        for resource, unit, value in [("cpu", "core", w.cpu_request),
                                      ("nvidia_com_gpu", "integer", float(w.gpus_per_pod))]:
            if value:
                self._gauge("kube_pod_container_resource_requests",
                            "The number of requested request resource by a container.",
                            {**labels, "resource": resource, "unit": unit},
                            self.ksm_offset, idx, ones * value, 3 if resource == "cpu" else 0)

    def _ksm_deployment(self, w: Workload, running: np.ndarray, desired: np.ndarray,
                        spec: np.ndarray, scraped: np.ndarray) -> None:
        idx = np.flatnonzero(scraped)
        dep = {**self.ksm_target, "namespace": w.namespace, "deployment": w.name}
        for fam, help_text, vals in [
            ("kube_deployment_spec_replicas",
             "Number of desired pods for a deployment.", spec),
            ("kube_deployment_status_replicas_available",
             "The number of available replicas per deployment.", running),
        ]:
            self._gauge(fam, help_text, dep, self.ksm_offset, idx, vals[idx].astype(float))
        if w.hpa is not None:
            hpa = {**self.ksm_target, "namespace": w.namespace, "horizontalpodautoscaler": w.name}
            for fam, help_text, vals in [
                ("kube_horizontalpodautoscaler_spec_min_replicas",
                 "Lower limit for the number of pods that can be set by the autoscaler.",
                 np.full(len(idx), w.hpa.min_replicas)),
                ("kube_horizontalpodautoscaler_spec_max_replicas",
                 "Upper limit for the number of pods that can be set by the autoscaler.",
                 np.full(len(idx), w.hpa.max_replicas)),
                ("kube_horizontalpodautoscaler_status_desired_replicas",
                 "Desired number of replicas of pods managed by this autoscaler.",
                 desired[idx]),
                ("kube_horizontalpodautoscaler_status_current_replicas",
                 "Current number of replicas of pods managed by this autoscaler.",
                 running[idx]),
            ]:
                self._gauge(fam, help_text, hpa, self.ksm_offset, idx, vals.astype(float))


HTTP_HELP = "Duration of HTTP server request handling"
# vLLM's own buckets for vllm:e2e_request_latency_seconds
VLLM_E2E_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
                    50.0, 60.0, math.inf]


def _latency_median(util: np.ndarray) -> np.ndarray:
    """End-to-end latency of a ~300-token answer grows as the batch fills."""
    return 2.2 * (1 + 1.5 * util ** 2)


def _latency_mean(util: np.ndarray) -> np.ndarray:
    return _latency_median(util) * math.exp(0.35 ** 2 / 2)


_UTIL_GRID = np.linspace(0.0, 1.0, 2001)


def _grid_cdf() -> np.ndarray:
    finite = np.array(VLLM_E2E_BUCKETS[:-1])
    z = (np.log(finite)[None, :] - np.log(_latency_median(_UTIL_GRID))[:, None]) / 0.35
    return np.array([[NormalDist().cdf(v) for v in row] for row in z])


_CDF_ON_GRID = _grid_cdf()


def _latency_cdf(util: np.ndarray) -> np.ndarray:
    """P(latency <= le) per minute and bucket: log-normal, sigma 0.35 (utilisation on a
    0.0005 grid, far finer than the buckets)."""
    rows = _CDF_ON_GRID[np.clip(np.round(util * 2000).astype(np.int64), 0, 2000)]
    return np.concatenate([rows, np.ones((len(util), 1))], axis=1)


def _restarting_cumsum(increments: np.ndarray, span: np.ndarray,
                       resets: list[int]) -> np.ndarray:
    value = np.cumsum(increments.astype(np.float64))
    for r in resets:
        rel = r - span[0]
        if 0 < rel < len(value):
            value[rel:] -= value[rel - 1]
    return value


def _uid(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
