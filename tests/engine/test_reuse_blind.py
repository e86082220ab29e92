"""Differential tests of the review's reuse of the judged base, written blind to its code.

A scoped review (the default) judges the base once, keeps it in a content-addressed cache,
runs single-object rules only on what changed, and reuses a workload's facts and graph
findings from the base when it believes the workload reads the same objects on both sides.
`scoped=False` runs every rule over the whole head with no reuse: the reference.

The platform (tests/gpu_platform_repo.py) is a git repository with one branch per change;
most changes edit something a workload relates to (autoscaler, disruption budget, Service,
binding, node pool, overlay, model config) and leave the workload's own file alone, which is
where stale reuse would show. Every change is reviewed:
- in one process with a fresh in-memory cache;
- as a second push: once to fill a disk cache, then from a fresh cache over that folder;
- as a different later change against the same base, from that warm disk cache;
- in one long-lived process that reviews every change against the same base, in turn;
- reversed (the change as base, main as head: a revert), from that long-lived cache;
each equal to its reference.
"""

from __future__ import annotations

import collections
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import review
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import GitRevisionSource, MemorySource
from tests.engine.test_review_equivalence import outcome
from tests.gpu_platform_repo import CHANGES, QUIET, build

NAMES = list(CHANGES)
CACHE_BYTES = 256 << 20
Outcome = tuple[list[dict], list[dict], int]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("gpu-platform") / "repo"
    build(repo)
    return repo


def _review(repo: Path, base: str, head: str, cache: ContentCache, scoped: bool) -> Outcome:
    use_cache(cache)
    try:
        return outcome(review(GitRevisionSource(repo, base), GitRevisionSource(repo, head),
                              scoped=scoped))
    finally:
        use_cache(None)


class References:
    """`scoped=False` outcomes with a fresh, empty cache each, computed once per module."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.held: dict[tuple[str, str], Outcome] = {}

    def __call__(self, base: str, head: str) -> Outcome:
        if (base, head) not in self.held:
            self.held[base, head] = _review(self.repo, base, head, ContentCache(None, 0),
                                            scoped=False)
        return self.held[base, head]


@pytest.fixture(scope="module")
def reference(platform: Path) -> References:
    return References(platform)


@pytest.fixture(autouse=True)
def _no_cache_left() -> Iterator[None]:
    yield
    use_cache(None)


def _later(name: str) -> str:
    """Another change of the same base, reviewed after `name` from its warm disk cache."""
    return NAMES[(NAMES.index(name) + 7) % len(NAMES)]


@pytest.mark.parametrize("name", NAMES)
def test_one_process_fresh_cache(platform: Path, reference: References, name: str) -> None:
    got = _review(platform, "main", name, ContentCache(None, CACHE_BYTES), scoped=True)
    assert got == reference("main", name)


@pytest.mark.parametrize("name", NAMES)
def test_second_push_and_later_change_from_disk(platform: Path, reference: References,
                                                tmp_path: Path, name: str) -> None:
    folder = tmp_path / "cache"
    first = _review(platform, "main", name, ContentCache(folder, CACHE_BYTES), scoped=True)
    again = _review(platform, "main", name, ContentCache(folder, CACHE_BYTES), scoped=True)
    later = _review(platform, "main", _later(name), ContentCache(folder, CACHE_BYTES),
                    scoped=True)
    assert first == reference("main", name)
    assert again == reference("main", name)
    assert later == reference("main", _later(name))


def test_long_lived_process_reviews_every_change(platform: Path, reference: References) -> None:
    """One process keeps its cache while it reviews every change of the base, then reverts."""
    cache = ContentCache(None, CACHE_BYTES)
    order = NAMES[:]
    random.Random(21).shuffle(order)
    differ = [n for n in order
              if _review(platform, "main", n, cache, scoped=True) != reference("main", n)]
    reverted = [n for n in order
                if _review(platform, n, "main", cache, scoped=True) != reference(n, "main")]
    assert (differ, reverted) == ([], [])


@pytest.mark.parametrize("max_bytes", [16 << 10, 128 << 10])
def test_disk_cache_too_small_to_hold_a_judged_base(platform: Path, reference: References,
                                                   tmp_path: Path, max_bytes: int) -> None:
    """A cache that evicts while it fills: what survives of a base must still be whole."""
    folder = tmp_path / "cache"
    differ = [n for n in NAMES
              if _review(platform, "main", n, ContentCache(folder, max_bytes), scoped=True)
              != reference("main", n)]
    assert differ == []


def test_reverts_from_disk(platform: Path, reference: References, tmp_path: Path) -> None:
    """A revert of each change, from a disk cache that judged the change's branch before."""
    folder = tmp_path / "cache"
    differ = []
    for n in NAMES:
        _review(platform, n, n, ContentCache(folder, CACHE_BYTES), scoped=True)
        if _review(platform, n, "main", ContentCache(folder, CACHE_BYTES),
                   scoped=True) != reference(n, "main"):
            differ.append(n)
    assert differ == []


