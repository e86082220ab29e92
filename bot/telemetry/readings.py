"""Which figures a touched workload needs, read through the :class:`Meter`.

Only what the change can use is queried: request rate and latency for the exporter the pods
export, GPU figures for GPU workloads, CPU for CPU-bound ones, memory where a limit changes,
replicas and autoscaler figures from kube-state-metrics.
"""

from __future__ import annotations

from bot.telemetry import queries as q
from bot.telemetry.changes import Side
from bot.telemetry.measure import Meter
from bot.telemetry.series import SeriesRef, guess_exporter
from bot.telemetry_report import Reading


def _has(names: set[str] | None, metric: str) -> bool:
    return names is None or metric in names  # unknown names: let the query tell


def read_workload(meter: Meter, ref: SeriesRef, base: Side, head: Side, kinds: set[str],
                  probe_model: str | None) -> tuple[dict[str, Reading], str | None]:
    """Readings by key, and the exporter whose request counter they use."""
    stats = meter.stats
    names = meter.names("{" + ref.pods + "}")
    exporter = ref.exporter or (guess_exporter(head.workload, names) if names is not None
                                else None)
    out: dict[str, Reading] = {}
    sel = ref.pod_selector()
    controller = ref.controller
    if exporter is not None:
        out["requests"] = meter.peak(f"peak {exporter.title} load", q.requests_total(
            exporter, sel, stats), exporter.unit, coverage=True)
        if probe_model and exporter.name == "triton":
            out["probe_requests"] = meter.peak(
                f"peak load of model {probe_model}",
                q.requests_total(exporter, ref.pod_selector(probe_model), stats),
                exporter.unit, coverage=True)
        if controller is not None:
            available = f"{controller.available}{{{ref.object_selector(controller.label)}}}"
            out["per_replica"] = meter.peak(
                "peak load per available replica",
                q.requests_per_replica(exporter, sel, available, stats),
                f"{exporter.unit} per replica")
        latency = q.latency_ms(exporter, sel, stats)
        source = exporter.histogram.bucket if exporter.histogram else exporter.duration_counter
        if latency and source and _has(names, source):
            what = "p99" if exporter.histogram else "mean"
            out["latency"] = meter.peak(f"{what} latency (its peak)", latency, "ms")
    if controller is not None:
        obj = ref.object_selector(controller.label)
        out["replicas"] = meter.now("replicas the cluster runs (desired)",
                                    f"{controller.desired}{{{obj}}}", "replicas")
        out["available"] = meter.maximum("most replicas available",
                                         f"sum({controller.available}{{{obj}}})", "replicas")
    hpa_name = head.hpa_name or base.hpa_name
    if hpa_name is not None:
        obj = ref.object_selector("horizontalpodautoscaler", hpa_name)
        out["hpa_desired"] = meter.peak("replicas the HPA wanted (peak)",
                                        f"max({q.HPA_DESIRED}{{{obj}}})", "replicas")
        if base.scaler is not None:
            out["hpa_min"] = meter.now("HPA minReplicas in the cluster",
                                       f"{q.HPA_MIN}{{{obj}}}", "replicas")
            out["hpa_max"] = meter.now("HPA maxReplicas in the cluster",
                                       f"{q.HPA_MAX}{{{obj}}}", "replicas")
    if (base.gpus or head.gpus) and _has(names, q.GPU_UTIL):
        out["gpu_busy"] = meter.peak("peak GPU work (sum of utilisation)", q.gpu_busy(sel),
                                     "GPUs busy", coverage=True)
        out["gpu_util"] = meter.peak("peak GPU utilisation (mean over GPUs)", q.gpu_util(sel),
                                     "%", coverage=True)
        if kinds & {"gpus", "gpu-class"} and _has(names, q.GPU_FB_USED):
            out["gpu_memory"] = meter.maximum("most GPU memory used", q.gpu_memory(sel), "MiB")
    main = head.main_container
    if main is not None and (not head.gpus or "cpu" in kinds) and _has(names, q.CPU_SECONDS):
        out["cpu_cores"] = meter.peak(f"peak CPU of {main.container}",
                                      q.cpu_cores(sel, main.container, stats), "CPU cores",
                                      coverage=True)
        out["cpu_util"] = meter.peak(f"peak CPU of {main.container} vs its request",
                                     q.cpu_of_requests(sel, main.container, stats), "%",
                                     coverage=True)
    if "memory" in kinds and _has(names, q.MEMORY_WORKING_SET):
        for name in head.resources:
            out[f"memory:{name}"] = meter.maximum(f"most memory of {name} (working set)",
                                                  q.memory_bytes(sel, name), "bytes")
    return out, exporter.name if exporter else None
