from tests.conftest import findings_for

MODEL = "models/bert/config.pbtxt"

BASE = """name: "bert"
platform: "onnxruntime_onnx"
max_batch_size: {size}
input [{{ name: "input_ids", data_type: TYPE_INT64, dims: [128] }}]
output [{{ name: "logits", data_type: TYPE_FP32, dims: [2] }}]
{extra}
"""

WARMUP = """model_warmup [{ name: "zeros", batch_size: 1,
  inputs { key: "input_ids" value: { data_type: TYPE_INT64, dims: [128], zero_data: true } } }]"""


def model(size: int = 16, extra: str = "") -> dict[str, str]:
    return {MODEL: BASE.format(size=size, extra=extra)}


def ids(found) -> list[tuple[str, int | None]]:
    return [(f.subject, f.location.line) for f in found]


def test_srv001_batching_model_without_batcher():
    found = findings_for(model(16), rule="SRV001")
    assert ids(found) == [("TritonModelConfig/bert", 3)]
    assert found[0].evidence[0].value == 16


def test_srv001_batcher_or_ensemble_passes():
    assert findings_for(model(16, "dynamic_batching { }"), rule="SRV001") == []
    ensemble = 'name: "pipe"\nplatform: "ensemble"\nmax_batch_size: 8\n' \
               'ensemble_scheduling { step [] }\n'
    assert findings_for({"models/pipe/config.pbtxt": ensemble}, rule="SRV001") == []


def test_srv001_max_batch_size_one_has_nothing_to_batch():
    """Scenario 49: a TensorRT engine built for batch 1; a batcher could not combine anything."""
    assert findings_for(model(1), rule="SRV001") == []
    assert len(findings_for(model(2), rule="SRV001")) == 1


def test_srv002_batcher_on_non_batching_model():
    found = findings_for(model(0, "dynamic_batching { }"), rule="SRV002")
    assert ids(found) == [("TritonModelConfig/bert", 6)]
    assert [e.value for e in found[0].evidence] == [0, "set"]
    assert findings_for(model(8, "dynamic_batching { }"), rule="SRV002") == []


def test_srv003_long_queue_delay_and_config_ceiling():
    files = model(16, "dynamic_batching {\n  max_queue_delay_microseconds: 50000\n}")
    found = findings_for(files, rule="SRV003")
    assert ids(found) == [("TritonModelConfig/bert", 7)]
    assert found[0].evidence[0].value == 50000
    config = "rules: {SRV003: {params: {max_delay_us: 100000}}}"
    assert findings_for(files, config=config, rule="SRV003") == []


def test_srv003_delay_never_paid_when_one_request_completes_a_batch():
    """Triton dispatches a preferred batch at once (model_config.proto): with a preferred size
    of 1, or a maximum of 1, a lone request never waits for the delay."""
    delay = "dynamic_batching {{\n  max_queue_delay_microseconds: 200000\n{more}}}"
    preferred_one = model(4, delay.format(more="  preferred_batch_size: [1]\n"))
    assert findings_for(preferred_one, rule="SRV003") == []
    assert findings_for(model(1, delay.format(more="")), rule="SRV003") == []
    preferred_max = model(4, delay.format(more="  preferred_batch_size: [4]\n"))
    assert ids(findings_for(preferred_max, rule="SRV003")) == [("TritonModelConfig/bert", 7)]


def test_srv005_preferred_equal_to_max_changes_nothing():
    """The batcher already prefers the largest batch; `[1]` disables batching and is reported."""
    same = model(4, "dynamic_batching {\n  preferred_batch_size: [4]\n}")
    assert findings_for(same, rule="SRV005") == []
    one = model(4, "dynamic_batching {\n  preferred_batch_size: [1]\n}")
    assert [e.value for e in findings_for(one, rule="SRV005")[0].evidence] == ["1", 4]


def test_srv004_preferred_above_max_is_an_error_and_not_also_srv005():
    files = model(8, "dynamic_batching {\n  preferred_batch_size: [4, 16]\n}")
    found = findings_for(files, rule="SRV004")
    assert ids(found) == [("TritonModelConfig/bert", 7)]
    assert found[0].severity.value == "error"
    assert [e.value for e in found[0].evidence] == ["4,16", 8]
    assert findings_for(files, rule="SRV005") == []


def test_srv005_preferred_within_max_is_a_note():
    files = model(16, "dynamic_batching {\n  preferred_batch_size: [4, 8]\n}")
    found = findings_for(files, rule="SRV005")
    assert [(f.location.line, f.severity.value) for f in found] == [(7, "note")]
    assert findings_for(files, rule="SRV004") == []


