"""Where a probe may point and what a replica costs: the operator's settings.

Trust boundary: `ProbeTarget` (address, credentials) and `PriceTable` are built only from the
operator's environment (`ProbeSettings`) or CLI flags — never from a file in the PR, which would
let any PR author aim the bot at internal hosts or make up prices. The repository's `.aria.yml`
(`bot.config.ProbeModelSettings`) only says *what* to measure (SLO, load, shapes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)

from bot.allowlist import DEFAULT_ALLOWLIST, allowed, split_patterns
from bot.config import shape_dims
from bot.ingest.yamlload import load_documents, plain
from bot.measurements import Protocol
from bot.probes.errors import ProbeUsageError
from bot.settings import AriaSettings, default_cache_dir

_URL_RE = re.compile(
    r"^(?:\[(?P<ip6>[0-9a-fA-F:.]+)\]|(?P<host>[A-Za-z0-9.\-]+)):(?P<port>\d{1,5})$"
)


def parse_host_port(url: str) -> tuple[str, int]:
    """Split tritonclient's `host:port` form; schemes, paths and user-info are refused."""
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
    """The Triton server the operator lets Aria measure. Build it with `from_env`."""

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


class PriceTable(BaseModel):
    """Operator-supplied prices (`ARIA_PRICE_TABLE` or `--price-per-replica-hour`)."""

    model_config = ConfigDict(extra="forbid")

    replica_hour_usd: float = Field(gt=0)
    source: str = "operator"


class ProbeSettings(AriaSettings):
    """The operator's probe target and price table, from `ARIA_PROBE_*` and `ARIA_PRICE_TABLE`."""

    env_prefix = "ARIA_PROBE_"

    url: str | None = Field(None, description="Triton HOST:PORT that reviews measure on; unset, "
                                              "reviews measure nothing")
    protocol: Protocol = Field("http", description="Triton protocol: http or grpc")
    allowlist: str = Field("", description="comma-separated CIDRs or host[:port] globs a target "
                                           "must match; empty: loopback only")
    headers: SecretStr | None = Field(None, description="JSON object of request headers "
                                                        "(credentials)")
    ssl: bool = Field(False, description="TLS to the Triton server")
    server_log: Path | None = Field(None, description="the server's log, where Triton says why "
                                                      "it refused a config")
    cache_dir: Path = Field(default_factory=default_cache_dir, validation_alias="ARIA_CACHE_DIR",
                            description="where a local tritonserver's prepared files are kept")
    price_table: Path | None = Field(None, validation_alias="ARIA_PRICE_TABLE",
                                     description="YAML or JSON file {replica_hour_usd: N} that "
                                                 "costs replicas")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        try:
            return super().from_env(env)
        except ValidationError as exc:
            raise ProbeUsageError(f"probe settings: {exc}") from None

    def target(self, url: str | None = None, protocol: Protocol | None = None
               ) -> ProbeTarget | None:
        """The target a probe may measure: CLI values win; None when no URL is given."""
        url = url or self.url
        if not url:
            return None
        headers: dict[str, object] = {}
        if self.headers is not None:
            try:
                given = json.loads(self.headers.get_secret_value())
            except json.JSONDecodeError:
                given = None
            if not isinstance(given, dict):
                raise ProbeUsageError("ARIA_PROBE_HEADERS must be a JSON object")
            headers = given
        return ProbeTarget(url=url, protocol=protocol or self.protocol,
                           allowlist=split_patterns(self.allowlist),
                           headers={k: SecretStr(str(v)) for k, v in headers.items()},
                           ssl=self.ssl, server_log=self.server_log)

    def prices(self) -> PriceTable | None:
        """The operator's price table, if one is configured."""
        path = self.price_table
        if path is None:
            return None
        try:
            docs = [value for value, _, _ in load_documents(path.read_text(encoding="utf-8"))]
        except (OSError, ValueError) as exc:  # YamlError is a ValueError
            raise ProbeUsageError(f"cannot read ARIA_PRICE_TABLE {path}: {exc}") from exc
        data = plain(docs[0]) if docs else None
        if not isinstance(data, dict):
            raise ProbeUsageError(f"ARIA_PRICE_TABLE {path} must hold {{replica_hour_usd: N}}")
        try:
            return PriceTable.model_validate({**data,
                                              "source": f"operator price table {path.name}"})
        except ValidationError as exc:
            raise ProbeUsageError(
                f"ARIA_PRICE_TABLE {path} must hold {{replica_hour_usd: N}}: {exc}"
            ) from exc


def parse_shape_flags(values: list[str]) -> dict[str, list[int]]:
    """`--shape NAME=DIMS` (dims `4,128` or `4x128`, without the batch dimension)."""
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
