"""The repository's `.aria.yml`: validated, with every threshold a documented default."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from bot.exitcodes import FailOn
from bot.findings import Severity
from bot.ingest.files import CONFIG_NAMES
from bot.measurements import ABSettings, MethodSettings
from bot.promql import Duration, Selector

if TYPE_CHECKING:
    from bot.ingest.source import Source

# Where a tree keeps its configuration, in order of preference.
CONFIG_FILES = tuple(sorted(CONFIG_NAMES, key=lambda name: name != ".aria.yml"))

ExporterName = Literal["triton", "vllm", "tgi", "http", "otel-http"]
_WORKLOAD_KEY_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


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


def shape_dims(value: object) -> list[int]:
    """Dims of an input without the batch dimension: `[4, 128]`, or `"4,128"` / `"4x128"`."""
    if isinstance(value, str):
        value = [p for p in re.split(r"[,x\s]+", value.strip()) if p]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("a shape is a non-empty list of positive integers")
    dims = [int(v) for v in value]
    if any(d <= 0 for d in dims):
        raise ValueError("shape dims must be positive integers")
    return dims


class ProbeModelSettings(_Strict):
    """`probes: models: NAME:` — what to measure and the SLO to hold."""

    slo_ms: float | None = Field(None, gt=0)
    slo_percentile: Literal[95, 99] = 99
    peak_rps: float | None = Field(None, gt=0)
    headroom: float = Field(0.3, ge=0, le=0.9)
    concurrency: list[int] = Field(default_factory=lambda: [1, 4, 8])
    # Dims without the batch dimension, for inputs whose config has -1 (dynamic) dims.
    shapes: dict[str, list[int]] = Field(default_factory=dict)

    @field_validator("concurrency")
    @classmethod
    def _levels(cls, value: list[int]) -> list[int]:
        if not value or any(c < 1 or c > 256 for c in value):
            raise ValueError("concurrency levels are integers in 1..256")
        return sorted(set(value))

    @field_validator("shapes", mode="before")
    @classmethod
    def _shapes(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): shape_dims(v) for k, v in value.items()}
        return value


class ProbesConfig(_Strict):
    """The `probes:` block: which Triton models a review measures, and how."""

    models: dict[str, ProbeModelSettings] = Field(default_factory=dict)
    # How long a review measures each changed model (the defaults take ~2.5 min per model).
    method: MethodSettings = Field(default_factory=MethodSettings)
    ab: ABSettings = Field(default_factory=ABSettings)


class WorkloadSeries(_Strict):
    """`telemetry: workloads: NAMESPACE/NAME:` — where one workload's series are."""

    selector: Selector = Field(description='label matchers of its pods\' series, e.g. '
                                           'namespace="prod", pod=~"llm-.*"')
    exporter: ExporterName | None = Field(
        default=None, description="whose request metrics to read; default: found from the series")
    model: str | None = Field(default=None,
                              description="Triton `model` label to narrow requests to")


class TelemetryConfig(_Strict):
    """The `telemetry:` block: what to read from production, never where from.

    The repository (its base side) may say how far back to look, which percentile counts as
    the peak, and which series belong to a workload when the defaults (namespace + pod-name
    pattern) do not fit. The server and its credentials are the operator's
    (`bot.telemetry.settings`).
    """

    enabled: bool = Field(default=True, description="read production telemetry when the "
                                                    "operator configured a Prometheus")
    window: Duration = Field(default="14d", description="how far back peaks are measured")
    percentile: float = Field(default=99.0, gt=0, le=100,
                              description="percentile of the window's 5-minute values taken "
                                          "as the peak")
    resolution: Duration = Field(default="5m", description="rate window and step of the values")
    min_coverage: float = Field(default=0.9, gt=0, le=1,
                                description="share of the window a series must cover for a "
                                            "verdict that capacity suffices")
    workloads: dict[str, WorkloadSeries] = Field(
        default_factory=dict, description="series of workloads the defaults do not find, "
                                          "keyed `namespace/name`")

    @field_validator("workloads")
    @classmethod
    def _keys(cls, value: dict[str, WorkloadSeries]) -> dict[str, WorkloadSeries]:
        for key in value:
            if not _WORKLOAD_KEY_RE.match(key):
                raise ValueError(f"workload key {key!r} must be `namespace/name`")
        return value

    @property
    def quantile(self) -> float:
        return self.percentile / 100.0

    @property
    def stat(self) -> str:
        """How the peak is taken, in words."""
        return f"p{self.percentile:g} of {self.resolution} values"


