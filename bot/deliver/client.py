"""PyGithub clients for an App installation or a plain token, with GitHub's retry rules.

Retries: 5xx and rate limits (403/429) with backoff, honouring `Retry-After` and, when the
primary limit is spent, `x-ratelimit-reset`. A wait longer than `max_wait` is not slept inside
the request: it raises `RateLimitExceededExceedsMaxWait`, and the job is rescheduled instead.
A POST that got a 5xx is not retried here, because GitHub may have stored it already (a second
comment); the callers' writes are idempotent (they look before they create) and the job retries.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from github import Auth, Github, GithubIntegration, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait
from urllib3.response import BaseHTTPResponse

from bot.deliver.settings import AppSettings, GitHubSettings
from bot.state.rate_budgets import RateBudgets

# Refresh an installation token this long before it expires (tokens live one hour).
TOKEN_REFRESH_MARGIN = 300.0


class AriaRetry(GithubRetry):
    """GithubRetry that also retries 429, reads the reset header, and caps every wait."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("status_forcelist", [*range(500, 600), 429])
        super().__init__(**kwargs)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method == "POST" and status_code >= 500:
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        wait = super().get_retry_after(response)
        if wait is None and response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                wait = max(0.0, int(reset) - time.time()) + 1.0
        if wait is not None and self.max_rate_limit_wait is not None \
                and wait > self.max_rate_limit_wait:
            raise RateLimitExceededExceedsMaxWait(
                response.status, {"message": "rate limited"}, dict(response.headers), wait=wait
            )
        return wait


def make_retry(settings: GitHubSettings) -> AriaRetry:
    return AriaRetry(
        total=settings.github_retries,
        backoff_factor=0.5,
        backoff_max=30,
        secondary_rate_wait=settings.github_secondary_rate_wait,
        max_rate_limit_wait=settings.github_max_wait,
    )


def make_github(settings: GitHubSettings, auth: Auth.Auth) -> Github:
    return Github(
        auth=auth,
        base_url=settings.github_api_url,
        timeout=int(settings.github_timeout),
        per_page=100,
        retry=make_retry(settings),
        # Reads go out one after another (one client per job); writes keep GitHub's
        # "at least one second apart" to stay clear of the secondary limits.
        seconds_between_requests=None,
        seconds_between_writes=settings.github_seconds_between_writes or None,
        lazy=True,
    )


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Installation tokens, each reused until shortly before it expires. Thread-safe."""

    def __init__(self, integration: GithubIntegration, margin: float = TOKEN_REFRESH_MARGIN):
        self._integration = integration
        self._margin = margin
        self._tokens: dict[int, _Token] = {}
        self._lock = threading.Lock()

    def get(self, installation_id: int) -> str:
        with self._lock:
            token = self._tokens.get(installation_id)
            if token is None or token.expires_at - self._margin <= time.time():
                grant = self._integration.get_access_token(installation_id)
                expires = grant.expires_at or datetime.now(UTC)
                token = _Token(grant.token, expires.timestamp())
                self._tokens[installation_id] = token
            return token.value


class InstallationAuth(Auth.Auth):
    """PyGithub auth whose token comes from the cache at each request."""

    def __init__(self, cache: TokenCache, installation_id: int) -> None:
        self._cache = cache
        self._installation_id = installation_id

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        return self._cache.get(self._installation_id)


class AppClients:
    """Clients acting as installations of one GitHub App."""

    def __init__(self, settings: GitHubSettings, app_id: str, private_key: str) -> None:
        self.settings = settings
        app_auth = Auth.AppAuth(app_id, private_key)
        integration = GithubIntegration(auth=app_auth, base_url=settings.github_api_url,
                                        retry=make_retry(settings),
                                        timeout=int(settings.github_timeout))
        self.integration = integration  # App-level calls: an org's installation
        self.tokens = TokenCache(integration)

    @classmethod
    def for_app(cls, settings: AppSettings) -> Self:
        return cls(settings, settings.app_id, settings.private_key_pem())

    def for_installation(self, installation_id: int) -> Github:
        return make_github(self.settings, InstallationAuth(self.tokens, installation_id))


class ObservedClients(AppClients):
    """`AppClients` that remember the clients a job made, to read their rate-limit headers."""

    def __init__(self, settings: GitHubSettings, app_id: str, private_key: str) -> None:
        super().__init__(settings, app_id, private_key)
        self._made = threading.local()

    def for_installation(self, installation_id: int) -> Github:
        gh = super().for_installation(installation_id)
        self.made().append((installation_id, gh))
        return gh

    def made(self) -> list[tuple[int, Github]]:
        if not hasattr(self._made, "clients"):
            self._made.clients = []
        return self._made.clients

    def record(self, budgets: RateBudgets) -> None:
        """Store the last rate-limit figures each client of this job saw, then forget them."""
        for installation_id, gh in self.made():
            remaining, limit = gh.requester.rate_limiting
            if limit >= 0:  # -1: the client made no request
                budgets.observe(installation_id, remaining, limit,
                                float(gh.requester.rate_limiting_resettime))
        self.made().clear()
