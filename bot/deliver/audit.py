"""`/aria audit`: the whole repository at a commit, audited, reported as a check run."""

from __future__ import annotations

from github.CheckRun import CheckRun
from github.Repository import Repository

from bot.config import AriaConfig
from bot.deliver.check_runs import annotations_for, publish_check_run
from bot.deliver.fetch import Skipped, read_file
from bot.engine import audit
from bot.exitcodes import FailOn
from bot.ingest.files import is_relevant
from bot.ingest.source import MemorySource
from bot.render import render
from bot.render.escape import md_text

AUDIT_CHECK_NAME = "aria audit"


def audit_commit(repo: Repository, sha: str, config: AriaConfig, gate: FailOn, *,
                 max_files: int, max_bytes: int) -> CheckRun:
    tree = repo.get_git_tree(sha, recursive=True)
    blobs = [e for e in tree.tree if e.type == "blob" and is_relevant(e.path)]
    skipped = [Skipped(e.path, f"{e.size:,} bytes, over the {max_bytes:,}-byte limit")
               for e in blobs if (e.size or 0) > max_bytes]
    wanted = [e.path for e in blobs if (e.size or 0) <= max_bytes]
    skipped += [Skipped(p, f"over the {max_files}-file limit") for p in wanted[max_files:]]
    files: dict[str, bytes] = {}
    for path in wanted[:max_files]:
        data = read_file(repo, path, sha, max_bytes)
        if isinstance(data, bytes):
            files[path] = data
        elif data is not None:
            skipped.append(data)
    decision = audit(MemorySource(files, label=sha[:12]), config,
                     title=f"Audit of {repo.full_name} at {sha[:12]}", in_ci=True)
    conclusion = "failure" if decision.fails(gate) else "success"
    text = render(decision, "markdown")
    if skipped or tree.truncated:
        text += f"\n\n{len(skipped)} file(s) not read (size or count limits)"
        text += "; GitHub truncated the file tree." if tree.truncated else "."
    return publish_check_run(
        repo, head_sha=sha, name=AUDIT_CHECK_NAME, conclusion=conclusion, title=decision.title,
        summary=f"**{conclusion}** — {decision.counts.total} finding(s) in "
                f"{decision.files_reviewed} file(s).\n\n{md_text(decision.recommendation)}",
        text=text, annotations=annotations_for(decision.gating))
