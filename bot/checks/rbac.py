"""RBAC: wildcards, cluster-admin and anonymous bindings, secrets and escalation verbs."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.registry import CheckContext, Hit, check, ev


@check("rbac_wildcard")
def rbac_wildcard(ctx: CheckContext) -> Iterator[Hit]:
    fields_checked = ctx.params.get("fields", ["verbs", "resources"])
    for doc in ctx.graph.kind("Role", "ClusterRole"):
        for index, rule in enumerate(doc.body.get("rules") or []):
            if not isinstance(rule, dict):
                continue
            wild = [f for f in fields_checked if "*" in (rule.get(f) or [])]
            if wild:
                line = doc.line_at("rules", index)
                yield Hit(subject=doc.identity, path=doc.path, line=line, detail=str(index),
                          fields={"object": doc.ref, "fields": " and ".join(wild),
                                  "rule_index": index},
                          evidence=[ev(f"rules[{index}].{f}", ",".join(map(str, rule.get(f))),
                                       doc.path, doc.line_at("rules", index, f)) for f in wild])
