"""MADR 4 records: `aria adr new` and the `/aria adr` command."""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.adr_records import Record
from bot.decision.model import Decision
from bot.render.escape import md_text, table_cell
from bot.render.templating import environment
from bot.tradeoffs import Option

# How a trade-off reads, from its first word or its wording: the level a rule writes first
# ("Low — …", "None", "Unchanged") or, for latency, what happens to requests.
GOOD_LEVELS = frozenset(("none", "no", "low", "lowest", "unchanged", "equal", "stable", "best",
                         "lower", "faster", "fastest", "zero"))
NEUTRAL_LEVELS = frozenset(("medium", "moderate", "depends"))
BAD_WORDS = ("cold start", "slower", "higher", "missing", "later", "worse", "up to", "queue",
             "outage", "high")
# The sentence each dimension makes for a good, neutral or bad reading.
SENTENCES = {
    "cost": ("it adds little or no cost", "it costs something", "it costs more"),
    "latency": ("latency is not hurt", "latency depends on the traffic", "latency suffers"),
    "complexity": ("it is simple to do", "it takes some work", "it is complex to do"),
    "risk": ("little risk remains", "some risk remains", "the risk stays high"),
}
VERDICTS = ("Good", "Neutral", "Bad")


def _reading(text: str) -> int:
    """0 good, 1 neutral, 2 bad."""
    words = re.findall(r"[a-z]+", text.lower())
    first = words[0] if words else ""
    if first in GOOD_LEVELS:
        return 0
    if first in NEUTRAL_LEVELS:
        return 1
    return 2 if any(w in text.lower() for w in BAD_WORDS) or first else 1


def pros_and_cons(option: Option) -> list[str]:
    """MADR's `Good, because …` lines, judged and worded from what each trade-off says."""
    out = []
    for dimension in ("risk", "cost", "latency", "complexity"):
        text = getattr(option, dimension).strip()
        reading = _reading(text)
        level, _, detail = text.partition(" — ")
        said = SENTENCES[dimension][reading]
        if detail:
            out.append(f"{VERDICTS[reading]}, because {said}: {detail}")
        elif level.lower().rstrip(".") in GOOD_LEVELS | NEUTRAL_LEVELS | {"high"}:
            out.append(f"{VERDICTS[reading]}, because {said}")
        else:
            out.append(f"{VERDICTS[reading]}, because {said}: {text[0].lower()}{text[1:]}")
    return out


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
        d=decision, options=options, chosen=chosen, supersedes=supersedes, source=source,
        pros_and_cons=pros_and_cons)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
