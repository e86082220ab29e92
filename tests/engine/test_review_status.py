"""A finding that disappears is not always a fix; a finding that stays can still get worse."""

from bot.engine import review
from bot.findings import Status
from bot.ingest.source import MemorySource
from tests.conftest import review_of

LLM = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm-chat, namespace: assistant}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: llm-chat}}}}
  template:
    metadata: {{labels: {{app: llm-chat}}}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args: [--model, meta-llama/Llama-3.1-8B-Instruct]
          resources:
            requests: {{cpu: "4", memory: 32Gi{gpu}}}
            limits: {{memory: 32Gi{gpu}}}
          livenessProbe:
            httpGet: {{path: /health, port: 8000}}
            periodSeconds: 10
            failureThreshold: 3
"""
PDB = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: llm-chat, namespace: assistant}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: llm-chat}}
"""
GPU = ", nvidia.com/gpu: 1"


def llm(replicas: int = 3, gpu: str = GPU) -> dict[str, str]:
    return {"apps/llm.yaml": LLM.format(replicas=replicas, gpu=gpu)}


def _by_rule(found: list) -> dict[str, Status]:
    return {f.rule_id: f.status for f in found}


def test_a_cut_to_one_replica_supersedes_the_budget_warning_instead_of_fixing_it():
    found = review_of(llm(3), llm(1))
    statuses = _by_rule(found)
    assert statuses["SPOF001"] is Status.new
    assert statuses["SPOF002"] is Status.superseded
    single = next(f for f in found if f.rule_id == "SPOF001")
    assert next(f for f in found if f.rule_id == "SPOF002").superseded_by == single.fingerprint
    decision = review(MemorySource({p: t.encode() for p, t in llm(3).items()}),
                      MemorySource({p: t.encode() for p, t in llm(1).items()}))
    assert "fixes" not in decision.recommendation
    assert decision.counts.by_status.get("superseded") is None  # counts describe head


def test_a_budget_added_is_a_fix():
    found = review_of(llm(3), {**llm(2), "apps/pdb.yaml": PDB})
    assert _by_rule(found)["SPOF002"] is Status.fixed


def test_a_warning_that_gets_worse_is_new_with_both_values():
    found = review_of(llm(4), llm(2), config="rules:\n  SPOF001: {params: {min_replicas: 5}}\n")
    single = next(f for f in found if f.rule_id == "SPOF001")
    assert single.status is Status.new
    assert single.regression is not None
    assert (single.regression.before, single.regression.after) == (4, 2)
    assert str(single.regression) == "worse than before: 4 → 2"
    assert single.regression.base_location is not None


def test_a_warning_that_improves_but_stands_is_unchanged():
    found = review_of(llm(2), llm(4), config="rules:\n  SPOF001: {params: {min_replicas: 5}}\n")
    single = next(f for f in found if f.rule_id == "SPOF001")
    assert single.status is Status.unchanged and single.regression is None


def test_removing_the_gpu_is_a_finding_and_gpu_rules_keep_applying():
    found = review_of(llm(2), llm(2, gpu=""))
    statuses = _by_rule(found)
    assert statuses["HEAD012"] is Status.new
    assert statuses["OBS005"] is Status.unchanged  # still a GPU server's liveness probe
    removed = next(f for f in found if f.rule_id == "HEAD012")
    assert [e.value for e in removed.evidence] == [1, 0]
    assert removed.evidence[0].location is not None


def test_keeping_the_gpu_or_removing_the_workload_is_no_gpu_finding():
    assert "HEAD012" not in _by_rule(review_of(llm(2), llm(2)))
    assert "HEAD012" not in _by_rule(review_of(llm(2), {"apps/other.yaml": PDB}))


def test_a_batch_job_that_stops_using_a_gpu_is_no_gpu_finding():
    job = """
    apiVersion: batch/v1
    kind: Job
    metadata: {{name: eval, namespace: assistant}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: eval
              image: ghcr.io/acme/eval:1.2
              resources: {{limits: {{memory: 8Gi{gpu}}}}}
    """
    found = review_of({"jobs/eval.yaml": job.format(gpu=GPU)},
                      {"jobs/eval.yaml": job.format(gpu="")})
    assert "HEAD012" not in _by_rule(found)


def test_a_marked_finding_is_what_pydantic_s_copy_with_the_status_would_be():
    """`Finding.marked` copies plainly: the same fields, fields set and dump as `model_copy`,
    and the finding it was copied from is left as it was."""
    found = review_of(llm(4), llm(2), config="rules:\n  SPOF001: {params: {min_replicas: 5}}\n")
    single = next(f for f in found if f.rule_id == "SPOF001")
    assert single.regression is not None
    for status, update in ((Status.new, {"regression": single.regression}),
                           (Status.superseded, {"superseded_by": "0123456789abcdef"}),
                           (Status.fixed, {})):
        plain = single.marked(status, **update)
        copied = single.model_copy(update={"status": status, **update})
        assert plain == copied and plain is not single
        assert plain.model_fields_set == copied.model_fields_set
        assert plain.model_dump_json(exclude_unset=True) == \
            copied.model_dump_json(exclude_unset=True)
    assert single.status is Status.new
