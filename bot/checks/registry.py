"""Check functions, registered by name; rule packs bind to them with parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.config import AriaConfig
from bot.findings import Evidence, Location
from bot.graph.platform import PlatformGraph
from bot.ingest.loader import Inventory


@dataclass
class Hit:
    """One place where a check fired, with what it read there."""

    subject: str
    path: str
    line: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    detail: str = ""

    @property
    def location(self) -> Location:
        return Location(path=self.path, line=self.line)


@dataclass
class CheckContext:
    graph: PlatformGraph
    params: dict[str, Any]
    config: AriaConfig
    inventory: Inventory


CheckFn = Callable[[CheckContext], Iterator[Hit]]
CHECKS: dict[str, CheckFn] = {}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = fn
        return fn
    return register


def ev(label: str, value: Any, path: str | None = None, line: int | None = None,
       unit: str | None = None) -> Evidence:
    """Evidence with its source position."""
    if not isinstance(value, str | int | float | bool) and value is not None:
        value = str(value)
    return Evidence(label=label, value=value, unit=unit,
                    location=Location(path=path, line=line) if path else None)


def _load_all() -> None:
    # Importing the family modules registers their checks.
    from bot.checks import (  # noqa: F401
        cost,
        headroom,
        ingest,
        lockin,
        measured,
        observability,
        rbac,
        security,
        serving,
        spof,
        telemetry,
    )


_load_all()
