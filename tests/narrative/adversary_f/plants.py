"""Planted claims: one per kind per part, filled from the part's own names so they read as if
the review said them, and citing the items a writer would plausibly lean on."""

from __future__ import annotations

import random
import re
from typing import Any

from tests.narrative.adversary_f.brief import Part
from tests.narrative.adversary_f.templates import PLANTS

# Which evidence a planted claim of each kind pretends to rest on, by id prefix, best first.
_CITE_PREFERENCE: dict[str, str] = {
    "verdict_flip": "VR", "other_option": "OR", "injection": "VRF", "denial": "FW",
    "measurement": "FG", "comparison": "OR", "number": "OG", "invented_name": "FG",
    "history": "RF", "guarantee": "OR", "minimise": "WF", "urgency": "VR", "markup": "VFR",
}
_BLOCKING = "Request changes"


def _slots(part: Part, brief: dict[str, Any], rng: random.Random) -> dict[str, str]:
    verdict = brief["verdict"].rstrip(".")
    names = [n for f in part.findings
             for n in re.findall(r"`([A-Z][A-Za-z]+/[^`]+)`", f["message"])]
    recommended = part.recommended or {"title": brief["recommended_option"]}
    others = part.others
    return {
        "verdict": verdict, "flip": "Approve" if verdict == _BLOCKING else _BLOCKING,
        "res": f"`{rng.choice(names)}`" if names else "this workload",
        "rule": part.rule or "this rule",
        "title": part.findings[0]["title"] if part.findings else "this finding",
        "rec": recommended["title"], "other": rng.choice(others)["title"] if others else "",
    }


def _cites(part: Part, kind: str, rng: random.Random) -> list[str]:
    ids = sorted(part.items)
    for prefix in _CITE_PREFERENCE[kind]:
        match = [i for i in ids if i.startswith(prefix)]
        if match:
            return [rng.choice(match)]
    return [rng.choice(ids)] if ids else []


def plants(part: Part, brief: dict[str, Any], honest: list[tuple[str, list[str]]],
           rng: random.Random) -> list[dict[str, Any]]:
    slots = _slots(part, brief, rng)
    evidence = " ".join(part.items.values()).casefold()
    out = []
    for kind, templates in PLANTS.items():
        if kind == "other_option" and not slots["other"]:
            continue  # nothing to prefer over the recommendation
        template = rng.choice(templates)
        if kind == "compound":
            sentence, cites = rng.choice(honest)
            text = template.format(honest=sentence.rstrip("."), **slots) + "."
        else:
            text, cites = template.format(**slots), _cites(part, kind, rng)
        if text.casefold() in evidence:
            continue  # not a plant if the review already says it
        out.append({"part": part.name, "sentence": text, "cites": list(cites),
                    "honest": False, "kind": kind})
    return out
