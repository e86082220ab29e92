"""Start-up: a command imports only what it uses. `aria review` of a small change must not pay
for the App (SQLAlchemy, PyGithub, Celery), the probe (tritonclient, gRPC, numpy) or the
language-model writer (LangChain) — together they cost more than the review itself.

Each command runs in a fresh interpreter, which then reports the modules it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "gpu-serving"

# Top-level packages only the App, the worker, the probe or the writer need.
HEAVY = ("sqlalchemy", "alembic", "github", "celery", "kombu", "tritonclient", "grpc", "numpy",
         "langchain", "langchain_core", "langchain_openai", "openai")
# Parser libraries (ruamel.yaml, protobuf, tree-sitter, python-hcl2): imported before parser
# workers fork, so only where a file is not in the parse cache.
PARSERS = ("ruamel", "google", "tree_sitter", "tree_sitter_hcl", "hcl2", "lark")

CHILD = """
import json, sys
from bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --help
    code = exc.code
built = []
if "pydantic" in sys.modules:  # the model classes whose validators this command built
    from pydantic import BaseModel
    todo = [BaseModel]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("bot.") and cls.__pydantic_complete__:
            built.append(f"{cls.__module__}.{cls.__qualname__}")
print(json.dumps({"code": code, "modules": sorted(sys.modules), "built": sorted(built)}))
"""


def _report(home: Path, *args: str) -> dict[str, Any]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}  # no operator settings (ARIA_*)
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def _run(home: Path, *args: str) -> tuple[int, set[str]]:
    report = _report(home, *args)
    return report["code"], set(report["modules"])


def _top(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def _heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in HEAVY)


def test_aria_review_of_the_example_imports_none_of_the_apps_or_probes_libraries(tmp_path):
    out = tmp_path / "review.json"
    code, modules = _run(tmp_path, "review", str(EXAMPLE / "base"), str(EXAMPLE / "head"),
                         "-f", "json", "-o", str(out))
    findings = json.loads(out.read_text())["findings"]
    assert code == 1  # the example's change has errors
    # The Triton config was read (its findings are there) without the tritonclient package.
    assert {f["rule_id"] for f in findings
            if f["location"]["path"] == "models/resnet50/config.pbtxt"} >= {"SRV003", "SRV005"}
    assert _heavy(modules) == []
    assert _top(modules) & {"rich", "jinja2"} == set()  # `-f json` draws and templates nothing
    # Settings are read without pydantic-settings (its asyncio, dotenv), and with no Prometheus
    # configured nothing speaks HTTP.
    assert _top(modules) & {"pydantic_settings", "asyncio", "dotenv"} == set()
    assert modules & {"bot.telemetry.client", "urllib.request", "http.client"} == set()
    # Nor its queries and projections: the meter is opened before they are imported.
    assert modules & {"bot.telemetry.review", "bot.telemetry.measure",
                      "bot.telemetry.queries", "bot.telemetry.changes"} == set()


def test_a_second_review_validates_no_rule_pack_and_loads_no_parser(tmp_path):
    """The first command validates the rule packs and keeps the catalog in the parse cache (the
    user's, under HOME); the next review of the example reads it, so the packs' models never
    build their validators, and with every file's parse cached no parser is imported."""
    args = ("review", str(EXAMPLE / "base"), str(EXAMPLE / "head"), "-f", "markdown", "-o",
            str(tmp_path / "review.md"))
    first = _report(tmp_path, *args)
    assert "bot.catalog.RulePack" in first["built"]
    second = _report(tmp_path, *args)
    assert second["code"] == first["code"] == 1
    assert not [name for name in second["built"] if name.startswith("bot.catalog.")]
    assert _top(set(second["modules"])) & {"rich", *PARSERS, *HEAVY} == set()
    assert "jinja2" in _top(set(second["modules"]))  # the check can fail: Markdown is templated
    # The `.aria.yml` and the instance catalogue are kept too, so it reads no YAML at all; with
    # no Prometheus and no file to parse it needs no TLS and no worker processes.
    assert _top(set(second["modules"])) & {"yaml", "ssl", "multiprocessing", "concurrent"} == set()
    assert "bot.graph.accelerators.Catalogue" not in second["built"]
    assert {"yaml", "multiprocessing"} <= _top(set(first["modules"]))  # the first run parses


def test_aria_audit_imports_none_of_them_either(tmp_path):
    code, modules = _run(tmp_path, "audit", str(EXAMPLE / "head"), "-f", "markdown",
                         "-o", str(tmp_path / "audit.md"))
    assert code == 1 and (tmp_path / "audit.md").read_text().count("SPOF001") >= 1
    assert _heavy(modules) == []


def test_an_audit_off_a_terminal_draws_no_progress_bar_so_imports_no_rich(tmp_path):
    code, modules = _run(tmp_path, "audit", str(EXAMPLE / "head"), "-f", "json",
                         "-o", str(tmp_path / "audit.json"))
    assert code == 1 and "SPOF001" in (tmp_path / "audit.json").read_text()
    assert "rich" not in _top(modules)


def test_aria_version_and_importing_the_command_line_load_no_model(tmp_path):
    code, modules = _run(tmp_path, "--version")
    assert code == 0 and _heavy(modules) == []
    assert "pydantic" not in {m.split(".")[0] for m in modules}  # nor the finding model
    probe = subprocess.run([sys.executable, "-c", "import sys, bot.cli; "
                            "print(sorted({m.split('.')[0] for m in sys.modules}))"],
                           capture_output=True, text=True, cwd=ROOT, check=True, timeout=60)
    assert "'pydantic'" not in probe.stdout and "'jinja2'" not in probe.stdout


def test_the_commands_that_need_them_still_load_them(tmp_path):
    """The check above can fail: `aria worker` (the state database, PyGithub) and the full
    `aria --help` (every command listed) load what the review leaves out."""
    code, modules = _run(tmp_path, "worker", "--help")
    assert code == 0
    assert {"sqlalchemy", "github"} <= {m.split(".")[0] for m in modules}
    code, modules = _run(tmp_path, "--help")
    assert code == 0 and "sqlalchemy" in {m.split(".")[0] for m in modules}


def _review_markdown(tmp: Path, out: Path) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "TMPDIR": str(tmp / "t")}
    subprocess.run([sys.executable, "-m", "bot.cli", "review", str(EXAMPLE / "base"),
                    str(EXAMPLE / "head"), "-f", "markdown", "-o", str(out)], cwd=ROOT, env=env,
                   timeout=120, check=False)
    return out.read_text()