class AriaConfig(_Strict):
    """Schema of `.aria.yml`."""

    version: Literal[1] = 1
    fail_on: FailOn = "error"
    headroom: Headroom = Field(default_factory=Headroom)
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    ignore: list[Ignore] = Field(default_factory=list)
    ingest: Ingest = Field(default_factory=Ingest)
    serving_images: list[str] = Field(
        default_factory=lambda: ["tritonserver", "vllm", "text-generation-inference", "tgi",
                                 "kserve", "torchserve", "ray", "jetstream", "sglang", "ollama"],
        description="image-name fragments that mark a workload as interactive model serving")
    test_fixture_dirs: list[str] = Field(
        default_factory=lambda: ["qa", "test", "tests", "testdata", "test_data", "fixtures"],
        description="directory names that hold test fixtures: Triton model configs below them "
                    "are not served models")
    benchmark_dirs: list[str] = Field(
        default_factory=lambda: ["benchmark", "benchmarks"],
        description="directory names of benchmark harnesses: the availability and probe rules "
                    "skip model servers deployed below them (security and model settings still "
                    "apply)")
    benchmark_clients: list[str] = Field(
        default_factory=lambda: ["perf_analyzer", "perf-analyzer", "genai-perf", "locust",
                                 "vegeta", "grafana/k6", "benchmark_serving", "guidellm",
                                 "-py3-sdk"],
        description="command or image fragments of load generators: a workload running one is "
                    "a benchmark client, not a model server")
    probes: ProbesConfig = Field(default_factory=ProbesConfig,
                                 description="latency-probe settings per Triton model")
    telemetry: TelemetryConfig = Field(
        default_factory=TelemetryConfig,
        description="production telemetry: window, peak percentile, workload series")

    # Where this configuration was read from, and the line of each key it sets (dotted, rule ids
    # upper-cased: `headroom.min`, `rules.OBS005.params.min_startup_seconds`): every value a
    # review cites names the line that set it, or Aria's default when no file set it.
    _origin: str | None = PrivateAttr(default=None)
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)

    def set_at(self, key: str) -> tuple[str, int] | None:
        """The file and line that set `key`, or `None` when the value is Aria's default."""
        line = self._lines.get(key)
        return (self._origin, line) if self._origin and line else None

    def source_of(self, key: str) -> str:
        """Where a value comes from, in words: `` `.aria.yml:4` `` or `Aria's default`."""
        at = self.set_at(key)
        return f"`{at[0]}:{at[1]}`" if at else "Aria's default"

    @field_validator("rules")
    @classmethod
    def _upper_keys(cls, value: dict[str, RuleOverride]) -> dict[str, RuleOverride]:
        return {k.strip().upper(): v for k, v in value.items()}

    def rule_enabled(self, rule_id: str) -> bool:
        override = self.rules.get(rule_id)
        return override is None or override.enabled


def load_config_bytes(data: bytes | str | None, path: str = ".aria.yml") -> AriaConfig:
    if data is None:
        return AriaConfig()
    from bot.ingest.files import CONFIG_MAX_BYTES
    from bot.ingest.yamlload import YamlError, plain

    if len(data) > CONFIG_MAX_BYTES:
        raise ConfigError(f"{path}: {len(data):,} bytes, over the {CONFIG_MAX_BYTES:,}-byte limit")

    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        docs = _documents(text)
    except YamlError as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        raise ConfigError(f"{where}: {exc}") from None
    if not docs or docs[0] is None:
        return AriaConfig()
    if len(docs) > 1 or not isinstance(docs[0], dict):
        raise ConfigError(f"{path}: expected one YAML mapping")
    raw = plain(docs[0])
    try:
        config = AriaConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"  {loc}: {err['msg']}")
        message = f"{path}: invalid configuration\n" + "\n".join(problems)
        raise ConfigError(message) from None
    config._origin = path
    config._lines = dict(_key_lines(docs[0]))
    return config


def _documents(text: str) -> list[Any]:
    """The YAML documents of a configuration, kept under its content (`kept`): a repository's
    `.aria.yml` rarely changes, and a review that finds everything else cached then never
    imports a YAML parser. The documents are kept, not the configuration: each load validates
    its own copy (`plain`)."""
    from bot.ingest.cache import content_id, kept
    from bot.ingest.yamlload import load_documents

    return kept(list, lambda: [value for value, _, _ in load_documents(text)], "config",
                content_id(text.encode()))


def _key_lines(node: Any, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Each key of a loaded YAML mapping, dotted, with its line (rule ids upper-cased)."""
    from bot.ingest.yamlload import YMap
    if not isinstance(node, YMap):
        return
    for key, value in node.items():
        name = str(key).strip().upper() if prefix == "rules." else str(key)
        yield prefix + name, node.line_of(key)
        yield from _key_lines(value, f"{prefix}{name}.")


def load_config_file(path: Path | str) -> AriaConfig:
    """The configuration in a file (`--config`, `aria config check`, `aria probe`)."""
    return load_config_bytes(Path(path).read_bytes(), str(path))


def config_of(source: Source) -> tuple[AriaConfig, bool]:
    """The tree's own `.aria.yml` (validated), and whether one was found."""
    for name in CONFIG_FILES:
        data = source.read(name)
        if data is not None:
            return load_config_bytes(data, name), True
    return AriaConfig(), False


def config_schema() -> str:
    return json.dumps(AriaConfig.model_json_schema(), indent=2)
