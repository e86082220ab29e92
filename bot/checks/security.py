"""Security: privileged and root containers, host access, mutable images, literal secrets,
and Terraform storage that is public or unencrypted (where model weights usually live)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatch
from typing import Any

from bot.checks.common import (
    dig,
    is_interactive,
    is_patch_fragment,
    mapping,
    security_setting,
    serving_containers,
)
from bot.checks.contract import CheckContext, CheckParams, Hit, check, ev
from bot.checks.literals import (
    CredentialShapes,
    Placeholders,
    is_image_reference,
    published_names,
    unqualified,
)
from bot.graph.platform import PlatformGraph
from bot.graph.workloads import Container, Workload
from bot.ingest.documents import Document

HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
_SWITCHES = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})  # ALLOW_EMPTY_PASSWORD


class Exempt(CheckParams):
    exempt_namespaces: list[str]  # node agents in kube-system need what serving pods must not
    node_agent_paths: list[str]  # host path globs that make a DaemonSet a node agent (exempt)


def is_node_agent(w: Workload, host_paths: list[str]) -> bool:
    """A DaemonSet, not a model server, that mounts device, driver, kernel or kubelet-plugin
    paths of its node: its role, not its namespace, is what needs host access."""
    if w.kind != "DaemonSet" or w.serving:
        return False
    mounted = [dig(v, "hostPath", "path") for v in w.pod.get("volumes") or []]
    return any(isinstance(p, str) and any(fnmatch(p.rstrip("/") or "/", g) for g in host_paths)
               for p in mounted)


def _workloads(graph: PlatformGraph, params: Exempt) -> Iterator[Workload]:
    """Workloads outside the namespaces the rule exempts, and not node agents."""
    exempt = set(params.exempt_namespaces)
    return (w for w in graph.workloads
            if w.namespace not in exempt and not is_node_agent(w, params.node_agent_paths))


def _container_hit(w: Workload, c: Container, keys: tuple[Any, ...], fields: dict[str, Any],
                   evidence_label: str, value: Any) -> Hit:
    line = w.line(*c.path, *keys)
    return Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
               fields={"object": w.ref, "container": c.name, **fields},
               evidence=[ev(evidence_label, value, w.doc.path, line)])


def propagates_mounts_to_host(c: Container) -> bool:
    """A container whose volume mounts propagate back to the node (`Bidirectional`): a CSI node
    plugin or a driver installer. Kubernetes allows that only in privileged containers."""
    mounts = c.body.get("volumeMounts")
    return isinstance(mounts, list) and any(dig(m, "mountPropagation") == "Bidirectional"
                                            for m in mounts)


@check("privileged_container", Exempt)
def privileged_container(ctx: CheckContext[Exempt]) -> Iterator[Hit]:
    """Privileged containers, except those whose host-bound mounts require it."""
    for w in _workloads(ctx.graph, ctx.params):
        for c in w.containers:
            if propagates_mounts_to_host(c):
                continue
            if dig(c.body, "securityContext", "privileged") is True:
                yield _container_hit(w, c, ("securityContext", "privileged"), {},
                                     "securityContext.privileged", True)


class Capabilities(Exempt):
    allowed_capabilities: list[str]  # what Pod Security `baseline` lets a container add


def runtime_managed(w: Workload, c: Container) -> bool:
    """A KServe predictor's model (`model:`, `sklearn:` …): its container is the serving
    runtime's, merged with these fields, and KServe's runtimes set the securityContext."""
    return w.kind == "InferenceService" and isinstance(c.path[-1], str)


def _escalation(w: Workload, c: Container, allowed: set[str]) -> list[tuple[str, tuple[Any, ...]]]:
    """(setting, key path) for each way the container can gain privileges on its node."""
    context = mapping(c.body.get("securityContext"))
    found: list[tuple[str, tuple[Any, ...]]] = []
    added = dig(context, "capabilities", "add")
    beyond = [str(cap) for cap in (added if isinstance(added, list) else [])
              if str(cap).upper().removeprefix("CAP_") not in allowed]
    if beyond:
        found.append((f"capabilities.add: {', '.join(beyond)}",
                      ("securityContext", "capabilities", "add")))
    escalation = context.get("allowPrivilegeEscalation")
    if escalation is True:
        found.append(("allowPrivilegeEscalation: true",
                      ("securityContext", "allowPrivilegeEscalation")))
    elif escalation is None and is_interactive(w) and w.kind != "Pod" and \
            not is_patch_fragment(w) and not runtime_managed(w, c):
        # unset means allowed; a model server parses untrusted input, so it must say false
        # (a bare Pod is a one-off: a conversion step, a debug shell)
        found.append(("allowPrivilegeEscalation not set (allowed)", ()))
    return found


@check("privilege_escalation", Capabilities)
def privilege_escalation(ctx: CheckContext[Capabilities]) -> Iterator[Hit]:
    """Capabilities beyond the Pod Security baseline, escalation allowed explicitly, or (on a
    model server) left allowed by default. Privileged containers are the SEC001 rule's."""
    allowed = {cap.upper() for cap in ctx.params.allowed_capabilities}
    for w in _workloads(ctx.graph, ctx.params):
        for c in w.containers:
            if dig(c.body, "securityContext", "privileged") is True:
                continue
            found = _escalation(w, c, allowed)
            if not found:
                continue
            line = w.line(*c.path, *found[0][1])
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                      fields={"object": w.ref, "container": c.name,
                              "settings": "; ".join(setting for setting, _ in found)},
                      evidence=[ev("securityContext", setting, w.doc.path,
                                   w.line(*c.path, *keys)) for setting, keys in found])


