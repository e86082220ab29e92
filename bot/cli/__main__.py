"""`python -m bot.cli`: the same as the `aria` command."""

from bot.cli import run

run()
