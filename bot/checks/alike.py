"""What a review's two trees share, by object: an unchanged file's or overlay's objects are the
base's own (one parse or render, shared through the content cache), so "the same" here is the
very same objects, never equal ones, and a place in rendered output is cited alike in both
trees only through the very same rendered objects (`Inventory.locate` reads them)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ingest.documents import Document
from bot.ingest.loader import Inventory


def same_objects(base: Sequence[Document], head: Sequence[Document]) -> bool:
    """The very same objects, in the same order."""
    return len(base) == len(head) and all(a is b for a, b in zip(base, head, strict=True))


def recited(base: Inventory, head: Inventory) -> frozenset[str]:
    """The rendered outputs whose places the two trees may cite differently: those not made of
    the very same rendered objects in both (a render made again may cite the same output line
    from another file). Any other path is cited alike."""
    return frozenset(path for path in base.rendered.keys() | head.rendered.keys()
                     if not same_objects(base.rendered.get(path, []),
                                         head.rendered.get(path, [])))
