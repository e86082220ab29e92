"""Vendor lock-in: what ties a platform to one cloud, each reported with its portable way out.

Every check takes its provider vocabulary (annotation prefixes, CSI drivers, class names,
Terraform types) from the rule's params, keyed by provider, so a repository can extend it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from bot.checks.common import dig, hcl_block, mapping, metadata_annotations, prefixed
from bot.checks.contract import Check, CheckContext, CheckParams, Hit, check, ev
from bot.graph.platform import PlatformGraph
from bot.graph.workloads import Workload
from bot.ingest.documents import Document
from bot.ingest.kustomize import is_component

INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
ByProvider = dict[str, list[str]]  # provider -> the values (prefixes, names) that mark it


def _values_of(groups: ByProvider) -> dict[str, str]:
    """Invert provider -> values into value -> provider."""
    return {str(v): provider for provider, values in groups.items() for v in values or []}


class Isolated(CheckParams):
    isolated_dirs: ByProvider  # names of per-cloud folders (`gke/`, `eks/`): already isolated


def _component_dirs(graph: PlatformGraph) -> frozenset[str]:
    """Folders of kustomize Components: opt-in pieces an overlay includes for one setup.
    Worked out once per graph (`PlatformGraph.derived`): every lock-in rule reads them, and a
    review's changed documents read them from the judged base's graph (`bot.checks.scope`),
    which outlives the review."""
    return graph.derived("component folders", _components)


def _components(graph: PlatformGraph) -> frozenset[str]:
    return frozenset(posixpath.dirname(doc.path) for doc in graph.kind("Kustomization")
                     if is_component(doc))


def isolated(path: str, provider: str, params: Isolated, components: frozenset[str]) -> bool:
    """Whether a provider dependency already sits where the rules' remedies put it: in a folder
    named for that cloud (`configs/gateway/gke/`), or in a kustomize Component."""
    folders = path.split("/")[:-1]
    if set(folders) & {str(d) for d in params.isolated_dirs.get(provider) or []}:
        return True
    return any("/".join(folders[:i]) in components for i in range(1, len(folders) + 1))


IsolatedP = TypeVar("IsolatedP", bound=Isolated)


CheckFn = Callable[[CheckContext[IsolatedP]], Iterator[Hit]]


def _component(params: Isolated, doc: Document) -> bool:
    """A Component isolates what lies below its folder, wherever that is in the tree."""
    return doc.kind == "Kustomization" and is_component(doc)


def lock_in_check(name: str, params: type[IsolatedP]
                  ) -> Callable[[CheckFn[IsolatedP]], Check[IsolatedP]]:
    """A lock-in check whose hits (each naming its `provider`) are dropped where that
    dependency is already isolated."""
    def bind(fn: CheckFn[IsolatedP]) -> Check[IsolatedP]:
        def run(ctx: CheckContext[IsolatedP]) -> Iterator[Hit]:
            components = _component_dirs(ctx.whole)
            return (h for h in fn(ctx)
                    if not isolated(h.path, h.fields["provider"], ctx.params, components))
        return Check(name, params, run, _component)
    return bind


def _class_settings(doc: Document) -> list[tuple[str, Any, tuple[Any, ...]]]:
    """Where a Service or Ingress names the controller that implements it."""
    spec = mapping(doc.body.get("spec"))
    out: list[tuple[str, Any, tuple[Any, ...]]] = []
    for key in ("ingressClassName", "loadBalancerClass"):
        if key in spec:
            out.append((f"spec.{key}", spec[key], ("spec", key)))
    notes = metadata_annotations(doc)
    if INGRESS_CLASS_ANNOTATION in notes:
        out.append((INGRESS_CLASS_ANNOTATION, notes[INGRESS_CLASS_ANNOTATION],
                    ("metadata", "annotations", INGRESS_CLASS_ANNOTATION)))
    return out


class LoadBalancers(Isolated):
    kinds: list[str]
    annotation_prefixes: ByProvider
    classes: ByProvider


@lock_in_check("provider_load_balancer", LoadBalancers)
def provider_load_balancer(ctx: CheckContext[LoadBalancers]) -> Iterator[Hit]:
    """Service/Ingress annotations and classes that only one cloud's controller understands."""
    prefixes = ctx.params.annotation_prefixes
    classes = _values_of(ctx.params.classes)
    for doc in ctx.graph.kind(*ctx.params.kinds):
        found: dict[str, list[tuple[str, Any, tuple[Any, ...]]]] = {}
        for key, value in metadata_annotations(doc).items():
            provider = prefixed(str(key), prefixes)
            if provider:
                found.setdefault(provider, []).append(
                    (str(key), value, ("metadata", "annotations", key)))
        for label, value, path in _class_settings(doc):
            provider = classes.get(str(value))
            if provider:
                found.setdefault(provider, []).append((label, value, path))
        for provider, settings in found.items():
            line = doc.line_at(*settings[0][2])
            yield Hit(subject=doc.identity, path=doc.path, line=line, detail=provider,
                      fields={"object": doc.ref, "provider": provider, "count": len(settings),
                              "first": settings[0][0]},
                      evidence=[ev(label, value, doc.path, doc.line_at(*path))
                                for label, value, path in settings])


