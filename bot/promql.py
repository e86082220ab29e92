"""PromQL text that Aria writes: durations, quoted strings, and validated label matchers.

A selector from `.aria.yml` is parsed into label matchers and written back by Aria, so the
repository can narrow which series a workload's figures come from but cannot inject PromQL.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Annotated, Literal, cast

from pydantic import AfterValidator

_DURATION_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?"
                          r"(?:(\d+)ms)?$")
_UNIT_SECONDS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)

_MATCHER_RE = re.compile(
    r'\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*'
    r'(?P<value>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')\s*(?:,|$)')

Op = Literal["=", "!=", "=~", "!~"]


def duration_seconds(text: str) -> float:
    """Seconds in a Prometheus duration such as ``14d``, ``5m`` or ``1h30m``."""
    match = _DURATION_RE.match(text.strip())
    if not text.strip() or not match:
        raise ValueError(f"{text!r} is not a Prometheus duration (for example 14d, 5m, 1h30m)")
    total = sum(int(n) * unit for n, unit in zip(match.groups(), _UNIT_SECONDS, strict=True)
                if n is not None)
    if total <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return total


def _check_duration(text: str) -> str:
    duration_seconds(text)
    return text.strip()


Duration = Annotated[str, AfterValidator(_check_duration)]


def quote(value: str) -> str:
    """A PromQL string literal (Go escapes, which JSON's are a subset of)."""
    return json.dumps(value)


def name_regex(name: str) -> str:
    """A Kubernetes object name as a literal inside an RE2 regex."""
    return re.sub(r"([.+*?()\[\]{}|^$\\])", r"\\\1", name)


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str

    def __str__(self) -> str:
        return f"{self.name}{self.op}{quote(self.value)}"


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """Label matchers such as ``namespace="serving", pod=~"llm-.*"`` (braces optional)."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    out: list[Matcher] = []
    pos = 0
    while pos < len(body):
        match = _MATCHER_RE.match(body, pos)
        if not match or match.end() == pos:
            raise ValueError(f"selector {text!r}: expected label matchers like "
                             f'namespace="serving", pod=~"llm-.*" at {body[pos:]!r}')
        try:  # Python's string escapes cover PromQL's (Go's) for either quote
            value = ast.literal_eval(match["value"])
        except (SyntaxError, ValueError):
            raise ValueError(f"selector {text!r}: bad escape in {match['value']}") from None
        if match["name"] == "__name__":
            raise ValueError(f"selector {text!r}: the metric name is Aria's to choose")
        out.append(Matcher(match["name"], cast(Op, match["op"]), value))  # the regex's ops
        pos = match.end()
    if not any(m.op in ("=", "=~") and m.value not in ("", ".*") for m in out):
        raise ValueError(f"selector {text!r} needs at least one matcher that narrows the series "
                         "(= or =~ with a non-empty value)")
    return tuple(out)


def _check_selector(text: str) -> str:
    return ", ".join(str(m) for m in parse_matchers(text))


Selector = Annotated[str, AfterValidator(_check_selector)]


def selector(*matchers: Matcher | str) -> str:
    """Matchers joined for a ``{…}`` body; strings are already-written matchers."""
    return ", ".join(str(m) for m in matchers if str(m))
