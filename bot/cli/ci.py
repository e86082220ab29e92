"""Whether a command runs in CI: then its review does not advise setting up CI (ADR 0017)."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from bot.settings import AriaSettings


class CiSettings(AriaSettings):
    """Whether the command runs in CI: then a review does not advise setting up CI."""

    ci: bool = Field(default=False, validation_alias=AliasChoices("CI", "ARIA_CI"),
                     description="set by CI services (GitHub Actions, GitLab CI, CircleCI …): "
                                 "reviews and audits run in CI")
