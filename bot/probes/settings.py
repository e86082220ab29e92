"""Where a probe may point, how it measures, and what each model's SLO is.

Trust boundary: :class:`ProbeTarget` (address, credentials) and :class:`PriceTable` are built
only from the operator's environment or CLI flags — never from a file in the PR, which would let
any PR author aim the bot at internal hosts or make up prices. :class:`ProbeModelSettings` comes
from the repository's ``.aria.yml`` and only says *what* to measure (SLO, load, shapes).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML

from bot.allowlist import DEFAULT_ALLOWLIST, allowed, split_patterns
from bot.probes.errors import ProbeUsageError

Protocol = Literal["http", "grpc"]

_URL_RE = re.compile(
    r"^(?:\[(?P<ip6>[0-9a-fA-F:.]+)\]|(?P<host>[A-Za-z0-9.\-]+)):(?P<port>\d{1,5})$"
)


def parse_host_port(url: str) -> tuple[str, int]:
    """Split tritonclient's ``host:port`` form; schemes, paths and user-info are refused."""
    match = _URL_RE.match(url.strip())
    if not match:
        raise ProbeUsageError(
            f"probe URL {url!r} must be HOST:PORT (no scheme, path or credentials), "
            "for example 127.0.0.1:8000"
        )
    port = int(match["port"])
    if not 0 < port < 65536:
        raise ProbeUsageError(f"probe URL {url!r} has an invalid port")
    return (match["ip6"] or match["host"]).lower(), port


class ProbeTarget(BaseModel):
    """The Triton server the operator lets Aria measure. Build it with :meth:`from_env`."""

    model_config = ConfigDict(frozen=True)

    url: str
    protocol: Protocol = "http"
    allowlist: tuple[str, ...] = DEFAULT_ALLOWLIST
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    ssl: bool = False
    # A log of a server the operator runs (or Aria launched): Triton reports why it refused a
    # config only in its log, the API just says "failed to poll from model repository".
    server_log: Path | None = None

    @model_validator(mode="after")
    def _check_allowed(self) -> ProbeTarget:
        host, port = parse_host_port(self.url)
        if not allowed(host, port, self.allowlist):
            raise ProbeUsageError(
                f"probe target {self.url} is not in the allow-list "
                f"({', '.join(self.allowlist)}); the operator widens it with ARIA_PROBE_ALLOWLIST"
            )
        return self

    def plain_headers(self) -> dict[str, str] | None:
        return {k: v.get_secret_value() for k, v in self.headers.items()} or None

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        url: str | None = None,
        protocol: Protocol | None = None,
    ) -> ProbeTarget | None:
        """The operator's target: CLI values win over ``ARIA_PROBE_*``; ``None`` if no URL.

        ``ARIA_PROBE_URL`` host:port; ``ARIA_PROBE_PROTOCOL`` http|grpc;
        ``ARIA_PROBE_ALLOWLIST`` comma-separated CIDRs or host[:port] globs (default loopback);
        ``ARIA_PROBE_HEADERS`` a JSON object of request headers (credentials);
        ``ARIA_PROBE_SSL`` 1 for TLS; ``ARIA_PROBE_SERVER_LOG`` path to the server's log.
        """
        env = os.environ if env is None else env
        url = url or env.get("ARIA_PROBE_URL")
        if not url:
            return None
        headers: dict[str, str] = {}
        if env.get("ARIA_PROBE_HEADERS"):
            try:
                headers = json.loads(env["ARIA_PROBE_HEADERS"])
            except json.JSONDecodeError as exc:
                raise ProbeUsageError("ARIA_PROBE_HEADERS must be a JSON object") from exc
            if not isinstance(headers, dict):
                raise ProbeUsageError("ARIA_PROBE_HEADERS must be a JSON object")
        chosen = protocol or env.get("ARIA_PROBE_PROTOCOL") or "http"
        if chosen not in ("http", "grpc"):
            raise ProbeUsageError(f"ARIA_PROBE_PROTOCOL must be http or grpc, not {chosen!r}")
        log = env.get("ARIA_PROBE_SERVER_LOG")
        return cls(
            url=url,
            protocol=chosen,  # type: ignore[arg-type]
            allowlist=split_patterns(env.get("ARIA_PROBE_ALLOWLIST")),
            headers={k: SecretStr(str(v)) for k, v in headers.items()},
            ssl=env.get("ARIA_PROBE_SSL", "") in ("1", "true", "yes"),
            server_log=Path(log) if log else None,
        )


