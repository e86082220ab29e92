"""Blind adversarial tests: a pull request as a sequence of pushes, reviewed warm and cold.

Written against the public contract only: every scoped review of base..H_i (one warm
worker holding one ContentCache object across all pushes, and a fresh ContentCache on the
same folder per push = a new process) must decide exactly what the scoped=False reference
decides, in outcome and in the rendered Markdown.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import review
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import GitRevisionSource
from bot.render import render
from tests.engine.test_review_equivalence import outcome
from tests.prerequisites import need

# --------------------------------------------------------------------------- repo helper


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "t@example.com")
        self.git("config", "user.name", "t")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "core.autocrlf", "false")
        self.git("config", "core.symlinks", "true")

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.path, check=True, text=True,
                              capture_output=True).stdout.strip()

    def _clear_parents(self, rel: str) -> None:
        """A file (or link) where a folder must go is removed, as a user's `rm` would."""
        parts = Path(rel).parts[:-1]
        for i in range(1, len(parts) + 1):
            q = self.path.joinpath(*parts[:i])
            if q.is_symlink() or q.is_file():
                q.unlink()

    def write(self, rel: str, text: str) -> None:
        self._clear_parents(rel)
        p = self.path / rel
        if p.is_symlink() or p.is_file():
            p.unlink()
        elif p.is_dir():
            shutil.rmtree(p)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    def rm(self, rel: str) -> None:
        p = self.path / rel
        if p.is_symlink() or p.is_file():
            p.unlink()
        elif p.is_dir():
            shutil.rmtree(p)

    def symlink(self, rel: str, target: str) -> None:
        self.rm(rel)
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, p)

    def mv(self, src: str, dst: str) -> None:
        (self.path / dst).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "-k", src, dst)
        if (self.path / src).exists() or (self.path / src).is_symlink():
            os.replace(self.path / src, self.path / dst)

    def gitlink(self, rel: str, sha: str) -> None:
        self.rm(rel)
        (self.path / rel).mkdir(parents=True, exist_ok=True)   # an unpopulated submodule
        self.git("update-index", "--add", "--cacheinfo", f"160000,{sha},{rel}")

    def commit(self, msg: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", msg)
        return self.git("rev-parse", "HEAD")


# --------------------------------------------------------------------------- vocabulary


def deployment(name: str, replicas: int = 2, gpus: int = 1, image: str = "ghcr.io/acme/vllm:0.6.3",
               extra_meta: str = "", comment: str = "", node_selector: str = "",
               labels: str = "") -> str:
    app = labels or name
    ns = f"\n      nodeSelector:\n        {node_selector}" if node_selector else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: ml-serving{extra_meta}
  labels:
    app: {app}
spec:
{comment}  replicas: {replicas}
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
    spec:{ns}
      containers:
        - name: server
          image: {image}
          ports:
            - containerPort: 8000
              name: http
          resources:
            requests:
              cpu: "4"
              memory: 32Gi
              nvidia.com/gpu: {gpus}
            limits:
              memory: 32Gi
              nvidia.com/gpu: {gpus}
          readinessProbe:
            httpGet: {{path: /health, port: 8000}}
"""


def statefulset(name: str, replicas: int = 3) -> str:
    return f"""apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
  namespace: ml-serving
spec:
  serviceName: {name}
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: db
          image: qdrant/qdrant:v1.9.0
          resources:
            requests: {{cpu: "2", memory: 8Gi}}
  volumeClaimTemplates:
    - metadata: {{name: data}}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {{requests: {{storage: 100Gi}}}}
"""


def service(name: str, annotations: str = "") -> str:
    ann = f"\n  annotations:\n    {annotations}" if annotations else ""
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: ml-serving{ann}
spec:
  selector:
    app: {name}
  ports:
    - name: http
      port: 80
      targetPort: 8000
"""


def hpa(name: str, max_replicas: int = 8, target: int = 70) -> str:
    return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: ml-serving
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
  minReplicas: 2
  maxReplicas: {max_replicas}
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {target}}}}}
"""


def pdb(name: str, spec: str = "minAvailable: 1") -> str:
    return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
  namespace: ml-serving
spec:
  {spec}
  selector:
    matchLabels: {{app: {name}}}
"""


def servicemonitor(name: str) -> str:
    return f"""apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {name}
  namespace: ml-serving
spec:
  selector:
    matchLabels: {{app: {name}}}
  endpoints:
    - port: http
      path: /metrics
"""


def podmonitor(name: str) -> str:
    return f"""apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: {name}
  namespace: ml-serving
spec:
  selector:
    matchLabels: {{app: {name}}}
  podMetricsEndpoints:
    - port: http
"""


RBAC = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: model-loader
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: model-loader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: model-loader}
subjects:
  - {kind: ServiceAccount, name: default, namespace: ml-serving}
"""


def nodegroup_tf(instance: str = "p4d.24xlarge", desired: int = 2, lo: int = 1, hi: int = 4) -> str:
    return f"""resource "aws_eks_node_group" "gpu" {{
  cluster_name    = "ml-platform"
  node_group_name = "gpu-a100"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-node"
  subnet_ids      = ["subnet-aaa", "subnet-bbb"]
  instance_types  = ["{instance}"]
  capacity_type   = "ON_DEMAND"

  scaling_config {{
    desired_size = {desired}
    min_size     = {lo}
    max_size     = {hi}
  }}

  taint {{
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NO_SCHEDULE"
  }}
}}
"""


def kustomization(resources: list[str], components: list[str] | None = None,
                  extra: str = "") -> str:
    out = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
    out += "resources:\n" + "".join(f"  - {r}\n" for r in resources)
    if components:
        out += "components:\n" + "".join(f"  - {c}\n" for c in components)
    return out + extra


AWS_COMPONENT = """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target: {kind: Service, name: llm-serve}
    patch: |-
      - op: add
        path: /metadata/annotations
        value:
          service.beta.kubernetes.io/aws-load-balancer-type: nlb
