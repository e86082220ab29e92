"""Start an organisation audit: list the installation's repositories, one job per repository."""

from __future__ import annotations

import logging
from datetime import datetime

from github.PaginatedList import PaginatedList
from github.Repository import Repository
from pydantic import BaseModel

from bot.deliver.client import AppClients
from bot.jobs.payloads import OrgAuditJob
from bot.jobs.queue import JobQueue, JobSpec
from bot.orgaudit.store import AuditStore

log = logging.getLogger(__name__)


class RepoRef(BaseModel):
    name: str
    default_branch: str


def org_repositories(clients: AppClients, org: str) -> tuple[int, list[RepoRef]]:
    """The App's installation on `org` and the repositories it may read (archived and empty
    ones left out: nothing changes there, nothing to audit)."""
    installation = clients.integration.get_org_installation(org)
    gh = clients.for_installation(installation.id)
    listing = PaginatedList(Repository, gh.requester, "/installation/repositories", None,
                            list_item="repositories")
    repos = [RepoRef(name=r.full_name, default_branch=r.default_branch or "main")
             for r in listing if not r.archived and r.size != 0]
    return installation.id, sorted(repos, key=lambda r: r.name)


def fan_out(store: AuditStore, queue: JobQueue, clients: AppClients, org: str, *,
            scheduled_for: datetime | None = None) -> int | None:
    """The new run's id; None when a scheduled slot was taken by another worker."""
    installation_id, repos = org_repositories(clients, org)
    run_id = store.start_run(org, len(repos), scheduled_for)
    if run_id is None:
        return None
    for ref in repos:
        job = OrgAuditJob(run_id=run_id, installation_id=installation_id, repo=ref.name,
                          ref=ref.default_branch)
        queue.enqueue(JobSpec.of(job, f"audit:{run_id}:{ref.name}"))
    log.info("audit run %d of %s: %d repositories queued", run_id, org, len(repos))
    return run_id
