"""Measurements in a review: probe each changed Triton model config on the operator's server.

Only the operator's configuration names the server (`ARIA_PROBE_URL`, allow-listed); the
repository only says which models to measure and against which SLO (`probes.models` in the
base side's `.aria.yml`). A model without settings there is not probed. The configs are the
documents ingest already parsed.
"""

from __future__ import annotations

import logging

from bot.config import AriaConfig
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory
from bot.measurements import ConfigMeasurement
from bot.text import quote

log = logging.getLogger(__name__)


def changed_triton_models(base: Inventory, head: Inventory) -> list[tuple[Document | None,
                                                                          Document]]:
    """(base doc or None, head doc) for each Triton config that the change adds or edits."""
    before = {d.path: d for d in base.documents if d.format == "triton"}
    out = []
    for doc in head.documents:
        if doc.format != "triton":
            continue
        old = before.get(doc.path)
        if old is None or old.body != doc.body:
            out.append((old, doc))
    return out


def probe_changes(base: Inventory, head: Inventory,
                  config: AriaConfig) -> list[ConfigMeasurement]:
    """Probe reports for changed models that have settings and a target; what stops a probe
    (no target, a target outside the allow-list, a failing server) becomes a note on `head`."""
    models = config.probes.models
    changed = [(b, h) for b, h in changed_triton_models(base, head) if h.name in models]
    if not changed:
        return []
    # The probe's client libraries load only when a review has something to measure.
    from bot.probes.configs import load_config
    from bot.probes.errors import ProbeError
    from bot.probes.run import probe_config_change
    from bot.probes.settings import ProbeSettings

    try:
        target = ProbeSettings.from_env().target()
    except ProbeError as exc:  # e.g. a target outside the allow-list: never probed
        head.notes.append(f"Latency probes skipped: {exc}")
        return []
    if target is None:
        head.notes.append("Changed Triton configs have probe settings, but no probe target is "
                          "configured (`ARIA_PROBE_URL`); latency was not measured.")
        return []
    reports = []
    for old, new in changed:
        try:
            report = probe_config_change(
                new.name, load_config(old) if old else None, load_config(new), target,
                models[new.name], method=config.probes.method, ab_settings=config.probes.ab)
        except ProbeError as exc:  # server down or timing out: say so, keep the review
            log.warning("probe of %s failed: %s", new.name, exc)
            head.notes.append(f"Latency probe of {quote(new.name)} failed: {exc}")
            continue
        reports.append(ConfigMeasurement.model_validate({**report.model_dump(), "path": new.path}))
    return reports
