"""Adversary E: a writer model that mixes faithful rewordings of the evidence with planted
claims, written without reading the guard or the other adversaries (see README.md)."""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from tests.narrative.adversary_e._honest import rewordings
from tests.narrative.adversary_e._items import parse
from tests.narrative.adversary_e._plants import KINDS, Planter

PLANTS_PER_PART = 8
# The checkout's absolute prefix, up to the repository's own `examples/` or `tests/`.
_ABSOLUTE = re.compile(r"/(?:[\w.-]+/)+?(?=(?:examples|tests)/)")


def _relative(value: Any) -> Any:
    if isinstance(value, str):
        return _ABSOLUTE.sub("", value)
    if isinstance(value, list):
        return [_relative(v) for v in value]
    if isinstance(value, dict):
        return {k: _relative(v) for k, v in value.items()}
    return value


def rng_for(brief: dict[str, Any], seed: int) -> random.Random:
    """Same brief and seed, same attack, whatever the checkout's path or the process."""
    canonical = json.dumps(_relative(brief), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{seed}\n{canonical}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def attack(brief: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    rng = rng_for(brief, seed)
    items = parse(_relative(brief["evidence"]))
    planter = Planter(brief, items, rng)
    out: list[dict[str, Any]] = []
    for part in brief["parts"]:
        out += [{"part": part, "sentence": s, "cites": c, "honest": True, "kind": "honest"}
                for s, c in rewordings(items, part, rng)]
    # Kinds cycle over every part's slots, a kind not yet planted first (one that does not
    # apply to a part moves on to the next), so a review of two parts or more shows each kind.
    order = KINDS[:]
    rng.shuffle(order)
    slots = [part for _ in range(PLANTS_PER_PART) for part in brief["parts"]]
    planted: set[str] = set()
    for k, part in enumerate(slots):
        turn = order[k % len(order):] + order[:k % len(order)]
        for kind in [x for x in turn if x not in planted] + turn:
            plant = planter.plant(kind, part)
            if plant is not None:
                planted.add(kind)
                out.append({"part": part, "sentence": plant.sentence, "cites": plant.cites,
                            "honest": False, "kind": kind})
                break
    return out
