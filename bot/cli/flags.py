"""A command's flags made from its settings model: every setting is an environment variable
`ARIA_<NAME>` or a flag `--<name>`, and flags win. The two secrets have no value flag (a
process's arguments are visible to other users): use the environment or `--…-file`."""

from __future__ import annotations

import argparse
import sys
from typing import TypeVar

from pydantic import ValidationError

from bot.settings import AriaSettings

S = TypeVar("S", bound=AriaSettings)
VALUE_ONLY_IN_ENV = frozenset({"webhook_secret", "private_key"})


def add_setting_flags(p: argparse.ArgumentParser, model: type[AriaSettings]) -> None:
    for name, field in model.model_fields.items():
        if name in VALUE_ONLY_IN_ENV:
            continue
        flag = "--" + name.replace("_", "-")
        helptext = f"{field.description or name} [env {model.env_name(name)}]"
        if field.annotation is bool:
            p.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None,
                           help=helptext)
        else:
            p.add_argument(flag, dest=name, default=None, help=helptext)


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per problem, naming the setting and never echoing its value."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"ARIA_{field.upper()}: {msg}" if field else msg)
    return lines


def settings_from(model: type[S], args: argparse.Namespace | None, command: str) -> S | None:
    """The settings (flags over environment), or None after printing what is wrong."""
    overrides = {k: getattr(args, k) for k in model.model_fields
                 if getattr(args, k, None) is not None} if args is not None else {}
    try:
        return model(**overrides)
    except ValidationError as exc:
        for line in describe_errors(exc):
            print(f"aria {command}: {line}", file=sys.stderr)
        return None