"""

GKE_COMPONENT = """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target: {kind: Deployment, name: llm-serve}
    patch: |-
      - op: add
        path: /spec/template/spec/nodeSelector
        value:
          cloud.google.com/gke-accelerator: nvidia-tesla-a100
"""


def platform(repo: Repo) -> None:
    """The base tree: a small ML serving platform."""
    repo.write("apps/base/deployment.yaml", deployment("llm-serve"))
    repo.write("apps/base/service.yaml", service("llm-serve"))
    repo.write("apps/base/hpa.yaml", hpa("llm-serve"))
    repo.write("apps/base/pdb.yaml", pdb("llm-serve"))
    repo.write("apps/base/kustomization.yaml",
               kustomization(["deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"]))
    repo.write("apps/overlays/prod/kustomization.yaml",
               kustomization(["../../base"], ["../../components/aws"],
                             "replicas:\n  - name: llm-serve\n    count: 4\n"))
    repo.write("apps/overlays/staging/kustomization.yaml", kustomization(["../../base"]))
    repo.write("apps/components/aws/kustomization.yaml", AWS_COMPONENT)
    repo.write("apps/components/gke/kustomization.yaml", GKE_COMPONENT)
    repo.write("monitoring/llm-serve-sm.yaml", servicemonitor("llm-serve"))
    repo.write("rbac/loader.yaml", RBAC)
    repo.write("stateful/vector-db.yaml", statefulset("vector-db"))
    repo.write("plain/embedder.yaml", deployment("embedder", replicas=1, gpus=1))
    repo.write("plain/embedder-svc.yaml", service("embedder"))
    repo.write("terraform/nodegroups.tf", nodegroup_tf())
    repo.write("terraform/variables.tf", 'variable "region" {\n  default = "us-east-1"\n}\n')
    repo.write("README.md", "# ml platform\n")


# --------------------------------------------------------------------------- the check


def decide(repo: Path, base: str, head: str, *, scoped: bool = True):
    b, h = GitRevisionSource(repo, base), GitRevisionSource(repo, head)
    return review(b, h) if scoped else review(b, h, scoped=False)


def summary(decision) -> tuple:
    return outcome(decision), render(decision, "markdown")


def reference(repo: Path, base: str, head: str) -> tuple:
    use_cache(ContentCache(None, 0))
    try:
        return summary(decide(repo, base, head, scoped=False))
    finally:
        use_cache(None)


def mismatch(got: tuple, want: tuple, what: str) -> list[str]:
    out = []
    if got[0][0] != want[0][0]:
        out.append(f"{what}: findings differ from the scoped=False reference")
    if got[0][1] != want[0][1]:
        extra = [c for c in got[0][1] if c not in want[0][1]]
        missing = [c for c in want[0][1] if c not in got[0][1]]
        out.append(f"{what}: changes differ; extra={extra} missing={missing}")
    if got[0][2] != want[0][2]:
        out.append(f"{what}: files_reviewed {got[0][2]} != {want[0][2]}")
    if got[1] != want[1]:
        out.append(f"{what}: markdown differs from the scoped=False reference")
    return out


def assert_same(got: tuple, want: tuple, what: str) -> None:
    problems = mismatch(got, want, what)
    assert not problems, "\n".join(problems)


def check_pushes(cache_dir: Path, pushes: list[tuple[Path, str, str]]) -> None:
    """pushes: (repo, base, head) in the order a worker sees them; every mismatch is reported."""
    want = [reference(r, b, h) for r, b, h in pushes]
    problems: list[str] = []
    # a warm worker: one cache object across every push
    warm = ContentCache(cache_dir / "warm", 2 << 30)
    use_cache(warm)
    try:
        for i, ((r, b, h), w) in enumerate(zip(pushes, want, strict=True)):
            problems += mismatch(summary(decide(r, b, h)), w, f"warm push #{i} {r.name} {h[:8]}")
    finally:
        use_cache(None)
    # a new process per push, on the folder the warm worker filled, then on its own folder
    for folder in ("warm", "cold"):
        try:
            for i, ((r, b, h), w) in enumerate(zip(pushes, want, strict=True)):
                use_cache(ContentCache(cache_dir / folder, 2 << 30))
                problems += mismatch(summary(decide(r, b, h)), w,
                                     f"fresh({folder} dir) push #{i} {r.name} {h[:8]}")
        finally:
            use_cache(None)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- scenarios
# A scenario gets a repo already holding the platform base (committed) and returns the
# list of head revisions, in push order.

Scenario = Callable[[Repo, str], list[str]]


def s_add_delete_rename(r: Repo, base: str) -> list[str]:
    r.write("apps/base/worker.yaml", deployment("llm-worker", replicas=1))
    h1 = r.commit("add worker")
    r.mv("plain/embedder.yaml", "plain/embedder-v2.yaml")
    h2 = r.commit("rename embedder")
    r.rm("plain/embedder-svc.yaml")
    r.rm("apps/base/worker.yaml")
    h3 = r.commit("delete")
    return [h1, h2, h3]


def s_file_to_folder_and_back(r: Repo, base: str) -> list[str]:
    r.write("plain/extra", "not yaml at all\n")
    h1 = r.commit("file")
    r.write("plain/extra/model.yaml", deployment("extra", replicas=1))
    h2 = r.commit("folder")
    r.write("plain/extra", "again a file\n")
    h3 = r.commit("file again")
    r.write("plain/extra/model.yaml", deployment("extra", replicas=1, gpus=2))
    h4 = r.commit("folder again, other content")
    return [h1, h2, h3, h4]


def s_yaml_file_becomes_folder(r: Repo, base: str) -> list[str]:
    r.rm("plain/embedder.yaml")
    r.write("plain/embedder.yaml/inner.yaml", deployment("embedder", replicas=1))
    h1 = r.commit("embedder.yaml becomes a folder")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1))
    h2 = r.commit("and back")
    return [h1, h2]


def s_symlink_inside(r: Repo, base: str) -> list[str]:
    r.symlink("plain/alias.yaml", "embedder.yaml")
    h1 = r.commit("symlink to a file")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=3))
    h2 = r.commit("target changes, link does not")
    r.symlink("plain/alias.yaml", "embedder-svc.yaml")
    h3 = r.commit("link retargeted")
    return [h1, h2, h3]


def s_symlink_folder(r: Repo, base: str) -> list[str]:
    r.symlink("mirror", "apps/base")
    h1 = r.commit("symlink to a folder")
    r.write("apps/base/deployment.yaml", deployment("llm-serve", replicas=1))
    h2 = r.commit("folder content changes under the link")
    r.rm("mirror")
    r.write("mirror/deployment.yaml", deployment("mirror", replicas=1))
    h3 = r.commit("link becomes a real folder")
    r.rm("mirror")
    r.symlink("mirror", "plain")
    h4 = r.commit("and a link again, elsewhere")
    return [h1, h2, h3, h4]


def s_symlink_outside_and_dangling(r: Repo, base: str) -> list[str]:
    outside = r.path.parent / f"{r.path.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.yaml").write_text(deployment("outside", replicas=1))
    r.symlink("plain/outside.yaml", str(outside / "secret.yaml"))
    h1 = r.commit("absolute link outside the tree")
    r.symlink("plain/up.yaml", "../../" + r.path.name + "-outside/secret.yaml")
    h2 = r.commit("relative link climbing out")
    r.symlink("plain/dangling.yaml", "does-not-exist.yaml")
    r.symlink("apps/base/service.yaml", "/nonexistent/service.yaml")
    h3 = r.commit("dangling links, one replacing a kustomize resource")
    (outside / "secret.yaml").write_text(deployment("outside", replicas=5))
    r.write("apps/base/service.yaml", service("llm-serve"))
    h4 = r.commit("outside content changes between pushes")
    return [h1, h2, h3, h4]


def s_symlink_loop(r: Repo, base: str) -> list[str]:
    r.symlink("loop/a", "b")
    r.symlink("loop/b", "a")
    r.symlink("loop/self", ".")
    h1 = r.commit("symlink loops")
    r.rm("loop")
    h2 = r.commit("loops gone")
    return [h1, h2]


def s_submodule(r: Repo, base: str) -> list[str]:
    sha1 = "1" * 40
    r.gitlink("vendor-charts", sha1)
    h1 = r.commit("gitlink")
    r.gitlink("vendor-charts", "2" * 40)
    h2 = r.commit("gitlink bumped")
    r.git("rm", "-q", "--cached", "vendor-charts")
    r.rm("vendor-charts")
    r.write("vendor-charts", deployment("was-submodule", replicas=1))
    h3 = r.commit("gitlink replaced by a file")
    r.rm("vendor-charts")
    r.gitlink("apps/base/sub", sha1)
    h4 = r.commit("gitlink inside a kustomize base")
    return [h1, h2, h3, h4]


def s_ignored_dirs(r: Repo, base: str) -> list[str]:
    r.write("node_modules/chart/deploy.yaml", deployment("npm", replicas=1))
    r.write("terraform/.terraform/modules/eks/main.tf", nodegroup_tf("g5.48xlarge", 9, 9, 9))
    h1 = r.commit("vendored dirs")
    r.write("node_modules/chart/deploy.yaml", deployment("npm", replicas=7))
    r.write("terraform/.terraform/modules/eks/main.tf", nodegroup_tf("p5.48xlarge", 1, 1, 1))
    h2 = r.commit("vendored dirs change")
    r.mv("node_modules/chart/deploy.yaml", "plain/npm.yaml")
    h3 = r.commit("moved out of node_modules")
    r.mv("plain/npm.yaml", "node_modules/chart/deploy.yaml")
    h4 = r.commit("moved back in")
    return [h1, h2, h3, h4]


def s_odd_names(r: Repo, base: str) -> list[str]:
    r.write("plain/gpu serve.yaml", deployment("spaced", replicas=1))
    r.write("plain/*.yaml", deployment("star", replicas=1))
    r.write("plain/-dash.yaml", deployment("dash", replicas=1))
    h1 = r.commit("odd names")
    r.write("plain/ünïcødé-模型.yaml", deployment("unicode", replicas=1))
    r.write("plain/tab\there.yaml", deployment("tab", replicas=1))
    r.write('plain/quote"d.yaml', deployment("quoted", replicas=1))
    h2 = r.commit("unicode, tab and quote")
    r.write("plain/*.yaml", deployment("star", replicas=4))
    r.mv("plain/gpu serve.yaml", "plain/gpu  serve.yaml")
    r.mv("plain/ünïcødé-模型.yaml", "plain/ünïcødé-模型 2.yaml")
    h3 = r.commit("renames and edits among odd names")
    return [h1, h2, h3]


def s_newline_name(r: Repo, base: str) -> list[str]:
    r.write("plain/new\nline.yaml", deployment("newline", replicas=1))
    h1 = r.commit("newline in a file name")
    r.rm("plain/new\nline.yaml")
    h2 = r.commit("gone")
    return [h1, h2]


def s_revert(r: Repo, base: str) -> list[str]:
    r.write("plain/embedder.yaml", deployment("embedder", replicas=3))
    h1 = r.commit("scale embedder")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1, gpus=4))
    r.rm("monitoring/llm-serve-sm.yaml")
    h2 = r.commit("gpus up, monitor gone")
    r.git("revert", "--no-edit", h2)
    h3 = r.git("rev-parse", "HEAD")
    r.git("revert", "--no-edit", h1)
    h4 = r.git("rev-parse", "HEAD")
    return [h1, h2, h3, h4]


def s_back_to_base(r: Repo, base: str) -> list[str]:
    r.write("apps/base/hpa.yaml", hpa("llm-serve", max_replicas=40, target=95))
    h1 = r.commit("hpa")
    return [h1, base, h1]


def s_component_add_remove(r: Repo, base: str) -> list[str]:
    r.write("apps/overlays/staging/kustomization.yaml",
            kustomization(["../../base"], ["../../components/gke"]))
    h1 = r.commit("staging gets the GKE component")
    r.write("apps/components/gke/kustomization.yaml", GKE_COMPONENT.replace("a100", "h100"))
    h2 = r.commit("component content changes, overlay does not")
    r.write("apps/overlays/prod/kustomization.yaml",
            kustomization(["../../base"], [], "replicas:\n  - name: llm-serve\n    count: 4\n"))
    h3 = r.commit("prod drops the AWS component")
    r.rm("apps/components/gke")
    h4 = r.commit("component folder deleted while still included (broken overlay)")
    r.write("apps/overlays/staging/kustomization.yaml", kustomization(["../../base"]))
    h5 = r.commit("fixed")
    return [h1, h2, h3, h4, h5]


def s_component_new_folder(r: Repo, base: str) -> list[str]:
    r.write("apps/components/azure/kustomization.yaml", AWS_COMPONENT.replace(
        "service.beta.kubernetes.io/aws-load-balancer-type: nlb",
        "service.beta.kubernetes.io/azure-load-balancer-internal: \"true\""))
    r.write("apps/overlays/prod/kustomization.yaml",
            kustomization(["../../base"], ["../../components/aws", "../../components/azure"]))
    h1 = r.commit("new component included")
    r.mv("apps/components/azure", "apps/components/az")
    h2 = r.commit("component folder renamed, overlay not updated (broken)")
    r.write("apps/overlays/prod/kustomization.yaml",
            kustomization(["../../base"], ["../../components/az"]))
    h3 = r.commit("overlay follows")
    return [h1, h2, h3]


def s_base_under_overlay(r: Repo, base: str) -> list[str]:
    r.write("apps/base/deployment.yaml", deployment("llm-serve", replicas=2, gpus=8))
    h1 = r.commit("only the kustomize base changes")
    r.write("apps/base/pdb.yaml", pdb("llm-serve", "maxUnavailable: 0"))
    h2 = r.commit("base pdb blocks eviction")
    r.write("apps/base/kustomization.yaml",
            kustomization(["deployment.yaml", "service.yaml", "hpa.yaml"]))
    h3 = r.commit("pdb dropped from the base's resources, file kept")
    return [h1, h2, h3]


def s_kustomization_spelling(r: Repo, base: str) -> list[str]:
    r.mv("apps/overlays/staging/kustomization.yaml", "apps/overlays/staging/kustomization.yml")
    h1 = r.commit("yml")
    r.mv("apps/overlays/staging/kustomization.yml", "apps/overlays/staging/Kustomization")
    h2 = r.commit("Kustomization")
    r.write("apps/overlays/staging/kustomization.yaml", kustomization(["../../base"]))
    h3 = r.commit("two kustomization files in one folder")
    return [h1, h2, h3]


def s_overlay_via_symlink(r: Repo, base: str) -> list[str]:
    r.symlink("apps/overlays/canary", "prod")
    h1 = r.commit("overlay folder is a symlink to another overlay")
    r.write("apps/overlays/prod/kustomization.yaml",
            kustomization(["../../base"], ["../../components/gke"]))
    h2 = r.commit("linked overlay changes")
    r.symlink("apps/base/deployment.yaml", "../../plain/embedder.yaml")
    h3 = r.commit("base resource is a symlink")
    return [h1, h2, h3]


def s_monitors(r: Repo, base: str) -> list[str]:
    r.rm("monitoring/llm-serve-sm.yaml")
    h1 = r.commit("servicemonitor removed")
    r.write("monitoring/llm-serve-pm.yaml", podmonitor("llm-serve"))
    h2 = r.commit("podmonitor added")
    r.write("monitoring/embedder-sm.yaml", servicemonitor("embedder"))
    r.write("monitoring/vector-db-pm.yaml", podmonitor("vector-db"))
    h3 = r.commit("more monitors")
    r.rm("monitoring")
    h4 = r.commit("all monitors removed")
    return [h1, h2, h3, h4]


def s_monitor_selector_only(r: Repo, base: str) -> list[str]:
    r.write("monitoring/llm-serve-sm.yaml",
            servicemonitor("llm-serve").replace("{app: llm-serve}", "{app: nothing}"))
    h1 = r.commit("monitor selects nothing")
    r.write("monitoring/llm-serve-sm.yaml", servicemonitor("llm-serve"))
    h2 = r.commit("monitor selects again")
    return [h1, h2]


def s_suppression_comment(r: Repo, base: str) -> list[str]:
    c1 = "  # aria: ignore[SPOF001] single embedder is fine in this cell\n"
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1, comment=c1))
    h1 = r.commit("suppress")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1,
                                              comment=c1.replace("fine in this cell", "ok")))
    h2 = r.commit("only the reason changes")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1,
                                              comment=c1.replace("SPOF001", "SPOF002")))
    h3 = r.commit("only the rule id changes")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1))
    h4 = r.commit("suppression removed")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1,
                                              comment="  # aria:ignore SPOF001 other syntax\n"))
    h5 = r.commit("another spelling")
    return [h1, h2, h3, h4, h5]


def s_suppression_in_base_file(r: Repo, base: str) -> list[str]:
    c = "  # aria: ignore[SPOF001] rendered through an overlay\n"
    r.write("apps/base/deployment.yaml", deployment("llm-serve", replicas=1, comment=c))
    h1 = r.commit("suppression inside a kustomize base")
    r.write("apps/base/deployment.yaml", deployment("llm-serve", replicas=1, comment=c.replace(
        "rendered", "still rendered")))
    h2 = r.commit("comment-only change")
    return [h1, h2]


def s_pdb_blocks(r: Repo, base: str) -> list[str]:
    r.write("plain/embedder-pdb.yaml", pdb("embedder", "minAvailable: 1"))
    h1 = r.commit("pdb for a single replica: blocks eviction")
    r.write("plain/embedder-pdb.yaml", pdb("embedder", "maxUnavailable: 0"))
    h2 = r.commit("maxUnavailable 0")
    r.write("plain/embedder-pdb.yaml", pdb("embedder", 'minAvailable: "100%"'))
    h3 = r.commit("100%")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=3))
    h4 = r.commit("replicas raised: no longer blocking")
    return [h1, h2, h3, h4]


def s_many_files(r: Repo, base: str) -> list[str]:
    for i in range(120):
        r.write(f"fleet/model-{i:03d}.yaml", deployment(f"model-{i:03d}", replicas=1 + i % 3))
    h1 = r.commit("120 models")
    for i in range(0, 120, 2):
        r.write(f"fleet/model-{i:03d}.yaml", deployment(f"model-{i:03d}", replicas=2, gpus=2))
    for i in range(1, 120, 4):
        r.rm(f"fleet/model-{i:03d}.yaml")
    for i in range(3, 120, 8):
        r.mv(f"fleet/model-{i:03d}.yaml", f"fleet/renamed/model-{i:03d}.yaml")
    h2 = r.commit("edit 60, delete 30, rename 15")
    return [h1, h2]


def s_force_push_unrelated(r: Repo, base: str) -> list[str]:
    r.write("plain/embedder.yaml", deployment("embedder", replicas=4))
    r.write("plain/a.yaml", deployment("a", replicas=1))
    h1 = r.commit("h1")
    r.git("checkout", "-q", "-B", "rewrite", base)
    r.write("plain/b.yaml", deployment("b", replicas=1))
    r.rm("stateful")
    h2 = r.commit("h2 rewritten from base, not a descendant of h1")
    r.git("checkout", "-q", "--orphan", "orphan")
    r.git("rm", "-rq", "--cached", ".")
    for p in list(r.path.iterdir()):
        if p.name != ".git":
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    r.write("only/one.yaml", deployment("one", replicas=1))
    h3 = r.commit("h3 shares no history with base at all")
    return [h1, h2, h3, h1]


def s_force_push_back_in_time(r: Repo, base: str) -> list[str]:
    r.write("plain/a.yaml", deployment("a", replicas=1))
    h1 = r.commit("h1")
    r.write("plain/b.yaml", deployment("b", replicas=1))
    h2 = r.commit("h2")
    return [h2, h1, h2]   # a force-push to an ancestor, then forward again


def s_terraform(r: Repo, base: str) -> list[str]:
    r.write("terraform/nodegroups.tf", nodegroup_tf("p5.48xlarge", 0, 0, 16))
    h1 = r.commit("node group")
    r.write("terraform/nodegroups.tf", nodegroup_tf("p5.48xlarge", 0, 0, 16)
            + "# aria: ignore[COST001] reserved capacity\n")
    h2 = r.commit("comment only")
    r.mv("terraform/nodegroups.tf", "terraform/gpu/nodegroups.tf")
    h3 = r.commit("moved")
    r.write("terraform/gpu/nodegroups.tf",
            "resource \"aws_eks_node_group\" \"gpu\" {\n  broken =\n")
    h4 = r.commit("broken HCL")
    r.write("terraform/gpu/nodegroups.tf", nodegroup_tf("g5.12xlarge", 2, 2, 2))
    h5 = r.commit("fixed")
    return [h1, h2, h3, h4, h5]


def s_broken_yaml(r: Repo, base: str) -> list[str]:
    r.write("plain/embedder.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: [\n")
    h1 = r.commit("broken yaml")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1) + "---\n"
            + "{{ .Values.extra | toYaml }}\n")
    h2 = r.commit("template noise")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1))
    h3 = r.commit("fixed, same as base")
    return [h1, h2, h3]


def s_crlf_and_mode(r: Repo, base: str) -> list[str]:
    r.write("plain/embedder.yaml", deployment("embedder", replicas=2).replace("\n", "\r\n"))
    h1 = r.commit("crlf")
    (r.path / "plain/embedder.yaml").chmod(0o755)
    h2 = r.commit("mode only")
    r.write("plain/embedder.yaml", "\ufeff" + deployment("embedder", replicas=2))
    h3 = r.commit("bom")
    return [h1, h2, h3]


def s_config_file(r: Repo, base: str) -> list[str]:
    r.write(".aria.yml", "rules:\n  SPOF001: {severity: error}\n")
    h1 = r.commit("config")
    r.write(".aria.yml", "ignore:\n  - rule: SPOF001\n    path: \"plain/**\"\n    reason: demo\n")
    h2 = r.commit("config ignore")
    r.write(".aria.yml", "ingest:\n  exclude: [\"plain/**\"]\n")
    h3 = r.commit("exclude")
    r.rm(".aria.yml")
    h4 = r.commit("no config")
    return [h1, h2, h3, h4]


def s_same_content_moves(r: Repo, base: str) -> list[str]:
    text = (r.path / "plain/embedder.yaml").read_text()
    r.write("plain/copy1.yaml", text)
    r.write("apps/base/copy2.yaml", text)
    h1 = r.commit("identical blobs in several places")
    r.rm("plain/embedder.yaml")
    h2 = r.commit("original deleted, copies remain")
    r.write("plain/embedder.yaml", text)
    r.rm("plain/copy1.yaml")
    h3 = r.commit("swap")
    return [h1, h2, h3]


def s_selectors_graph(r: Repo, base: str) -> list[str]:
    r.write("plain/embedder-svc.yaml", service("embedder").replace("app: embedder", "app: nobody"))
    h1 = r.commit("service selects nothing")
    r.write("plain/embedder-hpa.yaml", hpa("embedder"))
    h2 = r.commit("hpa targets the embedder")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1, labels="nobody"))
    h3 = r.commit("labels change on the other side of the edge")
    r.mv("plain/embedder.yaml", "other/embedder.yaml")
    h4 = r.commit("workload moves folder")
    return [h1, h2, h3, h4]


def s_rbac(r: Repo, base: str) -> list[str]:
    r.write("rbac/loader.yaml", RBAC.replace('["*"]\n    verbs', '["configmaps"]\n    verbs'))
    h1 = r.commit("narrow resources")
    r.write("rbac/loader.yaml", RBAC.replace("ClusterRole", "Role"))
    h2 = r.commit("namespaced")
    r.rm("rbac")
    h3 = r.commit("gone")
    return [h1, h2, h3]


def s_multi_doc(r: Repo, base: str) -> list[str]:
    r.write("plain/bundle.yaml", deployment("x", replicas=1) + "---\n" + service("x")
            + "---\n" + pdb("x") + "---\n" + podmonitor("x"))
    h1 = r.commit("bundle")
    r.write("plain/bundle.yaml", deployment("x", replicas=1) + "---\n" + service("x"))
    h2 = r.commit("half the documents gone")
    r.write("plain/bundle.yaml", service("x") + "---\n" + deployment("x", replicas=1))
    h3 = r.commit("document order swapped")
    return [h1, h2, h3]


def s_empty_and_binary(r: Repo, base: str) -> list[str]:
    r.write("plain/empty.yaml", "")
    (r.path / "plain/blob.yaml").write_bytes(b"\x00\xff\xfe binary \x00")
    h1 = r.commit("empty and binary")
    r.write("plain/empty.yaml", deployment("was-empty", replicas=1))
    r.write("plain/blob.yaml", deployment("was-binary", replicas=1))
    h2 = r.commit("become manifests")
    return [h1, h2]


def s_duplicate_object_other_content(r: Repo, base: str) -> list[str]:
    r.write("plain/a-first.yaml", deployment("embedder", replicas=3, gpus=2))
    h1 = r.commit("same object defined again, sorting before the original, other content")
    r.write("plain/z-last.yaml", deployment("embedder", replicas=5))
    h2 = r.commit("and a third definition sorting after")
    r.rm("plain/a-first.yaml")
    r.rm("plain/z-last.yaml")
    h3 = r.commit("duplicates gone: tree equals base")
    return [h1, h2, h3]


def s_generator_data_file(r: Repo, base: str) -> list[str]:
    r.write("apps/base/model.properties", "model=llama-3-8b\nmax_batch=16\n")
    r.write("apps/base/kustomization.yaml", kustomization(
        ["deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"], None,
        "configMapGenerator:\n  - name: model-config\n    files: [model.properties]\n"))
    h1 = r.commit("generator")
    r.write("apps/base/model.properties", "model=llama-3-70b\nmax_batch=4\n")
    h2 = r.commit("only the generator's non-YAML input changes")
    r.rm("apps/base/model.properties")
    h3 = r.commit("generator input deleted (render fails)")
    return [h1, h2, h3]


def s_overlay_patch_file(r: Repo, base: str) -> list[str]:
    r.write("apps/overlays/staging/gpu-patch.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: llm-serve}\n"
            "spec:\n  replicas: 1\n")
    r.write("apps/overlays/staging/kustomization.yaml", kustomization(
        ["../../base"], None, "patches:\n  - path: gpu-patch.yaml\n"))
    h1 = r.commit("overlay patch")
    r.write("apps/overlays/staging/gpu-patch.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: llm-serve}\n"
            "spec:\n  replicas: 6\n")
    h2 = r.commit("only the patch file changes")
    r.write("apps/components/aws/svc-patch.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: llm-serve\n  annotations:\n"
            "    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing\n"
            "spec:\n  type: LoadBalancer\n")
    r.write("apps/components/aws/kustomization.yaml", AWS_COMPONENT + "  - path: svc-patch.yaml\n")
    h3 = r.commit("component gains a patch file")
    r.write("apps/components/aws/svc-patch.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: llm-serve\nspec:\n"
            "  type: ClusterIP\n")
    h4 = r.commit("only the component's patch file changes")
    return [h1, h2, h3, h4]


def s_case_only_rename(r: Repo, base: str) -> list[str]:
    r.mv("plain/embedder.yaml", "plain/tmp-embedder.yaml")
    r.mv("plain/tmp-embedder.yaml", "plain/Embedder.yaml")
    h1 = r.commit("case-only rename")
    r.mv("apps/base", "apps/Base")
    h2 = r.commit("kustomize base folder renamed by case only (overlays now broken)")
    r.mv("apps/Base", "apps/base")
    h3 = r.commit("back")
    return [h1, h2, h3]


def s_kustomize_reaches_outside(r: Repo, base: str) -> list[str]:
    outside = r.path.parent / f"{r.path.name}-shared"
    outside.mkdir(exist_ok=True)
    (outside / "kustomization.yaml").write_text(kustomization(["deploy.yaml"]))
    (outside / "deploy.yaml").write_text(deployment("shared", replicas=1))
    r.write("apps/overlays/staging/kustomization.yaml",
            kustomization(["../../base", f"../../../../{outside.name}"]))
    h1 = r.commit("overlay names a folder outside the repository")
    r.symlink("apps/shared", str(outside))
    r.write("apps/overlays/staging/kustomization.yaml",
            kustomization(["../../base", "../../shared"]))
    h2 = r.commit("and through a symlink")
    (outside / "deploy.yaml").write_text(deployment("shared", replicas=9))
    r.write("README.md", "# ml platform, touched\n")
    h3 = r.commit("outside content changes; repo change unrelated")
    return [h1, h2, h3]


def s_ping_pong(r: Repo, base: str) -> list[str]:
    r.write("apps/base/pdb.yaml", pdb("llm-serve", "maxUnavailable: 0"))
    r.write("monitoring/llm-serve-pm.yaml", podmonitor("llm-serve"))
    h1 = r.commit("a")
    r.git("checkout", "-q", "-b", "alt", base)
    r.write("apps/overlays/prod/kustomization.yaml",
            kustomization(["../../base"], ["../../components/gke"]))
    r.rm("monitoring/llm-serve-sm.yaml")
    h2 = r.commit("b")
    return [h1, h2, h1, h2, base, h2]


def s_duplicate_in_one_file(r: Repo, base: str) -> list[str]:
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1) + "---\n"
            + deployment("embedder", replicas=4))
    h1 = r.commit("the same object twice in one file")
    r.write("plain/embedder.yaml", deployment("embedder", replicas=1))
    h2 = r.commit("once again")
    return [h1, h2]


def s_empty_commits(r: Repo, base: str) -> list[str]:
    h1 = r.commit("empty commit: tree equals base")
    r.write("plain/a.yaml", deployment("a", replicas=1))
    h2 = r.commit("a")
    h3 = r.commit("empty commit on top")
    return [h1, h2, h3]


SCENARIOS: dict[str, Scenario] = {
    name[2:]: fn for name, fn in sorted(globals().items()) if name.startswith("s_") and callable(fn)
}


@pytest.fixture(scope="module", autouse=True)
def _kubectl() -> None:
    need(shutil.which("kubectl") is not None, "kubectl renders the overlays")


def make_platform(path: Path) -> tuple[Repo, str]:
    r = Repo(path)
    platform(r)
    return r, r.commit("base")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_pushes_equal_reference(name: str, tmp_path: Path) -> None:
    r, base = make_platform(tmp_path / "repo")
    heads = SCENARIOS[name](r, base)
    check_pushes(tmp_path / "cache", [(r.path, base, h) for h in heads])


# --------------------------------------------------------------------------- across repositories


def test_two_repos_alternately(tmp_path: Path) -> None:
    a, base_a = make_platform(tmp_path / "alpha")
    b, base_b = make_platform(tmp_path / "beta")     # same trees, different commits
    ha = s_monitors(a, base_a)
    hb = s_suppression_comment(b, base_b)
    pushes = []
    for i in range(max(len(ha), len(hb))):
        if i < len(ha):
            pushes.append((a.path, base_a, ha[i]))
        if i < len(hb):
            pushes.append((b.path, base_b, hb[i]))
    check_pushes(tmp_path / "cache", pushes)


def test_clone_diverges_same_shas(tmp_path: Path) -> None:
    """A clone holds the very same commits; each repo then gets its own pushes."""
    a, base = make_platform(tmp_path / "origin")
    ha1 = s_add_delete_rename(a, base)
    subprocess.run(["git", "clone", "-q", str(a.path), str(tmp_path / "fork")], check=True)
    b = Repo.__new__(Repo)
    b.path = tmp_path / "fork"
    b.git("config", "user.email", "t@example.com")
    b.git("config", "user.name", "t")
    hb = s_component_add_remove(b, base)
    ha2 = s_pdb_blocks(a, base)
    pushes = [(a.path, base, ha1[-1]), (b.path, base, ha1[-1])]
    for x, y in zip(hb, ha2, strict=False):
        pushes += [(b.path, base, x), (a.path, base, y)]
    pushes += [(a.path, base, ha1[0]), (b.path, base, ha1[0])]
    check_pushes(tmp_path / "cache", pushes)


def test_same_path_repo_replaced(tmp_path: Path) -> None:
    """A repository deleted and re-created at the same path between two reviews."""
    path = tmp_path / "repo"
    r, base1 = make_platform(path)
    h1 = s_revert(r, base1)[1]
    want1 = reference(path, base1, h1)
    warm = ContentCache(tmp_path / "cache", 2 << 30)
    use_cache(warm)
    try:
        assert_same(summary(decide(path, base1, h1)), want1, "first repo")
    finally:
        use_cache(None)
    shutil.rmtree(path)
    r2 = Repo(path)
    platform(r2)
    r2.write("plain/embedder.yaml", deployment("embedder", replicas=6))
    base2 = r2.commit("another base")
    r2.write("apps/base/pdb.yaml", pdb("llm-serve", "maxUnavailable: 0"))
    h2 = r2.commit("other head")
    want2 = reference(path, base2, h2)
    use_cache(warm)
    try:
        assert_same(summary(decide(path, base2, h2)), want2, "second repo, same path, warm")
    finally:
        use_cache(None)
    use_cache(ContentCache(tmp_path / "cache", 2 << 30))
    try:
        assert_same(summary(decide(path, base2, h2)), want2, "second repo, same path, fresh")
    finally:
        use_cache(None)


def test_base_moves_between_pushes(tmp_path: Path) -> None:
    """The target branch advances (a new base) while the PR is open; heads merge it in."""
    r, base = make_platform(tmp_path / "repo")
    r.git("checkout", "-q", "-b", "pr")
    r.write("plain/a.yaml", deployment("a", replicas=1))
    h1 = r.commit("h1")
    r.git("checkout", "-q", "main")
    r.write("apps/base/pdb.yaml", pdb("llm-serve", "maxUnavailable: 0"))
    base2 = r.commit("main advances")
    r.git("checkout", "-q", "pr")
    r.git("merge", "-q", "--no-edit", "main")
    h2 = r.git("rev-parse", "HEAD")
    r.write("plain/a.yaml", deployment("a", replicas=3))
    h3 = r.commit("h3")
    check_pushes(tmp_path / "cache", [(r.path, base, h1), (r.path, base2, h2),
                                      (r.path, base2, h3), (r.path, base, h3)])


def test_gc_after_rewrite(tmp_path: Path) -> None:
    """Earlier pushes are garbage-collected after a force-push; the PR is reviewed again."""
    r, base = make_platform(tmp_path / "repo")
    r.git("checkout", "-q", "-b", "pr")
    r.write("plain/a.yaml", deployment("a", replicas=1))
    h1 = r.commit("h1")
    want1 = reference(r.path, base, h1)
    warm = ContentCache(tmp_path / "cache", 2 << 30)
    use_cache(warm)
    try:
        assert_same(summary(decide(r.path, base, h1)), want1, "h1")
    finally:
        use_cache(None)
    r.git("checkout", "-q", "-B", "pr", base)
    r.write("plain/b.yaml", deployment("b", replicas=1))
    h2 = r.commit("h2")
    r.git("reflog", "expire", "--expire=now", "--all")
    r.git("gc", "-q", "--prune=now")
    want2 = reference(r.path, base, h2)
    for cache in (warm, ContentCache(tmp_path / "cache", 2 << 30)):
        use_cache(cache)
        try:
            assert_same(summary(decide(r.path, base, h2)), want2, "h2 after gc")
        finally:
            use_cache(None)


def test_tiny_cache_evicts(tmp_path: Path) -> None:
    """A cache far smaller than what it is asked to hold: every review must still be exact."""
    r, base = make_platform(tmp_path / "repo")
    heads = s_component_add_remove(r, base) + s_many_files(r, base)
    pushes = [(r.path, base, h) for h in heads]
    want = [reference(*p) for p in pushes]
    problems: list[str] = []
    for size in (0, 4096, 64 << 10):
        warm = ContentCache(tmp_path / f"cache-{size}", size)
        use_cache(warm)
        try:
            for i, (p, w) in enumerate(zip(pushes, want, strict=True)):
                problems += mismatch(summary(decide(*p)), w, f"cap {size} push #{i}")
        finally:
            use_cache(None)
    assert not problems, "\n".join(problems)


def test_stacked_prs(tmp_path: Path) -> None:
    """PR2's base is PR1's head; both are reviewed by the same warm worker, interleaved."""
    r, base = make_platform(tmp_path / "repo")
    r.write("apps/base/pdb.yaml", pdb("llm-serve", "maxUnavailable: 0"))
    p1a = r.commit("pr1 a")
    r.write("plain/x.yaml", deployment("x", replicas=1))
    p2a = r.commit("pr2 a")
    r.git("checkout", "-q", "-b", "pr1b", p1a)
    r.write("monitoring/llm-serve-pm.yaml", podmonitor("llm-serve"))
    p1b = r.commit("pr1 b (pr2 not rebased)")
    r.git("checkout", "-q", "-b", "pr2b", p1b)
    r.write("plain/x.yaml", deployment("x", replicas=2))
    p2b = r.commit("pr2 rebased onto pr1 b")
    check_pushes(tmp_path / "cache", [
        (r.path, base, p1a), (r.path, p1a, p2a), (r.path, base, p1b),
        (r.path, p1a, p2a), (r.path, p1b, p2b), (r.path, base, p2b)])


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_damaged_disk_cache(tmp_path: Path, damage: str) -> None:
    """A cache folder whose files were damaged (crash mid-write, full disk): a new process
    reading it must still decide exactly what the reference decides, or at least not
    decide differently."""
    r, base = make_platform(tmp_path / "repo")
    heads = s_monitors(r, base) + s_component_add_remove(r, base)
    pushes = [(r.path, base, h) for h in heads]
    want = [reference(*p) for p in pushes]
    folder = tmp_path / "cache"
    use_cache(ContentCache(folder, 2 << 30))
    try:
        for p in pushes:
            decide(*p)
    finally:
        use_cache(None)
    files = sorted(f for f in folder.rglob("*") if f.is_file())
    assert files, "the disk cache holds nothing to damage"
    for n, f in enumerate(files):
        data = f.read_bytes()
        if damage == "truncate":
            f.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            f.write_bytes(bytes((b + 1 + n) % 256 for b in data))
        else:
            f.write_bytes(b"")
    problems: list[str] = []
    try:
        for i, (p, w) in enumerate(zip(pushes, want, strict=True)):
            use_cache(ContentCache(folder, 2 << 30))
            problems += mismatch(summary(decide(*p)), w, f"{damage} cache push #{i}")
    finally:
        use_cache(None)
    assert not problems, "\n".join(problems)


def test_symbolic_revisions_move(tmp_path: Path) -> None:
    """Revisions named by branch, tag, short sha and HEAD~n: a name that moves between pushes
    must not be served from what it named before."""
    r, base = make_platform(tmp_path / "repo")
    r.git("tag", "v-base")
    r.git("checkout", "-q", "-b", "pr")
    r.write("plain/a.yaml", deployment("a", replicas=1))
    r.commit("h1")
    named = [("main", "pr"), ("v-base", "pr"), (base[:10], "HEAD")]
    problems: list[str] = []
    warm = ContentCache(tmp_path / "cache", 2 << 30)
    for step in range(4):
        for b, h in named:
            want = reference(r.path, b, h)
            use_cache(warm)
            try:
                problems += mismatch(summary(decide(r.path, b, h)), want, f"warm {step} {b}..{h}")
            finally:
                use_cache(None)
            use_cache(ContentCache(tmp_path / "cache", 2 << 30))
            try:
                problems += mismatch(summary(decide(r.path, b, h)), want, f"fresh {step} {b}..{h}")
            finally:
                use_cache(None)
        if step == 0:                      # the PR branch moves
            r.write("apps/base/pdb.yaml", pdb("llm-serve", "maxUnavailable: 0"))
            r.commit("h2")
        elif step == 1:                    # main and the tag move
            r.git("checkout", "-q", "main")
            r.write("monitoring/llm-serve-sm.yaml", servicemonitor("nothing"))
            r.commit("main moves")
            r.git("tag", "-f", "v-base")
            r.git("checkout", "-q", "pr")
        elif step == 2:                    # the PR branch is force-moved back
            r.git("reset", "-q", "--hard", "HEAD~1")
    assert not problems, "\n".join(problems)


def test_dirty_worktree_is_not_read(tmp_path: Path) -> None:
    """Revisions are read from git, not from whatever the working tree holds: uncommitted
    edits, untracked files and a checkout of another revision change nothing. The reference
    is taken in a pristine clone."""
    r, base = make_platform(tmp_path / "repo")
    heads = s_component_add_remove(r, base)
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(r.path), str(tmp_path / "clean")],
                   check=True)
    clean = tmp_path / "clean"
    want = [reference(clean, base, h) for h in heads]
    r.git("checkout", "-q", base)
    r.write("apps/components/gke/kustomization.yaml", "garbage: [\n")
    r.write("apps/base/deployment.yaml", deployment("llm-serve", replicas=1, gpus=8))
    r.write("plain/untracked.yaml", deployment("untracked", replicas=1))
    r.write("apps/base/kustomization.yaml", kustomization(["deployment.yaml"]))
    problems: list[str] = []
    warm = ContentCache(tmp_path / "cache", 2 << 30)
    use_cache(warm)
    try:
        for i, (h, w) in enumerate(zip(heads, want, strict=True)):
            problems += mismatch(summary(decide(r.path, base, h)), w, f"dirty warm #{i}")
    finally:
        use_cache(None)
    for i, (h, w) in enumerate(zip(heads, want, strict=True)):
        try:
            problems += mismatch(reference(r.path, base, h), w, f"dirty reference #{i}")
        finally:
            use_cache(None)
    assert not problems, "\n".join(problems)
