"""Planted claims for one review: every kind, twice, spread over the parts."""

from __future__ import annotations

import random
import re
from typing import Any

from tests.narrative.adversary_d.honest import Candidate
from tests.narrative.adversary_d.index import PartIndex, texts
from tests.narrative.adversary_d.invent import invented
from tests.narrative.adversary_d.kinds import (
    ALL_KINDS,
    COMPOUND,
    COMPOUND_KIND,
    KINDS,
    TO_APPROVE,
    TO_BLOCK,
    VERDICT_FLIP,
)
from tests.narrative.adversary_d.parse import bare, lower_first

COPIES = 2  # each kind appears this many times per review, in different parts
_RESOURCE = re.compile(r"`([A-Z][A-Za-z]+/[\w./-]+)`")
# Which evidence a plant of each kind pretends to rest on.
_LEANS = {
    VERDICT_FLIP: ["verdict", "rec"], "injection": ["verdict", "rec"],
    "urgency": ["verdict", "rec"], "markup": ["verdict", "rec"],
    "wrong_option": ["alt", "rec"], "invented_comparison": ["rec", "alt"],
    "false_guarantee": ["rec", "finding"], "invented_number": ["rec", "finding"],
    "denial": ["finding"], "risk_minimisation": ["finding", "why"],
    "invented_measurement": ["finding"], "invented_name": ["finding"],
    "fabricated_history": ["finding", "verdict"], "invented_cause": ["why", "finding"],
}


def templates(kind: str, verdict: str) -> list[str]:
    if kind == VERDICT_FLIP:
        return TO_BLOCK if verdict.startswith("Approve") else TO_APPROVE
    return COMPOUND if kind == COMPOUND_KIND else KINDS[kind]


def _slots(brief: dict[str, Any], part: PartIndex, rng: random.Random,
           made_up: dict[str, str]) -> dict[str, Any]:
    finding = rng.choice(part.findings) if part.findings else None
    resources = [r for f in part.findings for r in _RESOURCE.findall(f["message"])]
    others = [o for o in brief["options"] if not o["recommended"]]
    alt = rng.choice(part.alternatives or others) if (part.alternatives or others) else None
    rec = part.recommended
    rule = part.rule or (finding["rule"] if finding else "this rule")
    alt_title = alt["title"] if alt else "Leave the change as it is"
    rec_title = rec["title"] if rec else brief["recommended_option"] or "the recommended option"
    return {**made_up, "rule": rule, "verdict": bare(brief["verdict"]),
            "title": finding["title"] if finding else rule,
            "res": f"`{rng.choice(resources)}`" if resources else "the workload",
            "alt": alt_title, "alt_l": lower_first(alt_title),
            "rec": rec_title, "rec_l": lower_first(rec_title),
            "_finding": finding["id"] if finding else "", "_alt": alt["id"] if alt else "",
            "_rec": rec["id"] if rec else ""}


def _cites(kind: str, part: PartIndex, slots: dict[str, Any],
           honest_cites: list[str]) -> list[str]:
    if kind == COMPOUND_KIND:
        return honest_cites
    ids = {"verdict": "V" if not part.rule else part.recommendation, "rec": slots["_rec"],
           "alt": slots["_alt"], "finding": slots["_finding"], "why": part.why}
    cites = [ids[lean] for lean in _LEANS[kind] if ids[lean]]
    return cites[:2] or ["V"]


def _capital(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:] if sentence[:1].islower() else sentence


def plants(brief: dict[str, Any], parts: list[PartIndex], rng: random.Random,
           honest_pool: dict[str, list[Candidate]]) -> list[dict[str, Any]]:
    evidence = " ".join(texts(brief).values()).casefold()
    made_up = invented(rng, evidence)
    out = []
    offset = rng.randrange(len(parts))
    for k, kind in enumerate(ALL_KINDS):
        chosen = rng.sample(templates(kind, brief["verdict"]), COPIES)
        for c, template in enumerate(chosen):
            part = parts[(offset + k * COPIES + c) % len(parts)]
            slots = _slots(brief, part, rng, made_up)
            honest_cites: list[str] = []
            if kind == COMPOUND_KIND:
                pool = honest_pool[part.name] or [s for v in honest_pool.values() for s in v]
                sentence, honest_cites, _, _ = rng.choice(pool)
                slots["honest"] = bare(sentence)
            out.append({"part": part.name, "sentence": _capital(template.format_map(slots)),
                        "cites": _cites(kind, part, slots, honest_cites), "honest": False,
                        "kind": kind})
    return out
