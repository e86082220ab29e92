"""Single points of failure: one replica, no disruption budget, one zone, one node."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.common import is_interactive, min_replicas
from bot.checks.registry import CheckContext, Hit, check, ev


@check("single_replica")
def single_replica(ctx: CheckContext) -> Iterator[Hit]:
    floor = int(ctx.params.get("min_replicas", 2))
    for w in ctx.graph.workloads:
        if not is_interactive(w) or w.kind == "DaemonSet" or w.group == "head":
            continue
        value, path, line, holder = min_replicas(ctx.graph, w)
        if value < floor:
            evidence = [ev("minimum replicas", value, path, line)]
            if w.gpus_per_pod:
                evidence.append(ev("GPUs per pod", w.gpus_per_pod, w.doc.path,
                                   w.line(*w.pod_path)))
            yield Hit(subject=w.subject, path=path, line=line, evidence=evidence,
                      fields={"object": w.ref, "replicas": value, "min": floor,
                              "holder": holder.ref})