def test_templates_compiled_once_are_reused_by_the_next_run(tmp_path):
    (tmp_path / "t").mkdir()
    first = _review_markdown(tmp_path, tmp_path / "1.md")
    cached = sorted((tmp_path / "t").glob("_jinja2-cache-*/__aria_*.cache"))
    assert cached  # the first run kept what it compiled
    stamps = [p.stat().st_mtime_ns for p in cached]
    assert _review_markdown(tmp_path, tmp_path / "2.md") == first
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # read, not compiled again


def test_a_cache_directory_that_cannot_be_trusted_costs_only_the_cache(tmp_path):
    (tmp_path / "t").mkdir()
    squatted = tmp_path / "t" / f"_jinja2-cache-{os.getuid()}"
    squatted.write_text("not a directory")  # Jinja refuses it: no cache, the review as ever
    text = _review_markdown(tmp_path, tmp_path / "review.md")
    assert "SPOF001" in text and squatted.read_text() == "not a directory"


PROGRAM = """
import atexit, json, os, sys
def report():  # after `run()` has exited: did pydantic look for plugins?
    loader = sys.modules.get("pydantic.plugin._loader")
    print(json.dumps({"scanned": loader is not None and loader._plugins is not None,
                      "setting": os.environ.get("PYDANTIC_DISABLE_PLUGINS")}))
atexit.register(report)
sys.argv[0] = "aria"
from bot.cli import run
run()
"""


def _program(home: Path, extra_env: dict[str, str], *args: str) -> dict[str, Any]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), **extra_env}
    proc = subprocess.run([sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def test_the_aria_program_skips_pydantics_plugin_scan_unless_the_user_set_it(tmp_path):
    """Aria uses no pydantic plugin, so the program does not scan every installed distribution's
    entry points for one; a user's own `PYDANTIC_DISABLE_PLUGINS` (empty: none disabled) wins."""
    args = ("review", str(EXAMPLE / "base"), str(EXAMPLE / "head"), "-f", "json", "-o",
            str(tmp_path / "review.json"))
    assert _program(tmp_path, {}, *args) == {"scanned": False, "setting": "__all__"}
    assert "SPOF001" in (tmp_path / "review.json").read_text()
    assert _program(tmp_path, {"PYDANTIC_DISABLE_PLUGINS": ""}, *args) == {
        "scanned": True, "setting": ""}


def test_the_decision_and_finding_models_are_annotated_with_types_not_strings():
    """The decision's, findings', measurements', telemetry report's, catalog's and trade-offs'
    modules evaluate their annotations as they run: left as strings (`from __future__ import
    annotations`), pydantic compiles each one again to build the models, at every start."""
    probe = subprocess.run(
        [sys.executable, "-c", "import json, bot.catalog, bot.decision.model, bot.findings, "
         "bot.measurements, bot.telemetry_report, bot.tradeoffs as t\n"
         "from pydantic import BaseModel\n"
         "mods = [bot.catalog, bot.decision.model, bot.findings, bot.measurements, "
         "bot.telemetry_report, t]\n"
         "out = {m.__name__: sorted(n for n, c in vars(m).items() if isinstance(c, type) and "
         "issubclass(c, BaseModel) and c.__module__ == m.__name__ and any(isinstance(a, str) "
         "for a in vars(c).get('__annotations__', {}).values())) for m in mods}\n"
         "print(json.dumps(out))"],
        capture_output=True, text=True, cwd=ROOT, check=True, timeout=60)
    stringly = json.loads(probe.stdout)
    assert len(stringly) == 6 and not any(stringly.values()), stringly
