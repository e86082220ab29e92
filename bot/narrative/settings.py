"""The operator's choice of language model and its limits, read from the environment.

Only the operator's environment configures the writer: nothing in a pull request or in the
repository's `.aria.yml` can turn it on, pick the model or raise a budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr

from bot.settings import AriaSettings, default_state_dir

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class NarrativeSettings(AriaSettings):
    env_prefix = "ARIA_LLM_"

    model: str | None = Field(
        None, description="language model as `provider:model`; unset, no prose is written")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint (vLLM, Ollama)")
    api_key: SecretStr | None = Field(None, description="key for the OpenAI-compatible endpoint")
    max_tokens_per_review: int = Field(12_000, gt=0, description="token budget of one review")
    max_tokens_per_day: int = Field(500_000, gt=0,
                                    description="token budget per installation and UTC day")
    max_output_tokens: int = Field(2_000, gt=0, description="longest answer asked for")
    timeout_s: float = Field(60.0, gt=0, validation_alias="ARIA_LLM_TIMEOUT",
                             description="bound on one writer call, retries included")
    installation: str = Field("local", description="whose daily budget this review draws on")
    state_dir: Path = Field(default_factory=default_state_dir, validation_alias="ARIA_STATE_DIR",
                            description="state directory (narrative cache and token ledger)")

    @property
    def configured(self) -> bool:
        return bool(self.model)

    def build_model(self) -> BaseChatModel:
        """The configured chat model; raises ImportError when its provider package is missing."""
        from langchain.chat_models import init_chat_model
        kwargs: dict[str, Any] = {"temperature": 0, "timeout": self.timeout_s,
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
