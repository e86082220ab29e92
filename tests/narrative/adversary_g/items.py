"""Evidence items read into the clauses a writer may restate, and the items each part may cite.

The brief names the parts but not which items belong to each; a writer infers it from the rule
id in the part's name (`decision RBAC001`) and the item texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_FINDING = re.compile(r"^(\w+)-level finding (\S+) \((.*)\), severity (\w+), status (\w+), "
                      r"at `([^`]+)`: (.*?)(?: Read: (.*))?$")
_WHY = re.compile(r"^Why (\S+) \((.*)\) matters: (.*)$")
_OPTION = re.compile(r"^An option for (\S+): “(.*?)”\. Summary: (.*?) Cost: (.*?) "
                     r"Latency: (.*?) Complexity: (.*?) Risk: (.*)$")
_RECOMMENDS = re.compile(r"^For (\S+) \((.*)\) Aria recommends the option “(.*)”\.$")
_VERDICT = re.compile(r"^Aria's verdict on this change: (.*?)\. (.*)$")
_CONTEXT = re.compile(r"^Context: This change touches (\d+) reviewed files between .*?\. "
                      r"Head: (.*)$")
_FIGURE = re.compile(r"^Figure: (.*?) — (`[^`]*`) is set to (.*?) (?:in (`[^`]+`)|by default, "
                     r"not written in the files)\.$")
_ASSUMPTION = re.compile(r"^Assumption \((\w+)\), what Aria assumes: (.*)$")
# A sentence ends at a full stop before a capital (`vLLM` too), a code span or a bracket, but
# not after "e.g."/"i.e.".
_SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.])\s+(?=[A-Z`(]|[a-z]+[A-Z])")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def unstop(text: str) -> str:
    """A statement without its full stop; a whole sentence in brackets loses them too."""
    text = text.strip()
    if text.startswith("(") and text.endswith(".)"):
        text = text[1:-1]
    return text.rstrip(".").strip()


@dataclass
class Item:
    """One evidence item: its id, kind letter and the fields a writer restates."""

    id: str
    kind: str  # V, C, R, W, O, F, G, A
    text: str
    rule: str = ""
    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def clauses(self) -> list[str]:
        """Plain statements (no final stop) that say only what the item says."""
        f = self.fields
        if self.kind == "V":
            return [f"Aria's verdict on this change is {f['verdict']}",
                    *map(unstop, sentences(f["rest"]))]
        if self.kind == "C":
            return [f"This change touches {f['files']} reviewed files"]
        if self.kind == "R":
            return [f"Aria recommends the option “{self.title}” for {self.rule}"]
        if self.kind == "W":
            return [unstop(s) for s in sentences(f["why"])]
        if self.kind == "O":
            return [unstop(s) for s in sentences(f["summary"])]
        if self.kind == "F":
            return [unstop(s) for s in sentences(f["message"])]
        if self.kind == "G":
            where = f" in {f['source']}" if f["source"] else " by default"
            return [f"{f['label']} for {f['object']} is set to {f['value']}{where}"]
        return [unstop(s) for s in sentences(f["text"])]


def parse(item: dict[str, str]) -> Item:
    iid, text = item["id"], item["text"]
    kind = iid.rstrip("0123456789.")[:1]
    it = Item(iid, kind, text)
    if m := _FINDING.match(text):
        it.rule, it.title = m[2], m[3]
        it.fields = {"severity": m[4], "status": m[5], "at": m[6], "message": m[7],
                     "read": m[8] or ""}
    elif m := _WHY.match(text):
        it.rule, it.title, it.fields = m[1], m[2], {"why": m[3]}
    elif m := _OPTION.match(text):
        it.rule, it.title = m[1], m[2]
        it.fields = dict(zip(("summary", "cost", "latency", "complexity", "risk"),
                             map(unstop, m.groups()[2:]), strict=True))
    elif m := _RECOMMENDS.match(text):
        it.rule, it.title, it.fields = m[1], m[3], {"finding": m[2]}
    elif m := _VERDICT.match(text):
        it.fields = {"verdict": m[1], "rest": m[2]}
    elif m := _CONTEXT.match(text):
        it.fields = {"files": m[1], "head": unstop(m[2])}
    elif m := _FIGURE.match(text):
        it.fields = {"label": m[1], "object": m[2], "value": m[3], "source": m[4] or ""}
    elif m := _ASSUMPTION.match(text):
        it.fields = {"text": m[2]}
    else:  # an item of a shape not seen: restate it as plain text
        it.kind, it.fields = "A", {"text": text}
    return it


@dataclass
class Part:
    """A part of the review, the items it may cite, and what its points are about."""

    name: str
    items: list[Item]
    rule: str  # the part's rule id, or the first finding's rule for the context
    subject: str  # a `code` object the part is about, or "this change"

    def of_kind(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]


def parts_of(brief: dict[str, Any]) -> list[Part]:
    items = [parse(e) for e in brief["evidence"]]
    findings = [i for i in items if i.kind == "F"]
    parts = []
    for name in brief["parts"]:
        rule = name.split()[-1] if name.startswith("decision ") else ""
        if rule:
            point = next((i.id[1:] for i in items if i.kind == "R" and i.rule == rule), "")
            own = [i for i in items
                   if i.id in (f"R{point}", f"W{point}") or i.id.startswith(f"O{point}.")
                   or (i.kind == "F" and i.rule == rule)
                   or (i.kind == "A" and f"`{rule}`" in i.text)]
        else:
            own = [i for i in items if i.kind in "VCFGA"]
        ruled = [f for f in findings if f.rule == rule] or findings
        rule = rule or (ruled[0].rule if ruled else "")
        spans = re.findall(r"`[^`]+`", ruled[0].fields["message"]) if ruled else []
        parts.append(Part(name, own, rule, spans[0] if spans else "this change"))
    return parts
