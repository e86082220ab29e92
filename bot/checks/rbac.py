"""RBAC: wildcards, cluster-admin and anonymous bindings, secrets and escalation verbs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.checks.common import is_patch_fragment
from bot.checks.contract import CheckContext, CheckParams, Hit, NoParams, check, ev
from bot.graph.platform import Binding, PlatformGraph
from bot.graph.workloads import Workload
from bot.ingest.documents import Document

# Subjects that stand for "anyone": reported by `public_subject_binding`, not twice.
PUBLIC_SUBJECTS = ("system:anonymous", "system:unauthenticated", "system:authenticated")


class RuleFields(CheckParams):
    fields: list[str]  # fields of a role's rule in which `*` is a finding
    builtin_group_suffixes: list[str]  # API groups of Kubernetes itself (with the dotless ones)
    read_only_groups: list[str]  # aggregated APIs that serve reads only, whatever the verbs say


def _custom_groups_only(rule: dict[str, Any], builtin_suffixes: list[str]) -> bool:
    """Every API group of the rule is a third-party CRD group (`serving.kserve.io`), none of
    Kubernetes' own (`""`, `apps`, `rbac.authorization.k8s.io`) and no `*`."""
    groups = _listed(rule, "apiGroups")
    return bool(groups) and all("." in g and not g.endswith(tuple(builtin_suffixes))
                                for g in groups)


@check("rbac_wildcard", RuleFields)
def rbac_wildcard(ctx: CheckContext[RuleFields]) -> Iterator[Hit]:
    fields_checked = ctx.params.fields
    for doc in ctx.graph.kind("Role", "ClusterRole"):
        for index, rule in _rules(doc):
            wild = [f for f in fields_checked if "*" in _listed(rule, f)]
            groups = _listed(rule, "apiGroups")
            if groups and groups <= set(ctx.params.read_only_groups):
                continue  # a metrics API answers reads only: `*` there reaches nothing else
            if len(wild) == 1 and _custom_groups_only(rule, ctx.params.builtin_group_suffixes):
                # every verb on named custom resources, or listed verbs on every resource of
                # third-party groups (an operator's aggregated `edit` role on its own CRDs):
                # no escalate, impersonate or secrets in reach, and growth stays in those groups
                continue
            if wild:
                line = doc.line_at("rules", index)
                yield Hit(subject=doc.identity, path=doc.path, line=line,
                          detail=f"{'+'.join(wild)} on {grant_of(rule)}",
                          fields={"object": doc.ref, "fields": " and ".join(wild),
                                  "rule_index": index},
                          evidence=[ev(f"rules[{index}].{f}", ",".join(map(str, rule[f])),
                                       doc.path, doc.line_at("rules", index, f)) for f in wild])


def _rules(role: Document) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, rule in enumerate(role.body.get("rules") or []):
        if isinstance(rule, dict):
            yield index, rule


def _listed(rule: dict[str, Any], key: str) -> set[str]:
    value = rule.get(key)
    return {str(v) for v in value} if isinstance(value, list) else set()


def grant_of(rule: dict[str, Any], resources: set[str] | None = None) -> str:
    """What a role's rule grants (API groups and resources, or URLs), as a finding's identity.

    Never the rule's position: removing or reordering other rules of the role leaves it as is.
    """
    named = _listed(rule, "resources") | _listed(rule, "nonResourceURLs")
    groups = ",".join(sorted(g or "core" for g in _listed(rule, "apiGroups")))
    return f"{groups}:{','.join(sorted(named & resources if resources else named))}"


def _field(subject: dict[str, Any], key: str) -> str:
    """A subject's field as text: a templated value (`{{ … }}` read as a mapping) is not a name."""
    value = subject.get(key)
    return value if isinstance(value, str) else ""


