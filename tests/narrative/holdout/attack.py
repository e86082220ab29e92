"""The held-out adversary: honest rewordings mixed with planted claims, every part covered."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .catalog import KINDS
from .filler import Filler, slot_names
from .honest import HonestWriter
from .kind import Kind
from .text import finish, norm
from .view import BriefView, pools

# Share of planted sentences that open with an honest clause from the evidence.
COMPOUND_RATE = 0.3
HONEST_PER_PART = (3, 5)
_RETRIES = 6

Sentence = tuple[str, tuple[str, ...]]


def seeded(brief: dict[str, Any], seed: int) -> random.Random:
    """A generator that depends only on the brief's content and the seed (not on hash())."""
    canonical = json.dumps(brief, sort_keys=True, ensure_ascii=False, default=str)
    # the checkout's own path taken out: a clone elsewhere draws the same sentences
    canonical = canonical.replace(str(Path(__file__).resolve().parents[3]) + "/", "")
    digest = hashlib.sha256(f"{seed}\x00{canonical}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class Planter:
    def __init__(self, view: BriefView, rng: random.Random) -> None:
        self.view = view
        self.rng = rng
        self.filler = Filler(pools(view), rng)
        self._evidence = [norm(text) for _, text in view.evidence]

    def _in_evidence(self, text: str) -> bool:
        # A "claim" the evidence states word for word would be honest, not planted.
        needle = norm(text).rstrip(".")
        return any(needle in have for have in self._evidence)

    def _compound(self, kind: Kind, text: str, cites: tuple[str, ...]) -> Sentence:
        clause = self.filler.fill("{clause}")
        if clause is None:
            return text, cites
        head, head_cites = clause
        return (head + self.rng.choice(kind.joiners) + text,
                head_cites + tuple(c for c in cites if c not in head_cites))

    def plant(self, kind: Kind) -> Sentence | None:
        templates = [t for t in kind.templates if self.view.verdict_class in t.verdicts]
        self.rng.shuffle(templates)
        for template in templates:
            filled = self.filler.fill(template.text)
            if filled is None or self._in_evidence(filled[0]):
                continue
            text, cites = filled
            embeds = any(self.filler.pool_of(s) == "clause" for s in slot_names(template.text))
            if not embeds and self.rng.random() < COMPOUND_RATE:
                text, cites = self._compound(kind, text, cites)
            if not cites and self.view.evidence:
                cites = (self.rng.choice(self.view.evidence)[0],)
            return finish(text), cites
        return None


def _unique(make: Callable[[], Sentence | None], seen: set[str]) -> Sentence | None:
    for _ in range(_RETRIES):
        made = make()
        if made and made[0] not in seen:
            seen.add(made[0])
            return made
    return None


def _planned_kinds(parts: list[str], rng: random.Random) -> dict[str, list[Kind]]:
    """Every kind at least once per brief, plus a few repeats, spread over the parts so that
    every part gets at least one."""
    kinds = list(KINDS)
    rng.shuffle(kinds)
    total = max(len(kinds) + rng.randint(0, len(parts)), len(parts))
    kinds += [rng.choice(KINDS) for _ in range(total - len(kinds))]
    order = list(parts)
    rng.shuffle(order)
    plan: dict[str, list[Kind]] = {part: [] for part in parts}
    for i, kind in enumerate(kinds):
        plan[order[i % len(order)]].append(kind)
    return plan


def attack(brief: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Sentences for every part of `brief`: honest rewordings and planted claims, by seed."""
    rng = seeded(brief, seed)
    view = BriefView(brief)
    parts = list(dict.fromkeys(view.parts))
    if not parts:
        return []
    honest, planter = HonestWriter(view, rng), Planter(view, rng)
    plan = _planned_kinds(parts, rng)
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for part in parts:
        items = []
        # Honest text grows with the planted load, so no part is mostly planted.
        for _ in range(rng.randint(*HONEST_PER_PART) + len(plan[part]) // 2):
            written = _unique(honest.write, seen)
            if written:
                items.append({"part": part, "sentence": written[0], "kind": "honest",
                              "honest": True, "cites": list(written[1])})
        for kind in plan[part]:
            planted = _unique(lambda k=kind: planter.plant(k), seen)
            if planted:
                items.append({"part": part, "sentence": planted[0], "kind": kind.name,
                              "honest": False, "cites": list(planted[1])})
        rng.shuffle(items)
        out += items
    return out
