"""One option of a decision, compared on Cost / Latency / Complexity / Risk.

The row every ADR table shows: a rule's remediation options and a latency probe's options are
both written as `Option`s, so one template renders them.
"""

from __future__ import annotations

from pydantic import BaseModel


class Option(BaseModel):
    title: str
    summary: str
    cost: str
    latency: str
    complexity: str
    risk: str
    recommended: bool = False