def _subject_hit(b: Binding, index: int, subject: dict[str, Any], **fields: Any) -> Hit:
    """A finding on one subject of a binding, with the role and subject it read."""
    doc = b.doc
    name = f"{subject.get('kind')}:{subject.get('namespace') or ''}/{subject.get('name')}"
    scope = "the whole cluster" if doc.kind == "ClusterRoleBinding" else \
        f"namespace {doc.namespace or '(applied namespace)'}"
    return Hit(subject=doc.identity, path=doc.path, line=doc.line_at("subjects", index),
               detail=name,
               fields={"object": doc.ref, "role": b.role_name, "subject": name,
                       "scope": scope, **fields},
               evidence=[ev("roleRef", f"{b.role_kind}/{b.role_name}", doc.path,
                            doc.line_at("roleRef", "name")),
                         ev(f"subjects[{index}]", name, doc.path,
                            doc.line_at("subjects", index))])


class AdminRoles(CheckParams):
    roles: list[str]
    subject_kinds: list[str]


@check("cluster_admin_binding", AdminRoles)
def cluster_admin_binding(ctx: CheckContext[AdminRoles]) -> Iterator[Hit]:
    """Full control of the cluster (or a namespace) held by a workload identity or a group."""
    roles = set(ctx.params.roles)
    kinds = set(ctx.params.subject_kinds)
    for b in ctx.graph.bindings:
        if b.role_kind != "ClusterRole" or b.role_name not in roles:
            continue
        for index, subject in enumerate(b.subjects):
            if _field(subject, "kind") in kinds and _field(subject, "name") not in PUBLIC_SUBJECTS:
                yield _subject_hit(b, index, subject)


class PublicSubjects(CheckParams):
    subjects: list[str]
    allowed_roles: list[str]  # roles that are meant for everyone


@check("public_subject_binding", PublicSubjects)
def public_subject_binding(ctx: CheckContext[PublicSubjects]) -> Iterator[Hit]:
    """A role granted to every caller, signed in or not."""
    public = set(ctx.params.subjects)
    allowed = set(ctx.params.allowed_roles)
    for b in ctx.graph.bindings:
        if b.role_name in allowed:
            continue
        for index, subject in enumerate(b.subjects):
            if _field(subject, "name") in public and _field(subject, "kind") in ("User", "Group"):
                yield _subject_hit(b, index, subject)


def _reads_secrets(rule: dict[str, Any], verbs: set[str]) -> bool:
    return (bool(_listed(rule, "apiGroups") & {"", "*"})
            and bool(_listed(rule, "resources") & {"secrets", "*"})
            and bool(_listed(rule, "verbs") & (verbs | {"*"}))
            and not rule.get("resourceNames"))  # named secrets only: a narrow grant


class SecretReaders(CheckParams):
    verbs: list[str]
    builtin_readers: list[str]  # built-in roles that read Secrets (not defined in the tree)


@check("secrets_cluster_wide", SecretReaders)
def secrets_cluster_wide(ctx: CheckContext[SecretReaders]) -> Iterator[Hit]:
    """A ClusterRoleBinding that lets its subjects read every Secret in every namespace."""
    verbs = set(ctx.params.verbs)
    builtin = set(ctx.params.builtin_readers)
    for b in ctx.graph.bindings:
        if b.doc.kind != "ClusterRoleBinding" or not b.subjects:
            continue
        doc = b.doc
        evidence = [ev("roleRef", f"{b.role_kind}/{b.role_name}", doc.path,
                       doc.line_at("roleRef", "name"))]
        if b.role is not None:
            granting = [(i, r) for i, r in _rules(b.role) if _reads_secrets(r, verbs)]
            if not granting:
                continue
            index, rule = granting[0]
            evidence.append(ev(f"{b.role.ref} rules[{index}]",
                               f"{','.join(sorted(_listed(rule, 'verbs')))} on "
                               f"{','.join(sorted(_listed(rule, 'resources')))}",
                               b.role.path, b.role.line_at("rules", index)))
        elif b.role_name not in builtin:
            continue  # a role defined outside this tree: its rules are unknown
        yield Hit(subject=doc.identity, path=doc.path, line=doc.line_at("roleRef", "name"),
                  detail=b.role_name,
                  fields={"object": doc.ref, "role": b.role_name,
                          "subjects": ", ".join(f"{s.get('kind')}/{s.get('name')}"
                                                for s in b.subjects)},
                  evidence=evidence)


