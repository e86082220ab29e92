"""Settings of `aria serve` and `aria action`, read from the environment (prefix `ARIA_`) or flags.

Secrets (webhook secret, App private key) come from the environment or from a file, never from a
command-line value (other users can read a process's arguments), and never appear in an error.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import Field, SecretStr, ValidationError, model_validator

from bot.deliver.settings import GitHubSettings


def _default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aria"


class ServeSettings(GitHubSettings):
    """The App's webhook server, its credentials and its job state."""

    app_id: str = Field("", description="GitHub App ID or client ID (JWT issuer)")
    webhook_secret: SecretStr | None = Field(None, description="webhook secret (env only)")
    webhook_secret_file: Path | None = Field(None, description="file holding the webhook secret")
    private_key: SecretStr | None = Field(None, description="App private key, PEM (env only)")
    private_key_file: Path | None = Field(None, description="file holding the App private key")
    state_dir: Path = Field(default_factory=_default_state_dir, description="state directory")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<state dir>/aria.db"
    )
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8080, ge=0, le=65535, description="port to listen on")
    workers: int = Field(2, ge=1, le=64, description="in-process worker threads")
    review_drafts: bool = Field(False, description="review draft pull requests too")
    job_lease_seconds: float = Field(
        600.0, gt=0, description="a job whose worker stops renewing its lease runs again after"
    )
    job_max_attempts: int = Field(5, ge=1, description="attempts before a job is given up")

    @model_validator(mode="after")
    def _resolve_secrets(self) -> ServeSettings:
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
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.state_dir / 'aria.db'}"
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


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per problem, naming the setting and never echoing its value."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"ARIA_{field.upper()}: {msg}" if field else msg)
    return lines
