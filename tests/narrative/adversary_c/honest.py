"""Honest rewordings: what a careful technical writer would say about the evidence, and no more.

Each wording restates the fields of one item, or of two items that say related things (a
finding and why its rule matters, a recommendation and the option's summary, two options' risk
ratings, a finding and the figure read at the same place), with its own connectives and order,
and cites exactly the items its words come from. Nothing is added: no number, name, judgement or
instruction that the cited items do not state.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tests.narrative.adversary_c.items import Item, Part
from tests.narrative.adversary_c.text import Vocabulary, bare, ended, head_clause, sentences


@dataclass(frozen=True)
class Wording:
    sentence: str
    cites: tuple[str, ...]


def _counted(n: str, word: str) -> str:
    return f"{n} {word}" if n != "1" else f"1 {word.removesuffix('s')}"


def _verdict(v: Item, w: Vocabulary) -> Iterator[str]:
    verdict, counts = v["verdict"], v["counts"]
    if not verdict:
        return
    yield f"This change introduces {counts}, and Aria's verdict on it is {verdict}."
    yield f"Aria's verdict on the change is {verdict}; it introduces {counts}."
    yield f"The verdict is {verdict}, with {counts} introduced by this change."


def _scope(c: Item, w: Vocabulary) -> Iterator[str]:
    if not c["files"]:
        return
    yield (f"The change touches {_counted(c['files'], 'reviewed files')}, and Aria read "
           f"{_counted(c['read'], 'files')} at head.")
    yield (f"At head there are {_counted(c['objects'], 'objects')}, "
           f"{_counted(c['workloads'], 'workloads')} and {_counted(c['pools'], 'node pools')}.")
    if c["workloads"] != "0":
        yield (f"The head has {_counted(c['workloads'], 'workloads')}, with {c['serving']} "
               f"serving and {c['gpu']} requesting GPUs.")


def _recommendation(r: Item, w: Vocabulary) -> Iterator[str]:
    yield f"For {r['rule']}, Aria recommends “{r['option']}”."
    yield f"Aria's recommended option for {r['rule']} ({r['title']}) is “{r['option']}”."
    if w.can_demote(r["option"]):
        yield f"Aria recommends the option to {bare(w.demote(r['option']))} for {r['rule']}."


def _why(item: Item, w: Vocabulary) -> Iterator[str]:
    for s in sentences(item["why"])[:1]:
        if w.can_demote(s):
            yield f"{item['rule']} matters because {w.demote(ended(s))}"
        yield f"The reason {item['rule']} ({item['title']}) matters: {ended(s)}"
        yield f"{bare(s)}, which is why {item['rule']} matters."


def _option(o: Item, w: Vocabulary) -> Iterator[str]:
    title, summary = o["title"], o["summary"]
    if len(sentences(summary)) == 1:
        yield f"The option “{title}” would mean: {ended(summary)}"
    yield (f"The option “{title}”, in brief: cost {w.demote(head_clause(o['cost']))}; risk "
           f"{w.demote(head_clause(o['risk']))}.")
    yield (f"For “{title}”, Aria gives the complexity as {w.demote(head_clause(o['complexity']))} "
           f"and the risk as {w.demote(head_clause(o['risk']))}.")
    if head_clause(o["latency"]) != "None":
        yield f"On latency, “{title}” means: {ended(o['latency'])}"


def _finding(f: Item, w: Vocabulary) -> Iterator[str]:
    message, loc = f["message"], f["loc"]
    if not message:
        return
    if w.can_demote(message):
        yield f"At `{loc}`, {w.demote(ended(message))}"
    else:
        yield f"At `{loc}`: {ended(message)}"
    if f["status"] == "new":
        yield (f"Aria reports a new {f['severity']}-level finding, {f['rule']} "
               f"({f['title']}), at `{loc}`.")
    first, sep, rest = message.partition("; ")
    if sep and rest[:1].islower():
        yield f"{first}, and {ended(rest)}"


def _figure(g: Item, w: Vocabulary) -> Iterator[str]:
    name, obj, value, source = g["name"], g["object"], g["value"], g["source"]
    if not obj:
        return
    if source.startswith("default"):
        yield f"For `{obj}`, {name} is {value}, a default not written in the files."
    else:
        yield f"`{source}` sets {name} for `{obj}` to {value}."
        yield f"For `{obj}`, {name} is {value} (set in `{source}`)."


def _assumption(a: Item, w: Vocabulary) -> Iterator[str]:
    if a["key"]:
        yield (f"For {a['rule']} ({a['title']}), Aria uses the threshold "
               f"`{a['key']}` = {a['value']}.")
        return
    text = a["text"]
    if w.can_demote(text):
        yield f"Aria assumes that {w.demote(ended(text))}"
        yield f"This review takes as given that {w.demote(ended(text))}"
    yield f"One assumption behind this review: {ended(text)}"


_SINGLE: dict[str, Callable[[Item, Vocabulary], Iterator[str]]] = {
    "V": _verdict, "C": _scope, "R": _recommendation, "W": _why, "O": _option,
    "F": _finding, "G": _figure, "A": _assumption,
}


def _merged(part: Part, w: Vocabulary) -> Iterator[Wording]:
    """Two items that explain each other, in one sentence."""
    whys = [s for i in part.of("W") for s in sentences(i["why"])[:1]]
    for f in part.of("F"):
        for why, wi in zip(whys, part.of("W"), strict=False):
            if f["message"] and w.can_demote(why):
                yield Wording(f"{bare(f['message'])}; this matters because "
                              f"{w.demote(ended(why))}", (f.id, wi.id))
        for g in part.of("G"):
            if g["source"] == f["loc"] and g["object"]:
                yield Wording(f"Aria's {f['rule']} finding ({f['title']}) points at `{f['loc']}`, "
                              f"where {g['name']} for `{g['object']}` is {g['value']}.",
                              (f.id, g.id))
    options = part.of("O")
    chosen = [o for o in options if o["title"] in {r["option"] for r in part.of("R")}]
    for r in part.of("R"):
        for o in chosen:
            if len(sentences(o["summary"])) == 1:
                yield Wording(f"Aria recommends “{o['title']}” for {r['rule']}: "
                              f"{ended(o['summary'])}", (r.id, o.id))
    for o in chosen:
        for other in options:
            # Only plain ratings ("Low", "Medium") read well as "carries … risk".
            plain = all(" " not in head_clause(x["risk"]) for x in (o, other))
            if other is not o and plain:
                yield Wording(f"“{o['title']}” carries {w.demote(head_clause(o['risk']))} risk, "
                              f"while “{other['title']}” carries "
                              f"{w.demote(head_clause(other['risk']))} risk.", (o.id, other.id))


def rewordings(part: Part, vocabulary: Vocabulary, rng: random.Random) -> list[Wording]:
    """Three to five wordings for one part, drawn from different items where it can."""
    by_item: list[list[Wording]] = []
    for item in part.items:
        make = _SINGLE.get(item.kind)
        if make:
            found = [Wording(s, (item.id,)) for s in make(item, vocabulary)]
            if found:
                by_item.append(found)
    merged = list(_merged(part, vocabulary))
    if merged:
        by_item.append(merged)
    for group in by_item:
        rng.shuffle(group)
    rng.shuffle(by_item)
    wanted = rng.randint(3, 5)
    chosen: list[Wording] = []
    for depth in range(max((len(g) for g in by_item), default=0)):
        for group in by_item:
            if depth < len(group) and len(chosen) < wanted and group[depth] not in chosen:
                chosen.append(group[depth])
    return chosen
