"""What the writer answers with: prose only, keyed to the decision model it describes.

Titles, rule ids and `recommended` flags are echoed so the guard can compare them with the
decision model; they are never copied back into it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class OptionProse(BaseModel):
    title: str = Field(description="the option's title, copied exactly from the facts")
    recommended: bool = Field(description="the option's `recommended` flag, copied from the facts")
    summary: str = Field(description="one or two sentences: what this option gains and what it "
                                     "costs (its pros and cons), from the facts only")


class PointProse(BaseModel):
    rule_id: str = Field(description="the decision's rule id, copied from the facts")
    options: list[OptionProse] = Field(description="every option of this decision, in order")


class Narrative(BaseModel):
    """Prose for an architecture decision record, written only from the quoted facts."""

    recommendation: str = Field(description="one paragraph that starts with the verdict in bold, "
                                            "exactly as given, then the recommended path")
    context: str = Field(description="Context and Problem Statement: two to four sentences")
    consequences: list[str] = Field(description="one sentence per consequence of the "
                                                "recommended options, at most five")
    decision_points: list[PointProse] = Field(default_factory=list)
