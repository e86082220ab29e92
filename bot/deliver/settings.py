"""How Aria talks to GitHub and what it posts (`GitHubSettings`, the App and the Action), and
the GitHub App's identity (`AppSettings`: every process that acts as the App).

Secrets (webhook secret, App private key) come from the environment or from a file, never from a
command-line value (other users can read a process's arguments), and never appear in an error.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import Field, SecretStr, model_validator

from bot.exitcodes import FailOn
from bot.settings import AriaSettings


class GitHubSettings(AriaSettings):
    """How Aria talks to GitHub and what it posts; shared by the App and the Action."""

    github_api_url: str = Field(
        "https://api.github.com",
        description="REST API base URL; GitHub Enterprise Server: https://HOST/api/v3",
    )
    fail_on: FailOn = Field("error", description="lowest finding severity that fails the check run")
    review_comments: bool = Field(
        False, description="also post review comments on changed lines for new errors"
    )
    max_file_bytes: int = Field(1_000_000, gt=0, description="skip larger files (contents API cap)")
    max_files: int = Field(300, gt=0, description="most relevant files read per review")
    github_timeout: float = Field(15.0, gt=0, description="seconds per GitHub request")
    github_retries: int = Field(5, ge=0, description="retries of a failed GitHub request")
    github_secondary_rate_wait: float = Field(
        60.0, ge=0, description="seconds to wait on a secondary rate limit with no Retry-After"
    )
    github_max_wait: float = Field(
        900.0, ge=0, description="longest in-request wait; longer limits reschedule the job"
    )
    github_seconds_between_writes: float = Field(
        1.0, ge=0, description="pause between writes (GitHub asks for >= 1 s)"
    )
    command_refusal_window: float = Field(
        3600.0, gt=0,
        description="seconds in which a user without write access gets one `/aria` refusal "
                    "per pull request",
    )

    @model_validator(mode="after")
    def _strip_api_url(self) -> GitHubSettings:
        self.github_api_url = self.github_api_url.rstrip("/")
        if not self.github_api_url.startswith(("http://", "https://")):
            raise ValueError("ARIA_GITHUB_API_URL must be an http(s) URL")
        return self


class AppSettings(GitHubSettings):
    """The GitHub App's identity: its ID, webhook secret and private key."""

    app_id: str = Field("", description="GitHub App ID or client ID (JWT issuer)")
    webhook_secret: SecretStr | None = Field(None, description="webhook secret (env only)")
    webhook_secret_file: Path | None = Field(None, description="file holding the webhook secret")
    private_key: SecretStr | None = Field(None, description="App private key, PEM (env only)")
    private_key_file: Path | None = Field(None, description="file holding the App private key")

    @model_validator(mode="after")
    def _resolve_secrets(self) -> AppSettings:
        if not self.app_id.strip():
            raise ValueError("ARIA_APP_ID is required (the App ID or client ID)")
        self.webhook_secret = SecretStr(
            _one_secret("ARIA_WEBHOOK_SECRET", self.webhook_secret, self.webhook_secret_file)
        )
        key = _one_secret("ARIA_PRIVATE_KEY", self.private_key, self.private_key_file)
        # Many deployment tools flatten a PEM into one line with literal "\n".
        key = key.replace("\\n", "\n").strip()
        _check_rsa_pem(key)
        self.private_key = SecretStr(key)
        return self

    def secret_bytes(self) -> bytes:
        assert self.webhook_secret is not None  # set by the validator
        return self.webhook_secret.get_secret_value().encode()

    def private_key_pem(self) -> str:
        assert self.private_key is not None  # set by the validator
        return self.private_key.get_secret_value()


def _one_secret(name: str, value: SecretStr | None, file: Path | None) -> str:
    if value is not None and file is not None:
        raise ValueError(f"set {name} or {name}_FILE, not both")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{name}_FILE cannot be read: {exc.strerror}") from None
    elif value is not None:
        text = value.get_secret_value()
    else:
        raise ValueError(f"{name} or {name}_FILE is required")
    text = text.strip()
    if not text:
        raise ValueError(f"{name} is empty")
    return text


def _check_rsa_pem(pem: str) -> None:
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        # The parser's message can quote key material: say only what is wrong.
        raise ValueError(
            "ARIA_PRIVATE_KEY is not an unencrypted private key in PEM format "
            "(expected '-----BEGIN RSA PRIVATE KEY-----' as downloaded from the App settings)"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("ARIA_PRIVATE_KEY must be an RSA key (GitHub signs App JWTs with RS256)")
