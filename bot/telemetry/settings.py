"""The operator's Prometheus: address, credentials, allow-list, timeout and query budget.

Trust boundary: only the operator's environment names the server and its credentials —
never a file in the pull request or the repository, which would let a PR author aim the bot at
internal hosts. Credentials are read from files (as Prometheus itself reads them), so they stay
out of the process environment and logs.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from bot.allowlist import allowed, split_patterns
from bot.settings import AriaSettings
from bot.telemetry.errors import TelemetryUsageError

if TYPE_CHECKING:  # ssl is imported where a context is made: a review without Prometheus never
    import ssl  # needs it, and it is a sizeable part of start-up


class PrometheusTarget(BaseModel):
    """A Prometheus the operator allows, with what each request needs."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    base_url: str
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    timeout_s: float
    max_queries: int
    deadline_s: float
    ca_file: Path | None = None

    @property
    def source(self) -> str:
        """How figures name where they came from (no credentials, no query string)."""
        return f"Prometheus {self.base_url}"

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.base_url.startswith("https:"):
            return None
        import ssl

        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def plain_headers(self) -> dict[str, str]:
        return {k: v.get_secret_value() for k, v in self.headers.items()}


def _read_secret(path: Path, what: str) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise TelemetryUsageError(f"cannot read the Prometheus {what} file {path}: "
                                  f"{exc.__class__.__name__}") from None
    if not text:
        raise TelemetryUsageError(f"the Prometheus {what} file {path} is empty")
    return text


class PrometheusSettings(AriaSettings):
    """The operator's Prometheus, from `ARIA_PROMETHEUS_*`."""

    env_prefix = "ARIA_PROMETHEUS_"

    url: str | None = Field(None, description="http(s)://host:port[/path] that reviews and audits "
                                              "read production telemetry from; unset, none is read")
    allowlist: str = Field("", description="comma-separated CIDRs or host[:port] globs the "
                                           "server must match; empty: loopback only")
    bearer_token_file: Path | None = Field(None, description="file holding a bearer token")
    basic_auth_username: str | None = Field(None, description="basic-auth user (with the "
                                                              "password file)")
    basic_auth_password_file: Path | None = Field(None, description="file holding the basic-auth "
                                                                    "password")
    ca_file: Path | None = Field(None, description="CA bundle for an https server")
    timeout_s: float = Field(10.0, gt=0, description="bound on one query, in seconds")
    max_queries: int = Field(120, ge=1, description="queries per review or audit")
    deadline_s: float = Field(60.0, gt=0, description="bound on all queries of a review or "
                                                      "audit, in seconds")

    def target(self) -> PrometheusTarget | None:
        """The allowed target, or ``None`` when no URL is configured."""
        if not self.url:
            return None
        url = self.url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TelemetryUsageError(f"ARIA_PROMETHEUS_URL {url!r} must be http(s)://host:port")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise TelemetryUsageError(
                "ARIA_PROMETHEUS_URL must not carry credentials, a query or a fragment; "
                "credentials go in ARIA_PROMETHEUS_BEARER_TOKEN_FILE or "
                "ARIA_PROMETHEUS_BASIC_AUTH_PASSWORD_FILE")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise TelemetryUsageError(f"ARIA_PROMETHEUS_URL {url!r} has an invalid port") from None
        patterns = split_patterns(self.allowlist)
        if not allowed(parts.hostname, port, patterns):
            raise TelemetryUsageError(
                f"Prometheus {parts.hostname}:{port} is not in the allow-list "
                f"({', '.join(patterns)}); the operator widens it with ARIA_PROMETHEUS_ALLOWLIST")
        return PrometheusTarget(base_url=url, headers=self._auth_headers(),
                                timeout_s=self.timeout_s,
                                max_queries=self.max_queries,
                                deadline_s=self.deadline_s,
                                ca_file=self.ca_file)

    def _auth_headers(self) -> dict[str, SecretStr]:
        token_file, password_file = (self.bearer_token_file,
                                     self.basic_auth_password_file)
        if token_file and (password_file or self.basic_auth_username):
            raise TelemetryUsageError("set a bearer token or basic auth for Prometheus, not both")
        if token_file:
            token = _read_secret(token_file, "bearer token")
            return {"Authorization": SecretStr(f"Bearer {token}")}
        if bool(password_file) != bool(self.basic_auth_username):
            raise TelemetryUsageError("basic auth for Prometheus needs both "
                                      "ARIA_PROMETHEUS_BASIC_AUTH_USERNAME and "
                                      "ARIA_PROMETHEUS_BASIC_AUTH_PASSWORD_FILE")
        if password_file:
            password = _read_secret(password_file, "basic-auth password")
            pair = f"{self.basic_auth_username}:{password}".encode()
            return {"Authorization": SecretStr("Basic " + base64.b64encode(pair).decode())}
        return {}
