"""`aria worker`: run jobs from the Celery broker (scale-out). Settings as for `aria serve`
(environment `ARIA_<NAME>` or flags), plus `ARIA_BROKER_URL` and the scale-out knobs."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.exitcodes import USAGE
from bot.service.cli import _add_setting_flags, _settings
from bot.service.settings import ServeSettings


def _worker(args: argparse.Namespace) -> int:
    from bot.scale.settings import ScaleOptions
    settings = _settings(ServeSettings, args, "worker")
    options = _settings(ScaleOptions, args, "worker")
    if settings is None or options is None:
        return USAGE
    if not options.broker_url:
        print("aria worker: ARIA_BROKER_URL is required (without a broker, `aria serve` runs "
              "the jobs itself)", file=sys.stderr)
        return USAGE
    from bot.scale.worker import run_worker
    logging.getLogger("bot").setLevel(logging.INFO)
    run_worker(settings, options, concurrency=args.concurrency)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from bot.scale.settings import ScaleOptions
    worker = subparsers.add_parser("worker", help="run jobs from the Celery broker (scale-out)",
                                   description=__doc__)
    _add_setting_flags(worker, ServeSettings)
    _add_setting_flags(worker, ScaleOptions)
    worker.add_argument("--concurrency", type=int, default=1,
                        help="jobs at once in this process (threads; scale CPU with processes)")
    worker.set_defaults(func=_worker)
