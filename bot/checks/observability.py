"""Observability: probes on model servers, something that scrapes their metrics, and server
flags that switch metrics off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.checks.common import (
    dig,
    flag_line,
    is_interactive,
    is_patch_fragment,
    mapping,
    metadata_annotations,
    pod_annotations_path,
    selector_matches,
    serving_containers,
)
from bot.checks.contract import CheckContext, CheckParams, Hit, check, ev
from bot.graph.platform import PlatformGraph
from bot.graph.workloads import Container, Workload
from bot.ingest.documents import Document
from bot.ingest.serverflags import FALSE_VALUES, detect_server, server_flags

# Kubernetes defaults for a probe's timing fields (core/v1 Probe)
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "failureThreshold": 3}


class Kinds(CheckParams):
    kinds: list[str]  # workload kinds the rule covers


class Probe(Kinds):
    probe: str  # `readinessProbe`, `livenessProbe`, ...


class StartupBudget(Kinds):
    min_startup_seconds: int


def _server_containers(graph: PlatformGraph, kinds: list[str]
                       ) -> Iterator[tuple[Workload, Container]]:
    """Model-server containers of interactive workloads of the kinds the rule covers."""
    for w in graph.workloads:
        # a kustomize patch holds only what it changes: absent probes are in the base
        if w.kind in kinds and is_interactive(w) and not is_patch_fragment(w) \
                and not w.benchmark:
            for c in serving_containers(w, graph.serving_images):
                yield w, c


@check("missing_probe", Probe)
def missing_probe(ctx: CheckContext[Probe]) -> Iterator[Hit]:
    """Serving containers without the probe named in params (`readinessProbe`, ...)."""
    probe = ctx.params.probe
    for w, c in _server_containers(ctx.graph, ctx.params.kinds):
        if isinstance(c.body.get(probe), dict):
            continue
        line = w.line(*c.path)
        yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                  fields={"object": w.ref, "container": c.name, "probe": probe},
                  evidence=[ev(probe, "not set", w.doc.path, line)])


def _probe_budget(w: Workload, c: Container, probe: str) -> tuple[int, list]:
    """Seconds before the probe gives up on a container that never answers, with evidence."""
    body = mapping(c.body.get(probe))
    values, evidence = {}, []
    for key, default in PROBE_DEFAULTS.items():
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            values[key] = value
            evidence.append(ev(f"{probe}.{key}", value, w.doc.path,
                               w.line(*c.path, probe, key), "s" if "Seconds" in key else None))
        else:
            values[key] = default
            evidence.append(ev(f"{probe}.{key} (Kubernetes default)", default, None, None,
                               "s" if "Seconds" in key else None))
    budget = values["initialDelaySeconds"] + values["periodSeconds"] * values["failureThreshold"]
    return budget, evidence


@check("liveness_before_load", StartupBudget)
def liveness_before_load(ctx: CheckContext[StartupBudget]) -> Iterator[Hit]:
    """GPU servers whose liveness probe can restart them before the weights finish loading."""
    minimum = ctx.params.min_startup_seconds
    for w, c in _server_containers(ctx.graph, ctx.params.kinds):
        if not c.accelerated or not isinstance(c.body.get("livenessProbe"), dict) or \
                isinstance(c.body.get("startupProbe"), dict):
            continue
        budget, evidence = _probe_budget(w, c, "livenessProbe")
        if budget >= minimum:
            continue
        line = w.line(*c.path, "livenessProbe")
        yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                  fields={"object": w.ref, "container": c.name, "budget": budget,
                          "minimum": minimum},
                  evidence=evidence)


def _names_something(selector: Any) -> bool:
    """A selector with a positive term. Catch-alls (only `DoesNotExist`/`NotIn`) say nothing
    about one workload: Istio's proxy monitor, for one, keeps only the sidecar's metrics."""
    if mapping(dig(selector, "matchLabels")):
        return True
    return any(dig(e, "operator") in ("In", "Exists") for e in
               dig(selector, "matchExpressions") or [])


@dataclass
class _Monitor:
    selector: Any
    namespace: str
    namespaces: list[str] | None  # None: every namespace

    def reaches(self, namespace: str, labels: dict[str, str]) -> bool:
        if self.namespaces is not None and namespace and \
                namespace not in (self.namespaces or [self.namespace or namespace]):
            return False
        return selector_matches(self.selector, labels)


def _monitors(graph: PlatformGraph, kinds: list[str]) -> list[_Monitor]:
    out = []
    for doc in graph.kind(*kinds):
        selector = dig(doc.body, "spec", "selector")
        if not _names_something(selector):
            continue
        scope = mapping(dig(doc.body, "spec", "namespaceSelector"))
        names = None if scope.get("any") is True else \
            [str(n) for n in scope.get("matchNames") or []]
        out.append(_Monitor(selector, doc.namespace, names))
    return out


def _scraped(graph: PlatformGraph, keys: set[str], w: Workload, pod_monitors: list[_Monitor],
             service_monitors: list[_Monitor]) -> bool:
    pod_notes = mapping(dig(w.doc.body, *pod_annotations_path(w)))
    if keys & (set(pod_notes) | set(metadata_annotations(w.doc))):
        return True
    if any(m.reaches(w.namespace, w.labels) for m in pod_monitors):
        return True
    for service in graph.services_for(w):
        labels = {str(k): str(v) for k, v in mapping(dig(service.body, "metadata",
                                                         "labels")).items()}
        if keys & set(metadata_annotations(service)) or \
                any(m.reaches(service.namespace, labels) for m in service_monitors):
            return True
    return False


class Scraping(Kinds):
    annotations: list[str]  # annotations that ask a scraper to collect the pods
    pod_monitor_kinds: list[str]
    service_monitor_kinds: list[str]


def _monitor(params: Scraping, doc: Document) -> bool:
    """Monitors reach workloads by their own selectors, from anywhere in the tree."""
    return doc.kind in params.pod_monitor_kinds or doc.kind in params.service_monitor_kinds


@check("metrics_not_scraped", Scraping, anywhere=_monitor)
def metrics_not_scraped(ctx: CheckContext[Scraping]) -> Iterator[Hit]:
    """Serving workloads that no scrape annotation, PodMonitor or ServiceMonitor reaches."""
    pod_monitors = _monitors(ctx.whole, ctx.params.pod_monitor_kinds)
    service_monitors = _monitors(ctx.whole, ctx.params.service_monitor_kinds)
    keys = set(ctx.params.annotations)
    for w in ctx.graph.workloads:
        if w.kind not in ctx.params.kinds or not is_interactive(w) or is_patch_fragment(w) \
                or w.benchmark:
            continue
        if _scraped(ctx.graph, keys, w, pod_monitors, service_monitors):
            continue
        line = w.line("metadata", "name")
        yield Hit(subject=w.subject, path=w.doc.path, line=line,
                  fields={"object": w.ref},
                  evidence=[ev("scrape annotation, PodMonitor or ServiceMonitor", "none found",
                               w.doc.path, line)])


class MetricsFlags(CheckParams):
    flags: dict[str, list[str]]  # server -> flags that switch its metrics off when false


@check("server_metrics_disabled", MetricsFlags)
def server_metrics_disabled(ctx: CheckContext[MetricsFlags]) -> Iterator[Hit]:
    """Model-server flags that turn the metrics endpoint off (per server, from params)."""
    flags_by_server = ctx.params.flags
    for w in ctx.graph.workloads:
        for c in w.containers:
            server = detect_server(c.image, c.argv)
            wanted = flags_by_server.get(server or "", [])
            if not wanted:
                continue
            flags = server_flags(c.argv)
            for flag in wanted:
                value = flags.get(flag)
                if value is not None and value.lower() in FALSE_VALUES:
                    line = flag_line(w, c, flag)
                    yield Hit(subject=w.subject, path=w.doc.path, line=line,
                              detail=f"{c.name}:{flag}",
                              fields={"object": w.ref, "container": c.name,
                                      "flag": f"--{flag}={value}", "server": server},
                              evidence=[ev(f"--{flag}", value, w.doc.path, line)])
