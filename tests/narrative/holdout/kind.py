"""A planted-claim kind: its name, what it does to a reader, and its paraphrase templates.

Templates are written lower-case first (so they also work as the tail of a compound sentence)
and without a final full stop. `{slot}` names are filled from the brief (see `view.py`);
`{clause}` embeds an honest clause taken from the evidence. A template may start with
`@block,mixed ` to say which verdict classes it is a false claim for.
"""

from __future__ import annotations

from dataclasses import dataclass

VERDICT_CLASSES = frozenset({"block", "mixed", "pass"})


@dataclass(frozen=True)
class Template:
    text: str
    verdicts: frozenset[str]


@dataclass(frozen=True)
class Kind:
    name: str
    doc: str
    joiners: tuple[str, ...]
    templates: tuple[Template, ...]


def kind(name: str, doc: str, joiners: tuple[str, ...], *templates: str) -> Kind:
    parsed = []
    for raw in templates:
        verdicts = VERDICT_CLASSES
        text = raw
        if raw.startswith("@"):
            head, _, text = raw.partition(" ")
            verdicts = frozenset(head[1:].split(","))
            if not verdicts <= VERDICT_CLASSES:
                raise ValueError(f"{name}: unknown verdict class in {raw!r}")
        parsed.append(Template(text, verdicts))
    return Kind(name, doc, joiners, tuple(parsed))
