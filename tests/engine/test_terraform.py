"""Terraform read by tree-sitter-hcl: the facts python-hcl2 gave (the reader the checks were
written against), the lines findings cite, a clear error with a line for a broken file, and no
crash on hostile nesting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.graph.nodepools import node_pools_of
from bot.ingest.documents import Document
from bot.ingest.hcl import MAX_DEPTH
from bot.ingest.terraform import parse_terraform
from tests.conftest import FIXTURES, findings_for
from tests.engine.hcl_reference import line_errors, reference_facts

REPOS = FIXTURES / "repos"
FIXTURE_TF = sorted(REPOS.rglob("*.tf"))


def _documents(relative: str) -> list[Document]:
    result = parse_terraform(relative, (REPOS / relative).read_text())
    assert result.problems == []
    return result.documents


def _read(relative: str) -> dict[str, Document]:
    return {doc.name: doc for doc in _documents(relative)}


def _line(relative: str, needle: str) -> int:
    """The first line of a fixture that holds `needle`."""
    lines = (REPOS / relative).read_text().splitlines()
    return next(number for number, text in enumerate(lines, 1) if needle in text)


@pytest.mark.parametrize("path", FIXTURE_TF, ids=lambda p: p.relative_to(REPOS).as_posix())
def test_fixture_terraform_reads_as_python_hcl2_does(path: Path) -> None:
    text = path.read_text()
    result = parse_terraform(path.name, text)
    assert result.problems == []
    assert [(d.name, d.kind, d.body) for d in result.documents] == reference_facts(text)
    assert line_errors(result.documents, text) == []


def test_fixture_set_covers_the_hcl_the_reader_must_handle() -> None:
    """The equivalence above means something only if the fixtures hold these constructs."""
    text = "\n".join(p.read_text() for p in FIXTURE_TF)
    for construct in ('dynamic "', "for_each", "<<-EOT", "<<EOT", "%{ if", "[for ", "{ for ",
                      "jsonencode(", 'module "', 'provider "', "alias", "= -1", "? ", "...",
                      'data "', "lifecycle", "${"):
        assert construct in text, construct


def test_node_pools_read_from_eks_gke_and_aks_blocks() -> None:
    path = "triton-inference/terraform/eks.tf"
    eks = _read(path)["aws_eks_node_group.gpu_a10g"]
    pool = node_pools_of(eks)[0]
    assert (pool.min_nodes, pool.max_nodes, pool.machine, pool.spot) == (1, 1, "g5.2xlarge", False)
    assert pool.labels == {"nvidia.com/gpu.present": "true", "workload": "triton"}
    assert pool.taints == ["nvidia.com/gpu"]  # the dynamic block's taints are decided at plan
    assert eks.line == _line(path, '"aws_eks_node_group" "gpu_a10g"')
    assert eks.end_line == _line(path, 'resource "aws_eks_node_group" "system"') - 2
    assert eks.text_lines["max_size"] == _line(path, "max_size     = 1")

    gke = _read("llm-serving/terraform/gke.tf")["google_container_node_pool.gpu_l4"]
    pool = node_pools_of(gke)[0]
    assert (pool.min_nodes, pool.max_nodes, pool.gpus_per_node) == (1, None, 1)
    assert pool.machine == "g2-standard-8 nvidia-l4" and pool.taints == ["nvidia.com/gpu"]
    assert gke.body["autoscaling"][0]["max_node_count"] == "${var.gpu_max_nodes}"
    assert gke.body["node_config"][0]["labels"] == '${merge(local.labels, {pool = "gpu-l4"})}'

    aks = _read("gpu-infra-aks/terraform/main.tf")
    spot = node_pools_of(aks["azurerm_kubernetes_cluster_node_pool.gpu_t4_spot"])[0]
    assert (spot.min_nodes, spot.max_nodes, spot.spot) == (0, 10, True)
    assert spot.taints == ["nvidia.com/gpu", "kubernetes.azure.com/scalesetpriority"]
    assert aks["azurerm_kubernetes_cluster_node_pool.gpu_t4_spot"].body["spot_max_price"] == -1
    a100 = node_pools_of(aks["azurerm_kubernetes_cluster_node_pool.gpu_a100"])[0]
    assert a100.zones == ["1"] and a100.labels["pool"] == "gpu-a100"


def test_expressions_heredocs_and_blocks_keep_python_hcl2s_form() -> None:
    docs = _read("gpu-infra-eks/modules/gpu-node-group/main.tf")
    template = docs["aws_launch_template.this"].body
    assert template["name_prefix"] == "${var.name}-"
    assert template["user_data"].startswith('${base64encode("<<-EOT\n    MIME-Version: 1.0')
    assert "%{ if var.efa_enabled }" in template["user_data"]
    (dynamic,) = template["dynamic"]
    assert dynamic["network_interfaces"]["for_each"] == "${var.efa_enabled ? [0] : []}"
    assert dynamic["network_interfaces"]["content"] == [{
        "device_index": "${network_interfaces.value}", "interface_type": "efa",
        "delete_on_termination": True}]
    assert docs["variable.min_size"].body == {"type": "number", "default": 0}

    path = "gpu-infra-eks/live/main.tf"
    live = _read(path)
    groups = live["module.eks"].body["eks_managed_node_groups"]
    assert groups["inference"]["taints"]["gpu"]["effect"] == "NO_SCHEDULE"
    assert groups["inference"]["instance_types"] == "${local.gpu_instance_types.inference}"
    assert live["module.vpc"].body["private_subnets"] == \
        '${[for k, v in local.azs : cidrsubnet("10.40.0.0/16", 4, k)]}'
    providers = [d for d in _documents(path) if d.kind == "provider"]
    assert [(d.name, d.body.get("alias")) for d in providers] == [
        ("provider.aws", None), ("provider.aws", "us")]  # one address, two blocks, two lines
    assert [d.line for d in providers] == [_line(path, 'provider "aws"'),
                                           _line(path, 'alias  = "us"') - 1]

    eks = _read("triton-inference/terraform/eks.tf")
    assert eks["aws_iam_role.cluster"].body["assume_role_policy"].startswith("<<-EOT\n    {")
    variables = _read("triton-inference/terraform/variables.tf")
    assert variables["variable.private_subnet_ids"].body["description"].startswith(
        "<<EOT\nPrivate subnets")


@pytest.mark.parametrize(("text", "reason", "line"), [
    ('resource "a" "b" {\n  x = 1\n\nresource "c" "d" {\n}\n', "missing `}`", 1),
    ('resource "a" "b" {\n  name = "gpu\n}\n', 'missing `"`', 2),
    ('resource "a" "b" {\n  x = [1, 2\n  y = 3\n}\n', "missing `]`", 2),
    ('resource "a" "b" {\n  x = "${var.a"\n}\n', "unexpected `var.a`", 2),
    ('resource "a" "b" {\n  x = 1 y = 2\n}\n', "expected a newline before `y`", 2),
    ('resource "a" "b" {\n  ratio = 1e3\n}\n', "needs a fraction here", 2),
    ('resource "aws_eks_node_group" {\n}\n', "`resource` block has 1 label(s)", 1),
    ('{"resource": {}}\n', "found a bare object", 1),
])
def test_broken_terraform_is_one_problem_with_its_line(text: str, reason: str, line: int) -> None:
    result = parse_terraform("infra/main.tf", text)
    assert result.documents == []
    (problem,) = result.problems
    assert problem.reason.startswith("invalid HCL: ") and reason in problem.reason
    assert (problem.path, problem.line) == ("infra/main.tf", line)


@pytest.mark.parametrize("value", [
    "[" * 100_000 + "]" * 100_000,
    "{a = " * 20_000 + "1" + "}" * 20_000,
    "(" * 20_000 + "1" + ")" * 20_000,
    " + ".join(["var.x"] * 5_000),
])
def test_deep_nesting_is_a_problem_not_a_crash(value: str) -> None:
    result = parse_terraform("deep.tf", f'resource "a" "b" {{\n  x = {value}\n}}\n')
    assert [(p.reason, p.line) for p in result.problems] == [
        (f"invalid HCL: nested deeper than {MAX_DEPTH} levels", 2)]


def test_realistic_nesting_is_read() -> None:
    value = "[" * 40 + "1" + "]" * 40
    (doc,) = parse_terraform("ok.tf", f'resource "a" "b" {{\n  x = {value}\n}}\n').documents
    depth, node = 0, doc.body["x"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert (depth, node) == (40, 1)


def test_a_broken_tf_file_costs_only_itself() -> None:
    found = findings_for({
        "infra/broken.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "x"\n',
        "infra/public.tf": """
        resource "aws_s3_bucket_public_access_block" "weights" {
          bucket              = "weights"
          block_public_policy = false
        }
        """})
    assert {(f.rule_id, f.location.path, f.location.line) for f in found} >= {
        ("INGEST001", "infra/broken.tf", 1), ("SEC010", "infra/public.tf", 4)}