def _volume_driver(volume: dict[str, Any], drivers: dict[str, str],
                   volume_types: dict[str, str]) -> tuple[str, str, str] | None:
    """(provider, field, driver) for an inline pod volume bound to one cloud's storage."""
    driver = dig(volume, "csi", "driver")
    if isinstance(driver, str) and driver in drivers:
        return drivers[driver], "csi.driver", driver
    for field, provider in volume_types.items():
        if field in volume:
            return provider, field, field
    return None


def _pod_volume_hits(w: Workload, drivers: dict[str, str], volume_types: dict[str, str]
                     ) -> Iterator[Hit]:
    for index, volume in enumerate(w.pod.get("volumes") or []):
        if not isinstance(volume, dict):
            continue
        bound = _volume_driver(volume, drivers, volume_types)
        if bound is None:
            continue
        provider, field, driver = bound
        name = str(volume.get("name") or index)
        line = w.line(*w.pod_path, "volumes", index, *field.split("."))
        yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=f"volume:{name}",
                  fields={"object": w.ref, "provider": provider, "driver": driver,
                          "where": f"volume {name}"},
                  evidence=[ev(f"volume {name} {field}", driver, w.doc.path, line)])


class StorageDrivers(Isolated):
    drivers: ByProvider
    volume_types: ByProvider


@lock_in_check("provider_storage_driver", StorageDrivers)
def provider_storage_driver(ctx: CheckContext[StorageDrivers]) -> Iterator[Hit]:
    """StorageClasses, PersistentVolumes and inline volumes that name one cloud's storage."""
    drivers = _values_of(ctx.params.drivers)
    volume_types = _values_of(ctx.params.volume_types)
    for doc in ctx.graph.kind("StorageClass"):
        provisioner = doc.body.get("provisioner")
        if isinstance(provisioner, str) and provisioner in drivers:
            line = doc.line_at("provisioner")
            yield Hit(subject=doc.identity, path=doc.path, line=line,
                      fields={"object": doc.ref, "provider": drivers[provisioner],
                              "driver": provisioner, "where": "provisioner"},
                      evidence=[ev("provisioner", provisioner, doc.path, line)])
    for doc in ctx.graph.kind("PersistentVolume"):
        spec = mapping(doc.body.get("spec"))
        bound = _volume_driver(spec, drivers, volume_types)
        if bound:
            provider, field, driver = bound
            line = doc.line_at("spec", *field.split("."))
            yield Hit(subject=doc.identity, path=doc.path, line=line,
                      fields={"object": doc.ref, "provider": provider, "driver": driver,
                              "where": f"spec.{field}"},
                      evidence=[ev(f"spec.{field}", driver, doc.path, line)])
    for w in ctx.graph.workloads:
        yield from _pod_volume_hits(w, drivers, volume_types)


def _claims(doc: Document) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    """(claim name, storageClassName, its key path) for a PVC or a StatefulSet's templates."""
    if doc.kind == "PersistentVolumeClaim":
        spec = mapping(doc.body.get("spec"))
        if "storageClassName" in spec:
            yield doc.name, spec["storageClassName"], ("spec", "storageClassName")
        return
    for index, tpl in enumerate(dig(doc.body, "spec", "volumeClaimTemplates") or []):
        spec = mapping(dig(tpl, "spec"))
        if "storageClassName" in spec:
            name = str(dig(tpl, "metadata", "name") or index)
            yield (name, spec["storageClassName"],
                   ("spec", "volumeClaimTemplates", index, "spec", "storageClassName"))


