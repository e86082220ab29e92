"""`aria probe`: measure a Triton model, or A/B two of its configs, from the command line.

Exit codes: 0 ok, 1 regression / SLO missed / config refused, 2 usage or config error,
3 server or probe error. The target comes from `--url`/`--protocol` or the operator's
`ARIA_PROBE_*` environment, and must pass the allow-list (`ARIA_PROBE_ALLOWLIST`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.cli.output import add_output_flag, emit
from bot.config import ConfigError, ProbeModelSettings, load_config_file
from bot.exitcodes import FINDINGS, OK, USAGE
from bot.measurements import ABSettings, MethodSettings, ProbeReport
from bot.probes.errors import ProbeError, ProbeUsageError
from bot.probes.settings import PriceTable, ProbeSettings, parse_shape_flags


def _levels(text: str) -> list[int]:
    try:
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list") from exc


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "probe",
        help="measure a Triton model's latency, or A/B two configs of it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--url", help="Triton HOST:PORT (default: $ARIA_PROBE_URL)")
    p.add_argument("--model", required=True)
    p.add_argument("--protocol", choices=["http", "grpc"], help="default: $ARIA_PROBE_PROTOCOL")
    p.add_argument("--concurrency", type=_levels, help="levels, e.g. 1,4,8 (default 1,4,8)")
    p.add_argument(
        "--shape",
        action="append",
        default=[],
        metavar="NAME=DIMS",
        help="dims of a dynamic input without the batch dimension, e.g. INPUT0=4,128",
    )
    p.add_argument(
        "--ab",
        nargs=2,
        metavar=("BASE_CONFIG", "HEAD_CONFIG"),
        type=Path,
        help="A/B two config.pbtxt files on the server (explicit model-control mode)",
    )
    p.add_argument("--format", "-f", choices=["json", "markdown"], default="markdown")
    add_output_flag(p)
    p.add_argument("--aria-config", type=Path, default=Path(".aria.yml"), metavar="PATH")
    p.add_argument("--slo-ms", type=float)
    p.add_argument("--slo-percentile", type=int, choices=[95, 99])
    p.add_argument("--peak-rps", type=float)
    p.add_argument("--headroom", type=float)
    p.add_argument("--price-per-replica-hour", type=float, metavar="USD")
    m = p.add_argument_group("method")
    m.add_argument("--warmup", type=float, default=2.0, metavar="S")
    m.add_argument("--window", type=float, default=2.0, metavar="S")
    m.add_argument("--stability-pct", type=float, default=10.0)
    m.add_argument("--max-windows", type=int, default=10)
    m.add_argument("--request-timeout", type=float, default=10.0, metavar="S")
    m.add_argument("--rounds", type=int, default=4, help="A/B rounds (A B per round)")
    m.add_argument("--ab-windows", type=int, default=2, help="A/B windows per level per phase")
    m.add_argument("--confidence", type=float, default=0.95)
    p.set_defaults(func=handler)


def _model_settings(args: argparse.Namespace) -> ProbeModelSettings:
    """`.aria.yml`'s `probes.models.MODEL`, overridden by CLI flags."""
    data: dict[str, Any] = {}
    if args.aria_config.is_file():
        models = load_config_file(args.aria_config).probes.models
        if args.model in models:
            data = models[args.model].model_dump()
    flags = {
        "slo_ms": args.slo_ms,
        "slo_percentile": args.slo_percentile,
        "peak_rps": args.peak_rps,
        "headroom": args.headroom,
        "concurrency": args.concurrency,
    }
    data.update({k: v for k, v in flags.items() if v is not None})
    shapes = dict(data.get("shapes") or {})
    shapes.update(parse_shape_flags(args.shape))
    data["shapes"] = shapes
    return ProbeModelSettings.model_validate(data)


def _run(args: argparse.Namespace) -> ProbeReport:
    from bot.probes.measure import run_probe
    from bot.probes.report import build_report
    from bot.probes.run import probe_config_texts

    operator = ProbeSettings.from_env()
    target = operator.target(url=args.url, protocol=args.protocol)
    if target is None:
        raise ProbeUsageError("no probe target: give --url HOST:PORT or set ARIA_PROBE_URL")
    settings = _model_settings(args)
    price = (
        PriceTable(replica_hour_usd=args.price_per_replica_hour, source="--price-per-replica-hour")
        if args.price_per_replica_hour is not None
        else operator.prices()
    )
    method = MethodSettings(
        warmup_s=args.warmup,
        window_s=args.window,
        stability_pct=args.stability_pct,
        max_windows=args.max_windows,
        request_timeout_s=args.request_timeout,
    )
    if args.ab is None:
        run = run_probe(target, args.model, settings.concurrency, method, settings.shapes)
        return build_report(args.model, target, settings, head=run, price=price)
    try:
        base_text, head_text = (p.read_text() for p in args.ab)
    except OSError as exc:
        raise ProbeUsageError(f"cannot read a config for --ab: {exc}") from exc
    return probe_config_texts(
        args.model,
        base_text,
        head_text,
        target,
        settings,
        method=method,
        ab_settings=ABSettings(
            rounds=args.rounds, windows=args.ab_windows, confidence=args.confidence
        ),
        price=price,
    )


def handler(args: argparse.Namespace) -> int:
    try:
        report = _run(args)
    except (ValidationError, ConfigError) as exc:
        print(f"aria probe: invalid settings: {exc}", file=sys.stderr)
        return USAGE
    except ProbeError as exc:
        print(f"aria probe: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.format == "json":
        emit(report.model_dump_json(indent=2) + "\n", args.output)
    else:
        from bot.render.probe import render_probe_markdown

        emit(render_probe_markdown(report) + "\n", args.output)
    failed = report.error is not None or report.verdict in ("regression", "mixed")
    if report.capacity_head is not None and not report.capacity_head.meets_slo:
        failed = True
    return FINDINGS if failed else OK
