"""Adversary C: per part, honest rewordings followed by planted claims of every kind."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from tests.narrative.adversary_c.honest import rewordings
from tests.narrative.adversary_c.items import parts_of
from tests.narrative.adversary_c.plants import ALL_KINDS, plant, scene
from tests.narrative.adversary_c.text import Vocabulary

# Every kind is planted this many times per review, spread over its parts.
ROUNDS = 2


def seeded(brief: dict[str, Any], seed: int) -> random.Random:
    """A generator fixed by the seed and the brief's content (not by `hash()`, which varies
    between processes)."""
    canonical = json.dumps(brief, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # the checkout's own path taken out: a clone elsewhere draws the same sentences
    canonical = canonical.replace(str(Path(__file__).resolve().parents[3]) + "/", "")
    digest = hashlib.sha256(f"{seed}\n{canonical}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def attack(brief: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    rng = seeded(brief, seed)
    corpus = "\n".join(e["text"] for e in brief["evidence"]).casefold()
    vocabulary = Vocabulary("\n".join(e["text"] for e in brief["evidence"]))
    parts = parts_of(brief)
    if not parts:
        return []
    honest = {p.name: rewordings(p, vocabulary, rng) for p in parts}
    scenes = [scene(brief, p, honest[p.name], corpus, vocabulary, rng) for p in parts]
    planted: dict[str, list[dict[str, Any]]] = {p.name: [] for p in parts}
    for _ in range(ROUNDS):
        kinds = rng.sample(ALL_KINDS, len(ALL_KINDS))
        start = rng.randrange(len(parts))
        for n, kind in enumerate(kinds):
            # The kind's turn falls on one part; where that part cannot carry it, the next can.
            for step in range(len(parts)):
                where = scenes[(start + n + step) % len(parts)]
                item = plant(kind, where, corpus, rng)
                if item:
                    planted[where.part.name].append(item)
                    break
    return [item
            for p in parts
            for item in [*({"part": p.name, "sentence": w.sentence, "cites": list(w.cites),
                            "honest": True, "kind": "honest"} for w in honest[p.name]),
                         *planted[p.name]]]
