"""Which strings in a manifest are real values: image references, placeholders, credentials.

Manifests carry values filled in later (`${VAR}`, `{{ … }}`, `<path:…>`, `changeme`,
`FILLED BY THE OPERATOR`, build-tool artifact names). Rules about what a value *is* (a moving
image tag, a leaked credential) must not read those as values. The vocabularies (placeholder
words, credential shapes) are the rules' parameters; this module applies them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

_SUBSTITUTIONS = ("${", "$(", "{{", "}}")


def is_image_reference(image: str) -> bool:
    """Whether this could name an image at all. `FILLED BY THE OPERATOR` (spaces), a `ko://…`
    build path or a template cannot: a tool replaces them before anything pulls. A placeholder
    inside an otherwise real reference (`gcr.io/YOUR_PROJECT/app:latest`) keeps its tag."""
    text = image.strip()
    # one word: no whitespace inside (split() and isspace() share one definition of it)
    return len(text.split()) == 1 and "://" not in text and \
        "$" not in text and not any(s in text for s in _SUBSTITUTIONS)  # `$IMAGE`, `${…}`


def unqualified(image: str) -> bool:
    """A bare name: no registry or namespace, no tag, no digest (`cartservice`)."""
    return "/" not in image and ":" not in image and "@" not in image


def published_names(images: Iterable[str]) -> set[str]:
    """Last path component of images pushed to a namespace of their own (`host/org/…/name:tag`).

    Official-image mirrors (`…/library/redis`) do not count: their bare name is a real pull.
    """
    names: set[str] = set()
    for image in images:
        path = image.split("@")[0]
        parts = path.split("/")
        if len(parts) >= 3 and "library" not in parts[:-1]:
            names.add(parts[-1].split(":")[0])
    return names


class Placeholders:
    """Values that stand for something filled in later: substitutions, templates, angle
    brackets, and the rule's `placeholder_patterns` (regular expressions, case-sensitive unless
    they say `(?i)`)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._patterns = [re.compile(p) for p in patterns]

    def __call__(self, value: str) -> bool:
        text = value.strip()
        if not text or any(s in text for s in _SUBSTITUTIONS):
            return True
        if text.startswith("<") and text.endswith(">"):
            return True  # <path:vault#key>, <YOUR_KEY>
        return any(p.search(text) for p in self._patterns)


def entropy_bits(text: str) -> float:
    """Shannon entropy per character: random tokens score high, words and repeats low."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


class CredentialShapes:
    """Credential formats recognisable from the value alone (a PEM private key, an AWS access
    key id, a GitHub token …): name -> regular expression, each match needing some entropy."""

    def __init__(self, shapes: dict[str, str], min_entropy_bits: float) -> None:
        self._shapes = {name: re.compile(pattern) for name, pattern in shapes.items()}
        self._min = min_entropy_bits

    def match(self, value: str) -> str | None:
        """The name of the first shape the value holds, if any."""
        for name, pattern in self._shapes.items():
            found = pattern.search(value)
            if found and entropy_bits(found.group(0)) >= self._min:
                return name
        return None
