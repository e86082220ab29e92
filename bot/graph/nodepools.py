"""Node pools that can host workloads, recognised through the instance catalogue.

EKS managed node groups (`aws_eks_node_group`, with the instance type of their launch template
when the template is in the tree), eksctl `ClusterConfig` node groups, Karpenter NodePools (their
instance requirements and capacity types), GKE `google_container_node_pool` (machine type or
`guest_accelerator` blocks) and AKS `azurerm_kubernetes_cluster_node_pool`. A pool's accelerators
come from `bot.graph.accelerators`; names are never guessed from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.graph.accelerators import Catalogue, InstanceType, load_accelerators
from bot.ingest.documents import Document
from bot.ingest.values import as_int, dig

# AKS puts this taint on every spot node (https://learn.microsoft.com/azure/aks/spot-node-pool)
AKS_SPOT_TAINT = "kubernetes.azure.com/scalesetpriority"
_REFERENCE = re.compile(r"^\$\{(var|local)\.([A-Za-z_][\w-]*)\}$")
_ZONE = re.compile(r"^[a-z]+-[a-z]+\d+-[a-z]$")  # a GCP zone (`us-central1-a`), not a region
# Label domains of Kubernetes, the clouds, Karpenter and NVIDIA's feature discovery: every node of
# a pool gets such labels (zone, region, arch, instance type, node group, GPU product) whatever
# the pool's written labels say.
WELL_KNOWN_DOMAINS = ("kubernetes.io", "k8s.io", "karpenter.sh", "amazonaws.com", "azure.com",
                      "cloud.google.com", "nvidia.com")
KARPENTER_GPU_KEYS = ("karpenter.k8s.aws/instance-gpu", "karpenter.azure.com/sku-gpu")


@dataclass
class Where:
    """A value of a pool and the file and line it was read from."""

    path: str
    line: int


@dataclass
class PoolCommitment:
    """What a pool of the base tree committed to, as the head tree's review reads it."""

    floor: int
    gpus_per_node: int
    accelerator: str
    machine: str
    floor_at: Where
    gpus_at: Where


@dataclass(frozen=True)
class PriorPool:
    """A head pool's base side, in a review: what it committed to (GPU pools only) and the node
    labels its nodes carried there (HEAD014 reads a key the change stopped setting)."""

    commitment: PoolCommitment | None
    label_keys: frozenset[str]


