"""Rule packs: YAML files under `rules/`, one per family, validated into `RuleSpec`s.

Rules are data: everything a reviewer reads (title, why, options, next steps) and every
threshold. `bot.checks` binds each rule to the check function it names.
"""

# Annotations are evaluated as the module runs (no `from __future__ import annotations`): as
# strings, pydantic compiles each one again when the models are built (ADR 0020, startup2).

import re
from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.findings import Severity
from bot.ingest.cache import aria_digest, kept
from bot.resources import data_dir
from bot.tradeoffs import FILLABLE, When, fields_of

# The packs' models validate only when the packs change (`load_catalog` keeps what they
# validated): their validators are built on first use, not by every command that imports them.
_PACK = ConfigDict(extra="forbid", defer_build=True)


class Tradeoff(BaseModel):
    model_config = _PACK
    cost: str
    latency: str
    complexity: str
    risk: str


def _known_fields(*texts: str) -> None:
    unknown = sorted(set().union(*map(fields_of, texts)) - set(FILLABLE))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; a text may name "
                         f"{', '.join(FILLABLE)}")


class RemediationOption(BaseModel):
    """One way to address a rule's finding. `when` says which objects it fits (unset: all);
    `recommended_when` makes it the recommended option for the objects it names."""

    model_config = _PACK
    title: str
    summary: str
    tradeoffs: Tradeoff
    recommended: bool = False
    when: When | None = None
    recommended_when: When | None = None

    @model_validator(mode="after")
    def _fields(self) -> "RemediationOption":
        _known_fields(self.title, self.summary, *self.tradeoffs.model_dump().values())
        return self


class Step(BaseModel):
    """One next step; written as a plain string when it fits every object."""

    model_config = _PACK
    text: str
    when: When | None = None
    early: bool = Field(default=False, description="a general step placed right after each "
                                                   "decision's first step")

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _fields(self) -> "Step":
        _known_fields(self.text)
        return self


class Framework(StrEnum):
    """A published set of controls that a rule may cite."""

    cis_kubernetes = "cis-kubernetes"
    nsa_cisa_kubernetes = "nsa-cisa-kubernetes"
    aws_well_architected = "aws-well-architected"
    azure_well_architected = "azure-well-architected"
    gcp_well_architected = "gcp-well-architected"


# Each framework's name with the edition its ids were checked against, and the shape of an id in
# it: a CIS section number, an NSA/CISA section heading, an AWS best-practice id, an Azure
# checklist code, a Google Cloud principle page.
FRAMEWORKS: dict[Framework, tuple[str, str]] = {
    Framework.cis_kubernetes: ("CIS Kubernetes Benchmark v1.9.0", r"^[1-5](\.[0-9]{1,2}){2}$"),
    Framework.nsa_cisa_kubernetes: ("NSA/CISA Kubernetes Hardening Guidance v1.2",
                                    r"^[A-Z][A-Za-z -]+$"),
    Framework.aws_well_architected: ("AWS Well-Architected Framework",
                                     r"^(REL|COST|PERF|SEC|OPS)[0-9]{2}-BP[0-9]{2}$"),
    Framework.azure_well_architected: ("Azure Well-Architected Framework",
                                       r"^(RE|CO|PE|SE|OE):[0-9]{2}$"),
    Framework.gcp_well_architected: ("Google Cloud Well-Architected Framework",
                                     r"^[a-z-]+/[a-z-]+$"),
}


class Control(BaseModel):
    """A published control or best practice that a rule helps enforce. Citing one says what the
    rule checks towards; it is not an assessment, and Aria certifies nothing."""

    model_config = _PACK
    framework: Framework
    id: str
    title: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://\S+$")

    @model_validator(mode="after")
    def _id_fits_framework(self) -> "Control":
        edition, shape = FRAMEWORKS[self.framework]
        if not re.match(shape, self.id):
            raise ValueError(f"{self.id!r} is not an id of the {edition} (expected {shape})")
        return self

    @property
    def framework_title(self) -> str:
        return FRAMEWORKS[self.framework][0]

    @property
    def key(self) -> tuple[str, str]:
        return (self.framework.value, self.id)

    @property
    def tag(self) -> str:
        """The SARIF tag, in the `external/<standard>/<id>` form code scanning uses for CWE."""
        return f"external/{self.framework.value}/{self.id}"


class CheckRef(BaseModel):
    model_config = _PACK
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class RegressionSpec(BaseModel):
    """Which evidence measures how bad a finding is, and which way is worse.

    A finding present on both sides of a review whose measure moved the worse way counts as new.
    """

    model_config = _PACK
    evidence: str = Field(description="an evidence label, or its first or last words "
                                      "(`utilization target` for `cpu utilization target`)")
    worse: Literal["lower", "higher"]

    def matches(self, label: str) -> bool:
        return label == self.evidence or label.endswith(" " + self.evidence) or \
            label.startswith(self.evidence + " ")


