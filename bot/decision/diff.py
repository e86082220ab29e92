"""Review = difference: which findings the change introduces, fixes, or leaves in place."""

from __future__ import annotations

from collections import defaultdict

from bot.findings import Finding, Status


def diff_findings(base: list[Finding], head: list[Finding]) -> list[Finding]:
    """Head findings marked new/unchanged, plus base findings marked fixed.

    Matching is by (rule, object, detail), never by line, so an edit above an object does not
    make its findings new. Duplicated identities (the same object in two overlays) pair up by
    path first, then in order.
    """
    pool: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in base:
        pool[finding.key].append(finding)
    out: list[Finding] = []
    unmatched: list[Finding] = []
    for finding in head:
        candidates = pool.get(finding.key)
        match = None
        if candidates:
            match = next((c for c in candidates if c.location.path == finding.location.path),
                         None)
            if match is not None:
                candidates.remove(match)
        if match is None:
            unmatched.append(finding)
        else:
            out.append(finding.model_copy(update={"status": Status.unchanged}))
    for finding in unmatched:
        candidates = pool.get(finding.key)
        if candidates:
            candidates.pop(0)
            out.append(finding.model_copy(update={"status": Status.unchanged}))
        else:
            out.append(finding.model_copy(update={"status": Status.new}))
    for leftovers in pool.values():
        out.extend(f.model_copy(update={"status": Status.fixed}) for f in leftovers)
    return out