@dataclass
class NodePool:
    doc: Document
    min_nodes: int | None = None
    max_nodes: int | None = None
    max_nodes_key: tuple[Any, ...] = ()
    gpus_per_node: int | None = None
    gpu_limit: int | None = None  # Karpenter `limits` on GPUs across the pool
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[str] = field(default_factory=list)  # keys
    zones: list[str] = field(default_factory=list)
    spot: bool | None = None  # can run on spot capacity
    machine: str = ""
    on_demand: bool = True  # can run on on-demand (or reserved) capacity
    group: str = ""  # the node group inside a document that holds several (eksctl)
    subnets: list[str] = field(default_factory=list)  # literal subnet ids (one AZ each)
    instances: list[InstanceType] = field(default_factory=list)  # catalogue entries
    accelerator: str = ""  # the accelerator model, as the catalogue names it
    gpu_declared: bool = False  # GPUs stated without a count (Karpenter GPU requirement, a
    # guest_accelerator block whose count is a variable)
    min_at: Where | None = None
    gpus_at: Where | None = None
    zones_at: Where | None = None
    prior: PriorPool | None = None  # the base side, in a review
    labels_key: tuple[Any, ...] = ()  # where the labels are written in the document
    # Karpenter requirements on a label of the operator's own (`In`): each node carries one of
    # the values, the one a pod's selector asks for; (values, line of the requirement)
    label_choices: dict[str, tuple[tuple[str, ...], int]] = field(default_factory=dict)

    @property
    def gpu(self) -> bool:
        return bool(self.instances or self.gpus_per_node or self.gpu_limit or
                    self.gpu_declared)

    @property
    def name(self) -> str:
        return f"{self.doc.name}[{self.group}]" if self.group else self.doc.name

    @property
    def subject(self) -> str:
        return f"{self.doc.identity}#{self.group}" if self.group else self.doc.identity

    def label_values(self, key: str) -> tuple[str, ...]:
        """The values of node label `key` the pool's nodes may carry (none: it sets no such
        label)."""
        if key in self.labels:
            return (self.labels[key],)
        return self.label_choices[key][0] if key in self.label_choices else ()

    def label_at(self, key: str) -> Where:
        """Where the pool sets node label `key`: the label's own line in YAML, the labels
        block in Terraform (its line table is by field name, and a label may share one)."""
        if key not in self.labels and key in self.label_choices:
            return Where(self.doc.path, self.label_choices[key][1])
        keys = self.labels_key if self.doc.format == "terraform" else (*self.labels_key, key)
        return Where(self.doc.path, self.doc.line_at(*keys))

    @property
    def spot_only(self) -> bool:
        return bool(self.spot) and not self.on_demand

    @property
    def committed_gpus(self) -> int | None:
        """GPUs the pool keeps running at its floor (None when either factor is unknown)."""
        if self.min_nodes is None or self.gpus_per_node is None:
            return None
        return self.min_nodes * self.gpus_per_node

    def base_side(self) -> PriorPool:
        """What a review of a change to this (base) pool compares the head pool with."""
        return PriorPool(self.commitment(), frozenset((*self.labels, *self.label_choices)))

    def commitment(self) -> PoolCommitment | None:
        if self.min_nodes is None or not self.gpus_per_node or self.min_at is None or \
                self.gpus_at is None:
            return None
        return PoolCommitment(self.min_nodes, self.gpus_per_node, self.accelerator, self.machine,
                              self.min_at, self.gpus_at)


@dataclass
class TerraformIndex:
    """What a pool's references point at: variable defaults, locals and launch templates."""

    variables: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Document] = field(default_factory=dict)

    @classmethod
    def of(cls, documents: list[Document]) -> TerraformIndex:
        out = cls()
        for doc in documents:
            if doc.format != "terraform" or not isinstance(doc.body, dict):
                continue
            if doc.kind == "variable" and "default" in doc.body:
                out.variables[doc.name.removeprefix("variable.")] = doc.body["default"]
            elif doc.kind == "locals":
                out.locals.update(doc.body)
            else:
                out.resources[doc.name] = doc
        return out

    def resolve(self, value: Any) -> Any:
        """`${var.x}` to the variable's default, `${local.x}` to the local; else as written."""
        match = _REFERENCE.match(value) if isinstance(value, str) else None
        if match is None:
            return value
        table = self.variables if match.group(1) == "var" else self.locals
        return table.get(match.group(2), value)

    def launch_template(self, pool: Document) -> Document | None:
        ref = dig(_first(pool.body.get("launch_template")), "id") or \
            dig(_first(pool.body.get("launch_template")), "name")
        match = re.match(r"^\$\{(aws_launch_template\.[\w-]+)\.(id|name)\}$", str(ref or ""))
        return self.resources.get(match.group(1)) if match else None


