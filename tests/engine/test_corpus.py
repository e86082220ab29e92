"""The real public manifests in ../shared/corpus: no crash, every unparsable file named."""

from bot.engine import audit
from bot.ingest.source import DirectorySource


def test_corpus_audit_has_no_crash_and_names_every_bad_file(shared_dir):
    decision = audit(DirectorySource(shared_dir / "corpus"))
    assert decision.files_reviewed > 1000
    crashed = [f for f in decision.findings if f.detail == "check-crashed"]
    assert crashed == []
    ingest = {f.location.path: f.message for f in decision.findings if f.rule_id == "INGEST001"}
    # TensorRT-LLM templates hold ${...} placeholders: Triton rejects them, and so do we
    trt = [p for p in ingest if "tensorrtllm_backend" in p and p.endswith("config.pbtxt")]
    assert trt and all("Triton would reject" in ingest[p] for p in trt)
    assert all(p in m for p, m in ingest.items())
