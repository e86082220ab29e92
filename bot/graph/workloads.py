"""Workloads: anything that runs pods, with its pod spec located inside its document."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any

from bot.ingest.documents import Document
from bot.ingest.values import as_int, dig

GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu", "google.com/tpu", "habana.ai/gaudi")

# kind -> path of the pod spec inside the document
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "DeploymentConfig": ("spec", "template", "spec"),  # OpenShift (apps.openshift.io/v1)
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
    "InferenceService": ("spec", "predictor"),
}
BATCH_KINDS = frozenset({"Job", "CronJob"})


@dataclass(frozen=True)
class PriorRole:
    """What a workload was in the base tree of a review, so head decides its role from both.

    A serving workload whose GPU request a change removes is still a GPU server to the rules
    about GPU servers (and the removal is a finding of its own), instead of quietly becoming a
    workload those rules skip.
    """

    serving: bool
    gpus: dict[str, tuple[int, str, int]]  # container name -> (accelerators, base path, line)


@dataclass
class Container:
    name: str
    body: dict[str, Any]
    path: tuple[Any, ...]  # key path from the document root
    init: bool = False
    gpus_before: int = 0  # accelerators it requested in the base tree of a review

    @property
    def image(self) -> str:
        return str(self.body.get("image") or "")

    @property
    def argv(self) -> list[str]:
        out: list[str] = []
        for key in ("command", "args"):
            value = self.body.get(key)
            if isinstance(value, list):
                out.extend(str(v) for v in value)
            elif isinstance(value, str):
                out.append(value)
        return out

    def resources(self, which: str) -> dict[str, Any]:
        res = self.body.get("resources")
        part = res.get(which) if isinstance(res, dict) else None
        return part if isinstance(part, dict) else {}

    @functools.cached_property
    def gpus(self) -> int:  # read for every workload by rules and facts; a body is not edited
        total = 0
        for which in ("limits", "requests"):
            for key in GPU_RESOURCES:
                value = self.resources(which).get(key)
                try:
                    total = max(total, int(str(value)))
                except (TypeError, ValueError):
                    continue
        return total

    @property
    def accelerated(self) -> bool:
        """Requests accelerators, or did before the change under review."""
        return bool(self.gpus or self.gpus_before)


@dataclass
class Workload:
    doc: Document
    pod_path: tuple[Any, ...]
    pod: dict[str, Any]
    labels: dict[str, str]
    containers: list[Container] = field(default_factory=list)
    replicas: int | None = None
    replicas_path: tuple[Any, ...] = ()
    group: str = ""  # Ray worker group / KServe component
    serving: bool = False
    prior: PriorRole | None = None  # its role in the base tree of a review
    benchmark: bool = False  # deployed as the target of a benchmark harness, not for users

    @property
    def kind(self) -> str:
        return self.doc.kind

    @property
    def namespace(self) -> str:
        return self.doc.namespace

    @property
    def subject(self) -> str:
        return f"{self.doc.identity}#{self.group}" if self.group else self.doc.identity

    @property
    def ref(self) -> str:
        return f"{self.doc.ref}[{self.group}]" if self.group else self.doc.ref

    @property
    def gpus_per_pod(self) -> int:
        return sum(c.gpus for c in self.containers if not c.init)

    @property
    def batch(self) -> bool:
        return self.kind in BATCH_KINDS

    def line(self, *keys: Any) -> int:
        return self.doc.line_at(*keys)

    def gpu_line(self, c: Container) -> int:
        """Line of the container's accelerator limit (else request, else the container)."""
        for which in ("limits", "requests"):
            for key in GPU_RESOURCES:
                if key in c.resources(which):
                    return self.line(*c.path, "resources", which, key)
        return self.line(*c.path)

    def role(self) -> PriorRole:
        """This workload's role, as the head tree of a review will see its base."""
        return PriorRole(self.serving, {c.name: (c.gpus, self.doc.path, self.gpu_line(c))
                                        for c in self.containers if c.gpus and not c.init})

    def again(self) -> Workload:
        """This workload (of no base side) for another tree's graph of the same document,
        before that graph sets its base side and role. Its containers are shared with it until
        `assume` sets what they requested before (what each requests, `gpus`, is kept)."""
        out = Workload.__new__(Workload)  # a copy: copy.copy's protocol cost 4 times this
        out.__dict__.update(self.__dict__, containers=list(self.containers), serving=False)
        return out

    def assume(self, prior: PriorRole) -> None:
        """Take the role the workload had in base into account (see `PriorRole`); a container
        it changes is copied first (`again` shares them)."""
        self.prior = prior
        for index, c in enumerate(self.containers):
            before = prior.gpus[c.name][0] if c.name in prior.gpus else 0
            if c.gpus_before != before:
                self.containers[index] = c = copy.copy(c)
                c.gpus_before = before


