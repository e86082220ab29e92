from tests.conftest import findings_for

GPU_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
  namespace: serving
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: llm}}
  template:
    metadata:
      labels: {{app: llm}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources:
            limits: {{nvidia.com/gpu: 1}}
"""


def test_spof001_single_replica_gpu_server():
    found = findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=1)}, rule="SPOF001")
    assert len(found) == 1
    assert found[0].subject == "Deployment/serving/llm"
    assert found[0].location.line == 8
    assert found[0].evidence[0].value == 1


def test_spof001_two_replicas_pass():
    assert findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=2)}, rule="SPOF001") == []


def test_spof001_hpa_floor_wins_over_replicas():
    hpa = """
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: llm, namespace: serving}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llm}
      minReplicas: 1
      maxReplicas: 4
    """
    found = findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=3), "k8s/hpa.yaml": hpa},
                         rule="SPOF001")
    assert [f.location.path for f in found] == ["k8s/hpa.yaml"]
