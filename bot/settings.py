"""The one settings style: pydantic-settings models read from `ARIA_*` environment variables.

Every component's settings (the App, the job runtime, workers, the language model, latency
probes) derive from `AriaSettings`, so one table in the docs lists them all
(`aria config settings`), and a command's flags are made from the same fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Self

from pydantic import AliasChoices
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_state_dir() -> Path:
    """Where Aria keeps state by default: `$XDG_STATE_HOME/aria`, else `~/.local/state/aria`."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aria"


def default_cache_dir() -> Path:
    """Where Aria keeps files it can rebuild: `$XDG_CACHE_HOME/aria`, else `~/.cache/aria`."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aria"


class AriaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARIA_", extra="ignore", populate_by_name=True)

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable a field is read from."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, str):
            return alias
        if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
            return alias.choices[0]
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings in `env` (default: this process's environment), defaults elsewhere."""
        if env is None:
            return cls()
        upper = {k.upper(): v for k, v in env.items()}
        values = {name: upper[cls.env_name(name)] for name in cls.model_fields
                  if upper.get(cls.env_name(name))}
        return cls.model_validate(values)
