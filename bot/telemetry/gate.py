"""The engine's way into telemetry: the operator's Prometheus is looked up first, and the
queries, projections and readings (`bot.telemetry.review`, `bot.telemetry.audit` and what they
import) are loaded only when there is one. A review with none configured imported them all to
be told `None` (2 % of a small review's instructions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.telemetry.session import guarded, open_meter

if TYPE_CHECKING:
    from bot.config import Headroom, TelemetryConfig
    from bot.ingest.loader import Inventory
    from bot.telemetry.settings import PrometheusSettings
    from bot.telemetry_report import TelemetryReport


def telemetry_for_review(base: Inventory, head: Inventory, config: TelemetryConfig,
                         headroom: Headroom, serving_images: Sequence[str],
                         settings: PrometheusSettings | None = None,
                         at: float | None = None) -> TelemetryReport | None:
    """Measured peaks and projections for what the change from ``base`` to ``head`` resizes,
    or None (no Prometheus, nothing capacity-related changed, or telemetry failed). Notes about
    configuration go to ``head.notes``; notes about data into the report."""
    meter = open_meter(config, head.notes, settings, at)
    if meter is None:
        return None
    from bot.telemetry.review import review_telemetry
    return guarded(lambda: review_telemetry(meter, base, head, config, headroom, serving_images),
                   head.notes)


def telemetry_for_audit(inventory: Inventory, config: TelemetryConfig, headroom: Headroom,
                        serving_images: Sequence[str], settings: PrometheusSettings | None = None,
                        at: float | None = None) -> TelemetryReport | None:
    """GPU usage of the tree's GPU workloads and replica drift; None without a Prometheus."""
    meter = open_meter(config, inventory.notes, settings, at)
    if meter is None:
        return None
    from bot.telemetry.audit import audit_telemetry
    return guarded(lambda: audit_telemetry(meter, inventory, config, headroom, serving_images),
                   inventory.notes)
