"""Triton-backed latency probes: measure a model's config, A/B a change, size replicas.

Modules, one job each: ``settings`` (target, method, SLO), ``server`` (local tritonserver),
``client`` (async tritonclient face), ``synth`` (inputs), ``load`` (closed-loop load),
``stats`` (server split), ``stability``, ``measure`` (the probe), ``ab`` (interleaved A/B),
``capacity`` (replicas, cost), ``review`` (report, 📊 Markdown), ``cli`` (``aria probe``).
"""