class StorageClasses(Isolated):
    classes: ByProvider
    terraform_types: list[str]  # Terraform types that define a StorageClass


@lock_in_check("provider_storage_class_name", StorageClasses)
def provider_storage_class_name(ctx: CheckContext[StorageClasses]) -> Iterator[Hit]:
    """Claims that ask for a cloud's built-in class by name, with no such class in the tree.

    A class the repository defines itself is the portable indirection (and the class itself is
    checked by `provider_storage_driver`); a cloud's default name only exists on that cloud.
    """
    classes = _values_of(ctx.params.classes)
    defined = {doc.name for doc in ctx.graph.kind("StorageClass")}
    for doc in ctx.graph.kind(*ctx.params.terraform_types):  # kubernetes_storage_class(_v1)
        name = hcl_block(doc.body.get("metadata")).get("name")
        if isinstance(name, str):
            defined.add(name)
    for doc in ctx.graph.kind("PersistentVolumeClaim", "StatefulSet"):
        for claim, name, path in _claims(doc):
            if str(name) not in classes or str(name) in defined:
                continue
            line = doc.line_at(*path)
            detail = "" if doc.kind == "PersistentVolumeClaim" else claim
            yield Hit(subject=doc.identity, path=doc.path, line=line, detail=detail,
                      fields={"object": doc.ref, "claim": claim, "class": str(name),
                              "provider": classes[str(name)]},
                      evidence=[ev("storageClassName", str(name), doc.path, line)])


def _node_constraints(w: Workload) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    """Hard node constraints: nodeSelector keys and required node-affinity expressions."""
    for key, value in mapping(w.pod.get("nodeSelector")).items():
        yield str(key), value, (*w.pod_path, "nodeSelector", key)
    affinity = ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms")
    for t, term in enumerate(dig(w.pod, *affinity) or []):
        for e, expr in enumerate(dig(term, "matchExpressions") or []):
            if isinstance(expr, dict) and expr.get("key"):
                values = expr.get("values") or []
                shown = ",".join(map(str, values)) if isinstance(values, list) else values
                yield (str(expr["key"]), shown or expr.get("operator"),
                       (*w.pod_path, *affinity, t, "matchExpressions", e, "key"))


def _requests_any(w: Workload, resources: list[str] | None) -> bool:
    """Whether a container asks for one of these resources (a TPU exists only on Google Cloud)."""
    wanted = set(resources or [])
    return any(wanted & (c.resources("requests").keys() | c.resources("limits").keys())
               for c in w.containers)


class NodeLabels(Isolated):
    label_prefixes: ByProvider
    provider_resources: ByProvider  # devices only that cloud has: selecting its nodes is inherent


@lock_in_check("provider_node_selector", NodeLabels)
def provider_node_selector(ctx: CheckContext[NodeLabels]) -> Iterator[Hit]:
    """Pods that can only schedule on nodes carrying one cloud's node labels."""
    for w in ctx.graph.workloads:
        found: dict[str, list[tuple[str, Any, tuple[Any, ...]]]] = {}
        for key, value, path in _node_constraints(w):
            provider = prefixed(key, ctx.params.label_prefixes)
            if provider and not _requests_any(w, ctx.params.provider_resources.get(provider)):
                found.setdefault(provider, []).append((key, value, path))
        for provider, constraints in found.items():
            line = w.line(*constraints[0][2])
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=provider,
                      fields={"object": w.ref, "provider": provider,
                              "labels": ", ".join(sorted({k for k, _, _ in constraints}))},
                      evidence=[ev(key, value, w.doc.path, w.line(*path))
                                for key, value, path in constraints])


def _service_account_annotations(doc: Document) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """A ServiceAccount's annotations (and labels), in YAML or a Terraform `kubernetes_*` block."""
    if doc.format == "terraform":
        meta = hcl_block(doc.body.get("metadata"))
        return {**mapping(meta.get("labels")), **mapping(meta.get("annotations"))}, ()
    meta = mapping(doc.body.get("metadata"))
    return {**mapping(meta.get("labels")), **mapping(meta.get("annotations"))}, ("metadata",)


