"""`aria serve` (the GitHub App) and `aria action` (inside a GitHub Actions job).

Every setting is an environment variable `ARIA_<NAME>` or a flag `--<name>`; flags win. The two
secrets have no value flag (a process's arguments are visible to other users): use the
environment or `--webhook-secret-file` / `--private-key-file`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot.cli.flags import add_setting_flags, settings_from
from bot.deliver.settings import GitHubSettings
from bot.exitcodes import OK, USAGE
from bot.service.settings import ServeSettings


def _serve(args: argparse.Namespace) -> int:
    settings = settings_from(ServeSettings, args, "serve")
    if settings is None:
        return USAGE
    import uvicorn

    from bot.cli.processes import build_service
    from bot.service.app import create_app, favour_the_event_loop

    logging.getLogger("bot").setLevel(logging.INFO)  # deliveries and jobs are the server's log
    favour_the_event_loop()
    app = create_app(build_service(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False)
    return OK


def _action(args: argparse.Namespace) -> int:
    settings = settings_from(GitHubSettings, args, "action")
    if settings is None:
        return USAGE
    from bot.deliver.action import ActionEnv, run_action

    try:
        env = ActionEnv.read(os.environ)
    except ValueError as exc:
        print(f"aria action: {exc}", file=sys.stderr)
        return USAGE
    return run_action(env, settings, Path(args.sarif) if args.sarif else None)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser("serve", help="run the GitHub App webhook server",
                                  description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    add_setting_flags(serve, ServeSettings)
    serve.set_defaults(func=_serve)
    action = subparsers.add_parser("action", help="review the pull request of a GitHub "
                                                  "Actions job", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_setting_flags(action, GitHubSettings)
    action.add_argument("--sarif", help="write SARIF 2.1.0 here (for upload-sarif)")
    action.set_defaults(func=_action)
