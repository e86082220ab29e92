"""Kubernetes YAML (multi-document, `List`, CRDs) to documents."""

from __future__ import annotations

import posixpath

from bot.ingest.documents import Document, FileResult, ParseProblem
from bot.ingest.files import KUSTOMIZATION_NAMES
from bot.ingest.yamlload import YamlError, YMap, load_documents


def parse_yaml_file(path: str, text: str) -> FileResult:
    result = FileResult()
    try:
        for value, start, end in load_documents(text):
            _collect(path, value, start, end, result)
    except YamlError as exc:
        reason = str(exc)
        if "{{" in text:
            reason += " (the file holds {{ }} template placeholders: render it first)"
        result.problems.append(ParseProblem(path, reason, exc.line))
    return result


def _collect(path: str, value: object, start: int, end: int, result: FileResult) -> None:
    if not isinstance(value, YMap):
        return
    kind = value.get("kind")
    api = value.get("apiVersion")
    if posixpath.basename(path) in KUSTOMIZATION_NAMES:  # apiVersion and kind are optional there
        kind, api = "Kustomization", str(api or "kustomize.config.k8s.io/v1beta1")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(value.get("items"), list):
        for item in value["items"]:
            if isinstance(item, YMap):
                _collect(path, item, item.line, end, result)
        return
    if isinstance(kind, str) and isinstance(api, str):
        meta = value.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        name = meta.get("name") or meta.get("generateName") or "<unnamed>"
        namespace = meta.get("namespace") or ""
        result.documents.append(Document(
            format="k8s", kind=kind, name=str(name), namespace=str(namespace), api_version=api,
            path=path, line=start, end_line=end, body=value,
        ))
    elif posixpath.basename(path).startswith("values") and not result.documents:
        result.documents.append(Document(
            format="helm-values", kind="HelmValues", name=posixpath.dirname(path) or ".",
            path=path, line=start, end_line=end, body=value,
        ))