def test_srv006_unbounded_queue():
    found = findings_for(model(16, "dynamic_batching { max_queue_delay_microseconds: 100 }"),
                         rule="SRV006")
    assert ids(found) == [("TritonModelConfig/bert", 6)]


def test_srv006_bounded_queue_passes():
    bounded = "dynamic_batching {\n  default_queue_policy { max_queue_size: 64 }\n}"
    assert findings_for(model(16, bounded), rule="SRV006") == []


def test_srv007_all_versions_and_latest_two():
    found = findings_for(model(16, "version_policy: { all { } }"), rule="SRV007")
    assert ids(found) == [("TritonModelConfig/bert", 6)]
    assert "**every version**" in found[0].message
    two = findings_for(model(16, "version_policy: { latest { num_versions: 2 } }"),
                       rule="SRV007")
    assert "**2 versions**" in two[0].message
    one = model(16, "version_policy: { latest { num_versions: 1 } }")
    assert findings_for(one, rule="SRV007") == []


TRITON_SERVER = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: triton, namespace: serving}}
spec:
  selector: {{matchLabels: {{app: triton}}}}
  template:
    spec:
      containers:
        - name: triton
          image: nvcr.io/nvidia/tritonserver:24.08-py3
          args: ["tritonserver", "--model-repository=/models"{extra}]
"""


def test_srv008_response_cache_without_server_cache():
    files = {**model(16, "dynamic_batching { }\nresponse_cache { enable: true }"),
             "k8s/triton.yaml": TRITON_SERVER.format(extra="")}
    found = findings_for(files, rule="SRV008")
    assert ids(found) == [("TritonModelConfig/bert", 7)]
    assert found[0].evidence[1].value == "not found"


def test_srv008_server_cache_config_passes():
    files = {**model(16, "dynamic_batching { }\nresponse_cache { enable: true }"),
             "k8s/triton.yaml": TRITON_SERVER.format(
                 extra=', "--cache-config", "local,size=1048576"')}
    assert findings_for(files, rule="SRV008") == []


def test_srv009_missing_warmup_but_python_backend_skipped():
    found = findings_for(model(16, "dynamic_batching { }"), rule="SRV009")
    assert ids(found) == [("TritonModelConfig/bert", 1)]
    assert findings_for(model(16, f"dynamic_batching {{ }}\n{WARMUP}"), rule="SRV009") == []
    python = 'name: "tokenizer"\nbackend: "python"\nmax_batch_size: 0\n'
    assert findings_for({"models/tokenizer/config.pbtxt": python}, rule="SRV009") == []


VLLM = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: serving}}
spec:
  selector: {{matchLabels: {{app: llm}}}}
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          command: ["/bin/sh", "-c"]
          args:
            - >-
              vllm serve meta-llama/Llama-3.1-8B-Instruct
              --max-model-len 32768 {extra}
          resources:
            limits: {{nvidia.com/gpu: {gpus}}}
"""


def vllm(extra: str = "", gpus: int = 1) -> dict[str, str]:
    return {"k8s/llm.yaml": VLLM.format(extra=extra, gpus=gpus)}


def test_srv010_batched_tokens_below_model_len_in_shell_string():
    found = findings_for(vllm("--max-num-batched-tokens=8192"), rule="SRV010")
    assert [(f.subject, f.detail, f.location.line) for f in found] == [
        ("Deployment/serving/llm", "vllm", 14)]
    assert [e.value for e in found[0].evidence] == [8192, 32768]


def test_srv010_chunked_prefill_or_large_budget_passes():
    chunked = "--max-num-batched-tokens 8192 --enable-chunked-prefill"
    assert findings_for(vllm(chunked), rule="SRV010") == []
    assert findings_for(vllm("--max-num-batched-tokens 32768"), rule="SRV010") == []


def test_srv010_chunked_prefill_explicitly_off_still_fires():
    off = "--max-num-batched-tokens 8192 --enable-chunked-prefill=false"
    assert len(findings_for(vllm(off), rule="SRV010")) == 1


TGI = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: tgi, namespace: serving}}
spec:
  selector: {{matchLabels: {{app: tgi}}}}
  template:
    spec:
      containers:
        - name: tgi
          image: ghcr.io/huggingface/text-generation-inference:2.4.0
          args: ["--model-id", "mistralai/Mistral-7B-Instruct-v0.3", "--num-shard", "1"{args}]
          env:
{env}
          resources:
            limits: {{nvidia.com/gpu: 1}}
