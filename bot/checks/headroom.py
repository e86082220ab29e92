"""Capacity headroom: autoscaling targets, bounds, requests, GPU memory share, pool maxima."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.common import as_int, dig
from bot.checks.registry import CheckContext, Hit, check, ev


@check("hpa_target_utilization")
def hpa_target_utilization(ctx: CheckContext) -> Iterator[Hit]:
    """Utilization targets leave too little headroom for interactive traffic bursts."""
    ceiling = ctx.params.get("max_target_percent")
    if ceiling is None:  # derived from the repo's headroom policy: 20% headroom -> 80% target
        ceiling = round((1 - ctx.config.headroom.min) * 100)
    resources = set(ctx.params.get("resources", ["cpu", "memory"]))
    for doc in ctx.graph.kind("HorizontalPodAutoscaler"):
        spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), dict) else {}
        targets: list[tuple[str, int, int]] = []
        legacy = as_int(spec.get("targetCPUUtilizationPercentage"))
        if legacy is not None and "cpu" in resources:
            targets.append(("cpu", legacy, doc.line_at("spec", "targetCPUUtilizationPercentage")))
        for index, metric in enumerate(spec.get("metrics") or []):
            name = dig(metric, "resource", "name")
            value = as_int(dig(metric, "resource", "target", "averageUtilization"))
            if value is None:
                value = as_int(dig(metric, "resource", "targetAverageUtilization"))
            if name in resources and value is not None:
                line = doc.line_at("spec", "metrics", index, "resource", "target",
                                   "averageUtilization")
                targets.append((str(name), value, line))
        for name, value, line in targets:
            if value > ceiling:
                yield Hit(subject=doc.identity, path=doc.path, line=line, detail=name,
                          fields={"object": doc.ref, "resource": name, "target": value,
                                  "headroom": 100 - value, "ceiling": ceiling},
                          evidence=[ev(f"{name} utilization target", value, doc.path, line, "%"),
                                    ev("headroom policy minimum",
                                       round(ctx.config.headroom.min * 100), ".aria.yml", None,
                                       "%")])
