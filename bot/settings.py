"""The one settings style: pydantic models read from `ARIA_*` environment variables.

Every component's settings (the App, the job runtime, workers, the language model, latency
probes) derive from `AriaSettings`, so one table in the docs lists them all
(`aria config settings`), and a command's flags are made from the same fields.

The environment is read here, not by pydantic-settings: what Aria's settings use of it is a
prefix, aliases and names in any case (the rules below, which were pydantic-settings' own), and
importing it (with `asyncio`, `ssl` and dotenv) cost a fifth of a review's start-up (ADR 0020).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import AliasChoices, BaseModel, ConfigDict


def default_state_dir() -> Path:
    """Where Aria keeps state by default: `$XDG_STATE_HOME/aria`, else `~/.local/state/aria`."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aria"


def default_cache_dir() -> Path:
    """Where Aria keeps files it can rebuild: `$XDG_CACHE_HOME/aria`, else `~/.cache/aria`."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aria"


class AriaSettings(BaseModel):
    """Settings: each field from the variable `env_prefix` + its name (or its validation alias),
    matched in any case; a value is the variable's text, empty included, validated as a flag's
    (a field of a JSON type parses its text itself). Keyword arguments (flags) win; defaults
    are validated too."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, validate_default=True,
                              arbitrary_types_allowed=True)
    env_prefix: ClassVar[str] = "ARIA_"

    def __init__(self, **values: Any) -> None:
        # A keyword argument (a flag, by field name) wins over the field's variable.
        env = {key: value for field, (key, value) in self._environment(os.environ).items()
               if field not in values}
        super().__init__(**{**env, **values})

    @classmethod
    def env_names(cls, field: str) -> list[str]:
        """The environment variables a field is read from, the first one found winning."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, str):
            return [alias]
        if isinstance(alias, AliasChoices):
            return [choice for choice in alias.choices if isinstance(choice, str)]
        return [f"{cls.env_prefix}{field}".upper()]

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable a field is documented by."""
        return cls.env_names(field)[0]

    @classmethod
    def _environment(cls, env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
        """Each field `env` sets: the key it is validated under (the field's alias where it has
        one, so an error names the variable, else its name) and the variable's text."""
        given = {name.lower(): value for name, value in env.items()}
        found = {}
        for field, info in cls.model_fields.items():
            value = next((given[name.lower()] for name in cls.env_names(field)
                          if name.lower() in given), None)
            if value is not None:
                alias = info.validation_alias
                found[field] = (alias if isinstance(alias, str) else field, value)
        return found

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings in `env` (default: this process's environment), defaults elsewhere."""
        if env is None:
            return cls()
        return cls.model_validate({key: value for key, value in cls._environment(env).values()
                                   if value})
