"""A minimal rule pack for tests of the pack schema: one valid rule, plus the lines a test adds."""

from __future__ import annotations

from pathlib import Path


def write_pack(folder: Path, *rule_lines: str) -> Path:
    """`spof.yaml` with rule SPOF999; `rule_lines` go inside the rule (indented for it)."""
    path = folder / "spof.yaml"
    extra = "".join(f"    {line}\n" for line in rule_lines)
    path.write_text(
        "family: spof\n"
        "rules:\n"
        "  - id: SPOF999\n"
        "    severity: warning\n"
        "    title: t\n"
        "    message: m\n"
        "    why: w\n"
        "    check: {name: single_replica, params: {min_replicas: 2}}\n"
        "    options:\n"
        "      - {title: a, summary: s, tradeoffs: {cost: c, latency: l, complexity: x, risk: r}}\n"
        "      - {title: b, summary: s, tradeoffs: {cost: c, latency: l, complexity: x, risk: r}}\n"
        "    next_steps: [a step]\n" + extra)
    return path
