"""Production telemetry: capacity judgements grounded in the operator's own Prometheus.

Only the operator names the server (`ARIA_PROMETHEUS_URL`, allow-listed, see
`bot.telemetry.settings`); the repository's `.aria.yml` (base side) may map workloads to series
and set the window and percentile (`bot.config.TelemetryConfig`). Every figure carries its
PromQL, window and source (`bot.telemetry_report`); a figure Prometheus could not give is a
note, never a number. Entry points: `bot.telemetry.gate.telemetry_for_review` and
`telemetry_for_audit`.
"""
