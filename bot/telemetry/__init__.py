"""Production telemetry: capacity judgements grounded in the operator's own Prometheus.

Only the operator names the server (``ARIA_PROMETHEUS_URL``, allow-listed, see
:mod:`bot.telemetry.settings`); the repository's ``.aria.yml`` (base side) may map workloads to
series and set the window and percentile (:mod:`bot.telemetry.config`). Every figure carries its
PromQL, window and source (:mod:`bot.telemetry.model`); a figure Prometheus could not give is a
note, never a number. Entry points: :func:`bot.telemetry.review.telemetry_for_review` and
:func:`bot.telemetry.review.telemetry_for_audit`.
"""
