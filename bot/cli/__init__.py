"""`aria`: the command line, and the composition root of the processes it starts.

Each command module registers its subcommands; the App's commands (`serve`, `action`, `worker`,
`probe`) need optional extras and are left out when those are not installed. Their modules import
the App's libraries (SQLAlchemy, PyGithub, Celery, tritonclient), so they are imported only when
the command line does not name an analysis command: `aria review` starts without them.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
from collections.abc import Collection
from typing import NoReturn

from bot import __version__
from bot.cli import analysis
from bot.exitcodes import INTERNAL, USAGE

OPTIONAL = ("bot.cli.probe", "bot.cli.serve", "bot.cli.worker")


def _needs_every_command(argv: list[str], loaded: Collection[str]) -> bool:
    """Whether parsing `argv` needs the optional commands: it names none of the `loaded` ones,
    or asks for the top-level help (which lists them all). `--version` answers before any
    command is read. Top-level options take no values."""
    for arg in argv:
        if arg in ("-h", "--help"):
            return True
        if arg == "--version":
            return False
        if not arg.startswith("-"):
            return arg not in loaded
    return True


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (default: this process's arguments)."""
    parser = argparse.ArgumentParser(
        prog="aria", epilog=analysis.EPILOG,
        description="Architecture review for AI/ML platform changes: Kubernetes, Terraform, "
                    "Triton, KServe, vLLM and Ray Serve.")
    parser.add_argument("--version", action="version", version=f"aria {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    analysis.register(sub)
    if not _needs_every_command(sys.argv[1:] if argv is None else argv, sub.choices):
        return parser
    for module in OPTIONAL:
        try:
            importlib.import_module(module).register(sub)
        except ImportError as exc:  # optional extras not installed
            logging.getLogger(__name__).debug("%s unavailable: %s", module, exc)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    from bot.config import ConfigError
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"aria: {exc}", file=sys.stderr)
        return USAGE
    except (FileNotFoundError, ValueError) as exc:
        print(f"aria: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return INTERNAL
    except Exception as exc:  # a crash is exit 3 with a message, never a silent 1
        logging.getLogger("aria").exception("internal error")
        print(f"aria: internal error: {exc}", file=sys.stderr)
        return INTERNAL


def run() -> NoReturn:
    """The `aria` program: `main`, then exit. What is left is freed by exiting, so the objects
    are first set aside from the cyclic collector, whose passes at interpreter shutdown would
    otherwise traverse every module's objects for nothing (4.5 % of a small review's
    instructions). Exit still flushes the standard streams and runs `atexit` handlers.

    Pydantic looks for plugins in every installed distribution's entry points when the first
    model class is built (1.8 % of a small review's instructions, more with more packages
    installed); Aria uses none, so the program turns the scan off unless the user set
    `PYDANTIC_DISABLE_PLUGINS` (empty: plugins on). Not in `main`: a process that calls it
    keeps its own plugins."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = main()
    gc.freeze()
    sys.exit(code)
