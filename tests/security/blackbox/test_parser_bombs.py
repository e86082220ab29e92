"""Parser crashes and bombs: one hostile file in a PR must cost that file, never the review.

Each case builds a tree holding one hostile file and, beside it, an ordinary privileged
single-replica GPU Deployment. ``aria audit TREE -f json`` must finish by itself (exit 0 or 1,
never 2/3 or a signal such as SIGSEGV), stay within generous wall-time and memory guards, name
the hostile file in an ``INGEST*`` finding, and still report the neighbour's findings.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._harness import (
    assert_ingest_names,
    assert_reviewed_or_refused,
    assert_risky_seen,
    assert_survived,
    risky_gpu_deployment,
    run_aria,
    write_neighbour,
)

DEEP = 30_000  # nesting levels: ~60 KB of brackets, far below any size limit
ONE_MB = 1_000_000


@dataclass(frozen=True)
class Hostile:
    """A hostile file: where it goes in the tree, and its bytes."""

    case: str
    rel_path: str
    build: Callable[[], bytes]


# --- YAML -------------------------------------------------------------------------------------

def _flow_seq_deep() -> bytes:
    return b"spec: " + b"[" * DEEP + b"]" * DEEP + b"\n"


def _flow_map_deep() -> bytes:
    return b"spec: " + b"{a: " * DEEP + b"1" + b"}" * DEEP + b"\n"


def _block_seq_deep() -> bytes:
    # Compact nested block sequences: "- - - - x" is 20,000 levels of block nesting on one line.
    return b"- " * 20_000 + b"x\n"


def _block_then_flow_deep() -> bytes:
    return b"- " * 10_000 + b"[" * 20_000 + b"]" * 20_000 + b"\n"


def _json_in_yaml_deep() -> bytes:
    return b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"\n"


def _json_array_in_k8s_object() -> bytes:
    # Looks like an ordinary object until the data field.
    head = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep-cm\ndata:\n  x: "
    return head + b'[{"k": ' * 15_000 + b"0" + b"}]" * 15_000 + b"\n"


def _deep_second_document() -> bytes:
    # A harmless first document, then the bomb in the second one of the same stream.
    first = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: harmless\n---\n"
    return first + b"[" * DEEP + b"]" * DEEP + b"\n"


def _billion_laughs() -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("boom: *a9")
    return ("\n".join(lines) + "\n").encode()


def _wide_laughs() -> bytes:
    # Three levels of a thousand aliases each: 10^9 leaves from ~12 KB.
    refs_a = ", ".join(["x"] * 1000)
    refs_b = ", ".join(["*a"] * 1000)
    refs_c = ", ".join(["*b"] * 1000)
    return f"a: &a [{refs_a}]\nb: &b [{refs_b}]\nc: &c [{refs_c}]\n".encode()


def _laughs_inside_deployment() -> bytes:
    anchors = ['x-l0: &l0 "lollollollollollollollollollol"']
    for level in range(1, 9):
        anchors.append(f"x-l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    body = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: laughing\n"
        "  annotations:\n    boom: *l8\n"
    )
    # Anchors must come first in the document: put them in a throwaway key of the object.
    return ("\n".join(anchors) + "\n" + body).encode()


def _flow_list_1mb() -> bytes:
    head = b"items: ["
    count = (ONE_MB - len(head) - 2) // 2
    return head + b"0," * count + b"0]"


def _flow_list_of_maps_1mb() -> bytes:
    head = b"items: ["
    count = (ONE_MB - len(head) - 3) // 3
    return head + b"{}," * count + b"{}]"


def _scalar_over_size_limit() -> bytes:
    # 6 MB: over the documented default ingest.max_file_bytes (5,242,880).
    return b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: " + (
        b"A" * 6_000_000) + b"\n"


def _implicit_key_too_long() -> bytes:
    # YAML caps implicit keys at 1024 characters; this one is 200 KB.
    return b"k" * 200_000 + b": 1\n"


def _unterminated_quote_1mb() -> bytes:
    return b'metadata:\n  name: "' + b"x" * (ONE_MB - 20) + b"\n"


# --- undecodable / binary-ish text ---------------------------------------------------------------

def _invalid_utf8() -> bytes:
    return b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\xc3\x28utf8\n"


def _latin1_text() -> bytes:
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: café\n".encode("latin-1")


def _nul_in_yaml() -> bytes:
    return b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nul\x00byte\n"


def _cesu_surrogate() -> bytes:
    # An encoded UTF-16 surrogate: invalid UTF-8 that lenient decoders accept.
    return b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\xed\xa0\x80x\n"


# --- Terraform ----------------------------------------------------------------------------------

_TF_HEAD = (
    'resource "google_storage_bucket" "weights" {\n'
    '  name                        = "model-weights"\n'
    '  location                    = "US"\n'
    "  uniform_bucket_level_access = false\n"
    "}\n\n"
)


def _tf_deep_list() -> bytes:
    return (_TF_HEAD + "locals {\n  deep = " + "[" * DEEP + "]" * DEEP + "\n}\n").encode()


def _tf_deep_object() -> bytes:
    return (_TF_HEAD + "locals {\n  deep = " + "{a = " * 20_000 + "1" + "}" * 20_000
            + "\n}\n").encode()


def _tf_deep_parens() -> bytes:
    return (_TF_HEAD + "locals {\n  deep = " + "(" * DEEP + "1" + ")" * DEEP + "\n}\n").encode()


def _tf_deep_calls() -> bytes:
    return (_TF_HEAD + "locals {\n  deep = " + "max(" * 20_000 + "1" + ")" * 20_000
            + "\n}\n").encode()


def _tf_deep_blocks() -> bytes:
    return (_TF_HEAD + "a {\n" * 10_000 + "}\n" * 10_000).encode()


def _tf_unterminated() -> bytes:
    return (_TF_HEAD + 'resource "x" "y" {\n  v = "' + "z" * 200_000 + "\n").encode()


# --- Triton config.pbtxt ----------------------------------------------------------------------

def _pbtxt_unterminated() -> bytes:
    return (b'name: "m"\nplatform: "onnxruntime_onnx"\n'
            b'input [ { name: "x" data_type: TYPE_FP32 dims: [ 1 ')


def _pbtxt_deep_messages() -> bytes:
    return b'name: "m"\n' + b"optimization { " * DEEP + b"}" * DEEP + b"\n"


def _pbtxt_deep_lists() -> bytes:
    return b'name: "m"\ninput [ { name: "x" data_type: TYPE_FP32 dims: ' + b"[" * DEEP + (
        b"]" * DEEP) + b" } ]\n"


def _pbtxt_unterminated_string() -> bytes:
    return b'name: "' + b"m" * (ONE_MB - 20) + b"\n"


def _pbtxt_wrong_types() -> bytes:
    return (b'name: 12\nmax_batch_size: "lots"\n'
            b"instance_group [ { count: -999999999999999999999 } ]\n")


HOSTILE: list[Hostile] = [
    Hostile("yaml-flow-seq-30k-deep", "bombs/deep-flow-seq.yaml", _flow_seq_deep),
    Hostile("yaml-flow-map-30k-deep", "bombs/deep-flow-map.yaml", _flow_map_deep),
    Hostile("yaml-block-seq-20k-deep", "bombs/deep-block-seq.yml", _block_seq_deep),
    Hostile("yaml-block-then-flow-deep", "bombs/deep-mixed.yaml", _block_then_flow_deep),
    Hostile("json-in-yaml-30k-deep", "bombs/deep-json.yaml", _json_in_yaml_deep),
    Hostile("json-array-in-configmap", "bombs/configmap.yaml", _json_array_in_k8s_object),
    Hostile("deep-second-document", "bombs/two-docs.yaml", _deep_second_document),
    Hostile("alias-billion-laughs", "bombs/laughs.yaml", _billion_laughs),
    Hostile("alias-wide-laughs", "bombs/wide-laughs.yaml", _wide_laughs),
    Hostile("alias-laughs-in-deployment", "bombs/deployment.yaml", _laughs_inside_deployment),
    Hostile("flow-list-1mb", "bombs/values.yaml", _flow_list_1mb),
    Hostile("flow-list-of-maps-1mb", "bombs/list-of-maps.yaml", _flow_list_of_maps_1mb),
    Hostile("scalar-over-size-limit", "bombs/big-configmap.yaml", _scalar_over_size_limit),
    Hostile("implicit-key-200kb", "bombs/long-key.yaml", _implicit_key_too_long),
    Hostile("unterminated-quote-1mb", "bombs/unterminated.yaml", _unterminated_quote_1mb),
    Hostile("invalid-utf8", "text/invalid-utf8.yaml", _invalid_utf8),
    Hostile("latin1-text", "text/latin1.yaml", _latin1_text),
    Hostile("nul-byte", "text/nul.yaml", _nul_in_yaml),
    Hostile("encoded-surrogate", "text/surrogate.yaml", _cesu_surrogate),
    Hostile("tf-unterminated-string", "infra/broken.tf", _tf_unterminated),
    Hostile("pbtxt-unterminated", "models/cut/config.pbtxt", _pbtxt_unterminated),
    Hostile("pbtxt-30k-nested-messages", "models/nested/config.pbtxt", _pbtxt_deep_messages),
    Hostile("pbtxt-30k-nested-lists", "models/lists/config.pbtxt", _pbtxt_deep_lists),
    Hostile("pbtxt-unterminated-string-1mb", "models/str/config.pbtxt",
            _pbtxt_unterminated_string),
    Hostile("pbtxt-wrong-types", "models/types/config.pbtxt", _pbtxt_wrong_types),
]

# Deep but arguably valid Terraform (Terraform's own parser accepts deep nesting): Aria may review
# it or refuse it, but it must do one of the two, within bounds.
DEEP_TERRAFORM: list[Hostile] = [
    Hostile("tf-30k-nested-list", "infra/deep-list.tf", _tf_deep_list),
    Hostile("tf-20k-nested-object", "infra/deep-object.tf", _tf_deep_object),
    Hostile("tf-30k-nested-parens", "infra/deep-parens.tf", _tf_deep_parens),
    Hostile("tf-20k-nested-calls", "infra/deep-calls.tf", _tf_deep_calls),
    Hostile("tf-10k-nested-blocks", "infra/deep-blocks.tf", _tf_deep_blocks),
]


def _audit_tree_with(tmp_path: Path, hostile: Hostile) -> tuple[dict, str]:
    tree = tmp_path / "repo"
    target = tree / hostile.rel_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(hostile.build())
    neighbour = f"neighbour-{hostile.case}"[:60].rstrip("-")
    write_neighbour(tree, neighbour)
    run = run_aria(["audit", str(tree), "-f", "json"], cwd=tmp_path)
    assert_survived(run)
    return run.json(), neighbour


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.case for h in HOSTILE])
def test_hostile_file_costs_only_itself(tmp_path: Path, hostile: Hostile) -> None:
    """Attack: a PR adds one file built to crash, hang or exhaust the parser (deep nesting that
    overflows a C stack, alias expansion, megabyte flow lists, undecodable bytes, malformed
    Triton configs). The review must survive, name the file as not reviewed, and keep the
    findings of the risky Deployment next to it."""
    report, neighbour = _audit_tree_with(tmp_path, hostile)
    assert_ingest_names(report, hostile.rel_path)
    assert_risky_seen(report, neighbour)


@pytest.mark.parametrize("hostile", DEEP_TERRAFORM, ids=[h.case for h in DEEP_TERRAFORM])
def test_deep_terraform_is_reviewed_or_refused(tmp_path: Path, hostile: Hostile) -> None:
    """Attack: a ``.tf`` file nested tens of thousands deep (lists, objects, parentheses,
    function calls, blocks) aimed at the HCL parser's recursion. Aria must survive within
    bounds and either review the file (its public-ACL bucket is reported) or name it in an
    INGEST finding; the neighbour keeps its findings."""
    report, neighbour = _audit_tree_with(tmp_path, hostile)
    assert_reviewed_or_refused(report, hostile.rel_path)
    assert_risky_seen(report, neighbour)


def _huge_valid_pbtxt() -> bytes:
    # ~40,000 lines of a valid config: a single GPU instance and no batcher are reportable.
    head = ('name: "huge"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 8\n'
            "instance_group [ { count: 1, kind: KIND_GPU } ]\n"
            'input [ { name: "x", data_type: TYPE_FP32, dims: [ 3 ] } ]\n'
            'output [ { name: "y", data_type: TYPE_FP32, dims: [ 3 ] } ]\n')
    entry = 'parameters {{\nkey: "k{0}"\nvalue {{ string_value: "v" }}\n}}\n'
    return (head + "".join(entry.format(i) for i in range(10_000))).encode()


def _long_annotation_deployment() -> bytes:
    text = risky_gpu_deployment("long-annotation")
    blob = "".join(random.Random(7).choice("abcdefghij") for _ in range(900_000))
    return text.replace("  namespace: serving\n",
                        f"  namespace: serving\n  annotations:\n    blob: {blob}\n").encode()


@pytest.mark.parametrize(
    "hostile",
    [Hostile("pbtxt-40k-lines", "models/huge/config.pbtxt", _huge_valid_pbtxt),
     Hostile("deployment-900kb-annotation", "apps/long.yaml", _long_annotation_deployment)],
    ids=lambda h: h.case,
)
def test_large_valid_file_is_reviewed_or_refused(tmp_path: Path, hostile: Hostile) -> None:
    """Attack: a large but valid file (a 40,000-line Triton config; a Deployment with a 900 KB
    annotation) that costs quadratic time in a naive line counter or scanner. Aria must finish
    within bounds and either review it (findings in that file) or say it did not."""
    report, neighbour = _audit_tree_with(tmp_path, hostile)
    assert_reviewed_or_refused(report, hostile.rel_path)
    assert_risky_seen(report, neighbour)


_BINARY_NAMES = [
    "apps/deployment.yaml",
    "apps/kustomization.yaml",
    "infra/main.tf",
    "models/bin/config.pbtxt",
    "charts/gpu/values.yaml",
    "apps/service.yml",
]


def _binary_payload(index: int) -> bytes:
    rng = random.Random(index)
    magic = [b"\x7fELF\x02\x01\x01", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\x00\x00\x00\x00",
             b"\xff\xd8\xff\xe0", b"\x1f\x8b\x08"][index % 6]
    return magic + rng.randbytes(64 * 1024)


def test_binary_files_with_infrastructure_names(tmp_path: Path) -> None:
    """Attack: binary blobs (ELF, PNG, zip, gzip, NUL-filled) committed under names Aria
    ingests (``deployment.yaml``, ``kustomization.yaml``, ``main.tf``, ``config.pbtxt``,
    ``values.yaml``). Each must be named as not reviewed; the rest of the tree is reviewed."""
    tree = tmp_path / "repo"
    for index, rel in enumerate(_BINARY_NAMES):
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_binary_payload(index))
    write_neighbour(tree, "binary-neighbour")
    run = run_aria(["audit", str(tree), "-f", "json"], cwd=tmp_path)
    assert_survived(run)
    report = run.json()
    for rel in _BINARY_NAMES:
        assert_ingest_names(report, rel)
    assert_risky_seen(report, "binary-neighbour")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_manifest_is_reviewed_or_refused(tmp_path: Path, encoding: str) -> None:
    """Attack: a risky Deployment saved as UTF-16 (with and without BOM), which a UTF-8-only
    reader may silently drop. The file must be reviewed (its findings appear) or named in an
    INGEST finding; it must never vanish from the review."""
    tree = tmp_path / "repo"
    rel = "apps/utf16.yaml"
    (tree / "apps").mkdir(parents=True)
    (tree / rel).write_bytes(risky_gpu_deployment("utf16-server").encode(encoding))
    write_neighbour(tree, "utf16-neighbour")
    run = run_aria(["audit", str(tree), "-f", "json"], cwd=tmp_path)
    assert_survived(run)
    report = run.json()
    assert_reviewed_or_refused(report, rel)
    assert_risky_seen(report, "utf16-neighbour")


def test_review_between_revisions_survives_bombs(tmp_path: Path) -> None:
    """Attack: the same crash-inducing files arrive as a PR (``aria review BASE HEAD`` on two
    directories): the review must survive and name every hostile head file."""
    base, head = tmp_path / "base", tmp_path / "head"
    write_neighbour(base, "rev-neighbour")
    write_neighbour(head, "rev-neighbour")
    wanted = {"yaml-flow-seq-30k-deep", "yaml-block-seq-20k-deep", "alias-billion-laughs",
              "pbtxt-30k-nested-messages"}
    picked = [hostile for hostile in HOSTILE if hostile.case in wanted]
    for hostile in picked:
        target = head / hostile.rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(hostile.build())
    (head / "neighbour" / "new-risky.yaml").write_text(risky_gpu_deployment("new-risky"),
                                                       encoding="utf-8")
    run = run_aria(["review", str(base), str(head), "-f", "json"], cwd=tmp_path)
    assert_survived(run)
    report = run.json()
    for hostile in picked:
        assert_ingest_names(report, hostile.rel_path)
    assert_risky_seen(report, "new-risky")