def _first(value: Any) -> Any:
    """Nested HCL blocks read as one-item lists."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value


def _keeps_off(effect: Any) -> bool:
    """Whether a taint with this effect keeps pods that do not tolerate it off the node:
    `PreferNoSchedule` (Terraform: `PREFER_NO_SCHEDULE`) only steers them away."""
    return str(effect).replace("_", "").lower() != "prefernoschedule"


def _hard_keys(taints: Any) -> list[str]:
    """The keys of the taints (Kubernetes or Terraform blocks) that keep pods off."""
    return [str(_first(t).get("key")) for t in taints or []
            if isinstance(_first(t), dict) and _keeps_off(_first(t).get("effect"))]


def label_value(value: Any) -> str:
    """A node label's value as the node carries it: Terraform turns `true` in a `map(string)`
    into "true" (Python's str would say "True")."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _labels(value: Any) -> dict[str, str]:
    value = _first(value)
    return {str(k): label_value(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _at(doc: Document, *keys: str) -> Where:
    """Where the first of `keys` the document has is written (else the document itself)."""
    for key in keys:
        if key in doc.text_lines:
            return Where(doc.path, doc.text_lines[key])
    return Where(doc.path, doc.line)


def _per_node(pool: NodePool, found: list[InstanceType], at: Where) -> None:
    """Accelerators per node from catalogue entries: known when every candidate agrees."""
    pool.instances = found
    counts = {i.count for i in found}
    models = {i.model.name for i in found}
    if len(counts) == 1:
        pool.gpus_per_node = counts.pop()
        pool.gpus_at = at
    pool.accelerator = " or ".join(sorted(models))


def node_pools_of(doc: Document, index: TerraformIndex | None = None,
                  catalogue: Catalogue | None = None) -> list[NodePool]:
    """The node pools one document declares (eksctl declares several)."""
    cat = catalogue or load_accelerators()
    tf = index or TerraformIndex()
    body = doc.body if isinstance(doc.body, dict) else {}
    if doc.format == "terraform" and doc.kind == "aws_eks_node_group":
        return [_eks(doc, body, tf, cat)]
    if doc.format == "terraform" and doc.kind == "google_container_node_pool":
        return [_gke(doc, body, tf, cat)]
    if doc.format == "terraform" and doc.kind == "azurerm_kubernetes_cluster_node_pool":
        return [_aks(doc, body, tf, cat)]
    if doc.format == "k8s" and doc.kind == "NodePool" and doc.api_version.startswith("karpenter"):
        return [_karpenter(doc, body, cat)]
    if doc.format == "k8s" and doc.kind == "ClusterConfig" and \
            doc.api_version.startswith("eksctl.io"):
        return _eksctl(doc, body, cat)
    return []


def _eks(doc: Document, body: dict[str, Any], tf: TerraformIndex, cat: Catalogue) -> NodePool:
    scaling = _first(body.get("scaling_config")) or {}
    types = _strings(tf.resolve(body.get("instance_types")))
    types_at = _at(doc, "instance_types")
    template = tf.launch_template(doc)
    if not types and template is not None and isinstance(template.body.get("instance_type"), str):
        types, types_at = [template.body["instance_type"]], _at(template, "instance_type")
    taints = _hard_keys(body.get("taint"))
    capacity = str(tf.resolve(body.get("capacity_type", "ON_DEMAND"))).upper()
    pool = NodePool(doc, as_int(scaling.get("min_size")), as_int(scaling.get("max_size")),
                    ("scaling_config", "max_size"), labels=_labels(body.get("labels")),
                    labels_key=("labels",),
                    taints=taints, spot=capacity == "SPOT", machine=",".join(types),
                    on_demand=capacity != "SPOT", min_at=_at(doc, "min_size"))
    subnets = tf.resolve(body.get("subnet_ids"))
    if isinstance(subnets, list) and all("${" not in str(s) for s in subnets):
        pool.subnets = [str(s) for s in subnets]
        pool.zones_at = _at(doc, "subnet_ids")
    found = [i for i in map(cat.instance, types) if i is not None]
    if found:
        _per_node(pool, found, types_at)
    return pool


def _gke(doc: Document, body: dict[str, Any], tf: TerraformIndex, cat: Catalogue) -> NodePool:
    auto = _first(body.get("autoscaling")) or {}
    node = _first(body.get("node_config")) or {}
    accel = _first(node.get("guest_accelerator")) or {}
    taints = _hard_keys(node.get("taint"))
    count = as_int(body.get("node_count"))
    low = as_int(auto.get("min_node_count"))
    total_low = as_int(auto.get("total_min_node_count"))
    high = as_int(auto.get("max_node_count"))
    total_high = as_int(auto.get("total_max_node_count"))
    locations = _strings(tf.resolve(body.get("node_locations")))
    location = str(tf.resolve(body.get("location")) or "")
    if not locations and _ZONE.match(location):
        locations = [location]
    # `min_node_count`/`max_node_count` are per zone; the `total_` ones are for the whole pool
    per_zone = len(locations) or 1
    floor = total_low if total_low is not None else (
        low * per_zone if low is not None else count * per_zone if count is not None else None)
    ceiling = total_high if total_high is not None else (
        high * per_zone if high is not None else count * per_zone if count is not None else None)
    spot = bool(node.get("spot")) or bool(node.get("preemptible"))
    machine = str(node.get("machine_type", ""))
    pool = NodePool(doc, floor, ceiling, ("autoscaling", "max_node_count"), labels=_labels(
        node.get("labels")), labels_key=("labels",), taints=taints, zones=locations, spot=spot,
        machine=machine + (f" {accel.get('type')}" if accel.get("type") else ""),
        on_demand=not spot, min_at=_at(doc, "total_min_node_count", "min_node_count",
                                       "node_count"))
    if locations:
        pool.zones_at = _at(doc, "node_locations", "location")
    instance = cat.instance(machine)
    if instance is not None:
        _per_node(pool, [instance], _at(doc, "machine_type"))
    declared = as_int(tf.resolve(accel.get("count")))
    model = cat.gke_model(str(tf.resolve(accel.get("type", ""))))
    pool.gpu_declared = bool(accel)
    if declared:  # the block states what the node gets, whatever the machine type
        pool.gpus_per_node, pool.gpus_at = declared, _at(doc, "guest_accelerator")
        pool.accelerator = model.name if model else str(tf.resolve(accel.get("type", "")))
    return pool


def _aks(doc: Document, body: dict[str, Any], tf: TerraformIndex, cat: Catalogue) -> NodePool:
    zones = _strings(tf.resolve(body.get("zones")))
    spot = str(body.get("priority", "")).lower() == "spot"
    # `key=value:Effect`
    taints = [str(t).split("=")[0].split(":")[0] for t in body.get("node_taints", []) or []
              if _keeps_off(str(t).rpartition(":")[2])]
    if spot and AKS_SPOT_TAINT not in taints:
        taints.append(AKS_SPOT_TAINT)
    autoscaled = body.get("enable_auto_scaling", body.get("auto_scaling_enabled")) is True
    count = as_int(body.get("node_count"))
    low = as_int(body.get("min_count")) if autoscaled or "min_count" in body else count
    high = as_int(body.get("max_count")) if autoscaled or "max_count" in body else count
    vm = str(body.get("vm_size", ""))
    pool = NodePool(doc, low, high, ("max_count",) if "max_count" in body else ("node_count",),
                    labels=_labels(body.get("node_labels")), labels_key=("node_labels",),
                    taints=taints, zones=zones,
                    spot=spot, machine=vm, on_demand=not spot,
                    min_at=_at(doc, "min_count" if "min_count" in body else "node_count"))
    if zones:
        pool.zones_at = _at(doc, "zones")
    instance = cat.instance(vm)
    if instance is not None:
        _per_node(pool, [instance], _at(doc, "vm_size"))
    return pool


def _karpenter(doc: Document, body: dict[str, Any], cat: Catalogue) -> NodePool:
    spec: dict[str, Any] = body["spec"] if isinstance(body.get("spec"), dict) else {}
    tpl = dig(spec, "template", "spec")
    tpl = tpl if isinstance(tpl, dict) else {}
    limits: dict[str, Any] = spec["limits"] if isinstance(spec.get("limits"), dict) else {}
    zones: list[str] = []
    capacity = ["on-demand"]  # Karpenter's default when no capacity-type requirement is written
    types: list[InstanceType] = []
    gpu_counts: set[int] = set()
    gpu_declared = False
    choices: dict[str, tuple[tuple[str, ...], int]] = {}
    for index, req in enumerate(tpl.get("requirements", []) or []):
        if not isinstance(req, dict):
            continue
        key, values = str(req.get("key", "")), _strings(req.get("values"))
        if req.get("operator", "In") == "In" and values and not provider_label(key):
            choices[key] = (tuple(values), doc.line_at("spec", "template", "spec",
                                                       "requirements", index))
        if req.get("operator", "In") != "In":
            gpu_declared |= key.startswith(KARPENTER_GPU_KEYS)
            continue
        if key == "topology.kubernetes.io/zone":
            zones = values
        elif key == "karpenter.sh/capacity-type":
            capacity = values
        elif key == "node.kubernetes.io/instance-type":
            types += [i for i in map(cat.instance, values) if i is not None]
        elif key == "karpenter.k8s.aws/instance-family":
            types += [i for v in values for i in cat.family_sizes(v)]
        elif key.startswith(KARPENTER_GPU_KEYS):
            gpu_declared = True
            if key.endswith("-count"):
                gpu_counts |= {n for n in map(as_int, values) if n is not None}
    if gpu_counts:  # a count requirement narrows the families to the sizes that match it
        types = [i for i in types if i.count in gpu_counts] or types
    taints = _hard_keys(tpl.get("taints"))
    labels = _labels(dig(spec, "template", "metadata", "labels"))
    pool = NodePool(doc, None, None, ("spec", "limits"), None,
                    as_int(limits.get("nvidia.com/gpu")), labels, taints, zones,
                    "spot" in capacity, "karpenter",
                    on_demand=bool({"on-demand", "reserved"} & set(capacity)),
                    gpu_declared=gpu_declared,
                    labels_key=("spec", "template", "metadata", "labels"),
                    label_choices=choices)
    requirements_at = Where(doc.path, doc.line_at("spec", "template", "spec", "requirements"))
    if zones:
        pool.zones_at = requirements_at
    if types:
        _per_node(pool, types, requirements_at)
    if len(gpu_counts) == 1 and pool.gpus_per_node is None:
        pool.gpus_per_node, pool.gpus_at = next(iter(gpu_counts)), requirements_at
    return pool


def provider_label(key: str) -> bool:
    """A label Kubernetes, Karpenter, a cloud provider or NVIDIA defines
    (`topology.kubernetes.io/zone`, `karpenter.k8s.aws/instance-family`), not one of the
    operator's own: a pool's written labels do not list it, so it cannot rule a pool out."""
    domain = key.split("/", 1)[0] if "/" in key else ""
    return domain.startswith("karpenter.") or any(
        domain == known or domain.endswith("." + known) for known in WELL_KNOWN_DOMAINS)


def _eksctl(doc: Document, body: dict[str, Any], cat: Catalogue) -> list[NodePool]:
    out: list[NodePool] = []
    for key in ("managedNodeGroups", "nodeGroups"):
        groups = body.get(key)
        for index, group in enumerate(groups if isinstance(groups, list) else []):
            if not isinstance(group, dict):
                continue
            types = _strings(group.get("instanceTypes")) or (
                [str(group["instanceType"])] if group.get("instanceType") else [])
            spot = group.get("spot") is True
            raw_taints = group.get("taints")
            # a list of taints, or (older eksctl) a map of key to `value:Effect`
            taints = _hard_keys(raw_taints) if isinstance(raw_taints, list) else \
                [str(k) for k, v in raw_taints.items() if _keeps_off(str(v).rpartition(":")[2])] \
                if isinstance(raw_taints, dict) else []
            low = as_int(group.get("minSize"))
            if low is None:
                low = as_int(group.get("desiredCapacity"))
            high = as_int(group.get("maxSize"))
            pool = NodePool(doc, low, high if high is not None else low,
                            (key, index, "maxSize"), labels=_labels(group.get("labels")),
                            labels_key=(key, index, "labels"),
                            taints=taints, zones=_strings(group.get("availabilityZones")),
                            spot=spot, machine=",".join(types), on_demand=not spot,
                            group=str(group.get("name") or index),
                            min_at=Where(doc.path, doc.line_at(key, index, "minSize")))
            if pool.zones:
                pool.zones_at = Where(doc.path, doc.line_at(key, index, "availabilityZones"))
            found = [i for i in map(cat.instance, types) if i is not None]
            if found:
                at = "instanceTypes" if group.get("instanceTypes") else "instanceType"
                _per_node(pool, found, Where(doc.path, doc.line_at(key, index, at)))
            out.append(pool)
    return out
