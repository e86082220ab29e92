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


def yaml_deep_flow() -> str:
    return "a: " + "[" * 30_000 + "]" * 30_000 + "\n"


def yaml_deep_block() -> str:
    return "- " * 30_000 + "x\n"


def yaml_flow_list(max_bytes: int) -> str:
    count = (max_bytes - len("a: [1]\n")) // 2
    return "a: [" + "1," * count + "1]\n"


def yaml_alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def yaml_alias_wide(max_bytes: int) -> str:
    head = "a: &a {k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\nb: ["
    return head + "*a," * ((max_bytes - len(head) - 4) // 3) + "*a]\n"


def yaml_manifests(max_bytes: int) -> str:
    doc = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{i}\n"
           "  labels: {{app: svc-{i}, tier: serving}}\nspec:\n  replicas: 2\n  template:\n"
           "    spec:\n      containers:\n        - name: server\n"
           "          image: nvcr.io/nvidia/tritonserver:24.08-py3\n"
           "          args: [--model-repository=/models, --http-port=8000]\n"
           "          resources:\n            limits: {{nvidia.com/gpu: 1, memory: 8Gi}}\n---\n")
    parts, size, i = [], 0, 0
    while size + len(doc) + 10 < max_bytes:
        parts.append(doc.format(i=i))
        size += len(parts[-1])
        i += 1
    return "".join(parts)


def pbtxt_lines(max_bytes: int) -> str:
    """Inputs up to max-bytes (about 65,000 lines at 1 MB): each field's line is looked up."""
    head = 'name: "big"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 8\n'
    entry = ('input [\n  {\n    name: "input_tensor_number_%06d"\n    data_type: TYPE_FP32\n'
             '    dims: [ 3, 224, 224 ]\n  }\n]\n')
    parts, size, i = [head], len(head), 0
    while size + len(entry) + 10 < max_bytes:
        parts.append(entry % i)
        size += len(parts[-1])
        i += 1
    return "".join(parts)


def hcl_blocks(max_bytes: int) -> str:
    block = ('resource "aws_instance" "web%d" {\n  ami           = "ami-123"\n'
             '  instance_type = "t3.micro"\n  tags = { Name = "web" }\n}\n')
    parts, size, i = [], 0, 0
    while size + len(block) + 10 < max_bytes:
        parts.append(block % i)
        size += len(parts[-1])
        i += 1
    return "".join(parts)


def hcl_deep() -> str:
    return "locals {\n  x = " + "[" * 30_000 + "]" * 30_000 + "\n}\n"


CASES: list[tuple[str, str, str, Callable[[int], str]]] = [
    # (case, file name, parser kind, text generator)
    ("yaml: flow list nested 30,000 deep", "deep.yaml", "yaml", lambda _: yaml_deep_flow()),
    ("yaml: `- ` nested 30,000 deep", "deep-block.yaml", "yaml", lambda _: yaml_deep_block()),
    ("yaml: one flow list of max-bytes", "flow.yaml", "yaml", yaml_flow_list),
    ("yaml: alias bomb (9 levels of 9)", "bomb.yaml", "yaml", lambda _: yaml_alias_bomb()),
    ("yaml: max-bytes of aliases", "aliases.yaml", "yaml", yaml_alias_wide),
    ("yaml: max-bytes of Deployments", "deploys.yaml", "yaml", yaml_manifests),
    ("pbtxt: max-bytes of inputs", "config.pbtxt", "triton", pbtxt_lines),
    ("hcl: max-bytes of resources", "main.tf", "terraform", hcl_blocks),
    ("hcl: list nested 30,000 deep", "deep.tf", "terraform", lambda _: hcl_deep()),
]




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
