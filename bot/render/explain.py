"""`aria rules ID`: a rule explained like `ruff rule`."""

from __future__ import annotations

from bot.catalog import RuleSpec
from bot.render.templating import environment


def explain_rule(rule: RuleSpec) -> str:
    return environment().get_template("rule.md.j2").render(r=rule).strip() + "\n"
