"""Bench: worst-case parse time and peak memory per file at the App's limits.

    pytest bench --benchmark-only -k limits

Each hostile or heavy file (deep nesting, a 1 MB flow list, an alias bomb, a `config.pbtxt`
of 65,000 lines, 1 MB of HCL, …) is parsed by `bot.ingest.loader.parse_file` in a fresh child
process whose parser libraries are already imported, as in a warm parser worker. Recorded per
file (`extra_info`): the wall and CPU time inside the child, its peak RSS, that peak over a child
that parsed a tiny file of the same kind, and the outcome (documents read or the problem
reported). Sizes are the App's per-file cap (`GitHubSettings.max_file_bytes`, 1,000,000). For the
figures of another revision, run the suite there and `--benchmark-compare`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import ROOT

from tests.security.worst_cases import CASES

APP_MAX_FILE_BYTES = 1_000_000  # bot/deliver/github/options.py: GitHubSettings.max_file_bytes
CHILD_TIMEOUT_S = 300

CHILD = r"""
import json, resource, sys, time
root, name, kind, file, max_bytes = sys.argv[1:6]
sys.path.insert(0, root)
from bot.ingest.files import FileKind
from bot.ingest.loader import parse_file
warm = {"yaml": b"a: 1\n", "terraform": b'resource "a" "b" {\n  x = 1\n}\n',
        "triton": b'name: "m"\n'}
parse_file("warm", FileKind(kind), warm[kind], int(max_bytes))  # imports, grammar tables
data = open(file, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
result = parse_file(name, FileKind(kind), data, int(max_bytes))
wall = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
problem = result.problems[0].reason if result.problems else ""
print(json.dumps({"wall_s": wall,
                  "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                  "peak_rss_kb": after.ru_maxrss, "documents": len(result.documents),
                  "problem": problem}))
"""






def run_case(name: str, kind: str, file: Path) -> dict:
    cmd = [sys.executable, "-c", CHILD, str(ROOT), name, kind, str(file),
           str(APP_MAX_FILE_BYTES)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    assert proc.returncode == 0, f"parser child failed ({proc.returncode}): {proc.stderr[-500:]}"
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def baseline_rss(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    tiny = {"yaml": "a: 1\n", "terraform": 'locals {\n  x = 1\n}\n', "triton": 'name: "m"\n'}
    out = {}
    for kind, text in tiny.items():
        path = tmp_path_factory.mktemp("tiny") / f"tiny-{kind}"
        path.write_text(text)
        out[kind] = int(run_case("tiny", kind, path)["peak_rss_kb"])
    return out


@pytest.mark.parametrize(("case", "name", "kind", "make"), CASES, ids=[c[0] for c in CASES])
def test_worst_case_file(benchmark, tmp_path, baseline_rss, case: str, name: str, kind: str,
                         make: Callable[[int], str]):
    path = tmp_path / name
    path.write_text(make(APP_MAX_FILE_BYTES))
    row = benchmark.pedantic(run_case, args=(name, kind, path), rounds=1, iterations=1)
    row.update(bytes=path.stat().st_size, lines=path.read_bytes().count(b"\n"),
               over_baseline_mb=round((row["peak_rss_kb"] - baseline_rss[kind]) / 1024, 1))
    benchmark.extra_info.update(row)
    print(f"\n{case}: {row}")
    assert row["documents"] or row["problem"]  # read, or refused with a reason
