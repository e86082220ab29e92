"""The contract between a rule and its check function: typed parameters in, hits out.

A rule pack (`rules/*.yaml`) names a check and gives its parameters; the check declares them as
a pydantic model, so a pack or a `.aria.yml` override with a missing, misspelt or mistyped
parameter fails with a message. The values live in the YAML only: a model gives a default only
where leaving a parameter out has a meaning of its own. `bot.checks.all` collects the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.config import AriaConfig
from bot.findings import Evidence, Location, at
from bot.graph.platform import PlatformGraph
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory


class CheckParams(BaseModel):
    """The parameters of a check, as its rules give them."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(CheckParams):
    """A check that takes no parameters."""


P = TypeVar("P", bound=CheckParams)
P_co = TypeVar("P_co", bound=CheckParams, covariant=True)


@dataclass
class Hit:
    """One place where a check fired, with what it read there."""

    subject: str
    path: str
    line: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    detail: str = ""

    @property
    def location(self) -> Location:
        return at(self.path, self.line)


@dataclass(frozen=True)
class CheckContext(Generic[P_co]):
    graph: PlatformGraph
    params: P_co
    config: AriaConfig
    inventory: Inventory
    # where `graph` is a part of a tree (a review's changed documents, `bot.checks.scope`): a
    # graph holding the documents the check reads anywhere in the tree (`Check.anywhere`) as
    # this tree has them (its whole graph; in a review whose change touched none, the base's)
    tree: PlatformGraph | None = None

    @property
    def whole(self) -> PlatformGraph:
        return self.graph if self.tree is None else self.tree


def _nowhere(params: CheckParams, doc: Document) -> bool:
    return False


@dataclass(frozen=True)
class Check(Generic[P]):
    """A check function with the name rules bind to and the parameters it takes; `anywhere`:
    whether, with these parameters, it reads a document wherever it is in the tree (through
    `CheckContext.whole`), besides the objects its rule's reach names: a review whose change
    touches such a document runs the rule over the whole head (`bot.checks.scope`)."""

    name: str
    params: type[P]
    run: Callable[[CheckContext[P]], Iterator[Hit]]
    anywhere: Callable[[P, Document], bool] = _nowhere


def check(name: str, params: type[P],
          anywhere: Callable[[P, Document], bool] = _nowhere,
          ) -> Callable[[Callable[[CheckContext[P]], Iterator[Hit]]], Check[P]]:
    def bind(fn: Callable[[CheckContext[P]], Iterator[Hit]]) -> Check[P]:
        return Check(name, params, fn, anywhere)
    return bind


def ev(label: str, value: Any, path: str | None = None, line: int | None = None,
       unit: str | None = None) -> Evidence:
    """Evidence with its source position."""
    if not isinstance(value, str | int | float | bool) and value is not None:
        value = str(value)
    return Evidence(label=label, value=value, unit=unit,
                    location=at(path, line) if path else None)
