"""Small text helpers: Markdown-aware cleaning, sentence splitting, casing, numbers."""

from __future__ import annotations

import re

_CODE_SPAN = re.compile(r"`[^`]*`")
_SPACES = re.compile(r"\s+")
_BOUNDARY = re.compile(r"(?<=[.!?])(?:\*\*)?\s+(?=[A-Z*`\u2705\u274c\u26a0])")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")
_WORD = re.compile(r"[a-z0-9]+")
# Leading labels that only name the kind of item, never a fact about it.
_BARE_LABEL = re.compile(r"^(?:figure|finding|evidence|context|why|detail|details)\s*:\s*", re.I)
_DETACHED = re.compile(r"^[\w\-]+(?: [\w\-]+)?: ")
_POINTER = r"`?[\w./\-]+:\d+`?"
_LOCATION = re.compile(rf"\.?\s+(?:(?:\u2014|-|\u2013)\s+{_POINTER}|\({_POINTER}\))\.?$")

# Capitalised words that stay capitalised mid-sentence (names, kinds). Only words of one
# capital and then lower-case letters need listing: acronyms and CamelCase are never lowered.
_PROPER = frozenset(("Aria", "Kubernetes", "Triton", "Knative", "Ray", "Terraform", "Helm",
                     "Istio", "Deployment", "Service", "Secret", "Role", "Redis", "Prometheus",
                     "Argo", "Google", "Azure", "Celery", "Vault", "Karpenter", "Copilot"))


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def balance_bold(text: str) -> str:
    """Drop bold markers when a split left them unpaired."""
    return text.replace("**", "") if text.count("**") % 2 else text


def unbold(text: str) -> str:
    return text.replace("**", "")


def uncode(text: str) -> str:
    return text.replace("`", "")


def plain(text: str) -> str:
    """Text without Markdown emphasis or code-span markers, whitespace collapsed."""
    return collapse(uncode(unbold(text)))


def norm(text: str) -> str:
    return plain(text).lower()


def words(text: str) -> set[str]:
    return set(_WORD.findall(norm(text)))


def numbers(text: str) -> set[float]:
    return {float(m.replace(",", "")) for m in _NUMBER.findall(plain(text))}


def drop_location(text: str) -> str:
    """The sentence without a trailing ` — `path:line`` pointer."""
    return _LOCATION.sub("", text.rstrip())


def strip_end(text: str) -> str:
    """A sentence without its final full stop, ready to be embedded in another one."""
    text = collapse(text)
    while text.endswith(".") and not text.endswith("..."):
        text = text[:-1].rstrip()
    return text


def capitalize(text: str) -> str:
    """Upper-case the first letter of an ordinary word; identifiers keep their spelling."""
    if re.match(r"[a-z][a-z'\-]*(?![\w/]|\.\w)", text):
        return text[0].upper() + text[1:]
    return text


def finish(text: str) -> str:
    """A standalone sentence: first letter up, a full stop unless markup or punctuation ends it."""
    text = capitalize(text.strip())
    core = text.rstrip("*_")
    if core and (core[-1].isalnum() or core[-1] in "`%)\u201d'"):
        text += "."
    return text


def lower_first(text: str) -> str:
    """Lower-case the first word when it is an ordinary capitalised word, not a name."""
    match = re.match(r"[A-Za-z][a-z]*(?=\W|$)", text)
    if not match:
        return text
    word = match.group(0)
    if word in _PROPER or len(word) == 1 and word != "A":
        return text
    return word[0].lower() + text[1:]


def sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking inside code spans or decimals."""
    spans: list[str] = []

    def hide(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\x00{len(spans) - 1}\x00"

    hidden = _CODE_SPAN.sub(hide, collapse(text))
    out = []
    for piece in _BOUNDARY.split(hidden):
        restored = re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], piece)
        restored = balance_bold(collapse(restored))
        if restored:
            out.append(restored)
    return out


def drop_label(text: str) -> str:
    """`Figure: x` -> `x` (only labels that carry no fact are dropped)."""
    return capitalize(_BARE_LABEL.sub("", text))


def prose_sentences(text: str) -> list[str]:
    """Sentences of an evidence item that stand on their own: file pointers and bare labels
    dropped, questions and `Risk: …`-style fragments after the first sentence skipped (they
    lose their subject)."""
    out = []
    for i, sentence in enumerate(sentences(text)):
        if (i and _DETACHED.match(sentence)) or sentence.endswith("?"):
            continue
        sentence = drop_label(drop_location(sentence))
        if len(sentence.split()) >= 3:
            out.append(sentence)
    return out


def fmt_number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 1:
        return f"{value:.2f}"
    if abs(value - round(value)) < 1e-9:
        return str(int(round(value)))
    return f"{value:.1f}"


def first_number(text: str) -> float | None:
    match = _NUMBER.search(plain(text))
    return float(match.group(0).replace(",", "")) if match else None
