"""The layer order written in README.md holds for every import in `bot/`: a package imports only
from the layers below it, and no module imports itself back through others (no cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"


def _layers() -> dict[str, int]:
    """Package -> rank, the bottom line of the README's block ranking lowest."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("<!-- layers:begin -->"):text.index("<!-- layers:end -->")]
    lines = [line.split() for line in block.splitlines() if line.startswith("bot.")]
    ranks: dict[str, int] = {}
    for rank, words in enumerate(reversed(lines)):
        for word in words:
            if not word.startswith("bot."):
                break  # the rest of the line says what the layer holds
            assert word not in ranks, f"{word} is in two layers"
            ranks[word] = rank
    return ranks


def _modules() -> dict[str, Path]:
    mods = {}
    for path in BOT.rglob("*.py"):
        if "migrations" in path.parts:  # Alembic loads these by path, they import nothing of ours
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods[".".join(parts)] = path
    return mods


def _imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of `bot` it imports (anywhere in the file, relative ones resolved)."""
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    base = ".".join(here[:len(here) - node.level + 1] + ([base] if base else []))
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            for target in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != name and target != "bot":
                    found.add(target)
        out[name] = found
    return out


def _unit(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_readme_names_every_package_once() -> None:
    units = {_unit(m) for m in _modules()} - {"bot"}
    assert set(_layers()) == units


def test_every_import_goes_down_the_layers() -> None:
    rank = _layers()
    upward = sorted(f"{module} imports {target}"
                    for module, targets in _imports(_modules()).items() for target in targets
                    if _unit(module) != "bot" and _unit(target) != _unit(module)
                    and rank[_unit(target)] >= rank[_unit(module)])
    assert upward == []


def test_no_import_cycle_between_modules() -> None:
    graph = _imports(_modules())
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path, module, target]
            if target not in state and (cycle := visit(target, [*path, module])):
                return cycle
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            assert visit(module, []) is None
