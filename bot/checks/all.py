"""Every check function, by the name rule packs bind to (the one place that lists the modules)."""

from __future__ import annotations

from typing import Any

from bot.checks import (
    cost,
    headroom,
    latency,
    lockin,
    observability,
    parse_problems,
    rbac,
    security,
    serving,
    spof,
    telemetry,
)
from bot.checks.contract import Check

MODULES = (cost, headroom, latency, lockin, observability, parse_problems, rbac, security,
           serving, spof, telemetry)


def _collect() -> dict[str, Check[Any]]:
    checks: dict[str, Check[Any]] = {}
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, Check):
                if value.name in checks:
                    raise ValueError(f"check {value.name!r} defined twice")
                checks[value.name] = value
    return checks


CHECKS = _collect()
