"""Generated Kustomize-heavy git repositories, for review equivalence tests and scale benches.

Each app is what platform teams write: a base (Deployment, Service, HPA, a PDB for most,
a ConfigMap, a kustomization) and two overlays (staging, prod) that set a namespace, a name
prefix, an image tag and patch the replica count. Some apps serve models on GPUs, some run
privileged or without limits, so every rule family has something to say. Beside the apps: a
cluster folder (namespaces, RBAC) and a Terraform node group. `change_one` commits a one-file
change on a branch `pr`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.prerequisites import need

FILES_PER_APP = 10

KUSTOMIZATION = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{resources}
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels: {{app: app-{i}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      containers:
        - name: main
          image: {image}
{args}          ports: [{{containerPort: 8000}}]
{security}          resources:
            requests: {{cpu: "1", memory: 2Gi}}
            limits: {{memory: 2Gi{gpu}}}
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector: {{app: app-{i}}}
  ports: [{{port: 80, targetPort: 8000}}]
"""

HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: app-{i}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: app-{i}}}
  minReplicas: {replicas}
  maxReplicas: {max_replicas}
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
"""

PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app-{i}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{app: app-{i}}}
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}-settings
data:
  LOG_LEVEL: info
  WORKERS: "{i}"
"""

OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: team-{team}-{env}
namePrefix: {env}-
resources:
  - ../../base
images:
  - name: {image_name}
    newTag: "{tag}"
patches:
  - path: replicas.yaml
"""

REPLICAS_PATCH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
spec:
  replicas: {replicas}
"""

CLUSTER = """apiVersion: v1
kind: Namespace
metadata:
  name: team-{team}-{env}
"""

RBAC = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: deployers
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
  - {kind: ServiceAccount, name: deployer, namespace: team-0-prod}
"""

TERRAFORM = """resource "aws_eks_node_group" "gpu" {
  cluster_name    = "platform"
  node_group_name = "gpu"
  instance_types  = ["g5.2xlarge"]
  subnet_ids      = ["subnet-a", "subnet-b"]
  scaling_config {
    min_size     = 1
    max_size     = 8
    desired_size = 2
  }
  taint {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NO_SCHEDULE"
  }
}
"""


def _app_files(i: int, replicas: int = 2) -> dict[str, str]:
    gpu = i % 5 == 0
    image_name = "nvcr.io/nvidia/tritonserver" if gpu else f"registry.example.com/app-{i}"
    image = f"{image_name}:24.08-py3" if gpu else f"{image_name}:1.{i % 9}.0"
    args = '          args: ["tritonserver", "--model-repository=/models"]\n' if gpu else ""
    security = ("          securityContext: {privileged: true}\n" if i % 7 == 3 else
                "          securityContext: {runAsNonRoot: true, "
                "allowPrivilegeEscalation: false}\n")
    base = f"apps/app-{i:05d}/base"
    files = {
        f"{base}/deployment.yaml": DEPLOYMENT.format(
            i=i, replicas=replicas, image=image, args=args, security=security,
            gpu=", nvidia.com/gpu: 1" if gpu else ""),
        f"{base}/service.yaml": SERVICE.format(i=i),
        f"{base}/hpa.yaml": HPA.format(i=i, replicas=replicas, max_replicas=replicas + 4),
        f"{base}/configmap.yaml": CONFIGMAP.format(i=i),
    }
    names = ["deployment.yaml", "service.yaml", "hpa.yaml", "configmap.yaml"]
    if i % 4 != 1:  # a quarter of the apps have no disruption budget
        files[f"{base}/pdb.yaml"] = PDB.format(i=i)
        names.append("pdb.yaml")
    files[f"{base}/kustomization.yaml"] = KUSTOMIZATION.format(
        resources="\n".join(f"  - {n}" for n in names))
    for env, count in (("staging", 1), ("prod", 3)):
        overlay = f"apps/app-{i:05d}/overlays/{env}"
        files[f"{overlay}/kustomization.yaml"] = OVERLAY.format(
            team=i % 20, env=env, image_name=image_name, tag="24.09-py3" if gpu else "2.0.0")
        files[f"{overlay}/replicas.yaml"] = REPLICAS_PATCH.format(i=i, replicas=count)
    return files


def repo_files(target_files: int) -> dict[str, str]:
    """About `target_files` files: apps of ~10 files each, the cluster folder, Terraform."""
    files: dict[str, str] = {
        "cluster/namespaces.yaml": "---\n".join(
            CLUSTER.format(team=t, env=e) for t in range(20) for e in ("staging", "prod")),
        "cluster/rbac.yaml": RBAC,
        "infra/gpu.tf": TERRAFORM,
    }
    for i in range(max(1, (target_files - len(files)) // FILES_PER_APP)):
        files.update(_app_files(i))
    return files


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.email=gen@example.com",
                           "-c", "user.name=gen", "-c", "commit.gpgsign=false", *args],
                          check=True, capture_output=True, text=True).stdout


def build_repo(repo: Path, target_files: int) -> int:
    """A git repository at `repo` with branch `main` holding the generated tree; its size."""
    files = repo_files(target_files)
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return len(files)


CHANGES = ("replicas", "privileged", "overlay", "delete-pdb", "new-app")


def change_one(repo: Path, change: str, app: int = 0, branch: str = "pr",
               start: str = "main") -> str:
    """Commit one change on `branch` (from `start`): the path it touched (delete-pdb also
    removes the PDB file its kustomization stops listing)."""
    git(repo, "checkout", "-q", "-B", branch, start)
    base = f"apps/app-{app:05d}/base"
    if change == "replicas":  # a base Deployment down to one replica: SPOF and HPA findings
        path = f"{base}/deployment.yaml"
        text = (repo / path).read_text().replace("replicas: 2", "replicas: 1")
    elif change == "privileged":
        path = f"{base}/deployment.yaml"
        text = (repo / path).read_text().replace(
            "securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}",
            "securityContext: {privileged: true}")
    elif change == "overlay":  # the prod patch puts the pods on the node's network
        path = f"apps/app-{app:05d}/overlays/prod/replicas.yaml"
        text = (repo / path).read_text() + "  template:\n    spec:\n      hostNetwork: true\n"
    elif change == "delete-pdb":
        path = f"{base}/kustomization.yaml"
        text = (repo / path).read_text().replace("  - pdb.yaml\n", "")
        (repo / base / "pdb.yaml").unlink()
    elif change == "new-app":  # a plain manifest beside the overlays, privileged
        path = "apps/extra/deployment.yaml"
        text = _app_files(app)[f"{base}/deployment.yaml"].replace(
            f"app-{app}", "extra").replace(
            "{runAsNonRoot: true, allowPrivilegeEscalation: false}", "{privileged: true}")
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
    else:
        raise ValueError(change)
    (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", change)
    git(repo, "checkout", "-q", "main")
    return path


def rendered_repo(tmp_path: Path, branch: str | None = None) -> Path:
    """A 60-file repository at `tmp_path/repo` (checked out on a new branch `branch`, if given)
    for a test whose review renders its overlays (kubectl: a skip here, a failure under CI)."""
    need(shutil.which("kubectl") is not None, "kubectl renders the overlays")
    repo = tmp_path / "repo"
    repo.mkdir()
    build_repo(repo, 60)
    if branch is not None:
        git(repo, "checkout", "-q", "-b", branch)
    return repo
