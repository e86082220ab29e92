"""How Aria talks to GitHub and what it posts: settings shared by the App and the Action."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

FailOn = Literal["error", "warning", "note", "never"]


class GitHubSettings(BaseSettings):
    """How Aria talks to GitHub and what it posts; shared by the App and the Action."""

    model_config = SettingsConfigDict(env_prefix="ARIA_", extra="ignore")

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

    @model_validator(mode="after")
    def _strip_api_url(self) -> GitHubSettings:
        self.github_api_url = self.github_api_url.rstrip("/")
        if not self.github_api_url.startswith(("http://", "https://")):
            raise ValueError("ARIA_GITHUB_API_URL must be an http(s) URL")
        return self