class MethodSettings(BaseModel):
    """How to measure: perf_analyzer's method (warm-up, time windows, stability) with a cap."""

    model_config = ConfigDict(extra="forbid")

    warmup_s: float = Field(2.0, ge=0)
    window_s: float = Field(2.0, gt=0)
    # Stable when the last `stable_windows` windows lie within this % (max/min) on throughput
    # and on the stability latency metric — perf_analyzer's `-s` with its default 10 %.
    stability_pct: float = Field(10.0, gt=0)
    stability_metric: Literal["avg", "p50", "p90", "p95", "p99"] = "p99"
    stable_windows: int = Field(3, ge=2)
    max_windows: int = Field(10, ge=1)
    # Bounds on everything that waits, so a dead or hung server never hangs the probe.
    request_timeout_s: float = Field(10.0, gt=0)
    control_timeout_s: float = Field(120.0, gt=0)
    level_timeout_s: float = Field(60.0, gt=0)

    @model_validator(mode="after")
    def _enough_windows(self) -> MethodSettings:
        if self.max_windows < self.stable_windows:
            raise ValueError("max_windows must be at least stable_windows")
        return self


class ABSettings(BaseModel):
    """How the interleaved A/B runs and when a difference counts."""

    model_config = ConfigDict(extra="forbid")

    rounds: int = Field(4, ge=1)
    windows: int = Field(2, ge=1, description="windows per level in each phase of a round")
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    bootstrap_samples: int = Field(4000, ge=200)

    @model_validator(mode="after")
    def _enough_windows(self) -> ABSettings:
        if self.rounds * self.windows < 3:
            raise ValueError("an A/B needs at least 3 windows per arm (rounds × windows)")
        return self

    seed: int = 0


def _dims(value: object) -> list[int]:
    if isinstance(value, str):
        value = [p for p in re.split(r"[,x\s]+", value.strip()) if p]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("a shape is a non-empty list of positive integers")
    dims = [int(v) for v in value]
    if any(d <= 0 for d in dims):
        raise ValueError("shape dims must be positive integers")
    return dims


class ProbeModelSettings(BaseModel):
    """``.aria.yml`` → ``probes: models: NAME:`` — what to measure and the SLO to hold."""

    model_config = ConfigDict(extra="forbid")

    slo_ms: float | None = Field(None, gt=0)
    slo_percentile: Literal[95, 99] = 99
    peak_rps: float | None = Field(None, gt=0)
    headroom: float = Field(0.3, ge=0, le=0.9)
    concurrency: list[int] = Field(default_factory=lambda: [1, 4, 8])
    # Dims without the batch dimension, for inputs whose config has -1 (dynamic) dims.
    shapes: dict[str, list[int]] = Field(default_factory=dict)

    @field_validator("concurrency")
    @classmethod
    def _levels(cls, value: list[int]) -> list[int]:
        if not value or any(c < 1 or c > 256 for c in value):
            raise ValueError("concurrency levels are integers in 1..256")
        return sorted(set(value))

    @field_validator("shapes", mode="before")
    @classmethod
    def _shapes(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): _dims(v) for k, v in value.items()}
        return value


class ProbesConfig(BaseModel):
    """The ``probes:`` block of ``.aria.yml`` (embedded by the main config)."""

    model_config = ConfigDict(extra="forbid")

    models: dict[str, ProbeModelSettings] = Field(default_factory=dict)
    # How long a review measures each changed model (the defaults take ~2.5 min per model).
    method: MethodSettings = Field(default_factory=MethodSettings)
    ab: ABSettings = Field(default_factory=ABSettings)


class PriceTable(BaseModel):
    """Operator-supplied prices (``ARIA_PRICE_TABLE`` or ``--price-per-replica-hour``)."""

    model_config = ConfigDict(extra="forbid")

    replica_hour_usd: float = Field(gt=0)
    source: str = "operator"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PriceTable | None:
        env = os.environ if env is None else env
        path = env.get("ARIA_PRICE_TABLE")
        if not path:
            return None
        try:
            data = YAML(typ="safe").load(Path(path).read_text())  # YAML is a superset of JSON
        except (OSError, ValueError) as exc:
            raise ProbeUsageError(f"cannot read ARIA_PRICE_TABLE {path}: {exc}") from exc
        try:
            return cls.model_validate({**data, "source": f"operator price table {Path(path).name}"})
        except (TypeError, ValidationError) as exc:  # TypeError: not a mapping
            raise ProbeUsageError(
                f"ARIA_PRICE_TABLE {path} must hold {{replica_hour_usd: N}}: {exc}"
            ) from exc


def parse_shape_flags(values: list[str]) -> dict[str, list[int]]:
    """``--shape NAME=DIMS`` (dims ``4,128`` or ``4x128``, without the batch dimension)."""
    shapes: dict[str, list[int]] = {}
    for item in values:
        name, sep, dims = item.partition("=")
        if not sep or not name:
            raise ProbeUsageError(f"--shape {item!r} must be NAME=DIMS, for example INPUT0=4,128")
        try:
            shapes[name] = _dims(dims)
        except ValueError as exc:
            raise ProbeUsageError(f"--shape {item!r}: {exc}") from exc
    return shapes