@check("root_user", Exempt)
def root_user(ctx: CheckContext[Exempt]) -> Iterator[Hit]:
    """Containers told to run as UID 0 (theirs or the pod's securityContext)."""
    for w in _workloads(ctx.graph, ctx.params):
        for c in w.containers:
            uid, path = security_setting(w, c, "runAsUser")
            if path is not None and uid == 0:
                line = w.line(*path)
                yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                          fields={"object": w.ref, "container": c.name},
                          evidence=[ev("runAsUser", 0, w.doc.path, line)])


class SkipImages(Exempt):
    skip_images: list[str]  # image prefixes whose default user is not root


@check("non_root_not_enforced", SkipImages)
def non_root_not_enforced(ctx: CheckContext[SkipImages]) -> Iterator[Hit]:
    """Model servers that may run as the image's default user, which is root for most of them."""
    skip = tuple(ctx.params.skip_images)
    for w in _workloads(ctx.graph, ctx.params):
        if is_patch_fragment(w):
            continue  # a kustomize patch holds only what it changes
        for c in serving_containers(w, ctx.graph.serving_images):
            if not c.image or c.image.startswith(skip):
                continue  # KServe picks the runtime's image; some images default to non-root
            non_root, _ = security_setting(w, c, "runAsNonRoot")
            uid, _ = security_setting(w, c, "runAsUser")
            if non_root is True or isinstance(uid, int):
                continue  # enforced, or an explicit UID (UID 0 is the root_user rule's)
            line = w.line(*c.path)
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                      fields={"object": w.ref, "container": c.name, "image": c.image},
                      evidence=[ev("runAsNonRoot", "not set", w.doc.path, line),
                                ev("image", c.image, w.doc.path, w.line(*c.path, "image"))])


class HostPaths(Exempt):
    paths: list[str]
    skip_paths: list[str]


@check("host_path_volume", HostPaths)
def host_path_volume(ctx: CheckContext[HostPaths]) -> Iterator[Hit]:
    """hostPath volumes whose path matches `paths` and none of `skip_paths` (globs)."""
    wanted, skipped = ctx.params.paths, ctx.params.skip_paths
    for w in _workloads(ctx.graph, ctx.params):
        for index, volume in enumerate(w.pod.get("volumes") or []):
            host = dig(volume, "hostPath", "path")
            if not isinstance(host, str):
                continue
            if not any(fnmatch(host, p) for p in wanted) or any(fnmatch(host, p) for p in skipped):
                continue
            name = str(dig(volume, "name") or index)
            line = w.line(*w.pod_path, "volumes", index, "hostPath", "path")
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=name,
                      fields={"object": w.ref, "volume": name, "host_path": host},
                      evidence=[ev(f"volume {name} hostPath", host, w.doc.path, line)])


@check("host_namespaces", Exempt)
def host_namespaces(ctx: CheckContext[Exempt]) -> Iterator[Hit]:
    for w in _workloads(ctx.graph, ctx.params):
        shared = [key for key in HOST_NAMESPACES if w.pod.get(key) is True]
        if shared:
            line = w.line(*w.pod_path, shared[0])
            yield Hit(subject=w.subject, path=w.doc.path, line=line,
                      fields={"object": w.ref, "namespaces": ", ".join(shared)},
                      evidence=[ev(key, True, w.doc.path, w.line(*w.pod_path, key))
                                for key in shared])


def image_tag(image: str) -> str | None:
    """The tag of an image reference ("" when untagged); None when it is pinned by digest."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]  # a registry port (`host:5000/x`) is not a tag
    return last.partition(":")[2]


class MovingTags(Exempt):
    tags: list[str]


def build_artifact_names(graph: PlatformGraph) -> set[str]:
    """Bare image names a build tool replaces before deploy: skaffold `build.artifacts`, and
    names the tree itself publishes under a registry path (`…/microservices-demo/cartservice`
    beside a development manifest's `image: cartservice`)."""
    names = published_names(c.image for w in graph.workloads for c in w.containers)
    for doc in graph.kind("Config"):
        if doc.api_version.startswith("skaffold/"):
            for artifact in dig(doc.body, "build", "artifacts") or []:
                if isinstance(dig(artifact, "image"), str):
                    names.add(artifact["image"])
    return names


@check("mutable_image_tag", MovingTags)
def mutable_image_tag(ctx: CheckContext[MovingTags]) -> Iterator[Hit]:
    moving = set(ctx.params.tags)
    artifacts = build_artifact_names(ctx.graph)
    for w in _workloads(ctx.graph, ctx.params):
        for c in w.containers:
            image = c.image.strip()
            if not is_image_reference(image) or (unqualified(image) and image in artifacts):
                continue  # a placeholder or build reference, replaced before anything pulls it
            tag = image_tag(image)
            if tag is None or (tag and tag not in moving):
                continue
            line = w.line(*c.path, "image")
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                      fields={"object": w.ref, "container": c.name, "image": image,
                              "tag": tag or "no tag"},
                      evidence=[ev("image", image, w.doc.path, line)])


