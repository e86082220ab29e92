"""Fuzzing the ingest of YAML, kustomization, HCL and pbtxt files (issue 10, items 1 and 5).

Every generated file — valid, broken, or built to be expensive (deep nesting, wide flow lists,
alias fans, many documents) — is parsed in a forked child. No input may crash or hang it, raise
an exception past the parser, or cost more than CPU_BOUND_S of CPU or MEMORY_BOUND_MB of peak
memory growth; what it cannot read is a problem naming the file. The bounds are generous
margins over the target (1 s and 100 MB per 1 MB file at the App's limits), so they catch
blow-ups, not noise.
"""

from __future__ import annotations

import json
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest.files import FileKind
from tests.security.child_usage import ChildUsage, parse_in_child
from tests.security.worst_cases import CASES

APP_MAX_BYTES = 1_000_000  # GitHubSettings.max_file_bytes: the App's per-file cap
CPU_BOUND_S = 5.0
MEMORY_BOUND_MB = 200.0
FUZZ = settings(max_examples=120, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


def assert_bounded(name: str, kind: FileKind, text: str | bytes) -> ChildUsage:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    usage = parse_in_child(name, kind, data, APP_MAX_BYTES)
    assert usage.cpu_s <= CPU_BOUND_S, f"{name}: {usage.cpu_s:.2f} s CPU for {len(data):,} B"
    assert usage.peak_growth_mb <= MEMORY_BOUND_MB, \
        f"{name}: {usage.peak_growth_mb:.0f} MB for {len(data):,} B"
    assert all(path == name for path, _ in usage.problems), usage.problems
    return usage


@st.composite
def spliced(draw, base: st.SearchStrategy[str], tokens: list[str]) -> str:
    """`base` with syntax tokens inserted and spans deleted at random places."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(tokens)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(0, 6)):]
    return text


# --- YAML and kustomization ------------------------------------------------------------------

TRICKY_SCALARS = ["yes", "on", "y", "0777", "08", "1e3", "1:20", "a:b", "<<", "*a", "&a", "~",
                  "- x", "#c", "'q'", '"q"', "|", ">", "!Ref x", "\t", "\r\n", "\ufeff", "---",
                  "{{ .Values.x }}", "${VAR}"]
YAML_TOKENS = ["[", "]", "{", "}", ", ", ": ", ":", "- ", "? ", "&a ", "*a", "&b ", "*b",
               "!!str ", "!!binary ", "!!int ", "!Ref ", "<<: ", "<<: *a", "|", "|-\n", ">+\n",
               "'", '"', "\\", "#", "\n", "\r\n", "\t", "---\n", "...\n", "%YAML 1.1\n",
               "\ufeff", "  ", "\x85", "\u2028"]
scalars = st.one_of(st.text(max_size=24), st.integers(), st.floats(), st.booleans(), st.none(),
                    st.sampled_from(TRICKY_SCALARS))
keys = st.one_of(st.text(max_size=12), st.integers(), st.booleans(),
                 st.sampled_from(TRICKY_SCALARS))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=6)
                      | st.dictionaries(keys, inner, max_size=6), max_leaves=40)


@st.composite
def dumped(draw, value: st.SearchStrategy) -> str:
    return yaml.safe_dump_all(draw(st.lists(value, min_size=1, max_size=3)),
                              default_flow_style=draw(st.sampled_from([None, True, False])),
                              allow_unicode=draw(st.booleans()), width=draw(st.integers(8, 200)),
                              explicit_start=draw(st.booleans()))


@st.composite
def expensive_yaml(draw) -> str:
    """Shapes whose cost is not linear in a naive reader, up to the App's size cap."""
    n = draw(st.integers(1, 60_000))
    shape = draw(st.sampled_from(["flow", "mixed", "compact", "indent", "wide", "aliases",
                                  "documents", "keys", "quotes"]))
    if shape == "flow":
        return "a: " + "[" * n + "]" * n
    if shape == "mixed":
        return "a: " + "[{x: " * (n // 5) + "1" + "}]" * (n // 5)
    if shape == "compact":
        return "- " * n + "x\n"
    if shape == "indent":
        depth = min(n, 1_300)  # depth d costs d*d/2 bytes of indentation
        return "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "v\n"
    if shape == "wide":
        return "a: [" + "1," * min(n * 8, 499_000) + "1]\n"
    if shape == "aliases":
        fan = draw(st.integers(2, 12))
        lines = ["l0: &l0 [x, y]"] + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan) + "]"
                                      for i in range(1, draw(st.integers(2, 30)))]
        return "\n".join(lines) + "\n"
    if shape == "documents":
        return "---\na: 1\n" * min(n, 120_000)
    if shape == "keys":
        return "".join(f"k{i}: {i}\n" for i in range(min(n, 90_000)))
    return '"' + '\\"' * min(n * 8, 400_000)  # an unterminated quoted scalar of escapes


