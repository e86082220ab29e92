"""Bench: reviewing a one-file change as a Kustomize-heavy repository grows.

    python -m pytest bench/test_review_scale.py --benchmark-enable -k 100      # quick
    python -m pytest bench/test_review_scale.py --benchmark-enable -m long -s  # 1,000-10,000

Each repository (`tests/kustomize_repos.py`: apps of a base and two overlays, ~10 files each,
plus cluster RBAC and a Terraform GPU node group) gets a first push to a pull request (one base
Deployment made privileged), reviewed once: that fills the parse cache the way the App's first
review of a PR does, and its time is `extra_info["first_push_s"]`. The bench then times the
second push (one more file: an app's prod overlay patch puts pods on the node's network; each
round another app, so every round renders the overlay it changed) reviewed against the same
base, each round either as a new process would see it (`new-process`: the disk cache only,
nothing held in memory) or as the App's worker process does (`warm-worker`: the judged base it
reviewed the first push against still in its memory cache). The engine's `review` is timed
(reading git objects, parsing, rendering, rules, diff), not the interpreter's start-up or
imports; `extra_info["cpu_s"]` holds each round's CPU seconds (this process's and kubectl's), a
figure other load on the machine does not move. The target: under 2 s at 2,000 files, and flat
as the repository grows. Each size also checks that the scoped review (ADR 0021: rules that read
only their object run on the documents the change touched) decided what running every rule over
the whole head decides (the last push, reviewed again unscoped). Sizes over 100 files take
minutes to prepare (every overlay of the base is rendered once by `kubectl kustomize`), so they
are marked `long`.
"""

from __future__ import annotations

import resource
import shutil
import time
from pathlib import Path

import pytest

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import GitRevisionSource
from tests.engine.test_review_equivalence import outcome
from tests.kustomize_repos import build_repo, change_one

LONG = [pytest.mark.long, pytest.mark.timeout(3 * 3600)]
SIZES = [100, pytest.param(1_000, marks=LONG), pytest.param(2_000, marks=LONG),
         pytest.param(10_000, marks=LONG)]
ROUNDS = 5


@pytest.mark.parametrize("worker", ["new-process", "warm-worker"])
@pytest.mark.parametrize("files", SIZES)
def test_one_file_change(benchmark, files: int, worker: str, tmp_path: Path) -> None:
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is required: the bench renders Kustomize overlays")
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    repo.mkdir()
    size = build_repo(repo, files)
    change_one(repo, "privileged", app=1, branch="push-1")
    seconds = iter([f"push-2-{app}" for app in range(2, 2 + ROUNDS)])
    cpu: list[float] = []
    for app in range(2, 2 + ROUNDS):  # each round a second push not seen before
        change_one(repo, "overlay", app=app, branch=f"push-2-{app}", start="push-1")
    use_cache(ContentCache(cache, 2 << 30))
    try:
        started = time.perf_counter()
        first = review(GitRevisionSource(repo, "main"), GitRevisionSource(repo, "push-1"))
        first_push_s = time.perf_counter() - started

        def new_process() -> tuple[tuple[GitRevisionSource, GitRevisionSource], dict]:
            if worker == "new-process":
                use_cache(ContentCache(cache, 2 << 30))
            return (GitRevisionSource(repo, "main"), GitRevisionSource(repo, next(seconds))), {}

        def timed(base: GitRevisionSource, head: GitRevisionSource) -> Decision:
            started = _cpu_seconds()
            try:
                return review(base, head)
            finally:
                cpu.append(_cpu_seconds() - started)

        second = benchmark.pedantic(timed, setup=new_process, rounds=ROUNDS, iterations=1)
        use_cache(ContentCache(cache, 2 << 30))
        whole = review(GitRevisionSource(repo, "main"),  # the last round's push, unscoped
                       GitRevisionSource(repo, f"push-2-{1 + ROUNDS}"), scoped=False)
    finally:
        use_cache(None)
    assert outcome(second) == outcome(whole), "the scoped review decided otherwise"
    benchmark.extra_info.update(files=size, worker=worker, first_push_s=round(first_push_s, 2),
                                objects=second.files_reviewed, cpu_s=[round(c, 3) for c in cpu])
    moved = {(f.rule_id, f.status.value) for f in second.findings if f.status.value == "new"}
    assert {f.rule_id for f in first.findings if f.status.value == "new"} >= {"SEC001"}
    assert ("SEC001", "new") in moved and len(moved) > 1  # both pushes' findings are reported


def _cpu_seconds() -> float:
    """This process's CPU seconds and its finished children's (kubectl)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
