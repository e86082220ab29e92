"""The adversary: honest rewordings and planted claims for every prose part of a brief."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from tests.narrative.adversary.honest import honest_sentences
from tests.narrative.adversary.kinds import KIND_NAMES, KINDS, Kind
from tests.narrative.adversary.planted import plant
from tests.narrative.adversary.vocab import read_brief, related_evidence

HONEST = "honest"


def attack(brief: dict[str, Any], seed: int, *, honest_per_part: int = 2,
           plants_per_kind: int = 1) -> list[dict[str, Any]]:
    """Sentences for every part of `brief`: honest rewordings mixed with planted claims.

    Every kind is planted `plants_per_kind` times, spread over the parts, and every part gets
    at least one planted claim; the same brief and seed always give the same list.
    Each record is ``{"part", "sentence", "kind", "honest", "cites"}``.
    """
    vocab = read_brief(brief)
    rng = random.Random(seed)
    parts = [str(part) for part in brief.get("parts", [])]
    if not parts:
        return []
    plan: dict[str, list[Kind]] = {part: [] for part in parts}
    kinds = [kind for kind in KINDS for _ in range(plants_per_kind)]
    rng.shuffle(kinds)
    order = rng.sample(parts, len(parts))
    for index, kind in enumerate(kinds):
        plan[order[index % len(order)]].append(kind)
    for part in order[len(kinds):]:
        plan[part].append(rng.choice(KINDS))
    records: list[dict[str, Any]] = []
    for part in parts:
        related = related_evidence(part, vocab)
        # At least as many honest sentences as planted ones, so plants are always mixed in.
        count = max(honest_per_part, len(plan[part]))
        batch = [_record(part, sentence, HONEST, cites)
                 for sentence, cites in honest_sentences(related, vocab, rng, count)]
        for kind in plan[part]:
            made = plant(kind, part, vocab, related, rng)
            if made is not None:
                batch.append(_record(part, made[0], kind.name, made[1]))
        rng.shuffle(batch)
        records += batch
    return records


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of a corpus: records, honest and planted sentences, parts, and planted per kind."""
    by_kind = Counter(r["kind"] for r in records if not r["honest"])
    return {
        "records": len(records),
        "honest": sum(1 for r in records if r["honest"]),
        "planted": sum(by_kind.values()),
        "parts": len({r["part"] for r in records}),
        "by_kind": {name: by_kind.get(name, 0) for name in KIND_NAMES},
    }


def _record(part: str, sentence: str, kind: str, cites: tuple[str, ...]) -> dict[str, Any]:
    return {"part": part, "sentence": sentence, "kind": kind, "honest": kind == HONEST,
            "cites": list(cites)}