yaml_files = st.one_of(dumped(values), spliced(dumped(values), YAML_TOKENS),
                       st.text(alphabet=string.printable + "\ufeff\u2028", max_size=400),
                       expensive_yaml())


@FUZZ
@given(yaml_files)
def test_yaml_ingest_never_crashes_hangs_or_blows_up(text):
    assert_bounded("fuzz.yaml", FileKind.yaml, text)


KUSTOMIZE_FIELDS = ["resources", "bases", "components", "patches", "patchesStrategicMerge",
                    "patchesJson6902", "configMapGenerator", "secretGenerator", "helmCharts",
                    "replacements", "crds", "openapi", "generators", "transformers", "images",
                    "namespace", "namePrefix", "commonLabels", "labels", "replicas"]
references = st.one_of(st.sampled_from(["../base", "https://evil.example/x.yaml",
                                        "github.com/org/repo//dir?ref=main", "/etc/passwd",
                                        "file:///etc/passwd", "git@github.com:o/r.git", "x.yaml"]),
                       st.text(max_size=20))
kustomizations = st.dictionaries(st.sampled_from(KUSTOMIZE_FIELDS), st.one_of(
    st.lists(references, max_size=4), references,
    st.lists(st.dictionaries(st.sampled_from(["path", "name", "files", "envs", "repo",
                                              "target", "patch"]), references, max_size=3),
             max_size=3)), max_size=8)


@FUZZ
@given(st.one_of(dumped(kustomizations), spliced(dumped(kustomizations), YAML_TOKENS)))
def test_kustomization_ingest_never_crashes_hangs_or_blows_up(text):
    assert_bounded("overlay/kustomization.yaml", FileKind.yaml, text)


# --- HCL -------------------------------------------------------------------------------------

identifiers = st.from_regex(r"[a-z_][a-z0-9_-]{0,8}", fullmatch=True)
hcl_scalars = st.one_of(st.integers().map(str), st.sampled_from(["true", "false", "null",
                        "var.x", "local.y[0]", 'upper("a")', '"${var.name}-x"',
                        '"%{ if var.on }y%{ endif }"', "each.value", "count.index * 2"]),
                        st.text(max_size=12).map(json.dumps))
hcl_values = st.recursive(hcl_scalars, lambda inner: st.lists(inner, max_size=5).map(
    lambda items: "[" + ", ".join(items) + "]") | st.dictionaries(identifiers, inner, max_size=4)
    .map(lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"), max_leaves=20)


@st.composite
def hcl_blocks(draw) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["resource", "data", "module", "variable", "locals",
                                     "provider"]))
        labels = " ".join(json.dumps(draw(identifiers))
                          for _ in range({"resource": 2, "data": 2, "locals": 0}.get(kind, 1)))
        body = "\n".join(f"  {draw(identifiers)} = {draw(hcl_values)}"
                         for _ in range(draw(st.integers(0, 6))))
        heredoc = "\n  policy = <<EOF\n{\"a\": [1]}\nEOF" if draw(st.booleans()) else ""
        blocks.append(f"{kind} {labels} {{\n{body}{heredoc}\n}}\n")
    return "\n".join(blocks)


