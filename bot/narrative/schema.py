"""What the writer answers with: explanatory sentences, each with the evidence ids it rests on.

There is no field for a verdict, an option, a flag, a finding or a figure: those are Aria's and
the writer cannot send them back.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class WrittenSentence(BaseModel):
    text: str = Field(description="one sentence of plain explanatory prose")
    cites: list[str] = Field(description="ids of the one to four evidence items whose words "
                                         "and claims this sentence restates")


class WrittenPart(BaseModel):
    part: str = Field(description="the name of the part, exactly as listed in `parts`")
    sentences: list[WrittenSentence] = Field(description="two to five sentences")


class Narrative(BaseModel):
    """Explanatory prose for some parts of a review, written only from the quoted evidence."""

    parts: list[WrittenPart]
