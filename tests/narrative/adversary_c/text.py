"""Small wording helpers shared by the honest writer and the liar."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Za-z`“(])")
_NOT_AN_END = re.compile(r"\b(?:e\.g|i\.e|vs|cf)\.$")


def sentences(text: str) -> list[str]:
    found: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        if found and _NOT_AN_END.search(found[-1]):
            found[-1] += " " + piece
        elif piece.strip():
            found.append(piece.strip())
    return found


def bare(text: str) -> str:
    """Without the closing full stop, to be joined into a longer sentence."""
    return text.strip().rstrip(".").rstrip()


def ended(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class Vocabulary:
    """Which capitalised first words may be lower-cased mid-sentence: those the evidence itself
    also writes in lower case (common words), never names, acronyms or code."""

    def __init__(self, corpus: str) -> None:
        # Prose words only: a segment of a path, a flag or code ("…/karpenter/…") is no sign
        # that the word is common.
        prose = re.sub(r"`[^`]*`", " ", corpus)
        lower = set(re.findall(r"(?<![\w/.-])[a-z][a-z-]*(?![\w/.-])", prose))
        # A word the evidence also capitalises mid-sentence is a name ("the Gateway API").
        names = {w.lower() for w in re.findall(r"(?<=[a-z,] )[A-Z][a-z-]+", prose)}
        self.lower = lower - names

    def demote(self, text: str) -> str:
        head, _, rest = text.partition(" ")
        if re.fullmatch(r"[A-Z][a-z-]*", head) and head.lower() in self.lower:
            return head.lower() + (" " + rest if rest else "")
        return text

    def can_demote(self, text: str) -> bool:
        return self.demote(text) != text or not re.match(r"[A-Z]", text)


def head_clause(text: str) -> str:
    """The part of a field before its explanation ("Low — one field" → "Low")."""
    return re.split(r" — |; ", text, maxsplit=1)[0].strip().rstrip(".")
