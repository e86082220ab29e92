"""Measurements in a review: probe each changed Triton model config on the operator's server.

Only the operator's configuration names the server (`ARIA_PROBE_URL`, allow-listed); the
repository only says which models to measure and against which SLO (`probes.models` in the
base side's `.aria.yml`). A model without settings there is not probed.
"""

from __future__ import annotations

import logging

from bot.config import AriaConfig
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory
from bot.ingest.source import Source

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


def probe_changes(base_src: Source, head_src: Source, base: Inventory, head: Inventory,
                  config: AriaConfig) -> list[dict]:
    """Probe reports (as dicts) for changed models that have settings and a target."""
    models = config.probes.models
    changed = [(b, h) for b, h in changed_triton_models(base, head) if h.name in models]
    if not changed:
        return []
    from bot.probes.errors import ProbeError
    from bot.probes.review import probe_config_change
    from bot.probes.settings import ProbeTarget

    try:
        target = ProbeTarget.from_env()
    except ProbeError as exc:  # e.g. a target outside the allow-list: never probed
        head.notes.append(f"Latency probes skipped: {exc}")
        return []
    if target is None:
        head.notes.append("Changed Triton configs have probe settings, but no probe target is "
                          "configured (`ARIA_PROBE_URL`); latency was not measured.")
        return []
    reports = []
    for old, new in changed:
        base_text = _text(base_src, old.path) if old else None
        head_text = _text(head_src, new.path)
        if head_text is None:
            continue
        try:
            report = probe_config_change(new.name, base_text, head_text, target,
                                         models[new.name], method=config.probes.method,
                                         ab_settings=config.probes.ab)
        except ProbeError as exc:  # server down or timing out: say so, keep the review
            log.warning("probe of %s failed: %s", new.name, exc)
            head.notes.append(f"Latency probe of `{new.name}` failed: {exc}")
            continue
        reports.append(report.model_dump(mode="json") | {"path": new.path})
    return reports


def _text(source: Source, path: str) -> str | None:
    data = source.read(path)
    return data.decode("utf-8", "replace") if data is not None else None
