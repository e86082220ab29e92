"""Which evidence items belong to which prose part, read from the brief alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PartIndex:
    """The evidence a part can plausibly lean on: its rule, recommendation, why, options."""

    name: str
    rule: str  # "" for the context part
    recommendation: str = ""  # an R id
    why: str = ""  # a W id
    options: list[dict[str, Any]] = field(default_factory=list)  # brief options, with "id"
    findings: list[dict[str, Any]] = field(default_factory=list)  # brief findings
    assumptions: list[str] = field(default_factory=list)  # A ids naming the rule

    @property
    def recommended(self) -> dict[str, Any] | None:
        return next((o for o in self.options if o["recommended"]), None)

    @property
    def alternatives(self) -> list[dict[str, Any]]:
        return [o for o in self.options if not o["recommended"]]


def texts(brief: dict[str, Any]) -> dict[str, str]:
    return {e["id"]: e["text"] for e in brief["evidence"]}


def index(brief: dict[str, Any]) -> list[PartIndex]:
    items = texts(brief)
    out = []
    for name in brief["parts"]:
        rule = name.split(" ", 1)[1] if name.startswith("decision ") else ""
        part = PartIndex(name, rule)
        if rule:
            for key, text in items.items():
                if re.fullmatch(r"R\d+", key) and text.startswith(f"For {rule} ("):
                    n = key[1:]
                    part.recommendation, part.why = key, f"W{n}" if f"W{n}" in items else ""
                    part.options = [o for o in brief["options"] if o["id"].startswith(f"O{n}.")
                                    and o["id"] in items]
                elif re.fullmatch(r"A\d+", key) and f"`{rule}`" in text:
                    part.assumptions.append(key)
            part.findings = [f for f in brief["findings"] if f["rule"] == rule]
        else:
            part.findings = list(brief["findings"])
            part.options = [o for o in brief["options"] if o["id"] in items]
        out.append(part)
    return out
