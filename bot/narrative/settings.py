"""The operator's choice of language model and its limits, read from the environment.

Only the operator's environment configures the writer: nothing in a pull request or in the
repository's `.aria.yml` can turn it on, pick the model or raise a budget.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, SecretStr

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def _default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aria"


class NarrativeSettings(BaseModel):
    model: str | None = Field(None, description="`provider:model` for init_chat_model")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint (vLLM, Ollama)")
    api_key: SecretStr | None = Field(None, description="key for the OpenAI-compatible endpoint")
    max_tokens_per_review: int = Field(12_000, gt=0)
    max_tokens_per_day: int = Field(500_000, gt=0, description="per installation, UTC day")
    max_output_tokens: int = Field(2_000, gt=0)
    timeout_s: float = Field(60.0, gt=0, description="bound on one writer call, retries included")
    installation: str = Field("local", description="whose daily budget this review draws on")
    state_dir: Path = Field(default_factory=_default_state_dir)

    @property
    def configured(self) -> bool:
        return bool(self.model)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NarrativeSettings:
        env = os.environ if env is None else env
        names = {"model": "ARIA_LLM_MODEL", "base_url": "ARIA_LLM_BASE_URL",
                 "api_key": "ARIA_LLM_API_KEY",
                 "max_tokens_per_review": "ARIA_LLM_MAX_TOKENS_PER_REVIEW",
                 "max_tokens_per_day": "ARIA_LLM_MAX_TOKENS_PER_DAY",
                 "max_output_tokens": "ARIA_LLM_MAX_OUTPUT_TOKENS",
                 "timeout_s": "ARIA_LLM_TIMEOUT", "installation": "ARIA_LLM_INSTALLATION",
                 "state_dir": "ARIA_STATE_DIR"}
        return cls.model_validate({k: env[v] for k, v in names.items() if env.get(v)})

    def build_model(self) -> BaseChatModel:
        """The configured chat model; raises ImportError when its provider package is missing."""
        from langchain.chat_models import init_chat_model
        kwargs: dict[str, object] = {"temperature": 0, "timeout": self.timeout_s,
                                     "max_retries": 1, "max_tokens": self.max_output_tokens}
        model = self.model or ""
        if self.base_url:
            # vLLM and Ollama speak the OpenAI API; any key works when the server checks none.
            kwargs["base_url"] = self.base_url
            kwargs["api_key"] = self.api_key.get_secret_value() if self.api_key else "unused"
            if ":" not in model:
                kwargs["model_provider"] = "openai"
        return init_chat_model(model, **kwargs)

    @property
    def model_id(self) -> str:
        return f"{self.model}@{self.base_url}" if self.base_url else str(self.model)
