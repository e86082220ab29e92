"""What a review's two trees share, by object: an unchanged file's or overlay's objects are the
base's own (one parse or render, shared through the content cache), so "the same" here is the
very same objects, never equal ones, and a place in rendered output is cited alike only
through the very same rendered objects (`Inventory.locate` reads them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.ingest.documents import Document
from bot.ingest.loader import Inventory


def same_objects(base: Sequence[Document], head: Sequence[Document]) -> bool:
    """The very same objects, in the same order."""
    return len(base) == len(head) and all(a is b for a, b in zip(base, head, strict=True))


def cited_alike(base: Inventory, head: Inventory, paths: Iterable[str]) -> bool:
    """Whether each of `paths` is cited through the very same rendered objects in both trees
    (or is rendered output in neither)."""
    return all(same_objects(base.rendered.get(p, []), head.rendered.get(p, [])) for p in paths)
