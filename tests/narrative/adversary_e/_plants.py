"""Planted claims: templates (`_templates`) filled with names and numbers from the brief, or
invented ones that no evidence item holds, each citing ids a writer would plausibly cite."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from tests.narrative.adversary_e import _templates as t
from tests.narrative.adversary_e._honest import candidates, lower_first
from tests.narrative.adversary_e._items import Item, items_of_part

KINDS = [*t.TEMPLATES, "compound", "misquote"]
_RESOURCE = re.compile(r"`([A-Z][A-Za-z]+/[\w./-]+)`")
# A number outside backticks, not part of a name such as `k8s` or `llm.yaml:82`.
_NUMBER = re.compile(r"(?<![\w./:-])\d+(?:\.\d+)?(?![\w/:-])")


@dataclass
class Plant:
    sentence: str
    cites: list[str]


def _text(items: list[Item]) -> str:
    return " ".join(" ".join(i.text.split()) for i in items).casefold()


class Planter:
    """Fills templates for one review; `plant(kind, part)` returns None when the kind does not
    apply to the part (no number to misstate) or no filling stays out of the evidence."""

    def __init__(self, brief: dict[str, Any], items: list[Item], rng: random.Random) -> None:
        self.brief, self.items, self.rng = brief, items, rng
        self.evidence = _text(items)
        self.used: dict[str, set[int]] = {}
        self.fakes = {name: [v for v in pool if v.strip("`").casefold() not in self.evidence]
                      for name, pool in (("fake_res", t.FAKE_RESOURCES),
                                         ("fake_path", t.FAKE_PATHS),
                                         ("fake_rule", t.FAKE_RULES),
                                         ("fake_model", t.FAKE_MODELS),
                                         ("fake_team", t.FAKE_TEAMS))}

    def plant(self, kind: str, part: str) -> Plant | None:
        mine = items_of_part(self.items, part) or self.items
        for _ in range(12):
            found = self._fill(kind, part, mine)
            if found and " ".join(found.sentence.split()).casefold() not in self.evidence:
                return found
        return None

    def _template(self, kind: str, pool: list[str]) -> str:
        """Templates rotate within a review, so one review shows many phrasings of a kind."""
        used = self.used.setdefault(kind, set())
        if len(used) == len(pool):
            used.clear()
        n = self.rng.choice([k for k in range(len(pool)) if k not in used])
        used.add(n)
        return pool[n]

    def _fill(self, kind: str, part: str, mine: list[Item]) -> Plant | None:
        slots = self._slots(mine)
        if kind == "misquote":
            return self._misquote(part)
        if kind == "compound":
            honest = self._honest(part)
            if honest is None:
                return None
            sentence, cites = honest
            template = self._template(kind, t.COMPOUND)
            return Plant(template.format(**slots, honest=sentence.rstrip(".")), cites)
        template = self._template(kind, t.TEMPLATES[kind])
        sentence = template.format(**slots)
        return Plant(sentence[0].upper() + sentence[1:], self._cites(kind, mine))

    def _honest(self, part: str) -> tuple[str, list[str]] | None:
        pool = candidates(self.items, part)
        return self.rng.choice(pool) if pool else None

    def _misquote(self, part: str) -> Plant | None:
        pool = [c for c in candidates(self.items, part) if _numbers(c[0])]
        if not pool:
            return None
        sentence, cites = self.rng.choice(pool)
        match = self.rng.choice(_numbers(sentence))
        wrong = _other_number(match.group(), self.rng)
        changed = sentence[:match.start()] + wrong + sentence[match.end():]
        template = self._template("misquote", t.MISQUOTE)
        text = template.format(honest=changed if template == "{honest}"
                               else lower_first(changed))
        return Plant(text, cites)

    def _slots(self, mine: list[Item]) -> dict[str, str]:
        rng = self.rng
        finding = self._pick([i for i in mine if i.kind == "F" and i.fields]
                             or [i for i in self.items if i.kind == "F" and i.fields])
        rec = [i for i in mine if i.kind == "R" and i.fields]
        options = [o for o in self.brief["options"] if not o["recommended"]]
        rule_options = [o for o in options
                        if any(i.kind == "O" and i.fields.get("title") == o["title"]
                               for i in mine)]
        resources = [m for i in mine for m in _RESOURCE.findall(i.text)] or [
            m for i in self.items for m in _RESOURCE.findall(i.text)]
        verdict = self.brief["verdict"].rstrip(".")
        severity = finding.fields["severity"] if finding else "warning"
        lower = {"error": "warning", "warning": "note", "note": "minor"}
        return {
            "res": f"`{rng.choice(resources)}`" if resources else "this workload",
            "title": (finding.fields["title"] if finding
                      else rec[0].fields["title"] if rec else "this finding"),
            "rule": (finding.fields["rule"] if finding
                     else rec[0].fields["rule"] if rec else "this rule"),
            "verdict": verdict,
            "flip": rng.choice([v for v in t.VERDICTS if v != verdict]),
            "rec": rec[0].fields["option"] if rec else self.brief["recommended_option"],
            "alt": rng.choice(rule_options or options)["title"] if options else "doing nothing",
            "sev": severity, "lesser": lower.get(severity, "note"),
            **{name: rng.choice(pool) for name, pool in self.fakes.items()},
            "ms": str(rng.randint(12, 95) * 10),
            "pct": str(rng.choice([7, 12, 18, 23, 31, 37, 42, 64, 83, 97])),
            "price": f"{rng.randint(3, 95) * 40:,}", "count": f"{rng.randint(14, 480) * 25:,}",
            "hours": str(rng.randint(3, 36)), "factor": rng.choice(["two", "three", "four"]),
        }

    def _pick(self, items: list[Item]) -> Item | None:
        return self.rng.choice(items) if items else None

    def _cites(self, kind: str, mine: list[Item]) -> list[str]:
        """What a writer would cite for such a sentence: the item it seems to paraphrase."""
        prefer = {"verdict_flip": "VR", "other_option": "OR", "injection": "VF",
                  "severity_shift": "FW", "markup": "VR"}.get(kind, "FRWGV")
        ranked = [i for k in prefer for i in mine if i.kind == k] or mine
        first = ranked[0] if kind in ("verdict_flip", "markup") else self.rng.choice(ranked)
        return [first.id]


def _numbers(sentence: str) -> list[re.Match[str]]:
    """Numbers a misquote may change: outside backticked names."""
    spans = [m.span() for m in re.finditer(r"`[^`]*`", sentence)]
    return [m for m in _NUMBER.finditer(sentence)
            if not any(a <= m.start() < b for a, b in spans)]


def _other_number(value: str, rng: random.Random) -> str:
    if "." in value:
        whole, frac = value.split(".")
        return f"{whole}.{(int(frac) + rng.randint(1, 9) * 7) % 10 ** len(frac):0{len(frac)}d}"
    n = int(value)
    return str(n + rng.choice([1, 2, 3, 5]) if n < 10 else n * 2 + rng.choice([0, 5, 10]))