class SecretLiterals(CheckParams):
    name_patterns: list[str]  # regular expressions over env names, case-insensitive
    value_shapes: dict[str, str]  # credential kind -> regular expression over the value
    min_entropy_bits: float  # per character of a shape's match: below it, a made-up example
    placeholder_patterns: list[str]  # regular expressions of values that stand for a real one


def _literal(value: Any, placeholder: Placeholders) -> str | None:
    """The value as written in the file, unless it is a flag, a number-like switch or a
    placeholder for a value filled in later."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value)
    if text.strip().lower() in _SWITCHES or placeholder(text):
        return None
    return text


@check("secret_in_env", SecretLiterals)
def secret_in_env(ctx: CheckContext[SecretLiterals]) -> Iterator[Hit]:
    """Literal env values that are credentials, by the variable's name or by the value's own
    shape (a private key under any name); the value itself is never echoed."""
    names = [re.compile(p, re.IGNORECASE) for p in ctx.params.name_patterns]
    shapes = CredentialShapes(ctx.params.value_shapes, ctx.params.min_entropy_bits)
    placeholder = Placeholders(ctx.params.placeholder_patterns)
    for w in ctx.graph.workloads:
        for c in w.containers:
            for index, item in enumerate(c.body.get("env") or []):
                name = str(dig(item, "name") or "")
                value = _literal(dig(item, "value"), placeholder)
                if not name or value is None:
                    continue
                shape = shapes.match(value)
                if shape is None and not any(p.search(name) for p in names):
                    continue
                kind = shape or "credential, by its name"
                line = w.line(*c.path, "env", index, "value")
                yield Hit(subject=w.subject, path=w.doc.path, line=line,
                          detail=f"{c.name}:{name}",
                          fields={"object": w.ref, "container": c.name, "name": name,
                                  "kind": kind},
                          evidence=[ev(f"env {name}", f"literal {kind} (not shown)",
                                       w.doc.path, line)])


def _unknown(value: Any) -> bool:
    """A Terraform expression (`${var.x}`) whose value is decided at plan time."""
    return isinstance(value, str) and "${" in value


def _matches(value: Any, bad: list[Any]) -> list[str]:
    values = value if isinstance(value, list) else [value]
    wanted = {_hcl(b).lower() for b in bad}
    return [_hcl(v) for v in values if not _unknown(v) and _hcl(v).lower() in wanted]


def _hcl(value: Any) -> str:
    """A value as Terraform writes it (`true`, not Python's `True`)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _terraform(graph: PlatformGraph, types: dict[str, dict[str, Any]]
               ) -> Iterator[tuple[Document, dict[str, Any]]]:
    for doc in graph.kind(*types):
        if doc.format == "terraform" and not doc.name.startswith("data."):
            yield doc, mapping(types.get(doc.kind))


class PublicSettings(CheckParams):
    public_settings: dict[str, dict[str, list[Any]]]  # type -> attribute -> values that open it


@check("terraform_public_storage", PublicSettings)
def terraform_public_storage(ctx: CheckContext[PublicSettings]) -> Iterator[Hit]:
    """Storage resources with a setting that opens them to the internet (per type, from params)."""
    for doc, settings in _terraform(ctx.graph, ctx.params.public_settings):
        found = [(attr, hit) for attr, bad in settings.items()
                 for hit in _matches(doc.body.get(attr), bad or [])]
        if found:
            yield Hit(subject=doc.identity, path=doc.path, line=doc.line_at(found[0][0]),
                      fields={"object": doc.ref, "type": doc.kind,
                              "setting": f"{found[0][0]} = {found[0][1]}"},
                      evidence=[ev(attr, value, doc.path, doc.line_at(attr))
                                for attr, value in found])


class RequiredSettings(CheckParams):
    required: dict[str, dict[str, Any]]  # type -> attribute -> the safe value


@check("terraform_required_setting", RequiredSettings)
def terraform_required_setting(ctx: CheckContext[RequiredSettings]) -> Iterator[Hit]:
    """Resources missing a protective setting, or setting it to anything but the safe value."""
    for doc, settings in _terraform(ctx.graph, ctx.params.required):
        for attr, safe in settings.items():
            value = doc.body.get(attr)
            if _unknown(value) or str(value).lower() == str(safe).lower():
                continue
            shown = "not set" if value is None else _hcl(value)
            line = doc.line_at(attr)  # the block's first line when the attribute is missing
            yield Hit(subject=doc.identity, path=doc.path, line=line, detail=attr,
                      fields={"object": doc.ref, "type": doc.kind, "attribute": attr,
                              "safe": _hcl(safe), "value": shown},
                      evidence=[ev(attr, shown, doc.path, line)])
