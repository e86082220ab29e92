"""OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.

Samples are grouped by metric family (OpenMetrics requires a family's samples to be
contiguous), each series in time order. Every target is scraped once a minute at its own
offset within the minute, as Prometheus spreads scrapes; timestamps are seconds with
milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

Kind = Literal["counter", "gauge", "histogram", "summary", "unknown"]


@dataclass(frozen=True)
class Clock:
    start: int        # epoch seconds of minute 0
    minutes: int
    step: int = 60

    def times(self, offset: float = 0.0) -> np.ndarray:
        return self.start + offset + self.step * np.arange(self.minutes, dtype=np.float64)


@dataclass
class Series:
    name: str                 # full sample name, e.g. `vllm:request_success_total`
    labels: dict[str, str]
    offset: float             # scrape offset of its target within the minute, seconds
    idx: np.ndarray           # minute indices that have a sample, ascending
    values: np.ndarray        # one per index; NaN / inf allowed
    decimals: int = 0         # digits written after the point


@dataclass
class Family:
    name: str
    kind: Kind
    help: str
    series: list[Series] = field(default_factory=list)


def _label_text(labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return "{" + inner + "}"


def _value_strings(values: np.ndarray, decimals: int) -> list[str]:
    finite = np.isfinite(values)
    if decimals == 0:
        text: list[str] = np.where(finite, values, 0).astype(np.int64).astype(str).tolist()
    else:
        text = [f"{v:.{decimals}f}" for v in values.tolist()]
    for i in np.flatnonzero(~finite):
        v = values[i]
        text[i] = "NaN" if np.isnan(v) else ("+Inf" if v > 0 else "-Inf")
    return text


class Registry:
    """All families of the generated fleet, written as one OpenMetrics file."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.families: dict[str, Family] = {}

    def add(self, family: str, kind: Kind, help_text: str, series: Series) -> None:
        if not len(series.idx):
            return
        fam = self.families.get(family)
        if fam is None:
            fam = self.families[family] = Family(family, kind, help_text)
        assert fam.kind == kind, family
        fam.series.append(series)

    def sample_count(self) -> int:
        return sum(len(s.idx) for f in self.families.values() for s in f.series)

    def parts(self, n: int) -> list[list[str]]:
        """Family names in `n` groups of about equal sample counts."""
        groups: list[list[str]] = [[] for _ in range(n)]
        sizes = [0] * n
        by_size = sorted(self.families.values(),
                         key=lambda f: -sum(len(s.idx) for s in f.series))
        for fam in by_size:
            i = sizes.index(min(sizes))
            groups[i].append(fam.name)
            sizes[i] += sum(len(s.idx) for s in fam.series)
        return groups

    def write(self, path: Path, families: list[str] | None = None) -> None:
        ts_text: dict[float, np.ndarray] = {}
        chosen = self.families.keys() if families is None else families
        with path.open("w") as out:
            for fam in (self.families[name] for name in chosen):
                out.write(f"# TYPE {fam.name} {fam.kind}\n# HELP {fam.name} {fam.help}\n")
                for s in fam.series:
                    if s.offset not in ts_text:
                        ts_text[s.offset] = np.char.mod("%.3f", self.clock.times(s.offset))
                    stamps = ts_text[s.offset][s.idx].tolist()
                    prefix = s.name + _label_text(s.labels) + " "
                    vals = _value_strings(s.values, s.decimals)
                    out.write("".join([f"{prefix}{v} {t}\n"
                                       for v, t in zip(vals, stamps, strict=True)]))
            out.write("# EOF\n")
