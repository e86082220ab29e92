"""`aria review`, `aria audit`, `aria rules`, `aria adr new`, `aria config`: the engine on a
change, a tree, the rule catalog, the repository's ADRs and `.aria.yml`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.console import COLOR_MODES, console_for
from bot.cli.output import add_output_flag, emit, output_stream
from bot.exitcodes import FAIL_ON_LEVELS, FINDINGS, OK, USAGE, FailOn
from bot.render import FORMATS

if TYPE_CHECKING:
    from bot.config import AriaConfig
    from bot.decision.model import Decision
    from bot.ingest.source import Source

EPILOG = """exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on;
2 usage or configuration error; 3 internal error"""


TERMINAL = "terminal"
CONTROL_FORMATS = ("markdown", "json", TERMINAL)


def output_format(args: argparse.Namespace) -> str:
    """`--format`, or by default the terminal view on a terminal and Markdown anywhere else
    (a pipe, a file, CI), so scripts keep reading what they always read."""
    if args.format:
        return str(args.format)
    return TERMINAL if not args.output and sys.stdout.isatty() else "markdown"


def _load_config(path: str | None) -> AriaConfig | None:
    if not path:
        return None
    from bot.config import load_config_file
    return load_config_file(path)


def _output_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", "-f", choices=(*FORMATS, TERMINAL), default=None,
                   help="default: terminal on a terminal, markdown elsewhere")
    add_output_flag(p)
    p.add_argument("--color", choices=COLOR_MODES, default="auto",
                   help="colour and links in terminal output and progress bars (auto: on a "
                        "terminal, unless NO_COLOR is set)")
    p.add_argument("--fail-on", choices=FAIL_ON_LEVELS, default=None,
                   help="exit 1 when (new) findings reach this severity (default: .aria.yml or "
                        "`error`)")
    p.add_argument("--config", help="use this .aria.yml instead of the tree's own")


def _finish(decision: Decision, args: argparse.Namespace, link_root: Path | None) -> int:
    fmt = output_format(args)
    if fmt == TERMINAL:
        from bot.render.terminal import render_terminal
        with output_stream(args.output) as stream:
            render_terminal(decision, console_for(stream, args.color), link_root)
    else:
        from bot.render import render
        emit(render(decision, fmt), args.output)
    return _gate(decision, args)


def _gate(decision: Decision, args: argparse.Namespace) -> int:
    fail_on = args.fail_on or _fail_on_default(args)
    return FINDINGS if decision.fails(fail_on) else OK


def _fail_on_default(args: argparse.Namespace) -> FailOn:
    config = getattr(args, "_config", None)
    return config.fail_on if config is not None else "error"


def _in_ci() -> bool:
    from bot.cli.ci import CiSettings  # settings models load only for commands that analyse
    return CiSettings().ci


def _narrate(decision: Decision) -> Decision:
    from bot.narrative import narrate
    return narrate(decision)


def cmd_review(args: argparse.Namespace) -> int:
    from bot.config import config_of
    from bot.engine import review
    from bot.ingest.source import open_source
    base = open_source(args.base, args.repo)
    head = open_source(args.head, args.repo)
    config = _load_config(args.config)
    if config is None:
        config, _ = config_of(base)
    args._config = config
    decision = review(base, head, config if args.config else None, title=args.title,
                      in_ci=_in_ci())
    return _finish(_narrate(decision), args, _link_root(head, args.repo))


def _link_root(source: Source, repo: str) -> Path | None:
    """Where the reviewed files are on disk, for links: the directory, or the repository's
    working tree when the source is one of its revisions."""
    from bot.ingest.source import DirectorySource
    return source.root if isinstance(source, DirectorySource) else Path(repo)


def _audit_target(paths: list[str], repo: str) -> tuple[Source, set[str] | None]:
    """One directory or git revision: the whole tree. Files (as pre-commit passes them): the
    tree of `repo` is read for context, and only findings in those files are reported."""
    from bot.ingest.source import DirectorySource, open_source
    if len(paths) == 1 and not Path(paths[0]).is_file():
        return open_source(paths[0], repo), None
    root = Path(os.path.abspath(repo))
    named = set()
    for path in paths:
        full = Path(os.path.abspath(path))
        if not full.is_file():
            raise FileNotFoundError(f"not a file: {path} (give one directory or git revision, "
                                    "or files)")
        if not full.is_relative_to(root):
            raise ValueError(f"{path} is outside {repo}; give --repo the tree the files belong to")
        named.add(full.relative_to(root).as_posix())
    source = DirectorySource(root)
    source.label = _shown_path(repo)  # as typed, never the machine's absolute path
    return source, named


def cmd_audit(args: argparse.Namespace) -> int:
    if args.org:
        from bot.cli.org_audit import audit_org
        return audit_org(args)
    from bot.config import config_of
    from bot.engine import audit
    if args.by == "control" and output_format(args) not in CONTROL_FORMATS:
        print("aria: --by control writes markdown, json or terminal", file=sys.stderr)
        return USAGE
    source, named = _audit_target(args.paths, args.repo)
    config = _load_config(args.config)
    if config is None:
        config, _ = config_of(source)
    if args.no_render:
        config.ingest.kustomize = "off"
    args._config = config
    display = None
    if sys.stderr.isatty():  # rich (a tenth of a second to import) only where a bar is drawn
        from bot.cli.progress import ProgressDisplay
        display = ProgressDisplay("files", console_for(sys.stderr, args.color))
    with display or nullcontext():
        decision = audit(source, config, title=args.title, workers=args.jobs,
                         progress=display.show if display else None, only=named,
                         in_ci=_in_ci())
    if args.by == "control":
        return _finish_by_control(decision, config, args)
    return _finish(decision, args, _link_root(source, args.repo))



def _finish_by_control(decision: Decision, config: AriaConfig, args: argparse.Namespace) -> int:
    from bot.catalog import load_catalog
    from bot.decision.controls import summarise_by_control
    from bot.render.controls import controls_json, controls_markdown, controls_terminal
    summary = summarise_by_control(decision, load_catalog(), config.rule_enabled)
    fmt = output_format(args)
    if fmt == TERMINAL:
        with output_stream(args.output) as stream:
            controls_terminal(summary, console_for(stream, args.color))
    else:
        emit(controls_json(summary) if fmt == "json" else controls_markdown(summary),
              args.output)
    return _gate(decision, args)


def cmd_rules(args: argparse.Namespace) -> int:
    from bot.catalog import load_catalog
    from bot.render.explain import explain_rule
    catalog = load_catalog()
    if args.id:
        rule = catalog.get(args.id)
        if rule is None:
            print(f"aria: no rule {args.id!r}; `aria rules` lists them", file=sys.stderr)
            return USAGE
        sys.stdout.write(rule.model_dump_json(indent=2) + "\n" if args.json
                         else explain_rule(rule))
        return OK
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in catalog], indent=2))
        return OK
    width = max(len(r.title) for r in catalog)
    for rule in catalog:
        print(f"{rule.id:<10} {rule.family:<14} {rule.severity.value:<8} {rule.title:<{width}}")
    return OK


def cmd_adr_new(args: argparse.Namespace) -> int:
    from bot import adr_records
    from bot.decision.model import Decision
    from bot.render.adr import render_adr, render_adr_index
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = adr_records.next_adr_file([p.name for p in folder.glob("*.md")], args.title,
                                     folder.name)
    target = folder / Path(name).name
    superseded = None
    if args.supersedes is not None:
        superseded = adr_records.find_record(folder, args.supersedes)
        if superseded is None:
            print(f"aria: no ADR {args.supersedes:04d} in {folder}/", file=sys.stderr)
            return USAGE
    shown = _shown_path(args.from_path) if args.from_path else None
    if args.from_path:
        from bot.engine import decide
        from bot.ingest.source import open_source
        source = open_source(args.from_path)
        source.label = shown or args.from_path
        decision = _narrate(decide(source, args.title, _load_config(args.config)))
    else:
        decision = Decision(mode="adr", title=args.title, recommendation="",
                            context="")
    text = render_adr(decision, supersedes=superseded.name[:4] if superseded else None,
                      source=shown)
    target.write_text(text, encoding="utf-8")
    if superseded is not None:
        adr_records.mark_superseded(superseded, target.name[:4])
    (folder / "README.md").write_text(render_adr_index(adr_records.records(folder)),
                                     encoding="utf-8")
    print(target)
    return OK


def _shown_path(spec: str) -> str:
    """A path as a record may show it: relative to the working directory when below it, else its
    last part; never the machine's absolute path. A git revision is shown as given."""
    path = Path(spec)
    if not path.is_dir():
        return spec
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return path.resolve().name


