"""MADR 4 records: `aria adr new` and the `/aria adr` command."""

from __future__ import annotations

import re

from bot.decision.model import Decision
from bot.render.templating import environment
from bot.tradeoffs import Option


def _options(decision: Decision) -> list[Option]:
    if decision.decision_points:
        return decision.decision_points[0].options
    return []


def render_adr(decision: Decision, supersedes: str | None = None,
               source: str | None = None) -> str:
    options = _options(decision)
    chosen = next((o for o in options if o.recommended), options[0] if options else None)
    text = environment().get_template("adr.md.j2").render(
        d=decision, options=options, chosen=chosen, supersedes=supersedes, source=source)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
