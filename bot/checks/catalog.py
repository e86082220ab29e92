"""Rule packs: YAML files under `rules/`, one per family, validated into `RuleSpec`s."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.findings import Severity
from bot.resources import data_dir

FAMILIES = ("headroom", "spof", "rbac", "lock-in", "security", "cost", "observability",
            "serving", "ingest")


class Tradeoff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cost: str
    latency: str
    complexity: str
    risk: str


class RemediationOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    summary: str
    tradeoffs: Tradeoff
    recommended: bool = False


class CheckRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Z]+[0-9]{3}$")
    family: str
    severity: Severity
    title: str
    message: str = Field(description="str.format template over the check's fields")
    why: str
    options: list[RemediationOption] = Field(min_length=2)
    next_steps: list[str] = Field(min_length=1)
    references: list[str] = Field(default_factory=list)
    check: CheckRef
    risk: Literal["spof", "lock-in", "cost-cliff", "security", "capacity"] | None = None
    scale_up: bool = Field(default=False, description="a finding about adding capacity")
    example: str | None = Field(default=None, description="a minimal manifest that triggers it")

    @property
    def recommended_option(self) -> RemediationOption:
        return next((o for o in self.options if o.recommended), self.options[0])


class RulePack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    family: str
    rules: list[RuleSpec]


class Catalog:
    def __init__(self, rules: list[RuleSpec]) -> None:
        self.rules = sorted(rules, key=lambda r: r.id)
        self._by_id = {r.id: r for r in self.rules}

    def get(self, rule_id: str) -> RuleSpec | None:
        return self._by_id.get(rule_id.upper())

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


class CatalogError(ValueError):
    pass


def load_pack(path: Path) -> RulePack:
    from bot.ingest.yamlload import YamlError, load_documents

    try:
        docs = [v for v, _, _ in load_documents(path.read_text(encoding="utf-8"))]
    except YamlError as exc:
        raise CatalogError(f"{path}:{exc.line}: {exc}") from None
    try:
        pack = RulePack.model_validate(docs[0] if docs else {})
    except ValidationError as exc:
        raise CatalogError(f"{path}: {exc}") from None
    for rule in pack.rules:
        if rule.family != pack.family:
            raise CatalogError(f"{path}: rule {rule.id} has family {rule.family!r}, "
                               f"pack is {pack.family!r}")
    return pack


def load_catalog(extra_dirs: tuple[Path, ...] = ()) -> Catalog:
    return _load(tuple(extra_dirs))


@cache
def _load(extra_dirs: tuple[Path, ...]) -> Catalog:
    from bot.checks.registry import CHECKS

    rules: list[RuleSpec] = []
    seen: dict[str, Path] = {}
    for directory in (data_dir("rules"), *extra_dirs):
        for path in sorted(directory.glob("*.yaml")):
            for rule in load_pack(path).rules:
                if rule.id in seen:
                    raise CatalogError(f"duplicate rule id {rule.id} in {path} and {seen[rule.id]}")
                if rule.check.name not in CHECKS:
                    raise CatalogError(f"{path}: rule {rule.id} names unknown check "
                                       f"{rule.check.name!r}")
                seen[rule.id] = path
                rules.append(rule)
    return Catalog(rules)
