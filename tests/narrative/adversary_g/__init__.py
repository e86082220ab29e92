"""Adversary G: honest rewordings and planted claims for every part of a review's brief.

`attack(brief, seed)` returns, per part, 3 to 5 honest points and one plant of every kind in
`plants.KINDS`, each `{"part", "sentence", "cites", "honest", "kind"}`. Written without reading
the guard (see README.md).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from tests.narrative.adversary_g import honest, plants
from tests.narrative.adversary_g.items import parts_of

# Names that may open an item's sentence and so are not always seen inside one.
NAMES = {"Aria", "Karpenter", "Kubernetes", "Triton", "Triton's", "Terraform", "Google", "Helm",
         "Kustomize", "Prometheus", "Docker", "Envoy", "Istio", "Azure", "Knative", "Ray",
         "Hugging", "Git", "Kaniko", "Vertex", "Cloud"}

# The checkout's absolute path, up to the review tree's own `examples/` or `tests/` folder.
_CHECKOUT = re.compile(r"`[^`]*?/((?:examples|tests)/[^`]*)`")


def portable(value: Any) -> Any:
    """The brief with absolute checkout paths cut back, so any clone draws the same."""
    if isinstance(value, str):
        return _CHECKOUT.sub(r"`\1`", value)
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    return value


def rng_for(brief: dict[str, Any], seed: int) -> random.Random:
    canonical = json.dumps(portable(brief), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{seed}\n{canonical}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def proper_words(brief: dict[str, Any]) -> set[str]:
    """Capitalised words a sentence must not lower-case: names the evidence capitalises inside
    a sentence (after a lower-case word, a comma or a bracket), and known product names."""
    text = " ".join(e["text"] for e in brief["evidence"])
    return NAMES | set(re.findall(r"(?<=[a-z,(] )[A-Z][a-z']*\b|(?<=\()[A-Z][a-z']*\b", text))


def attack(brief: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    brief = portable(brief)
    rng = rng_for(brief, seed)
    proper = proper_words(brief)
    out: list[dict[str, Any]] = []
    for n, part in enumerate(parts_of(brief)):
        points = [p for _, p in honest.draw(part, rng, proper, start=n + rng.randrange(7))]
        out += points
        out += plants.draw(part, brief, rng, points)
    return out
