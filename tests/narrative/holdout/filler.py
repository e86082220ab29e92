"""Fill a template's slots from the brief's real names, recording which evidence they came from."""

from __future__ import annotations

import random
from string import Formatter

from .view import POOL_ORDER, Entity


def slot_names(template: str) -> list[str]:
    return [field for _, field, _, _ in Formatter().parse(template) if field]


class Filler:
    def __init__(self, pools: dict[str, list[Entity]], rng: random.Random) -> None:
        self.pools = pools
        self.rng = rng
        self.slot_pool = {slot: name for name in POOL_ORDER
                          for entity in pools[name] for slot in entity.values}

    def pool_of(self, slot: str) -> str | None:
        return self.slot_pool.get(slot)

    def _allowed(self, pool: str, entity: Entity, chosen: dict[str, Entity]) -> bool:
        # A second finding or figure must differ from the first, or a "swap" would be true.
        if pool == "finding2" and "finding" in chosen:
            first = chosen["finding"]
            return entity.key != first.key and entity.values["rule2"] != first.values["rule"]
        if pool == "figure2" and "figure" in chosen:
            first = chosen["figure"]
            return (entity.key != first.key
                    and entity.values["value2"] != first.values.get("value"))
        return True

    def fill(self, template: str) -> tuple[str, tuple[str, ...]] | None:
        """The template with every slot filled, and its cites; None when the brief lacks a slot."""
        needed: dict[str, set[str]] = {}
        for slot in slot_names(template):
            pool = self.pool_of(slot)
            if pool is None:
                return None
            needed.setdefault(pool, set()).add(slot)
        chosen: dict[str, Entity] = {}
        for pool in POOL_ORDER:
            if pool not in needed:
                continue
            candidates = [e for e in self.pools[pool]
                          if needed[pool] <= e.values.keys() and self._allowed(pool, e, chosen)]
            if not candidates:
                return None
            chosen[pool] = self.rng.choice(candidates)
        values: dict[str, str] = {}
        cites: list[str] = []
        for entity in chosen.values():
            values |= entity.values
            cites += [c for c in entity.cites if c not in cites]
        return template.format(**values), tuple(cites)
