"""The repository's `.aria.yml`: validated, with every threshold a documented default."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.findings import Severity
from bot.probes.settings import ProbesConfig
from bot.telemetry.config import TelemetryConfig


class ConfigError(ValueError):
    """A `.aria.yml` that cannot be used, with a message that says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleOverride(_Strict):
    enabled: bool = True
    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Ignore(_Strict):
    rule: str = Field(description="rule id, or `*` for every rule")
    path: str = Field(default="*", description="glob of paths the entry covers")
    object: str | None = Field(default=None, description="object identity, e.g. Deployment/ns/name")
    reason: str = Field(min_length=3, description="why this is accepted; shown in every report")
    expires: _dt.date | None = Field(default=None, description="after this date the entry lapses")

    @field_validator("rule")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


class Headroom(_Strict):
    """Capacity headroom policy for interactive serving (fractions of capacity kept free)."""

    min: float = Field(default=0.20, ge=0.0, lt=1.0)
    max: float = Field(default=0.40, ge=0.0, lt=1.0)


class Ingest(_Strict):
    max_file_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    exclude: list[str] = Field(default_factory=list, description="path globs never read")
    kustomize: Literal["auto", "off"] = "auto"


class AriaConfig(_Strict):
    """Schema of `.aria.yml`."""

    version: Literal[1] = 1
    fail_on: Literal["error", "warning", "note", "never"] = "error"
    headroom: Headroom = Field(default_factory=Headroom)
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    ignore: list[Ignore] = Field(default_factory=list)
    ingest: Ingest = Field(default_factory=Ingest)
    serving_images: list[str] = Field(
        default_factory=lambda: ["tritonserver", "vllm", "text-generation-inference", "tgi",
                                 "kserve", "torchserve", "ray", "jetstream", "sglang", "ollama"],
        description="image-name fragments that mark a workload as interactive model serving")
    probes: ProbesConfig = Field(default_factory=ProbesConfig,
                                 description="latency-probe settings per Triton model")
    telemetry: TelemetryConfig = Field(
        default_factory=TelemetryConfig,
        description="production telemetry: window, peak percentile, workload series")

    @field_validator("rules")
    @classmethod
    def _upper_keys(cls, value: dict[str, RuleOverride]) -> dict[str, RuleOverride]:
        return {k.strip().upper(): v for k, v in value.items()}

    def params_for(self, rule_id: str, defaults: dict[str, Any]) -> dict[str, Any]:
        merged = dict(defaults)
        override = self.rules.get(rule_id)
        if override:
            merged.update(override.params)
        return merged


def load_config_bytes(data: bytes | str | None, path: str = ".aria.yml") -> AriaConfig:
    if data is None:
        return AriaConfig()
    from bot.ingest.yamlload import YamlError, load_documents, plain

    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        docs = [value for value, _, _ in load_documents(text)]
    except YamlError as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        raise ConfigError(f"{where}: {exc}") from None
    if not docs or docs[0] is None:
        return AriaConfig()
    if len(docs) > 1 or not isinstance(docs[0], dict):
        raise ConfigError(f"{path}: expected one YAML mapping")
    raw = plain(docs[0])
    try:
        return AriaConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"  {loc}: {err['msg']}")
        message = f"{path}: invalid configuration\n" + "\n".join(problems)
        raise ConfigError(message) from None


def config_schema() -> str:
    return json.dumps(AriaConfig.model_json_schema(), indent=2)
