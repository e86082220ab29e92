"""Files that could not be read become findings, so nothing is skipped silently."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.contract import CheckContext, CheckParams, Hit, check, ev


class ProblemKinds(CheckParams):
    kinds: list[str]  # ParseProblem kinds the rule reports; empty: every kind


@check("parse_problem", ProblemKinds)
def parse_problem(ctx: CheckContext[ProblemKinds]) -> Iterator[Hit]:
    kinds = set(ctx.params.kinds)
    for problem in ctx.inventory.problems:
        if kinds and problem.kind not in kinds:
            continue
        yield Hit(subject=f"file:{problem.path}", path=problem.path, line=problem.line,
                  fields={"path": problem.path, "reason": problem.reason},
                  evidence=[ev("parser", problem.reason, problem.path, problem.line)],
                  detail=problem.kind)
