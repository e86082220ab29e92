"""Measure a change of a Triton model's config on the operator's server.

Both configs come parsed (the review passes the documents ingest read; the CLI parses its two
files with the same parser): the base and head are measured interleaved (A/B), or the head alone
for a model the change adds, and `bot.probes.report` decides on the measurements.
"""

from __future__ import annotations

from typing import Any

from bot.config import ProbeModelSettings
from bot.measurements import ABSettings, MethodSettings, ProbeReport
from bot.probes.ab import run_ab
from bot.probes.configs import parse_config
from bot.probes.errors import ConfigRejectedError, ProbeUsageError
from bot.probes.measure import run_probe
from bot.probes.report import build_report
from bot.probes.settings import PriceTable, ProbeSettings, ProbeTarget


def probe_config_change(
    model_name: str,
    base_config: dict[str, Any] | None,
    head_config: dict[str, Any],
    target: ProbeTarget,
    settings: ProbeModelSettings,
    *,
    method: MethodSettings | None = None,
    ab_settings: ABSettings | None = None,
    price: PriceTable | None = None,
) -> ProbeReport:
    """Measure the change of `model_name`'s config on `target`.

    `base_config` is `None` for a model the PR adds (only the head is measured). A config Triton
    refuses comes back as `report.error` (Triton's own message); an unreachable or failing
    server raises `ProbeServerError`. `price` defaults to the operator's `ARIA_PRICE_TABLE`.
    """
    method = method or MethodSettings()
    ab_settings = ab_settings or ABSettings()
    price = price if price is not None else ProbeSettings().prices()
    try:
        if base_config is None:
            run = run_probe(
                target, model_name, settings.concurrency, method, settings.shapes,
                config=head_config,
            )
            return build_report(model_name, target, settings, head=run, price=price)
        result = run_ab(
            target, model_name, base_config, head_config, settings.concurrency, method,
            ab_settings, settings.shapes,
        )
    except ConfigRejectedError as exc:
        return build_report(model_name, target, settings, price=price, error=str(exc))
    return build_report(
        model_name, target, settings, base=result.base, head=result.head, ab=result,
        price=price, configs={"base": base_config, "head": head_config},
    )


def probe_config_texts(
    model_name: str,
    base_text: str | None,
    head_text: str,
    target: ProbeTarget,
    settings: ProbeModelSettings,
    **kwargs: Any,
) -> ProbeReport:
    """`probe_config_change` for two `config.pbtxt` texts (`aria probe --ab`): a head that does
    not parse is reported like a config Triton refused; a base that does not parse is an error."""
    try:
        head = parse_config(head_text, model_name)
    except ProbeUsageError as exc:
        price = kwargs.get("price")
        return build_report(model_name, target, settings,
                            price=price if price is not None else ProbeSettings().prices(),
                            error=str(exc))
    base = parse_config(base_text, model_name) if base_text is not None else None
    return probe_config_change(model_name, base, head, target, settings, **kwargs)
