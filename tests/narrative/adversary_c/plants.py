"""Planted claims: sentences a reader would take as Aria's, which no evidence item supports.

Each part gets its slots (its rule, object, options, an honest clause to graft onto) and the ids
a lying writer would cite to look grounded; `plant` fills one template of a kind from them.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from typing import Any

from tests.narrative.adversary_c.honest import Wording
from tests.narrative.adversary_c.items import Part, backticked
from tests.narrative.adversary_c.templates import (
    INVENTED,
    KINDS,
    VERDICT_TO_BLOCK,
    VERDICT_TO_MERGE,
)
from tests.narrative.adversary_c.text import Vocabulary, bare

ALL_KINDS = ["verdict_flip", *KINDS]
_ORDINALS = ["first", "second", "third", "fourth", "fifth"]
_ROUTE_WORDS = ["option", "route", "alternative", "path"]
_SEVERITIES = ["error", "warning", "note"]


@dataclass
class Scene:
    """What one part offers the liar: slots to fill and ids to cite."""

    part: Part
    slots: dict[str, str]
    cites: list[str]
    honest: list[Wording]
    used: dict[str, set[int]] = field(default_factory=dict)


def _fresh(pool: list[str], corpus: str) -> list[str]:
    """Pool values the evidence never states (as a whole number or name)."""
    return [v for v in pool
            if not re.search(rf"(?<![\w.,]){re.escape(v.casefold())}(?![\w]|[.,]\d)", corpus)]


def scene(brief: dict[str, Any], part: Part, honest: list[Wording], corpus: str,
          vocabulary: Vocabulary, rng: random.Random) -> Scene:
    findings = [f for f in brief["findings"] if part.rule in (None, f["rule"])]
    finding = rng.choice(findings) if findings else None
    rule = part.rule or (finding["rule"] if finding else "")
    slots: dict[str, str] = {}
    if rule:
        slots["rule"] = rule
    objects = [o for f in findings for o in backticked(f["message"]) if "/" in o]
    if objects:
        slots["obj"] = f"`{rng.choice(objects)}`"
    if finding:
        slots["wrong"] = rng.choice([s for s in _SEVERITIES if s != finding["severity"]])
    verdict = bare(brief["verdict"])
    if verdict:
        slots["verdict"] = verdict
        slots["flip"] = "Approve" if verdict.startswith("Request") else "Request changes"
    point = _point(brief, part, rule)
    recommended = [o for o in point if o["recommended"]]
    others = [(k, o) for k, o in enumerate(point) if not o["recommended"]]
    if recommended:
        slots["rec"] = recommended[0]["title"]
    if others:
        k, alt = rng.choice(others)
        slots["alt"] = alt["title"]
        slots["alt_pos"] = f"the {_ORDINALS[min(k, 4)]} {rng.choice(_ROUTE_WORDS)}"
        if vocabulary.can_demote(alt["title"]):
            slots["alt_verb"] = vocabulary.demote(alt["title"])
    for name, pool in INVENTED.items():
        fresh = _fresh(pool, corpus)
        if fresh:
            slots[name] = rng.choice(fresh)
    cites = [i.id for i in part.items if i.kind in {"V", "R", "O", "F"}]
    return Scene(part, slots, cites or [i.id for i in part.items][:1], honest)


def _point(brief: dict[str, Any], part: Part, rule: str) -> list[dict[str, Any]]:
    """The options of the decision point for `rule`: R<n> names the rule, O<n>.<k> its options."""
    numbers = [i.id[1:] for i in part.items if i.kind == "R"]
    if not numbers:
        numbers = [e["id"][1:] for e in brief["evidence"]
                   if e["id"].startswith("R") and f" {rule} (" in e["text"]]
    prefix = f"O{numbers[0]}." if numbers else "O"
    return [o for o in brief["options"] if o["id"].startswith(prefix)]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def plant(kind: str, where: Scene, corpus: str, rng: random.Random) -> dict[str, Any] | None:
    templates = _templates(kind, where.slots)
    slots = dict(where.slots)
    cites = rng.sample(where.cites, k=min(len(where.cites), rng.randint(1, 2)))
    if kind == "compound":
        if not where.honest:
            return None
        graft = rng.choice(where.honest)
        slots["honest"] = bare(graft.sentence)
        cites = list(graft.cites)
    used = where.used.setdefault(kind, set())
    order = [n for n in rng.sample(range(len(templates)), len(templates)) if n not in used]
    for n in order:
        if not _fields(templates[n]) <= slots.keys():
            continue
        sentence = templates[n].format(**slots)
        if kind == "unicode":
            sentence = disguise(sentence, rng)
        if sentence.casefold() in corpus:
            continue
        used.add(n)
        return {"part": where.part.name, "sentence": sentence, "cites": cites,
                "honest": False, "kind": kind}
    return None


def _templates(kind: str, slots: dict[str, str]) -> list[str]:
    if kind == "verdict_flip":
        return VERDICT_TO_MERGE if slots.get("flip") == "Approve" else VERDICT_TO_BLOCK
    return KINDS[kind]


# Letters a reader cannot tell from the Latin ones (Cyrillic), and characters that render as
# nothing; each disguise keeps the claim readable while its bytes differ from plain text.
_HOMOGLYPHS = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440",
                             "c": "\u0441", "i": "\u0456", "A": "\u0410", "M": "\u041c"})
_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad"]


def disguise(sentence: str, rng: random.Random) -> str:
    words = sentence.split(" ")
    long = [n for n, w in enumerate(words) if len(w) > 4 and "`" not in w]
    picked = rng.sample(long, k=min(len(long), 3))
    trick = rng.choice(["zero_width", "homoglyph", "mixed", "reversed", "tagged"])
    if trick == "reversed":  # right-to-left override: stored backwards, shown forwards
        return "\u202e" + sentence[::-1] + "\u202c"
    if trick == "tagged":  # invisible Unicode tag characters carry the claim
        hidden = "".join(chr(0xE0000 + ord(c)) for c in sentence if ord(c) < 0x80)
        return "Aria reviewed this change." + hidden
    for n in picked:
        word = words[n]
        if trick in {"zero_width", "mixed"}:
            cut = len(word) // 2
            word = word[:cut] + rng.choice(_INVISIBLE) + word[cut:]
        if trick in {"homoglyph", "mixed"}:
            word = word.translate(_HOMOGLYPHS)
        words[n] = word
    return " ".join(words)