def cmd_config(args: argparse.Namespace) -> int:
    from bot.config import config_schema
    if args.action == "schema":
        print(config_schema())
        return OK
    if args.action == "settings":
        try:
            from bot.cli.settings_table import settings_table
        except ImportError as exc:  # the App's settings need its extra
            print(f"aria: the settings table needs aria-review[app] ({exc})", file=sys.stderr)
            return USAGE
        sys.stdout.write(settings_table())
        return OK
    _load_config(args.file)  # raises ConfigError with the reasons
    print(f"{args.file}: valid")
    return OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("review", help="review the change from BASE to HEAD", epilog=EPILOG,
                       description="BASE and HEAD are directories, or git revisions of --repo.")
    p.add_argument("base")
    p.add_argument("head")
    p.add_argument("--repo", default=".", help="git repository for revisions (default: .)")
    p.add_argument("--title", help="title of the review")
    _output_args(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("audit", help="audit a whole tree, or named files within it",
                       epilog=EPILOG)
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                   help="a directory or git revision (default .); or files, whose findings are "
                        "reported with the rest of --repo read for context (pre-commit)")
    p.add_argument("--repo", default=".")
    p.add_argument("--title")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parser processes")
    p.add_argument("--no-render", action="store_true", help="do not render kustomize overlays")
    p.add_argument("--org", help="App mode: audit every repository of this organisation over "
                                 "the workers (settings as for `aria serve`)")
    p.add_argument("--report-dir", default="aria-org-report",
                   help="with --org: where the Markdown, JSON and HTML reports go")
    p.add_argument("--by", choices=["control"],
                   help="summarise the findings by the published control each rule cites")
    _output_args(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("rules", help="list the rules, or explain one")
    p.add_argument("id", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rules)

    adr = sub.add_parser("adr", help="architecture decision records")
    adr_sub = adr.add_subparsers(dest="adr_command", required=True)
    p = adr_sub.add_parser("new", help="write adr/NNNN-title.md (MADR)")
    p.add_argument("title")
    p.add_argument("--supersedes", type=int, metavar="N")
    p.add_argument("--from", dest="from_path", metavar="PATH",
                   help="pre-fill context, drivers and options from the findings for PATH")
    p.add_argument("--dir", default="adr")
    p.add_argument("--config")
    p.set_defaults(func=cmd_adr_new)

    p = sub.add_parser("config", help="the .aria.yml schema, check a file, or list every "
                                      "operator setting")
    p.add_argument("action", choices=["schema", "check", "settings"])
    p.add_argument("file", nargs="?", default=".aria.yml")
    p.set_defaults(func=cmd_config)
