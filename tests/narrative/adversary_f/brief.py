"""Reading the brief: a stable seed, and which evidence items and options belong to each part."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
RULE_ID = re.compile(r"\b[A-Z]{2,5}\d{3}\b")


def relative(value: Any) -> Any:
    """The brief with the checkout's absolute path removed, so any clone draws the same text."""
    if isinstance(value, str):
        return value.replace(f"{ROOT}/", "").replace(str(ROOT), ".")
    if isinstance(value, list):
        return [relative(v) for v in value]
    if isinstance(value, dict):
        return {k: relative(v) for k, v in value.items()}
    return value


def rng_for(brief: dict[str, Any], seed: int) -> random.Random:
    canonical = json.dumps(relative(brief), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{seed}\n{canonical}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class Part:
    """One prose part and what the writer may lean on in it."""

    name: str
    rule: str  # the decision's rule id, or the first finding's for the context part
    items: dict[str, str] = field(default_factory=dict)  # evidence id -> text
    options: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recommended(self) -> dict[str, Any] | None:
        return next((o for o in self.options if o["recommended"]), None)

    @property
    def others(self) -> list[dict[str, Any]]:
        return [o for o in self.options if not o["recommended"]]


def parts_of(brief: dict[str, Any]) -> list[Part]:
    evidence = {e["id"]: e["text"] for e in relative(brief["evidence"])}
    # `R3` reading "For HEAD001 (…" says point 3 is the decision on HEAD001.
    points = {m.group(2): m.group(1) for i, t in evidence.items()
              for m in [re.match(r"R(\d+)\|For (\S+) ", f"{i}|{t}")] if m}
    parts = []
    for name in brief["parts"]:
        if name == "context":
            keep = {i: t for i, t in evidence.items() if i[0] in "VCFGA"}
            first = brief["findings"][0]["rule"] if brief["findings"] else ""
            parts.append(Part(name, first, keep, list(brief["options"]), list(brief["findings"])))
            continue
        rule = name.split()[-1]
        n = points.get(rule)
        findings = [f for f in brief["findings"] if f["rule"] == rule]
        ids = {f"R{n}", f"W{n}"} | {f["id"] for f in findings}
        keep = {i: t for i, t in evidence.items()
                if i in ids or i.startswith(f"O{n}.") or (i[0] == "A" and f"`{rule}`" in t)}
        options = [o for o in brief["options"] if o["id"].startswith(f"O{n}.")]
        parts.append(Part(name, rule, keep, options, findings))
    return parts

