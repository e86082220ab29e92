"""MADR 4 records: `aria adr new` and the `/aria adr` command."""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.adr_records import Record
from bot.decision.model import Decision
from bot.render.escape import md_text, table_cell
from bot.render.templating import environment
from bot.tradeoffs import Option


def _options(decision: Decision) -> list[Option]:
    if decision.decision_points:
        return decision.decision_points[0].options
    return []


def render_adr_index(records: list[Record]) -> str:
    """The folder's README: a table of the records. A heading is Markdown already (Aria
    escaped its own; a person wrote the others), so it only loses its `|`; it is not put in
    link text, where its own brackets could open a link: the number links the file."""
    rows = ["# Architecture Decision Records", "",
            "| # | Title | Status |", "| --- | --- | --- |"]
    for r in records:
        rows.append(f"| [{r.name[:4]}]({quote(r.name)}) | {table_cell(r.title)} | "
                    f"{table_cell(md_text(r.status))} |")
    return "\n".join(rows) + "\n"


def render_adr(decision: Decision, supersedes: str | None = None,
               source: str | None = None) -> str:
    options = _options(decision)
    chosen = next((o for o in options if o.recommended), options[0] if options else None)
    text = environment().get_template("adr.md.j2").render(
        d=decision, options=options, chosen=chosen, supersedes=supersedes, source=source)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
