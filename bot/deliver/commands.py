"""`/aria …` commands in pull-request comments: parsing, and who may run them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from github.GithubException import UnknownObjectException
from github.Repository import Repository

Verb = Literal["review", "adr", "audit", "explain", "help"]
WRITE_PERMISSIONS = frozenset({"admin", "write"})  # `maintain` reads as `write` here
_RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$")
_ARGLESS: dict[str, Verb] = {"review": "review", "audit": "audit", "help": "help"}
_LINE = re.compile(r"^/aria(?:\s+(?P<verb>\S+))?(?:\s+(?P<arg>.*))?$", re.IGNORECASE)

HELP = (
    "Aria commands (people with write access to this repository):\n\n"
    "| command | what it does |\n| --- | --- |\n"
    "| `/aria review` | review this pull request again |\n"
    "| `/aria adr [title]` | write the ADR for this pull request's decision |\n"
    "| `/aria audit` | audit the whole repository at this pull request's head |\n"
    "| `/aria explain RULE-ID` | explain one rule |\n"
)


@dataclass(frozen=True, slots=True)
class Command:
    verb: Verb
    arg: str = ""
    problem: str = ""  # set when the command cannot run as written


def parse(body: str) -> Command | None:
    """The command on the comment's first line; None when the comment is no command."""
    first = body.strip().splitlines()[0].strip() if body.strip() else ""
    m = _LINE.match(first)
    if m is None:
        return None
    verb = (m["verb"] or "help").lower()
    arg = (m["arg"] or "").strip()
    if verb in _ARGLESS:
        return Command(_ARGLESS[verb])
    if verb == "adr":
        return Command("adr", arg[:120])
    if verb == "explain":
        if not _RULE_ID.match(arg):
            return Command("explain", problem="`/aria explain` needs a rule id, e.g. "
                                              "`/aria explain SPOF-001`.")
        return Command("explain", arg.upper())
    return Command("help", problem="That is not an Aria command.")


def may_run(repo: Repository, login: str) -> bool:
    """Only people with write access drive the bot (it can commit and spend API quota)."""
    try:
        return repo.get_collaborator_permission(login) in WRITE_PERMISSIONS
    except UnknownObjectException:
        return False


def refusal(window_s: float) -> str:
    """The one reply a user without write access gets per pull request and window."""
    minutes = max(1, round(window_s / 60))
    return ("Sorry — Aria commands can only be run by people with write access to this "
            "repository. A maintainer can run `/aria review` for you. Further commands from "
            f"you on this pull request get no reply for {minutes} minute"
            f"{'s' if minutes != 1 else ''}.")
