"""What an object is there for, when it is not production serving: a test fixture, a benchmark
harness or a load generator. Rules about availability and serving settings leave those alone.

The vocabulary (directory names, command fragments) comes from `.aria.yml`, so a repository can
extend it; the engine hands it to the graph as `RoleHints`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.graph.workloads import Workload


@dataclass(frozen=True)
class RoleHints:
    test_fixture_dirs: tuple[str, ...] = ()  # Triton model configs below them are test fixtures
    benchmark_dirs: tuple[str, ...] = ()  # model servers deployed below them are benchmark targets
    benchmark_clients: tuple[str, ...] = ()  # command/image fragments of load generators


def _dirs(path: str) -> set[str]:
    return set(path.split("/")[:-1])


def under_any(path: str, names: tuple[str, ...]) -> bool:
    """Whether one of the path's directories is named in `names`."""
    return bool(_dirs(path) & set(names))


def is_benchmark_client(w: Workload, hints: RoleHints) -> bool:
    """A workload whose containers run a load generator (perf_analyzer, genai-perf, locust …)."""
    for c in w.containers:
        text = " ".join([c.image, *c.argv]).lower()
        if any(fragment.lower() in text for fragment in hints.benchmark_clients):
            return True
    return False