def _counts(ref: Outcome) -> tuple[int, int, int]:
    status = collections.Counter(f["status"] for f in ref[0])
    return status["new"], status["fixed"], len(ref[1])


def test_reference_is_not_trivial(reference: References,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Most changes move a finding or a fact, so a stale reuse would show; the no-ops do not."""
    rows = {n: _counts(reference("main", n)) for n in NAMES}
    with capsys.disabled():
        print(f"\n{'change':34}{'new':>5}{'fixed':>7}{'facts':>7}")
        for n, (new, fixed, facts) in rows.items():
            print(f"{n:34}{new:>5}{fixed:>7}{facts:>7}")
    moving = [n for n, c in rows.items() if any(c)]
    assert all(rows[n][:2] == (0, 0) and rows[n][2] == 0 for n in QUIET)
    assert len(moving) >= 0.75 * (len(NAMES) - len(QUIET))
    assert len(NAMES) >= 25


def test_any_two_branches_from_one_disk_cache(platform: Path, reference: References,
                                              tmp_path: Path) -> None:
    """Stacked and sibling pull requests: reviews between arbitrary branches, each in a new
    process over one disk cache that earlier reviews of other bases and heads filled."""
    folder = tmp_path / "cache"
    branches = ["main", *NAMES]
    rng = random.Random(7)
    pairs = [tuple(rng.sample(branches, 2)) for _ in range(40)]
    differ = [(b, h) for b, h in pairs
              if _review(platform, b, h, ContentCache(folder, CACHE_BYTES), scoped=True)
              != reference(b, h)]
    assert differ == []


_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat, namespace: ai}
spec:
  replicas: 2
  selector: {matchLabels: {app: chat}}
  template:
    metadata: {labels: {app: chat}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources: {limits: {nvidia.com/gpu: "1"}}
"""
_BUDGET = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: chat, namespace: ai}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: chat}}
"""


def _config_map(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: ai}}\n" \
           "data: {a: b}\n"


@pytest.mark.parametrize("scoped", [True, False])
def test_renaming_a_config_map_leaves_the_budget_fact_alone(scoped: bool) -> None:
    """Found by this file (scoped=False did the same): renaming ConfigMap ai/chat to chat-x
    made the unchanged Deployment's budget fact read 'changed from PodDisruptionBudget/chat-x',
    a budget in neither tree; the base's facts were renamed by bare name, whatever the kind."""
    def tree(config_map: str) -> MemorySource:
        return MemorySource({"deploy.yaml": _DEPLOYMENT.encode(), "pdb.yaml": _BUDGET.encode(),
                             "cm.yaml": _config_map(config_map).encode()})

    use_cache(ContentCache(None, 0))
    changes = outcome(review(tree("chat"), tree("chat-x"), scoped=scoped))[1]
    assert [c for c in changes if c["fact"] == "disruption budget"] == []


@pytest.mark.parametrize("scoped", [True, False])
def test_renaming_a_service_leaves_an_image_of_that_name_alone(scoped: bool) -> None:
    """(Added by the lead with the fix.) A bare name was also renamed inside an image reference:
    Service ai/vllm-openai renamed made the Deployment's image fact change."""
    service = "apiVersion: v1\nkind: Service\nmetadata: {{name: {}, namespace: ai}}\n" \
              "spec: {{selector: {{app: chat}}, ports: [{{port: 8000}}]}}\n"

    def tree(name: str) -> MemorySource:
        return MemorySource({"deploy.yaml": _DEPLOYMENT.encode(),
                             "svc.yaml": service.format(name).encode()})

    use_cache(ContentCache(None, 0))
    changes = outcome(review(tree("vllm-openai"), tree("vllm-openai-v2"), scoped=scoped))[1]
    assert not [c for c in changes if c["fact"].startswith("image")]
    # the rename itself is still followed into the fact that names the Service ...
    assert [c for c in changes if c["fact"] == "exposure"] == []
    # ... which would read changed if it were not (the check can fail)
    gone = outcome(review(tree("vllm-openai"), MemorySource({"deploy.yaml": _DEPLOYMENT.encode()}),
                          scoped=scoped))[1]
    assert [(c["fact"], c["before"]) for c in gone if c["fact"] == "exposure"] == \
        [("exposure", "Service/vllm-openai (ClusterIP)")]
