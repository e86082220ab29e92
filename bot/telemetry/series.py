"""Where a workload's series are: the label matchers of its pods, its kube-state-metrics
object, and the exporter whose request counter it serves.

Defaults follow the conventions of Kubernetes service discovery (``namespace`` and ``pod``
labels) and of controller pod names; `.aria.yml` maps the workloads they do not fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.config import TelemetryConfig
from bot.graph.workloads import Workload
from bot.promql import Matcher, name_regex, parse_matchers, selector
from bot.telemetry.queries import BY_NAME, CONTROLLERS, EXPORTERS, Controller, Exporter

# Pod names: Deployment `<name>-<pod-template-hash>-<5>`, StatefulSet `<name>-<ordinal>`.
POD_NAME_PATTERNS = {"Deployment": "{name}-[a-z0-9]{{5,10}}-[a-z0-9]{{5}}",
                     "StatefulSet": "{name}-[0-9]+"}
# The owner's name in a pod name of either form, for grouping many workloads in one query.
POD_OWNER_RE = "(.+?)-(?:[a-z0-9]{5,10}-[a-z0-9]{5}|[0-9]+)"


@dataclass(frozen=True)
class SeriesRef:
    namespace: str
    name: str
    kind: str
    pods: str  # matcher list (no braces) of the pods' series
    controller: Controller | None
    exporter: Exporter | None  # as mapped; None means "find it from the series"
    model: str | None
    mapped: bool

    def pod_selector(self, model: str | None = None) -> str:
        """The pods' matchers, narrowed to one Triton model when asked."""
        narrowed = model or self.model
        return selector(self.pods, Matcher("model", "=", narrowed) if narrowed else "")

    def pod_matcher(self) -> Callable[[Mapping[str, str]], bool]:
        """The pods' matchers as a predicate over a series' labels (RE2 regexes are anchored)."""
        tests = []
        for m in parse_matchers(self.pods):
            if m.op in ("=~", "!~"):
                pattern = re.compile(m.value)
                tests.append((m.name, m.op == "=~", lambda v, p=pattern: bool(p.fullmatch(v))))
            else:
                tests.append((m.name, m.op == "=", lambda v, x=m.value: v == x))
        return lambda labels: all(test(labels.get(name, "")) == want
                                  for name, want, test in tests)

    def object_selector(self, label: str, name: str | None = None) -> str:
        return selector(Matcher("namespace", "=", self.namespace),
                        Matcher(label, "=", name or self.name))


def pod_name_pattern(kind: str, name: str) -> str | None:
    pattern = POD_NAME_PATTERNS.get(kind)
    return pattern.format(name=name_regex(name)) if pattern else None


def series_of(w: Workload, config: TelemetryConfig) -> SeriesRef | str:
    """The workload's series, or why they cannot be found without a mapping."""
    name = w.doc.name
    for key in ([f"{w.namespace}/{name}"] if w.namespace else
                [k for k in config.workloads if k.split("/", 1)[1] == name]):
        mapping = config.workloads.get(key)
        if mapping is not None:
            namespace = key.split("/", 1)[0]
            return SeriesRef(namespace, name, w.kind, mapping.selector, CONTROLLERS.get(w.kind),
                             BY_NAME[mapping.exporter] if mapping.exporter else None,
                             mapping.model, True)
    if not w.namespace:
        return (f"{w.ref} has no namespace in the repository; map its series under "
                f"telemetry.workloads.<namespace>/{name} in .aria.yml")
    pattern = pod_name_pattern(w.kind, name)
    if pattern is None:
        return (f"Aria has no default series for a {w.kind}; map {w.ref} under "
                f"telemetry.workloads.{w.namespace}/{name} in .aria.yml")
    pods = selector(Matcher("namespace", "=", w.namespace), Matcher("pod", "=~", pattern))
    return SeriesRef(w.namespace, name, w.kind, pods, CONTROLLERS.get(w.kind), None, None, False)


def guess_exporter(w: Workload, present: set[str]) -> Exporter | None:
    """The exporter whose request counter the pods export; the image breaks ties."""
    found = [e for e in EXPORTERS if e.requests in present]
    if len(found) <= 1:
        return found[0] if found else None
    text = " ".join(f"{c.image} {' '.join(c.argv)}".lower() for c in w.containers if not c.init)
    return next((e for e in found if any(h in text for h in e.hints)), found[0])
