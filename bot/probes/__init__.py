"""Triton-backed latency probes: measure a model's config, A/B a change, size replicas.

Modules, one job each: `settings` (the operator's target and prices), `server` (a local
tritonserver), `client` (async tritonclient face), `synth` (inputs), `load` (closed-loop load),
`stats` (server split), `stability`, `measure` (the probe), `ab` (interleaved A/B), `capacity`
(replicas, cost), `configs` (a config.pbtxt as Triton loads it), `run` (measure a changed
config), `report` (the decision on the measurements), `changes` (which configs a review
measures). The result models are `bot.measurements`; `aria probe` is `bot.cli.probe`; the 📊
section is rendered by `bot.render.probe`.
"""
