"""Benchmark: `aria review` of a 50-file change in a real git repository.

    python bench/review_change.py [--files 50] [--repeat 5]

Builds a repository from the example platform (GPU serving, RBAC, Terraform, Triton) plus
generated services, commits a base, changes `--files` manifests on a branch, and times the
whole CLI (`aria review main pr`), process start included.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
  namespace: team-{team}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: svc-{i}}}
  template:
    metadata:
      labels: {{app: svc-{i}}}
    spec:
      containers:
        - name: server
          image: nvcr.io/nvidia/tritonserver:24.08-py3
          args: ["tritonserver", "--model-repository=/models"]
          resources:
            requests: {{cpu: "2", memory: 8Gi}}
            limits: {{memory: 8Gi, nvidia.com/gpu: 1}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: svc-{i}
  namespace: team-{team}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: svc-{i}}}
  minReplicas: {replicas}
  maxReplicas: 6
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {target}}}}}
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=b@example.com",
                    "-c", "user.name=bench", *args], check=True, capture_output=True)


def build(repo: Path, files: int) -> None:
    shutil.copytree(ROOT / "examples" / "gpu-serving" / "base", repo)
    for i in range(files * 2):
        path = repo / "services" / f"svc-{i}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SERVICE.format(i=i, team=i % 7, replicas=2, target=70))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    for i in range(files):
        path = repo / "services" / f"svc-{i}.yaml"
        path.write_text(SERVICE.format(i=i, team=i % 7, replicas=1 if i % 3 == 0 else 3,
                                       target=90 if i % 2 else 60))
    git(repo, "commit", "-qam", "change")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    aria = str(Path(sys.executable).with_name("aria"))
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "platform"
        build(repo, args.files)
        walls = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            proc = subprocess.run([aria, "review", "main", "pr", "--repo", str(repo),
                                   "--fail-on", "never"], capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            if proc.returncode != 0:
                raise SystemExit(proc.stderr)
        new = proc.stdout.count("\n- `")
        print(f"aria review of a {args.files}-file change ({args.files * 2} service files + "
              f"example repo): median {statistics.median(walls):.3f} s, "
              f"min {min(walls):.3f} s, max {max(walls):.3f} s over {args.repeat} runs; "
              f"{new} finding lines in the comment")


if __name__ == "__main__":
    main()