class RuleSpec(BaseModel):
    model_config = _PACK
    id: str = Field(pattern=r"^[A-Z]+[0-9]{3}$")
    family: str = Field(description="the pack's family (written once, on the pack)")
    severity: Severity
    title: str
    message: str = Field(description="str.format template over the check's fields")
    why: str
    options: list[RemediationOption] = Field(min_length=2)
    next_steps: list[Step] = Field(min_length=1)
    references: list[str] = Field(default_factory=list)
    check: CheckRef
    risk: Literal["spof", "lock-in", "cost-cliff", "security", "capacity"] | None = None
    scale_up: bool = Field(default=False, description="a finding about adding capacity")
    example: str | None = Field(default=None, description="a minimal manifest that triggers it")
    controls: list[Control] = Field(
        default_factory=list, description="published controls the rule helps enforce")
    example_base: str | None = Field(
        default=None, description="for a rule about a change: the example's base (before it)")
    supersedes: list[str] = Field(
        default_factory=list,
        description="rules that stop applying to an object when this one starts to (for example "
                    "a single-replica rule over the rules about spreading replicas): a base "
                    "finding of one of them that this rule replaces reads as superseded, not fixed")
    regression: RegressionSpec | None = None
    reads: Literal["object", "neighbours", "graph"] = Field(
        default="graph",
        description="what a finding of the rule depends on: `object`, only the document it is "
                    "about (its own content, with the configuration), so a review takes the "
                    "base's findings for every document the change left as it was; "
                    "`neighbours`, what the rule finds looking at a workload depends only on "
                    "the workload and the objects linked to it (its autoscalers, budgets, "
                    "services, its namespace's ServiceAccounts and role bindings, the node "
                    "pools: `bot.graph.neighbours`), so a review asks it only about the "
                    "workloads whose neighbourhood the change touched; `graph`, anything in the "
                    "tree (the default: the rule runs over the whole head)")

    @field_validator("controls")
    @classmethod
    def _each_control_once(cls, controls: list[Control]) -> list[Control]:
        keys = [c.key for c in controls]
        twice = sorted({"/".join(k) for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"control(s) listed twice: {', '.join(twice)}")
        return controls

    @property
    def recommended_option(self) -> RemediationOption:
        """The option the rule recommends with no object in view (SARIF's rule help): the first
        recommended one whose text names no fact of an object, as it reads for any of them."""
        plain = [o for o in self.options
                 if not fields_of(" ".join([o.title, o.summary,
                                            *o.tradeoffs.model_dump().values()]))]
        return next((o for o in plain if o.recommended),
                    plain[0] if plain else self.options[0])


class RulePack(BaseModel):
    model_config = _PACK
    family: str
    rules: list[RuleSpec]

    @model_validator(mode="before")
    @classmethod
    def _family_of_rules(cls, data: Any) -> Any:
        """Each rule belongs to the pack's family; a rule naming a family of its own is refused."""
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            return data
        rules = []
        for rule in data["rules"]:
            if isinstance(rule, dict):
                if "family" in rule:
                    raise ValueError(f"rule {rule.get('id')}: `family` belongs on the pack")
                rule = {**rule, "family": data.get("family")}
            rules.append(rule)
        return {**data, "rules": rules}


class Catalog:
    def __init__(self, rules: list[RuleSpec]) -> None:
        self.rules = sorted(rules, key=lambda r: r.id)
        self._by_id = {r.id: r for r in self.rules}
        for rule in self.rules:
            unknown = [r for r in rule.supersedes if r not in self._by_id]
            if unknown:
                raise CatalogError(f"rule {rule.id} supersedes unknown rule(s) "
                                   f"{', '.join(unknown)}")

    def get(self, rule_id: str) -> RuleSpec | None:
        return self._by_id.get(rule_id.upper())

    def __iter__(self) -> Iterator[RuleSpec]:
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
        return RulePack.model_validate(docs[0] if docs else {})
    except ValidationError as exc:
        raise CatalogError(f"{path}: {exc}") from None


class GeneralAdvice(BaseModel):
    """Advice that belongs to no single rule (`rules/data/advice.yaml`)."""

    model_config = _PACK
    steps: list[Step]
    accept: RemediationOption = Field(description="the second option when only one of a "
                                                  "rule's options fits the object")


@cache
def load_advice() -> GeneralAdvice:
    return kept(GeneralAdvice, _read_advice, "advice", aria_digest())


def _read_advice() -> GeneralAdvice:
    from bot.ingest.yamlload import YamlError, load_documents, plain

    path = data_dir("rules") / "data" / "advice.yaml"
    try:
        docs = [plain(v) for v, _, _ in load_documents(path.read_text(encoding="utf-8"))]
        return GeneralAdvice.model_validate(docs[0] if docs else {})
    except YamlError as exc:
        raise CatalogError(f"{path}:{exc.line}: {exc}") from None
    except ValidationError as exc:
        raise CatalogError(f"{path}: {exc}") from None


@cache
def load_catalog() -> Catalog:
    """Aria's rule packs (`rules/*.yaml`), one family each."""
    return kept(Catalog, _read_catalog, "catalog", aria_digest())


def _read_catalog() -> Catalog:
    rules: list[RuleSpec] = []
    seen: dict[str, Path] = {}
    families: dict[str, Path] = {}
    for path in sorted(data_dir("rules").glob("*.yaml")):
        pack = load_pack(path)
        if pack.family in families:
            raise CatalogError(f"family {pack.family} in {path} and {families[pack.family]}")
        families[pack.family] = path
        for rule in pack.rules:
            if rule.id in seen:
                raise CatalogError(f"duplicate rule id {rule.id} in {path} and {seen[rule.id]}")
            seen[rule.id] = path
            rules.append(rule)
    return Catalog(rules)
