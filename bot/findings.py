"""The finding model shared by rules, decision, renderers and delivery."""

# Annotations are evaluated as the module runs (no `from __future__ import annotations`): as
# strings, pydantic compiles each one again when the models are built (ADR 0020, startup2).

import hashlib
from datetime import date
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from bot.copies import updated


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    note = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class Status(StrEnum):
    """Where a finding stands in a review (base vs head)."""

    new = "new"
    fixed = "fixed"
    superseded = "superseded"  # gone from head because a stricter finding now covers the object
    unchanged = "unchanged"
    present = "present"  # audit mode: no baseline

    @property
    def in_head(self) -> bool:
        """Whether a finding with this status describes the head tree (or an audited tree)."""
        return self not in (Status.fixed, Status.superseded)


class Location(BaseModel):
    model_config = ConfigDict(frozen=True)  # one object per place, shared: see `at`

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@lru_cache(maxsize=8192)
def at(path: str, line: int | None) -> Location:
    """The location of a place, one object per place: a 50-file review made ~3,000 Locations
    for ~900 places (evidence, findings, facts) and its judged base stored each one again."""
    return Location(path=path, line=line)


class Evidence(BaseModel):
    """One value read from the repository, with where it was read."""

    label: str
    value: str | int | float | bool | None
    location: Location | None = None
    unit: str | None = None


class Regression(BaseModel):
    """A finding present on both sides whose measure got worse: it counts as new."""

    label: str
    before: str | int | float
    after: str | int | float
    base_location: Location | None = None

    def __str__(self) -> str:
        return f"worse than before: {self.before} → {self.after}"


class Suppression(BaseModel):
    source: str  # "inline" or ".aria.yml"
    reason: str
    expires: date | None = None
    location: Location | None = None


class Finding(BaseModel):
    rule_id: str
    family: str
    severity: Severity
    title: str
    message: str
    subject: str = Field(description="identity of the object: Kind/namespace/name, tf address, …")
    detail: str = Field(default="", description="discriminator within the subject, e.g. container")
    location: Location
    evidence: list[Evidence] = Field(default_factory=list)
    suppressed: Suppression | None = None
    status: Status = Status.present
    regression: Regression | None = Field(
        default=None, description="set when a finding already present got worse (status new)")
    superseded_by: str | None = Field(
        default=None, description="fingerprint of the head finding that now covers the object")

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity in a review diff: rule and object, never the line."""
        return (self.rule_id, self.subject, self.detail)

    @property
    def fingerprint(self) -> str:
        raw = "\x1f".join(self.key).encode()
        return hashlib.sha256(raw).hexdigest()[:16]

    def marked(self, status: Status, **update: object) -> "Finding":
        """`model_copy(update={"status": status, **update})`, its parts shared (`updated`):
        a review marks every finding of the tree, most of them unchanged."""
        return updated(self, status=status, **update)
