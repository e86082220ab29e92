#!/usr/bin/env bash
# Install Aria with its test extras into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".[test]"
# The telemetry tests run a real Prometheus and build its data with promtool (Debian/Ubuntu
# package `prometheus`). The package's own service is stopped: tests start their own servers
# on free loopback ports.
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus
    $SUDO systemctl disable --now prometheus >/dev/null 2>&1 \
      || $SUDO service prometheus stop >/dev/null 2>&1 || true
  else
    echo "prometheus/promtool not found and no apt-get: the telemetry tests will skip" >&2
  fi
fi
ruff check .
mypy
python -m pytest -q "$@"
