"""Settings of `aria serve`: the App's identity, the job runtime, and the webhook endpoint.

Read from the environment (prefix `ARIA_`) or flags; see `bot.deliver.settings` for how the
secrets are read and `bot.jobs.settings` for the job runtime.
"""

from __future__ import annotations

from pydantic import Field

from bot.deliver.settings import AppSettings
from bot.jobs.settings import JobSettings


class ServeSettings(AppSettings, JobSettings):
    """The App's webhook server, its credentials and its job state."""

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8080, ge=0, le=65535, description="port to listen on")
    review_drafts: bool = Field(False, description="review draft pull requests too")