HCL_TOKENS = ["{", "}", "[", "]", "(", ")", "=", '"', "${", "%{", "<<EOF\n", "\nEOF\n", "#",
              "//", "/*", "*/", "\n", ",", ".", "*", "?", ":", "=>", "...", "\\"]


@st.composite
def expensive_hcl(draw) -> str:
    n = draw(st.integers(1, 40_000))
    opener, closer = draw(st.sampled_from([("[", "]"), ("{", "}"), ("(", ")"), ("[{x = ", "}]")]))
    if draw(st.booleans()):
        return f"locals {{\n  x = {opener * n}{closer * n}\n}}\n"
    return "locals {\n  x = [" + "1, " * min(n, 12_000) + "1]\n}\n"  # python-hcl2: ~10 s/MB


@FUZZ
@given(st.one_of(hcl_blocks(), spliced(hcl_blocks(), HCL_TOKENS), expensive_hcl()))
def test_hcl_ingest_never_crashes_hangs_or_blows_up(text):
    assert_bounded("main.tf", FileKind.terraform, text)


# --- Triton pbtxt ----------------------------------------------------------------------------

pb_scalars = st.one_of(st.integers().map(str), st.floats(allow_nan=False).map(repr),
                       st.text(max_size=12).map(json.dumps),
                       st.sampled_from(["TYPE_FP32", "KIND_GPU", "true", "-1", "${BATCH}"]))
pb_fields = ["name", "platform", "backend", "max_batch_size", "dims", "data_type", "count",
             "kind", "gpus", "preferred_batch_size", "max_queue_delay_microseconds", "key",
             "string_value", "model_name", "model_version", "bogus_field"]
pb_messages = ["input", "output", "instance_group", "dynamic_batching", "parameters", "value",
               "ensemble_scheduling", "step", "optimization", "model_warmup", "sequence_batching"]
pb_text = st.recursive(
    st.tuples(st.sampled_from(pb_fields), pb_scalars).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    lambda inner: st.tuples(st.sampled_from(pb_messages), st.lists(inner, max_size=5),
                            st.sampled_from(["{}", "<>", "[{}]"])).map(
        lambda m: f"{m[0]} {m[2][:-1] if m[2] != '[{}]' else '[ {'}\n" + "\n".join(m[1])
        + f"\n{m[2][-1] if m[2] != '[{}]' else '} ]'}"),
    max_leaves=25)
PB_TOKENS = ["{", "}", "[", "]", "<", ">", ":", ",", '"', "'", "#", "\n", "-", "1e", "0x"]


@st.composite
def expensive_pbtxt(draw) -> str:
    n = draw(st.integers(1, 40_000))
    if draw(st.booleans()):
        return "optimization " + "{ cuda " * n + "}" * (2 * n)
    return "".join(f'input [ {{ name: "i{i}" data_type: TYPE_FP32 dims: [ 1 ] }} ]\n'
                   for i in range(min(n, 18_000)))


@FUZZ
@given(st.one_of(st.lists(pb_text, max_size=8).map("\n".join),
                 spliced(st.lists(pb_text, max_size=8).map("\n".join), PB_TOKENS),
                 expensive_pbtxt()))
def test_pbtxt_ingest_never_crashes_hangs_or_blows_up(text):
    assert_bounded("models/m/config.pbtxt", FileKind.triton, text)


# --- the worst cases at the App's limits (tests/security/worst_cases.py) ------------------

# 1 MB of HCL costs python-hcl2 15 s (the bench reports it); the worker's limits bound it
AT_LIMITS = [c for c in CASES if c[0] != "hcl: max-bytes of resources"]


@pytest.mark.parametrize("case, name, kind, make", AT_LIMITS, ids=[case[0] for case in AT_LIMITS])
def test_worst_cases_at_the_app_limits_stay_within_bounds(case, name, kind, make):
    text = make(APP_MAX_BYTES)
    kinds = {"yaml": FileKind.yaml, "terraform": FileKind.terraform, "triton": FileKind.triton}
    usage = assert_bounded(name, kinds[kind], text)
    assert usage.documents or usage.problems, case
