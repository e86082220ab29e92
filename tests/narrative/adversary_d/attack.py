"""Adversary D: honest rewordings and planted claims for every prose part of a review."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from tests.narrative.adversary_d.honest import candidates, rewordings
from tests.narrative.adversary_d.index import index
from tests.narrative.adversary_d.plants import plants

_ROOT = Path(__file__).resolve().parents[3]


def rng_for(brief: dict[str, Any], seed: int) -> random.Random:
    """Seeded from the seed and the brief's canonical JSON (not `hash()`, which varies), with
    the checkout's own path taken out: a clone elsewhere draws the same sentences."""
    canonical = json.dumps(brief, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    canonical = canonical.replace(str(_ROOT) + "/", "")
    digest = hashlib.sha256(f"{seed}\n{canonical}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def attack(brief: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    rng = rng_for(brief, seed)
    parts = index(brief)
    pool = {p.name: candidates(brief, p) for p in parts}
    honest = [s for p in parts for s in rewordings(brief, p, rng)]
    planted = plants(brief, parts, rng, pool)
    rng.shuffle(planted)  # kinds mixed within each part, so rounds do not follow kind order
    return honest + planted
