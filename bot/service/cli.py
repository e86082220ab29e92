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
from typing import Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from bot.deliver.settings import GitHubSettings
from bot.exitcodes import USAGE
from bot.service.settings import ServeSettings, describe_errors

_VALUE_ONLY_IN_ENV = frozenset({"webhook_secret", "private_key"})


def _add_setting_flags(p: argparse.ArgumentParser, model: type[BaseSettings]) -> None:
    for name, field in model.model_fields.items():
        if name in _VALUE_ONLY_IN_ENV:
            continue
        flag = "--" + name.replace("_", "-")
        helptext = f"{field.description or name} [env ARIA_{name.upper()}]"
        if field.annotation is bool:
            p.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None,
                           help=helptext)
        else:
            p.add_argument(flag, dest=name, default=None, help=helptext)


def _settings(model: type[BaseSettings], args: argparse.Namespace, command: str) -> Any:
    overrides = {k: getattr(args, k) for k in model.model_fields
                 if getattr(args, k, None) is not None}
    try:
        return model(**overrides)
    except ValidationError as exc:
        for line in describe_errors(exc):
            print(f"aria {command}: {line}", file=sys.stderr)
        return None


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(ServeSettings, args, "serve")
    if settings is None:
        return USAGE
    import uvicorn

    from bot.service.app import create_app
    from bot.service.runtime import build_service, favour_the_event_loop

    logging.getLogger("bot").setLevel(logging.INFO)  # deliveries and jobs are the server's log
    favour_the_event_loop()
    app = create_app(build_service(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False)
    return 0


def _action(args: argparse.Namespace) -> int:
    settings = _settings(GitHubSettings, args, "action")
    if settings is None:
        return USAGE
    from bot.deliver.action import ActionEnv, run_action

    try:
        env = ActionEnv.read(os.environ)
    except ValueError as exc:
        print(f"aria action: {exc}", file=sys.stderr)
        return USAGE
    return run_action(env, settings, Path(args.sarif) if args.sarif else None)


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the GitHub App webhook server",
                                  description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_setting_flags(serve, ServeSettings)
    serve.set_defaults(func=_serve)
    action = subparsers.add_parser("action", help="review the pull request of a GitHub "
                                                  "Actions job", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_setting_flags(action, GitHubSettings)
    action.add_argument("--sarif", help="write SARIF 2.1.0 here (for upload-sarif)")
    action.set_defaults(func=_action)
