"""Worst-case files at the App's limits: deep nesting, max-bytes flow lists, alias bombs,
huge `config.pbtxt` and HCL. Shared by the fuzz tests (`tests/security/test_fuzz_ingest.py`)
and the parse-limits bench (`bench/test_parse_limits.py`)."""

from __future__ import annotations

from collections.abc import Callable


def yaml_deep_flow() -> str:
    return "a: " + "[" * 30_000 + "]" * 30_000 + "\n"


def yaml_deep_block() -> str:
    return "- " * 30_000 + "x\n"


def yaml_flow_list(max_bytes: int) -> str:
    count = (max_bytes - len("a: [1]\n")) // 2
    return "a: [" + "1," * count + "1]\n"


def yaml_alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def yaml_alias_wide(max_bytes: int) -> str:
    head = "a: &a {k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\nb: ["
    return head + "*a," * ((max_bytes - len(head) - 4) // 3) + "*a]\n"


def yaml_manifests(max_bytes: int) -> str:
    doc = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{i}\n"
           "  labels: {{app: svc-{i}, tier: serving}}\nspec:\n  replicas: 2\n  template:\n"
           "    spec:\n      containers:\n        - name: server\n"
           "          image: nvcr.io/nvidia/tritonserver:24.08-py3\n"
           "          args: [--model-repository=/models, --http-port=8000]\n"
           "          resources:\n            limits: {{nvidia.com/gpu: 1, memory: 8Gi}}\n---\n")
    parts, size, i = [], 0, 0
    while size + len(doc) + 10 < max_bytes:
        parts.append(doc.format(i=i))
        size += len(parts[-1])
        i += 1
    return "".join(parts)


def pbtxt_lines(max_bytes: int) -> str:
    """Inputs up to max-bytes (about 65,000 lines at 1 MB): each field's line is looked up."""
    head = 'name: "big"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 8\n'
    entry = ('input [\n  {\n    name: "input_tensor_number_%06d"\n    data_type: TYPE_FP32\n'
             '    dims: [ 3, 224, 224 ]\n  }\n]\n')
    parts, size, i = [head], len(head), 0
    while size + len(entry) + 10 < max_bytes:
        parts.append(entry % i)
        size += len(parts[-1])
        i += 1
    return "".join(parts)


def hcl_blocks(max_bytes: int) -> str:
    block = ('resource "aws_instance" "web%d" {\n  ami           = "ami-123"\n'
             '  instance_type = "t3.micro"\n  tags = { Name = "web" }\n}\n')
    parts, size, i = [], 0, 0
    while size + len(block) + 10 < max_bytes:
        parts.append(block % i)
        size += len(parts[-1])
        i += 1
    return "".join(parts)


def hcl_deep() -> str:
    return "locals {\n  x = " + "[" * 30_000 + "]" * 30_000 + "\n}\n"


CASES: list[tuple[str, str, str, Callable[[int], str]]] = [
    # (case, file name, parser kind, text generator)
    ("yaml: flow list nested 30,000 deep", "deep.yaml", "yaml", lambda _: yaml_deep_flow()),
    ("yaml: `- ` nested 30,000 deep", "deep-block.yaml", "yaml", lambda _: yaml_deep_block()),
    ("yaml: one flow list of max-bytes", "flow.yaml", "yaml", yaml_flow_list),
    ("yaml: alias bomb (9 levels of 9)", "bomb.yaml", "yaml", lambda _: yaml_alias_bomb()),
    ("yaml: max-bytes of aliases", "aliases.yaml", "yaml", yaml_alias_wide),
    ("yaml: max-bytes of Deployments", "deploys.yaml", "yaml", yaml_manifests),
    ("pbtxt: max-bytes of inputs", "config.pbtxt", "triton", pbtxt_lines),
    ("hcl: max-bytes of resources", "main.tf", "terraform", hcl_blocks),
    ("hcl: list nested 30,000 deep", "deep.tf", "terraform", lambda _: hcl_deep()),
]
