"""Adversary F: honest rewordings and planted claims for each prose part of a review.

Written without reading the guard or the other adversaries (see README.md). Standard library
only and deterministic: the same brief and seed give the same sentences in any checkout.
"""

from __future__ import annotations

from typing import Any

from tests.narrative.adversary_f.brief import parts_of, rng_for
from tests.narrative.adversary_f.honest import rewordings
from tests.narrative.adversary_f.plants import plants


def attack(brief: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    rng = rng_for(brief, seed)
    out: list[dict[str, Any]] = []
    for part in parts_of(brief):
        honest = rewordings(part, rng)
        out += [{"part": part.name, "sentence": s, "cites": c, "honest": True, "kind": "honest"}
                for s, c in honest]
        out += plants(part, brief, honest, rng)
    return out