"""


def tgi(args: str = "", env: str = "            - {name: PORT, value: \"8080\"}"):
    return {"k8s/tgi.yaml": TGI.format(args=args, env=env)}


def test_srv011_equal_input_and_total_limits_from_flags():
    found = findings_for(tgi(', "--max-input-tokens", "4096", "--max-total-tokens", "4096"'),
                         rule="SRV011")
    assert [(f.detail, f.location.line) for f in found] == [("tgi", 12)]
    assert [(e.label, e.value) for e in found[0].evidence] == [
        ("--max-input-tokens", 4096), ("--max-total-tokens", 4096)]


def test_srv011_limits_from_environment_and_valid_limits_pass():
    env = ("            - {name: MAX_INPUT_TOKENS, value: \"8000\"}\n"
           "            - {name: MAX_TOTAL_TOKENS, value: \"4096\"}")
    found = findings_for(tgi(env=env), rule="SRV011")
    assert [(e.label, e.location.line) for e in found[0].evidence] == [
        ("MAX_INPUT_TOKENS", 14), ("MAX_TOTAL_TOKENS", 15)]
    valid = ', "--max-input-tokens", "4000", "--max-total-tokens", "4096"'
    assert findings_for(tgi(valid), rule="SRV011") == []


def test_srv012_prefill_budget_below_input_limit():
    args = ', "--max-input-tokens", "8000", "--max-batch-prefill-tokens", "4096"'
    found = findings_for(tgi(args), rule="SRV012")
    assert [e.value for e in found[0].evidence] == [8000, 4096]
    equal = ', "--max-input-tokens", "4096", "--max-batch-prefill-tokens", "4096"'
    assert findings_for(tgi(equal), rule="SRV012") == []


ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: bert
  namespace: serving
{annotations}
spec:
  predictor:
{predictor}
    model:
      modelFormat: {{name: {fmt}}}
      storageUri: gs://models/bert
"""


def isvc(predictor: str, fmt: str = "triton", annotations: str = "") -> dict[str, str]:
    return {"k8s/isvc.yaml": ISVC.format(predictor=predictor, fmt=fmt, annotations=annotations)}


def test_srv013_kserve_min_replicas_zero():
    found = findings_for(isvc("    minReplicas: 0"), rule="SRV013")
    assert [(f.subject, f.location.line) for f in found] == [
        ("InferenceService/serving/bert", 10)]
    assert findings_for(isvc("    minReplicas: 1"), rule="SRV013") == []


def test_srv013_knative_min_scale_annotation():
    notes = '  annotations: {autoscaling.knative.dev/min-scale: "0"}'
    found = findings_for(isvc("    maxReplicas: 3", annotations=notes), rule="SRV013")
    assert [(f.location.line, f.evidence[0].label) for f in found] == [
        (7, "autoscaling.knative.dev/min-scale")]


def test_srv014_serial_concurrency_with_triton():
    found = findings_for(isvc("    containerConcurrency: 1"), rule="SRV014")
    assert [(f.location.line, f.evidence[1].value) for f in found] == [(10, "triton")]


def test_srv014_sklearn_or_higher_concurrency_passes():
    assert findings_for(isvc("    containerConcurrency: 1", fmt="sklearn"), rule="SRV014") == []
    assert findings_for(isvc("    containerConcurrency: 32"), rule="SRV014") == []


def test_srv015_tensor_parallel_above_gpus():
    found = findings_for(vllm("--tensor-parallel-size 4", gpus=2), rule="SRV015")
    assert [(f.detail, f.location.line) for f in found] == [("vllm", 14)]
    assert [e.value for e in found[0].evidence] == [4, 2]
    assert "fails to start" in found[0].message


def test_srv015_idle_gpus_and_matching_sharding():
    idle = findings_for(vllm("-tp 2", gpus=4), rule="SRV015")
    assert "2 of the requested GPUs stay idle" in idle[0].message
    assert findings_for(vllm("--tensor-parallel-size 2 --pipeline-parallel-size 2", gpus=4),
                        rule="SRV015") == []


def test_srv003_inline_block_reports_the_line_of_the_block():
    found = findings_for(model(16, "dynamic_batching { max_queue_delay_microseconds: 50000 }"),
                         rule="SRV003")
    assert [(f.location.line, f.evidence[0].location.line) for f in found] == [(6, 6)]
