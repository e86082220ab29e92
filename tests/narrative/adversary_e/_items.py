"""Read the brief's evidence items into the pieces a paraphrase is made from.

Every piece is a substring of its item's text, so a rewording built only from pieces (plus
connective words) states nothing its cited items do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_FINDING = re.compile(r"^(?P<level>\w+)-level finding (?P<rule>\S+) \((?P<title>.*?)\), "
                      r"severity (?P<severity>\w+), status (?P<status>\w+), "
                      r"at `(?P<at>[^`]*)`: (?P<message>.*?)(?: Read: (?P<read>.*))?$")
_OPTION = re.compile(r"^An option for (?P<rule>\S+): “(?P<title>.*?)”\. Summary: (?P<summary>.*?) "
                     r"Cost: (?P<cost>.*?) Latency: (?P<latency>.*?) "
                     r"Complexity: (?P<complexity>.*?) Risk: (?P<risk>.*)$")
_RECOMMEND = re.compile(r"^For (?P<rule>\S+) \((?P<title>.*)\) Aria recommends the option "
                        r"“(?P<option>.*)”\.$")
_WHY = re.compile(r"^Why (?P<rule>\S+) \((?P<title>.*)\) matters: (?P<body>.*)$")
_FIGURE = re.compile(r"^Figure: (?P<label>.*?) — (?P<subject>`[^`]*`) is set to (?P<value>.*?) "
                     r"in (?P<source>.*)\.$")
_ASSUME = re.compile(r"^Assumption \((?P<kind>[^)]*)\), what Aria assumes: (?P<text>.*)$")
_VERDICT = re.compile(r"^Aria's verdict on this change: (?P<verdict>.*?)\. "
                      r"This change introduces (?P<counts>.*?)\.$")
_CONTEXT = re.compile(r"touches (?P<files>\d+) reviewed files .*?Head: (?P<head>.*?); "
                      r"(?P<read>\d+) files read\.$")
# A sentence ends at a full stop before a capital or a backtick, not inside "e.g." or "i.e.".
_SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)(?<=[.!?])\s+(?=[A-Z`“])")


@dataclass
class Item:
    id: str
    text: str
    kind: str  # V, C, R, W, O, F, G, A
    fields: dict[str, str] = field(default_factory=dict)


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def parse(evidence: list[dict[str, Any]]) -> list[Item]:
    patterns = {"V": _VERDICT, "R": _RECOMMEND, "W": _WHY, "O": _OPTION, "F": _FINDING,
                "G": _FIGURE, "A": _ASSUME}
    items = []
    for e in evidence:
        kind = e["id"][0]
        pattern = _CONTEXT if kind == "C" else patterns.get(kind)
        match = pattern.search(e["text"]) if pattern else None
        items.append(Item(e["id"], e["text"], kind, match.groupdict("") if match else {}))
    return items


def rule_of_part(part: str) -> str | None:
    """`decision SPOF001` -> `SPOF001`; the context part has no rule."""
    return part.split(" ", 1)[1] if part.startswith("decision ") else None


def items_of_part(items: list[Item], part: str) -> list[Item]:
    """The items a sentence of this part would rest on: the decision's own recommendation,
    reasons, options and finding; or, for the context, the verdict, findings, figures and
    assumptions."""
    rule = rule_of_part(part)
    if rule is None:
        return [i for i in items if i.kind in "VCFGA"]
    return [i for i in items if i.fields.get("rule") == rule and i.kind in "RWOF"]
