"""Manifests the tests put in emulated pull requests."""

# A GPU serving Deployment with one replica: a new error-level finding (SPOF001) when added.
ONE_REPLICA = b"""apiVersion: apps/v1
kind: Deployment
metadata: {name: triton, namespace: serving}
spec:
  replicas: 1
  selector: {matchLabels: {app: triton}}
  template:
    metadata: {labels: {app: triton}}
    spec:
      containers:
        - name: triton
          image: nvcr.io/nvidia/tritonserver:24.08-py3
          resources: {limits: {nvidia.com/gpu: 1}}
"""
