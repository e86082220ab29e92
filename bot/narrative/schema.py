"""What the writer answers with: per part, a list of points, each one sentence with the ids of
the evidence it rests on.

A point is what the guard accepts or rejects whole. There is no field for a verdict, an option,
a flag, a finding or a figure: those are Aria's and the writer cannot send them back.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class WrittenPoint(BaseModel):
    text: str = Field(description="one sentence of plain explanatory prose")
    cites: list[str] = Field(description="ids of the one to four evidence items whose words "
                                         "and claims this sentence restates")


class WrittenPart(BaseModel):
    part: str = Field(description="the name of the part, exactly as listed in `parts`")
    points: list[WrittenPoint] = Field(description="two to six points, one sentence each")


class Narrative(BaseModel):
    """Explanatory points for some parts of a review, written only from the quoted evidence."""

    parts: list[WrittenPart]
