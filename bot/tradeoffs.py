"""One option of a decision, compared on Cost / Latency / Complexity / Risk; and the facts of an
object that decide which options and next steps fit it.

The row every ADR table shows: a rule's remediation options and a latency probe's options are
both written as `Option`s, so one template renders them.

Advice is data with applicability conditions (`When`) over an object's facts (`AdviceFacts`):
a rule's option or step is shown only where its conditions hold, and its text is filled from
the same facts (`{gpus}`, `{pdb}` …), so a metrics DaemonSet and a GPU model server that hit one
rule read different tables (ADR 0017).
"""

# Annotations are evaluated as the module runs (no `from __future__ import annotations`): as
# strings, pydantic compiles each one again when the models are built (ADR 0020, startup2).

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.text import quote

Change = Literal["added", "scaled-up", "scaled-down", "unchanged"]


class Option(BaseModel):
    title: str
    summary: str
    cost: str
    latency: str
    complexity: str
    risk: str
    recommended: bool = False


class AdviceFacts(BaseModel):
    """What advice may depend on: one object's facts, plus how Aria runs. `None` is unknown."""

    object: str | None = Field(None, description="the object as messages name it (Kind/name)")
    kind: str | None = None
    serving: bool | None = Field(None, description="interactive model serving")
    gpu: bool | None = Field(None, description="requests accelerators")
    gpus: int | None = Field(None, description="accelerators per pod")
    node_agent: bool | None = Field(None, description="runs on every node (a DaemonSet)")
    replicas: int | None = Field(None, description="the replica floor")
    pdb: str | None = Field(None, description="the PodDisruptionBudget that selects its pods; "
                                              "empty when none does")
    hpa: str | None = Field(None, description="its autoscaler; empty when none")
    spread: bool | None = Field(None, description="topology spread or pod anti-affinity set")
    backend: str | None = Field(None, description="the model server or Triton backend")
    change: Change | None = Field(None, description="what the reviewed change did to it; "
                                                    "unknown in an audit")
    ci: bool | None = Field(None, description="Aria runs in CI (it posts this review from CI)")
    scaling: bool | None = Field(None, description="the change scales it up, or the rule's fix "
                                                   "adds capacity")
    family: str | None = Field(None, description="the family of the rule being advised on")
    mode: str | None = Field(None, description="review, audit or adr")
    policy_default: bool | None = Field(None, description="no `.aria.yml` line sets the "
                                                          "headroom policy")
    headroom: str | None = Field(None, description="the headroom policy: `20–40%`")
    utilization: str | None = Field(None, description="the utilisation targets the policy "
                                                      "allows: `60 and 80`")


# Facts a text may name as `{fact}`; `pdb` and `hpa` name the object, the rest their value.
FILLABLE = ("object", "kind", "gpus", "replicas", "pdb", "hpa", "backend", "headroom",
            "utilization")
_QUOTED_FIELD = re.compile(r"`\{([a-z_]+)\}`")
_FIELD = re.compile(r"\{([a-z_]+)\}")


class When(BaseModel):
    """Conditions over `AdviceFacts`; all that are set must hold, and an unknown fact holds none.

    `pdb`/`hpa` ask whether one exists; the lists ask whether the fact is one of the values.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)  # as the rule packs' models
    serving: bool | None = None
    gpu: bool | None = None
    node_agent: bool | None = None
    pdb: bool | None = None
    hpa: bool | None = None
    spread: bool | None = None
    kinds: list[str] | None = None
    backends: list[str] | None = None
    change: list[Change] | None = None
    ci: bool | None = None
    scaling: bool | None = None
    families: list[str] | None = None
    modes: list[str] | None = None
    policy_default: bool | None = None

    def holds(self, facts: AdviceFacts) -> bool:
        for name in ("serving", "gpu", "node_agent", "spread", "ci", "scaling",
                     "policy_default"):
            wanted = getattr(self, name)
            if wanted is not None and getattr(facts, name) is not wanted:
                return False
        for name in ("pdb", "hpa"):
            wanted, have = getattr(self, name), getattr(facts, name)
            if wanted is not None and (have is None or bool(have) is not wanted):
                return False
        for name, values in (("kind", self.kinds), ("backend", self.backends),
                             ("change", self.change), ("family", self.families),
                             ("mode", self.modes)):
            if values is not None and getattr(facts, name) not in values:
                return False
        return True


    def __str__(self) -> str:
        """The conditions in words, as `aria rules ID` shows them: `gpu, not node_agent`."""
        parts = []
        for name, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, bool):
                parts.append(name if value else f"not {name}")
            else:
                parts.append(f"{name}: {', '.join(map(str, value))}")
        return "; ".join(parts)


def fields_of(text: str) -> set[str]:
    """The `{fact}` fields a text names."""
    return set(_FIELD.findall(text))


def fill(text: str, facts: AdviceFacts) -> str | None:
    """The text with its `{fact}` fields filled, or `None` when one of them is unknown."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = getattr(facts, match.group(1), None) if match.group(1) in FILLABLE else None
        if found is None or found == "":
            missing = True
            return match.group(0)
        return str(found)

    def quoted(match: re.Match[str]) -> str:  # a value in a code span stays verbatim there
        filled = value(match)
        return match.group(0) if filled == match.group(0) else quote(filled)

    out = _FIELD.sub(value, _QUOTED_FIELD.sub(quoted, text))
    return None if missing else out
