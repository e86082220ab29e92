"""Where a probe may point, how it measures, and what each model's SLO is.

Trust boundary: :class:`ProbeTarget` (address, credentials) and :class:`PriceTable` are built
only from the operator's environment or CLI flags — never from a file in the PR, which would let
any PR author aim the bot at internal hosts or make up prices. The repository's ``.aria.yml``
(:class:`bot.config.ProbeModelSettings`) only says *what* to measure (SLO, load, shapes).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from ruamel.yaml import YAML

from bot.config import shape_dims
from bot.measurements import Protocol
from bot.probes.errors import ProbeUsageError

# Loopback only: an operator widens this explicitly with ARIA_PROBE_ALLOWLIST.
DEFAULT_ALLOWLIST: tuple[str, ...] = ("127.0.0.0/8", "::1", "localhost")

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


def _pattern_matches(pattern: str, host: str, port: int) -> bool:
    """One allow-list entry: a CIDR (``10.0.0.0/8``), or a host glob with optional ``:port``."""
    pattern = pattern.strip().lower()
    if "/" in pattern:
        try:
            return ipaddress.ip_address(host) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:  # host is a name, not an address: a CIDR cannot vouch for it
            return False
    if pattern.count(":") == 1:
        host_glob, port_glob = pattern.split(":")
    else:  # no port, or a bare IPv6 address
        host_glob, port_glob = pattern, "*"
    return fnmatch.fnmatchcase(host, host_glob) and fnmatch.fnmatchcase(str(port), port_glob)


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
        if not any(_pattern_matches(p, host, port) for p in self.allowlist):
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
        allow = tuple(p for p in env.get("ARIA_PROBE_ALLOWLIST", "").split(",") if p.strip())
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
            allowlist=allow or DEFAULT_ALLOWLIST,
            headers={k: SecretStr(str(v)) for k, v in headers.items()},
            ssl=env.get("ARIA_PROBE_SSL", "") in ("1", "true", "yes"),
            server_log=Path(log) if log else None,
        )


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
            shapes[name] = shape_dims(dims)
        except ValueError as exc:
            raise ProbeUsageError(f"--shape {item!r}: {exc}") from exc
    return shapes
