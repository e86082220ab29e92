"""The brief's evidence items, read into their fields, and grouped by the part they explain.

Adversary C only knows the brief (`tests/narrative/harness.py::brief_of`); the item texts have a
fixed shape per id prefix (V, C, R, W, O, F, G, A), which is parsed here once so that the honest
writer and the liar both work from fields rather than from raw strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SHAPES = {
    "V": re.compile(r"Aria's verdict on this change: (?P<verdict>[^.]+)\. "
                    r"This change introduces (?P<counts>[^.]+)\.(?: It fixes .*)?$"),
    "C": re.compile(r"Context: This change touches (?P<files>\d+) reviewed files between .*? "
                    r"Head: (?P<objects>\d+) objects, (?P<workloads>\d+) workloads "
                    r"\((?P<serving>\d+) serving, (?P<gpu>\d+) requesting GPUs\), "
                    r"(?P<pools>\d+) node pools; (?P<read>\d+) files read\.$"),
    "R": re.compile(r"For (?P<rule>\S+) \((?P<title>.*)\) Aria recommends the option "
                    r"“(?P<option>[^”]+)”\.$"),
    "W": re.compile(r"Why (?P<rule>\S+) \((?P<title>.*?)\) matters: (?P<why>.*)$"),
    "O": re.compile(r"An option for (?P<rule>\S+): “(?P<title>[^”]+)”\. "
                    r"Summary: (?P<summary>.*?) Cost: (?P<cost>.*?) Latency: (?P<latency>.*?) "
                    r"Complexity: (?P<complexity>.*?) Risk: (?P<risk>.*)$"),
    "F": re.compile(r"(?P<level>\w+)-level finding (?P<rule>\S+) \((?P<title>.*)\), severity "
                    r"(?P<severity>\w+), status (?P<status>\w+), at `(?P<loc>[^`]+)`: "
                    r"(?P<message>.*?)(?: Read: (?P<read>.*))?$"),
    "G": re.compile(r"Figure: (?P<name>.*?) — `(?P<object>[^`]+)` is set to (?P<value>.*?) in "
                    r"`?(?P<source>[^`]*?)`?\.$"),
    "A": re.compile(r"Assumption \((?P<origin>\w+)\), what Aria assumes: (?P<text>.*)$"),
}
_THRESHOLD = re.compile(r"`(?P<rule>[A-Z]+\d+)` \((?P<title>.*)\) uses the threshold "
                        r"`(?P<key>[^`]+)` = (?P<value>\S+)\.$")


@dataclass
class Item:
    id: str
    kind: str  # the id's letter prefix
    text: str
    fields: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.fields.get(key) or ""


@dataclass
class Part:
    """One prose part: its name, the rule it explains (None for the context) and its items."""

    name: str
    rule: str | None
    items: list[Item] = field(default_factory=list)

    def of(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]


def parse(item: dict[str, str]) -> Item:
    kind = re.sub(r"[\d.]+$", "", item["id"])
    shape = _SHAPES.get(kind)
    found = shape.match(item["text"]) if shape else None
    fields = {k: v for k, v in (found.groupdict() if found else {}).items() if v is not None}
    if kind == "A" and (threshold := _THRESHOLD.match(fields.get("text", ""))):
        fields.update(threshold.groupdict())
    return Item(item["id"], kind, item["text"], fields)


def parts_of(brief: dict[str, Any]) -> list[Part]:
    """Each part with the items a writer would draw on: a decision part gets its rule's
    recommendation, why, options, findings and thresholds; the context gets the verdict, the
    scope, every finding, figure and assumption."""
    items = [parse(i) for i in brief["evidence"]]
    parts = []
    for name in brief["parts"]:
        rule = name.split(" ", 1)[1] if name.startswith("decision ") else None
        if rule is None:
            mine = [i for i in items if i.kind in {"V", "C", "F", "G", "A"}]
        else:
            mine = [i for i in items if i["rule"] == rule]
        parts.append(Part(name, rule, mine))
    return parts


def backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)
