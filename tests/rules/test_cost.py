from tests.conftest import findings_for

EKS_GPU_POOL = """
resource "aws_eks_node_group" "gpu" {{
  cluster_name   = "ml"
  node_role_arn  = "arn:aws:iam::111122223333:role/node"
  subnet_ids     = ["subnet-1"]
  instance_types = ["g5.12xlarge"]
  {capacity}
  taint {{
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }}
  scaling_config {{
    min_size     = {min}
    max_size     = {max}
    desired_size = {min}
  }}
}}
"""


def eks_pool(capacity: str = "", low: int = 1, high: int = 4) -> str:
    return EKS_GPU_POOL.format(capacity=capacity, min=low, max=high)


def test_cost001_on_demand_only_gpu_pool():
    found = findings_for({"infra/eks.tf": eks_pool()}, rule="COST001")
    assert [(f.subject, f.location.line) for f in found] == [("aws_eks_node_group.gpu", 2)]
    assert found[0].evidence[0].value == "not set (ON_DEMAND)"
    assert "**1**" in found[0].message


def test_cost001_spot_pool_anywhere_in_tree_passes():
    spot = eks_pool('capacity_type = "SPOT"').replace('"gpu"', '"gpu_spot"', 1)
    assert findings_for({"infra/eks.tf": eks_pool(), "infra/spot.tf": spot},
                        rule="COST001") == []


def test_cost001_reservation_passes():
    reservation = """
    resource "aws_ec2_capacity_reservation" "gpu" {
      instance_type     = "g5.12xlarge"
      instance_platform = "Linux/UNIX"
      availability_zone = "us-east-1a"
      instance_count    = 2
    }
    """
    assert findings_for({"infra/eks.tf": eks_pool(), "infra/res.tf": reservation},
                        rule="COST001") == []


GPU_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
  namespace: serving
{annotations}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources:
            limits: {{nvidia.com/gpu: {gpus}}}
  selector: {{matchLabels: {{app: llm}}}}
"""


def deployment(gpus: int, annotations: str = "") -> str:
    return GPU_DEPLOYMENT.format(gpus=gpus, annotations=annotations)


def test_cost002_eight_gpus_without_justification():
    found = findings_for({"k8s/llm.yaml": deployment(8)}, rule="COST002")
    assert [(f.subject, f.location.line) for f in found] == [("Deployment/serving/llm", 15)]
    assert found[0].evidence[0].value == 8
    assert "**8**" in found[0].message


def test_cost002_justified_or_small_request_passes():
    note = "  annotations:\n    aria.dev/gpu-justification: 70B at FP16 needs 140 GB"
    assert findings_for({"k8s/llm.yaml": deployment(8, note)}, rule="COST002") == []
    assert findings_for({"k8s/llm.yaml": deployment(2)}, rule="COST002") == []


RAY_SERVICE = """
apiVersion: ray.io/v1
kind: RayService
metadata: {name: gemma-e2b}
spec:
  serveConfigV2: |
    applications:
      - name: llm
        deployments:
          - name: LLMServer
            num_replicas: 8
            ray_actor_options: {num_gpus: 1}
  rayClusterConfig:
    headGroupSpec:
      template:
        spec:
          containers: [{name: ray-head, image: "rayproject/ray-llm:2.46.0-py311-cu124"}]
    workerGroupSpecs:
      - groupName: gpu-group
        replicas: 1
        template:
          spec:
            containers:
              - name: llm
                image: rayproject/ray-llm:2.46.0-py311-cu124
                resources: {limits: {nvidia.com/gpu: 8}}
"""


def test_cost002_ray_worker_sized_to_its_node_is_not_one_model():
    """Eight one-GPU Serve replicas packed into one node-sized worker: no model uses 8 GPUs."""
    assert findings_for({"ray/service.yaml": RAY_SERVICE}, rule="COST002") == []


def test_cost002_threshold_from_config():
    config = "rules: {COST002: {params: {min_gpus: 2}}}"
    found = findings_for({"k8s/llm.yaml": deployment(2)}, config=config, rule="COST002")
    assert len(found) == 1


HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: llm, namespace: serving}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: llm}}
  minReplicas: 2
  maxReplicas: {high}
"""


def test_cost003_hpa_max_times_gpus_above_ceiling():
    found = findings_for({"k8s/llm.yaml": deployment(2), "k8s/hpa.yaml": HPA.format(high=10)},
                         rule="COST003")
    assert [(f.subject, f.location.path, f.location.line) for f in found] == [
        ("Deployment/serving/llm", "k8s/hpa.yaml", 8)]
    assert [e.value for e in found[0].evidence] == [10, 2]
    assert "**20**" in found[0].message


def test_cost003_within_ceiling_passes():
    assert findings_for({"k8s/llm.yaml": deployment(2), "k8s/hpa.yaml": HPA.format(high=8)},
                        rule="COST003") == []


def test_cost003_kserve_max_replicas():
    isvc = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata: {name: llm, namespace: serving}
    spec:
      predictor:
        minReplicas: 1
        maxReplicas: 12
        model:
          modelFormat: {name: huggingface}
          resources: {limits: {nvidia.com/gpu: 4}}
    """
    found = findings_for({"k8s/isvc.yaml": isvc}, rule="COST003")
    assert [(f.location.line, f.evidence[0].value) for f in found] == [(8, 12)]


def test_cost004_pool_max_many_times_min():
    found = findings_for({"infra/eks.tf": eks_pool(low=1, high=10)}, rule="COST004")
    assert [(f.subject, f.evidence[0].value, f.evidence[1].value) for f in found] == [
        ("aws_eks_node_group.gpu", 1, 10)]
    assert findings_for({"infra/eks.tf": eks_pool(low=2, high=8)}, rule="COST004") == []


KARPENTER = """
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {{name: gpu}}
spec:
{limits}
  template:
    spec:
      requirements:
        - {{key: karpenter.k8s.aws/instance-gpu-count, operator: Gt, values: ["0"]}}
      nodeClassRef: {{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}}
"""


def test_cost005_karpenter_gpu_pool_without_limits():
    found = findings_for({"k8s/np.yaml": KARPENTER.format(limits="")}, rule="COST005")
    assert [(f.subject, f.location.line) for f in found] == [("NodePool/-/gpu", 5)]


def test_cost005_limited_pool_passes():
    limited = KARPENTER.format(limits='  limits: {nvidia.com/gpu: "16"}')
    assert findings_for({"k8s/np.yaml": limited}, rule="COST005") == []
