"""The per-repository task of an organisation audit: read the default branch, audit, store."""

from __future__ import annotations

import functools

from github.GithubException import GithubException
from github.Repository import Repository

from bot.config import ConfigError
from bot.deliver.client import AppClients
from bot.deliver.fetch import Skipped, read_file
from bot.deliver.settings import GitHubSettings
from bot.engine import audit
from bot.ingest.files import is_relevant
from bot.ingest.source import MemorySource
from bot.jobs.handlers import Handlers, Result
from bot.jobs.payloads import OrgAuditJob
from bot.orgaudit.store import AuditStore, FindingRow, RepoResult

# GitHub answers meaning the repository cannot be read by this installation now.
_UNREADABLE = frozenset({403, 404, 409, 451})


def register(handlers: Handlers, clients: AppClients, settings: GitHubSettings,
             store: AuditStore) -> None:
    handlers.register("org_audit", functools.partial(audit_repository, clients, settings, store),
                      functools.partial(record_give_up, store))


def read_tree(repo: Repository, ref: str, *, max_files: int,
              max_bytes: int) -> tuple[dict[str, bytes], str]:
    """The relevant files at `ref` within the limits, and the tree's SHA."""
    tree = repo.get_git_tree(ref, recursive=True)
    wanted = [e.path for e in tree.tree
              if e.type == "blob" and is_relevant(e.path) and (e.size or 0) <= max_bytes]
    files: dict[str, bytes] = {}
    for path in wanted[:max_files]:
        data = read_file(repo, path, ref, max_bytes)
        if data is not None and not isinstance(data, Skipped):
            files[path] = data
    return files, tree.sha


def audit_repository(clients: AppClients, settings: GitHubSettings, store: AuditStore,
                     job: OrgAuditJob) -> Result:
    gh = clients.for_installation(job.installation_id)
    try:
        # The client is lazy: get_repo makes no request, the tree read is the first.
        files, sha = read_tree(gh.get_repo(job.repo), job.ref,
                               max_files=settings.max_files, max_bytes=settings.max_file_bytes)
        decision = audit(MemorySource(files, label=f"{job.repo}@{job.ref}"))
    except GithubException as exc:
        if exc.status not in _UNREADABLE:
            raise  # transient: the job is retried
        return _failed(store, job, f"GitHub answered {exc.status}")
    except ConfigError as exc:
        return _failed(store, job, f"the repository's .aria.yml cannot be used: {exc}")
    findings = [FindingRow.of(f) for f in decision.gating]
    store.record(job.run_id, RepoResult(repo=job.repo, status="done", head_sha=sha,
                                        files=decision.files_reviewed, findings=findings))
    return {"status": "audited", "repo": job.repo, "findings": len(findings)}


def _failed(store: AuditStore, job: OrgAuditJob, error: str) -> Result:
    store.record(job.run_id, RepoResult(repo=job.repo, status="failed", error=error[:1000]))
    return {"status": "failed", "repo": job.repo}


def record_give_up(store: AuditStore, job: OrgAuditJob, error: str, _attempts: int) -> None:
    """An audit task no retry finishes still counts in its run, as failed: the run completes."""
    _failed(store, job, error)
