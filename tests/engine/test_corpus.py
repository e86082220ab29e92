"""The real public manifests in ../shared/corpus: no crash, every unparsable file named."""

import pytest

from bot.engine import audit
from bot.ingest.source import DirectorySource
from bot.ingest.terraform import parse_terraform
from tests.engine.hcl_reference import line_errors, reference_facts

pytestmark = pytest.mark.corpus


def test_corpus_audit_has_no_crash_and_names_every_bad_file(corpus_dir):
    decision = audit(DirectorySource(corpus_dir))
    assert decision.files_reviewed > 1000
    assert [n for n in decision.notes if n.startswith("Internal error")] == []
    ingest = {f.location.path: f.message for f in decision.findings if f.rule_id == "INGEST001"}
    # TensorRT-LLM templates hold ${...} placeholders: Triton rejects them, and so do we
    trt = [p for p in ingest if "tensorrtllm_backend" in p and p.endswith("config.pbtxt")]
    assert trt and all("Triton would reject" in ingest[p] for p in trt)
    assert all(p in m for p, m in ingest.items())


def test_corpus_terraform_reads_as_python_hcl2_does(corpus_dir):
    """tree-sitter-hcl gives the facts python-hcl2 gave on every real `.tf` file."""
    paths = sorted(corpus_dir.rglob("*.tf"))
    assert len(paths) > 100
    differ, misplaced = [], []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        result = parse_terraform(path.name, text)
        if result.problems or [(d.name, d.kind, d.body) for d in result.documents] != \
                reference_facts(text):
            differ.append(path.relative_to(corpus_dir).as_posix())
        misplaced += line_errors(result.documents, text)
    assert differ == [] and misplaced == []
