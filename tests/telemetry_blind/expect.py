"""Reading a review as a capacity planner does: findings, figures with their queries, notes.

Tolerances, and why they are what they are:

* `RATE_TOLERANCE` (3%): a peak request or CPU rate is the p99 of 5-minute rates. The truth
  is the p99 of exact 5-minute averages of the counted requests; Prometheus's `rate()` over a
  5-minute window sees 4-5 one-minute scrapes and extrapolates to the window's edges, so a
  single window can differ from the exact average by the variation within one scrape interval
  (about 1.5% here, with 3% minute-to-minute noise), and the p99 of the slightly noisier series
  sits up to about 1% higher. Counter resets (a restart at a peak) and rollouts (new pod
  names) are handled by `rate()` and must not add more.
* `GAUGE_TOLERANCE` (2%): a gauge's p99 is taken over the values a 5-minute-step evaluation
  sees; the truth takes the same samples, so only the step's alignment and DCGM's integer
  percent (±0.5 point at ~50%) remain.
* Latency comes from histogram buckets: any p99 inside the bucket that holds the true p99 is
  as right as the buckets allow (`histogram_quantile` interpolates within it).
* Replica counts (desired, running, what the HPA wanted at peak) are plateaus: exact.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

RATE_TOLERANCE = 0.03
GAUGE_TOLERANCE = 0.02
TELEMETRY_RULES = {"HEAD009", "HEAD010", "HEAD011", "COST006"}

Doc = dict[str, Any]


def subject(key: str) -> str:
    return f"Deployment/{key}"


def findings(doc: Doc, rule: str, key: str | None = None) -> list[Doc]:
    return [f for f in doc["findings"] if f["rule_id"] == rule
            and f["suppressed"] is None and (key is None or f["subject"] == subject(key))]


def telemetry_findings(doc: Doc) -> list[Doc]:
    return [f for f in doc["findings"] if f["rule_id"] in TELEMETRY_RULES]


def workload(doc: Doc, key: str) -> Doc:
    tel = doc["telemetry"]
    assert tel is not None, "no telemetry section in the review"
    found = [w for w in tel["workloads"] if w["subject"] == subject(key)]
    assert len(found) == 1, f"{key}: {[w['subject'] for w in tel['workloads']]}"
    return found[0]


def reading(w: Doc, metric: str, units: set[str]) -> Doc:
    """The one figure of a workload read from `metric` in one of `units`."""
    found = [r for r in w["readings"] if metric in r["promql"] and r["unit"] in units]
    assert len(found) == 1, (metric, units, [(r["promql"], r["unit"]) for r in w["readings"]])
    return found[0]


def figures(doc: Doc) -> Iterator[Doc]:
    """Every telemetry figure the JSON shows (readings, projection inputs, cuts, drift,
    audit GPU figures)."""
    tel = doc.get("telemetry") or {}
    for w in tel.get("workloads", []):
        yield from w["readings"]
        proj = w.get("projection") or {}
        for k in ("peak", "today"):
            if proj.get(k):
                yield proj[k]
        for cut in w.get("cuts") or []:
            yield cut["measured"]
        if w.get("drift"):
            yield from w["drift"]["readings"]
    for g in tel.get("gpu", []):
        yield g["peak_utilisation"]
        yield g["gpu_hours"]
    for pool in tel.get("pools", []):
        for v in pool.values():
            if isinstance(v, dict) and "promql" in v:
                yield v


def shown_figures(doc: Doc) -> list[Doc]:
    return [f for f in figures(doc) if f["value"] is not None]


def evidence_queries(finding: Doc) -> list[tuple[str, Any]]:
    """(PromQL, value) of each piece of evidence that comes from telemetry."""
    out = []
    for ev in finding["evidence"]:
        path = (ev.get("location") or {}).get("path") or ""
        if path.startswith("telemetry: "):
            out.append((path[len("telemetry: "):], ev["value"]))
    return out


def all_notes(doc: Doc) -> str:
    """Every note a reader sees about telemetry, as one text."""
    tel = doc.get("telemetry") or {}
    parts = list(doc.get("notes") or []) + list(tel.get("notes") or [])
    for w in tel.get("workloads", []):
        parts += list(w.get("notes") or [])
        parts += [r["note"] for r in w["readings"] if r.get("note")]
    for g in tel.get("gpu", []):
        parts += [g[k]["note"] for k in ("peak_utilisation", "gpu_hours") if g[k].get("note")]
    parts += [a["text"] for a in doc.get("assumptions") or []]
    return "\n".join(str(p) for p in parts)


def close(actual: float, expected: float, rel: float) -> bool:
    return math.isfinite(actual) and abs(actual - expected) <= rel * abs(expected)


def percents(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"(-?\d+(?:\.\d+)?)\s*%", text.replace("*", ""))]


def numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


def assert_cited(doc: Doc) -> None:
    """Every telemetry figure shown, and every telemetry finding's evidence, names its PromQL,
    its window and its statistic."""
    for fig in shown_figures(doc):
        assert fig["promql"] and fig["window"] in ("14d", "now") and fig["stat"], fig
    for f in telemetry_findings(doc):
        cited = [ev for ev in f["evidence"]
                 if ((ev.get("location") or {}).get("path") or "").startswith("telemetry: ")]
        assert cited, f"{f['rule_id']} cites no query: {f['evidence']}"
        for ev in cited:
            assert ev["value"] is not None, ev
            assert re.search(r"\b(14d|now)\b", ev["location"]["path"]), ev


def markdown_section(markdown: str, key: str) -> str:
    """The 📊 subsection of one workload in the Markdown review."""
    start = markdown.index(f"#### `Deployment/{key}`")
    end = markdown.find("\n#### ", start + 1)
    return markdown[start:end if end > 0 else None]
