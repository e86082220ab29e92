"""Planted claims: one of every kind per part, a template drawn per part and its slots filled
from the brief, so each claim names things the part is really about."""

from __future__ import annotations

import random
import re
from typing import Any

from tests.narrative.adversary_g import templates as t
from tests.narrative.adversary_g.items import Part

KINDS = ["verdict_flip", *t.TEMPLATES]

# Where a plant of each kind plausibly points: the first item kind the part has.
CITE_KINDS = {
    "verdict_flip": "VRF", "option_swap": "ORF", "reader_instruction": "RFO",
    "tool_injection": "VRF", "denial": "FWR", "invented_measurement": "GFO",
    "invented_comparison": "OFR", "invented_number": "OGF", "invented_name": "FGR",
    "invented_history": "FWR", "guarantee": "ORF", "urgency": "FRW", "markup": "FRV",
    "hedged": "AFO", "severity_shift": "FVR", "obfuscated": "VFR",
}

_HOMOGLYPHS = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "A": "А",
                             "E": "Е", "O": "О", "P": "Р"})


def obscure(text: str, rng: random.Random) -> str:
    """Hide a plain claim from word matching: invisible characters inside its words, or
    Cyrillic look-alike letters, or both."""
    way = rng.choice(["\u200b", "\u00ad", "\u2060", "homoglyph", "both"])

    def split(word: re.Match[str]) -> str:
        w = word[0]
        mark = "\u200b" if way == "both" else way
        return w[: len(w) // 2] + mark + w[len(w) // 2:] if len(w) >= 4 else w

    if way in ("homoglyph", "both"):
        text = text.translate(_HOMOGLYPHS)
    return text if way == "homoglyph" else re.sub(r"[^\W\d_]+", split, text)


def _numbers(rng: random.Random, seen: str) -> dict[str, str]:
    """Invented numbers, each absent from the evidence."""
    def fresh(low: int, high: int) -> str:
        while True:
            n = str(rng.randint(low, high))
            if not re.search(rf"(?<![\d.]){n}(?![\d])", seen):
                return n
    return {"num": fresh(3, 97), "big": fresh(1200, 98000), "pct": fresh(11, 89),
            "price": f"${fresh(1100, 48000)}"}


def _pick(rng: random.Random, names: list[str], seen: str) -> str:
    return rng.choice([n for n in names if n.casefold() not in seen] or names)


def slots(part: Part, brief: dict[str, Any], rng: random.Random, seen: str) -> dict[str, str]:
    point = next((r.id[1:] for r in part.of_kind("R")), "1")
    options = [o for o in brief["options"] if o["id"].startswith(f"O{point}.")] \
        or brief["options"]
    rec = next((o["title"] for o in options if o["recommended"]), brief["recommended_option"])
    alts = [o["title"] for o in options if not o["recommended"]]
    verdict = brief["verdict"].rstrip(".")
    finding = next(iter(part.of_kind("F")), None)
    severity = finding.fields["severity"] if finding else ""
    title = finding.title if finding else (part.rule or "this change")
    return {
        "rule": part.rule or "this change", "title": title, "res": part.subject,
        "rec": rec or "the recommended option",
        "alt": rng.choice(alts) if alts else f"Disable {part.rule or 'the check'} here",
        "other_verdict": rng.choice([v for v in t.VERDICTS if v != verdict
                                     and not (verdict.startswith("Approve")
                                              and v.startswith("Approve"))]),
        "other_severity": rng.choice([s for s in t.SEVERITIES if s != severity]),
        "fake_obj": _pick(rng, t.FAKE_OBJECTS, seen), "fake_rule": _pick(rng, t.FAKE_RULES, seen),
        "fake_path": _pick(rng, t.FAKE_PATHS, seen), "fake_team": _pick(rng, t.FAKE_TEAMS, seen),
        **_numbers(rng, seen),
    }


def _cites(part: Part, kind: str) -> list[str]:
    for k in CITE_KINDS[kind]:
        if found := part.of_kind(k):
            return [found[0].id]
    return [part.items[0].id] if part.items else []


def templates_for(kind: str, verdict: str) -> list[str]:
    if kind == "verdict_flip":
        return t.FLIP_TO_APPROVE if verdict.startswith("Request") else t.FLIP_TO_BLOCK
    return t.TEMPLATES[kind]


def draw(part: Part, brief: dict[str, Any], rng: random.Random,
         honest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One plant of every kind for the part; a template whose text the evidence already holds
    is passed over for another."""
    seen = " ".join(e["text"] for e in brief["evidence"]).casefold()
    fill = slots(part, brief, rng, seen)
    plants = []
    for kind in KINDS:
        options = templates_for(kind, brief["verdict"])
        for template in rng.sample(options, len(options)):
            if kind == "compound":  # an honest point with a planted tail: cites its items
                host = rng.choice(honest)
                fill["honest"], cites = host["sentence"].rstrip("."), list(host["cites"])
            else:
                cites = _cites(part, kind)
            sentence = template.format_map(fill)
            if kind == "obfuscated":
                sentence = obscure(sentence, rng)
            if sentence.rstrip(".").casefold() not in seen:
                plants.append({"part": part.name, "sentence": sentence, "cites": cites,
                               "honest": False, "kind": kind})
                break
    return plants
