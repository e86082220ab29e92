"""Probe results over time, so a measured latency is judged against the model's history."""

from __future__ import annotations

import hashlib
import json
import statistics

from sqlalchemy import Engine, select

from bot.measurements import ConfigMeasurement, LevelResult
from bot.state.db import session
from bot.state.tables import ProbeResult


def _highest_level(report: ConfigMeasurement) -> LevelResult | None:
    levels = [lv for lv in report.head.levels if lv.latency_ms] if report.head else []
    return max(levels, key=lambda lv: lv.concurrency) if levels else None


class ProbeHistory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, repo: str, reports: list[ConfigMeasurement]) -> int:
        """Store the head side of each successful probe report; returns rows written."""
        written = 0
        with session(self.engine) as s:
            for report in reports:
                level = _highest_level(report)
                if report.error or level is None or level.latency_ms is None:
                    continue
                inputs = report.head.inputs if report.head else {}
                config = json.dumps(inputs, sort_keys=True)
                s.add(ProbeResult(
                    repo=repo, model=report.model,
                    config_digest=hashlib.sha256((report.path + config).encode()).hexdigest(),
                    p50_ms=level.latency_ms.p50, p99_ms=level.latency_ms.p99,
                    throughput=level.throughput,
                    data={"concurrency": level.concurrency, "target": report.target}))
                written += 1
        return written

    def summary(self, repo: str, model: str, limit: int = 5) -> str | None:
        """One line comparing with the last `limit` measurements of the model, if any."""
        with session(self.engine) as s:
            rows = s.scalars(select(ProbeResult).where(
                ProbeResult.repo == repo, ProbeResult.model == model)
                .order_by(ProbeResult.id.desc()).limit(limit)).all()
            if not rows:
                return None
            p99 = [r.p99_ms for r in rows]
            concurrency = {r.data.get("concurrency") for r in rows}
            since = rows[-1].measured_at.date().isoformat() if rows[-1].measured_at else "?"
        level = f" at concurrency {concurrency.pop()}" if len(concurrency) == 1 else ""
        return (f"📊 `{model}` history: the last **{len(p99)}** measurement(s) since {since} had "
                f"p99{level} of **{statistics.median(p99):.2f} ms** median "
                f"(range {min(p99):.2f}–{max(p99):.2f} ms, measured).")