def _granted_rules(graph: PlatformGraph, verbs: set[str], resources: set[str] | None
                   ) -> Iterator[Hit]:
    """Rules of any Role/ClusterRole naming one of `verbs` (on one of `resources`, if given).

    `*` verbs are left to `rbac_wildcard`, which reports them already.
    """
    for doc in graph.kind("Role", "ClusterRole"):
        for index, rule in _rules(doc):
            named = sorted(_listed(rule, "verbs") & verbs)
            if not named or (resources is not None and not _listed(rule, "resources") & resources):
                continue
            line = doc.line_at("rules", index)
            yield Hit(subject=doc.identity, path=doc.path, line=line,
                      detail=grant_of(rule, resources) if resources is not None
                      else f"{','.join(named)} on {grant_of(rule)}",
                      fields={"object": doc.ref, "verbs": ", ".join(named),
                              "resources": ", ".join(sorted(_listed(rule, "resources"))),
                              "rule_index": index},
                      evidence=[ev(f"rules[{index}].verbs", ",".join(named), doc.path,
                                   doc.line_at("rules", index, "verbs")),
                                ev(f"rules[{index}].resources",
                                   ",".join(sorted(_listed(rule, "resources"))) or "not set",
                                   doc.path, doc.line_at("rules", index, "resources"))])


class Verbs(CheckParams):
    verbs: list[str]


class VerbsOn(Verbs):
    resources: list[str]


@check("escalation_verbs", Verbs)
def escalation_verbs(ctx: CheckContext[Verbs]) -> Iterator[Hit]:
    """escalate/bind grant permissions the holder lacks; impersonate acts as anyone."""
    yield from _granted_rules(ctx.graph, set(ctx.params.verbs), None)


@check("pod_exec", VerbsOn)
def pod_exec(ctx: CheckContext[VerbsOn]) -> Iterator[Hit]:
    """A shell in any pod the role reaches: its mounted secrets, tokens and model weights."""
    yield from _granted_rules(ctx.graph, set(ctx.params.verbs), set(ctx.params.resources))


def _automount_off(graph: PlatformGraph) -> set[str]:
    """Namespaces whose `default` ServiceAccount, defined in this tree, turns the token off."""
    return {sa.namespace for sa in graph.kind("ServiceAccount")
            if sa.name == "default" and sa.body.get("automountServiceAccountToken") is False}


def _takes_requests(graph: PlatformGraph, w: Workload) -> bool:
    """A long-running replicated workload that takes network requests: a model server, or pods
    a Service sends traffic to. (Node agents, one-off Pods and Jobs are out of scope.)"""
    if w.kind in ("Pod", "DaemonSet") or w.batch or w.group == "head" or is_patch_fragment(w):
        return False
    return w.serving or bool(graph.services_for(w))


@check("default_sa_token", NoParams)
def default_sa_token(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """Serving pods carrying the shared `default` token: any grant to it reaches them all."""
    off = _automount_off(ctx.graph)
    for w in ctx.graph.workloads:
        if not _takes_requests(ctx.graph, w) or ctx.graph.service_account_name(w) != "default":
            continue
        automount = w.pod.get("automountServiceAccountToken")
        if automount is False or (automount is None and w.namespace in off):
            continue
        pod_line = w.line(*w.pod_path)
        bound = ctx.graph.bindings_for_subject("ServiceAccount", "default", w.namespace)
        evidence = [ev("serviceAccountName", "default (not set)"
                       if "serviceAccountName" not in w.pod else "default", w.doc.path,
                       w.line(*w.pod_path, "serviceAccountName")),
                    ev("automountServiceAccountToken", "not set" if automount is None
                       else automount, w.doc.path,
                       w.line(*w.pod_path, "automountServiceAccountToken")),
                    *(ev("binding to default", b.doc.ref, b.doc.path, b.doc.line)
                      for b in bound)]
        yield Hit(subject=w.subject, path=w.doc.path, line=pod_line,
                  fields={"object": w.ref, "bindings": len(bound)}, evidence=evidence)