def _containers(pod: dict[str, Any], pod_path: tuple[Any, ...]) -> list[Container]:
    found: list[Container] = []
    for key, init in (("containers", False), ("initContainers", True)):
        items = pod.get(key)
        if not isinstance(items, list):
            continue
        for index, body in enumerate(items):
            if isinstance(body, dict):
                found.append(Container(str(body.get("name") or index), body,
                                       (*pod_path, key, index), init))
    # KServe predictors name the serving container by model format instead of a list
    for key in ("model", "triton", "tensorflow", "pytorch", "sklearn", "xgboost", "onnx",
                "huggingface"):
        body = pod.get(key)
        if isinstance(body, dict) and key not in ("containers", "initContainers"):
            found.append(Container(key, body, (*pod_path, key)))
    return found


def workloads_of(doc: Document) -> list[Workload]:
    body = doc.body
    if not isinstance(body, dict):
        return []
    kind = doc.kind
    if kind in POD_SPEC_PATHS:
        path = POD_SPEC_PATHS[kind]
        pod = dig(body, *path)
        if not isinstance(pod, dict):
            return []
        if kind == "InferenceService":
            labels = dict(dig(body, "metadata", "labels") or {})
            replicas_path: tuple[Any, ...] = ("spec", "predictor", "minReplicas")
        else:
            tpl_labels = dig(body, *(*path[:-1], "metadata", "labels"))
            labels = dict(tpl_labels or {}) if isinstance(tpl_labels, dict) else {}
            replicas_path = ("spec", "replicas") if kind not in ("Pod", "DaemonSet") else ()
        replicas = as_int(dig(body, *replicas_path)) if replicas_path else None
        if kind == "Pod":
            replicas = 1
        elif replicas_path and replicas is None and kind in ("Deployment", "StatefulSet",
                                                             "ReplicaSet"):
            replicas = None  # unset: 1 by default unless an HPA owns it
        return [Workload(doc, path, pod, {str(k): str(v) for k, v in labels.items()},
                         _containers(pod, path), replicas, replicas_path)]
    if kind in ("RayCluster", "RayService"):
        root: tuple[Any, ...] = ("spec",) if kind == "RayCluster" else ("spec", "rayClusterConfig")
        spec = dig(body, *root)
        if not isinstance(spec, dict):
            return []
        out: list[Workload] = []
        head_path = (*root, "headGroupSpec", "template", "spec")
        head = dig(body, *head_path)
        if isinstance(head, dict):
            out.append(Workload(doc, head_path, head, {"ray.io/node-type": "head"},
                                _containers(head, head_path), 1, (), "head"))
        groups = spec.get("workerGroupSpecs")
        for index, group in enumerate(groups if isinstance(groups, list) else []):
            if not isinstance(group, dict):
                continue
            pod_path = (*root, "workerGroupSpecs", index, "template", "spec")
            pod = dig(body, *pod_path)
            if isinstance(pod, dict):
                rpath = (*root, "workerGroupSpecs", index, "replicas")
                out.append(Workload(doc, pod_path, pod, {"ray.io/node-type": "worker"},
                                    _containers(pod, pod_path), as_int(group.get("replicas")),
                                    rpath, str(group.get("groupName") or index)))
        return out
    return []
