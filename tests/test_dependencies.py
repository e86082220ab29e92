"""Every third-party package that `bot/` imports is declared in pyproject.toml (core or an
extra), not merely present because something else pulled it in."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import files, packages_distributions

from tests.conftest import REPO_ROOT

# Imported by code that another program runs: tritonserver's Python backend provides this module
# to the sample model in bot/probes/sample_model.py.
PROVIDED_BY_RUNTIME = {"triton_python_backend_utils"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"],
                    *(r for extra in project["optional-dependencies"].values() for r in extra)]
    names = {_normal(re.match(r"[A-Za-z0-9_.-]+", r).group(0)) for r in requirements}
    return names - {_normal(project["name"])}


def imported() -> dict[str, set[str]]:
    """Module path (two levels for a namespace like `google.protobuf`) -> files importing it."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top != "bot" and top not in sys.stdlib_module_names:
                    key = ".".join(module.split(".")[:2]) if _namespace(top) else top
                    found.setdefault(key, set()).add(path.relative_to(REPO_ROOT).as_posix())
    return found


@cache
def _namespace(top: str) -> bool:
    """A namespace package (`google`, `ruamel`): no distribution ships its `__init__.py`."""
    return not any(str(f) == f"{top}/__init__.py"
                   for dist in _owners().get(top, []) for f in files(dist) or [])


@cache
def _owners() -> dict[str, list[str]]:
    return packages_distributions()


def distribution_of(module: str) -> str | None:
    """The installed distribution that holds `module` (by its files for a shared namespace)."""
    candidates = _owners().get(module.split(".")[0], [])
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    prefix = module.replace(".", "/")
    return next((d for d in candidates
                 if any(str(f).startswith(prefix) for f in files(d) or [])), None)


def test_every_imported_package_is_declared() -> None:
    names = declared()
    undeclared = {}
    for module, users in imported().items():
        if module.split(".")[0] in PROVIDED_BY_RUNTIME:
            continue
        dist = distribution_of(module)
        if dist is None or _normal(dist) not in names:
            undeclared[module] = (dist, sorted(users)[:3])
    assert undeclared == {}


def test_the_check_sees_imports_and_declarations() -> None:
    """Not vacuous: it reads imports of namespace packages and the extras."""
    modules = imported()
    assert {"google.protobuf", "numpy", "urllib3", "tree_sitter", "github"} <= set(modules)
    assert distribution_of("google.protobuf") == "protobuf"
    assert {"protobuf", "numpy", "urllib3", "tree-sitter", "pygithub"} <= declared()
