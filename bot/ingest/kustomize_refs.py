"""What a kustomization names that `kubectl kustomize` would fetch, run, or read outside the tree.

A kustomization from a change is rendered on the App's own machine. Every field that names a
file, a directory or a base is a place where kustomize would download a URL, clone a git remote
or open a file outside the tree under review (`/etc/passwd`, `../../..`): any such value keeps
the kustomization from being rendered at all. The fields are kustomize v5's (kubectl v1.31);
the render environment (`kustomize.sealed_environment`) is the wall behind this one for a field
not listed here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

# Fields whose presence alone refuses a render: charts are downloaded, plugins are executed.
NEVER_RENDERED = ("helmCharts", "helmChartInflationGenerator", "helmGlobals", "generators",
                  "transformers", "validators")
# Lists of paths (or bases) and lists of objects with one path field.
PATH_LISTS = ("resources", "bases", "components", "crds", "configurations",
              "patchesStrategicMerge")
PATH_FIELDS = {"patches": "path", "patchesJson6902": "path", "replacements": "path"}
GENERATORS = ("configMapGenerator", "secretGenerator")

# kustomize's remote forms: a scheme, go-getter's `git::`, scp-like `git@host:`, the `gh:`
# shorthand, a `?ref=` / `?version=` query, a `//` sub-directory, a `.git` repository, a known
# forge without scheme.
_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*::|://|^[\w.-]+@[\w.-]+:|^gh:|[?&](ref|version)=|//"
                     r"|\.git(/|\?|$)|^(github\.com|gitlab\.com|bitbucket\.org)[/:]",
                     re.IGNORECASE)


def _generator_paths(item: dict[str, Any]) -> Iterator[str]:
    for entry in item.get("files") or []:
        if isinstance(entry, str):
            yield entry.split("=", 1)[-1]  # `key=path` names the file after the `=`
    yield from (e for e in item.get("envs") or [] if isinstance(e, str))
    if isinstance(item.get("env"), str):
        yield item["env"]


def named_paths(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, value) for every value of `body` that names a file, a directory or a base."""
    for key in PATH_LISTS:
        for entry in _items(body.get(key)):
            # patchesStrategicMerge also takes an inline patch: YAML text, not a path
            if isinstance(entry, str) and "\n" not in entry and not entry.lstrip().startswith("{"):
                yield key, entry
    for key, field in PATH_FIELDS.items():
        for item in _items(body.get(key)):
            if isinstance(item, dict) and isinstance(item.get(field), str):
                yield key, item[field]
    for key in GENERATORS:
        for item in _items(body.get(key)):
            if isinstance(item, dict):
                yield from ((key, path) for path in _generator_paths(item))
    openapi = body.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield "openapi", openapi["path"]


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def is_remote(entry: str) -> bool:
    """A reference kustomize would fetch from a network host (URL, git remote, forge path)."""
    return bool(_REMOTE.search(entry.strip()))


def leaves_tree(directory: str, entry: str) -> bool:
    """A reference that is absolute or climbs above the tree root from `directory`."""
    entry = entry.strip()
    if entry.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", entry):
        return True
    joined = posixpath.normpath(posixpath.join(directory or ".", entry))
    return joined == ".." or joined.startswith("../")


def refusal(directory: str, body: dict[str, Any]) -> str | None:
    """Why the kustomization in `directory` must not be rendered (the field), or None."""
    for key in NEVER_RENDERED:
        if body.get(key):
            return key
    for key, entry in named_paths(body):
        if is_remote(entry) or leaves_tree(directory, entry):
            return key
    return None