def _metadata_line(doc: Document, base: tuple[Any, ...], key: str) -> int:
    """Line of an annotation or label (for Terraform, of the `annotations` attribute)."""
    if not base:
        return doc.line_at("annotations")
    where = "annotations" if key in metadata_annotations(doc) else "labels"
    return doc.line_at(*base, where, key)


class WorkloadIdentity(Isolated):
    keys: ByProvider  # annotation and label keys
    terraform_types: list[str]  # Terraform types that define a ServiceAccount
    terraform_prefixes: ByProvider  # resource-type prefixes of each cloud's Terraform provider


def _beside_cloud_iam(graph: PlatformGraph, doc: Document, prefixes: list[str]) -> bool:
    """A Terraform ServiceAccount in a module that also writes that cloud's resources (the IAM
    binding it maps to): the per-cloud Terraform the rule's remedy asks for."""
    folder = posixpath.dirname(doc.path)
    return any(other.format == "terraform" and posixpath.dirname(other.path) == folder
               and other.kind.startswith(tuple(prefixes)) for other in graph.documents)


@lock_in_check("cloud_workload_identity", WorkloadIdentity)
def cloud_workload_identity(ctx: CheckContext[WorkloadIdentity]) -> Iterator[Hit]:
    """ServiceAccounts mapped to one cloud's IAM identity (IRSA, GKE / Azure Workload Identity)."""
    keys = _values_of(ctx.params.keys)
    docs = ctx.graph.kind("ServiceAccount", *ctx.params.terraform_types)
    for doc in docs:
        settings, base = _service_account_annotations(doc)
        found = [(str(k), v) for k, v in settings.items() if str(k) in keys]
        if not found:
            continue
        first = found[0][0]
        if doc.format == "terraform" and _beside_cloud_iam(
                ctx.graph, doc, ctx.params.terraform_prefixes.get(keys[first]) or []):
            continue
        yield Hit(subject=doc.identity, path=doc.path, line=_metadata_line(doc, base, first),
                  fields={"object": doc.ref, "provider": keys[first], "key": first},
                  evidence=[ev(key, value, doc.path, _metadata_line(doc, base, key))
                            for key, value in found])


def _type_matches(kind: str, patterns: list[str]) -> bool:
    """Exact Terraform type, or a prefix written with a trailing `*`."""
    return any(kind == p or (p.endswith("*") and kind.startswith(p[:-1])) for p in patterns)


class ManagedServices(CheckParams):
    resource_types: ByProvider  # exact Terraform types, or prefixes ending in `*`


@check("managed_model_service", ManagedServices)
def managed_model_service(ctx: CheckContext[ManagedServices]) -> Iterator[Hit]:
    """Terraform resources for a cloud's managed model hosting (SageMaker, Vertex AI, Azure ML)."""
    types = ctx.params.resource_types
    for doc in ctx.graph.documents:
        if doc.format != "terraform" or doc.name.startswith("data."):
            continue
        provider = next((p for p, patterns in types.items()
                         if _type_matches(doc.kind, patterns or [])), None)
        if provider:
            yield Hit(subject=doc.identity, path=doc.path, line=doc.line,
                      fields={"object": doc.ref, "provider": provider, "type": doc.kind},
                      evidence=[ev("resource type", doc.kind, doc.path, doc.line)])


class ApiGroups(Isolated):
    api_groups: ByProvider  # a group or a parent domain of groups


@lock_in_check("provider_only_api", ApiGroups)
def provider_only_api(ctx: CheckContext[ApiGroups]) -> Iterator[Hit]:
    """Kubernetes objects of API groups that exist only on one cloud's clusters."""
    groups = ctx.params.api_groups
    providers: dict[str, str | None] = {}  # by API group: a tree has a few dozen, in every kind
    for doc in ctx.graph.documents:
        if doc.format != "k8s" or "/" not in doc.api_version:
            continue
        group = doc.api_version.split("/", 1)[0]
        if group not in providers:
            providers[group] = next(
                (p for p, suffixes in groups.items()
                 if any(group == s or group.endswith(f".{s}") for s in suffixes or [])), None)
        provider = providers[group]
        if provider:
            line = doc.line_at("apiVersion")
            yield Hit(subject=doc.identity, path=doc.path, line=line,
                      fields={"object": doc.ref, "provider": provider, "api": doc.api_version},
                      evidence=[ev("apiVersion", doc.api_version, doc.path, line)])
