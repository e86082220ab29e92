"""Limits hold before and while parsing, and never refuse what real files hold (issue 10, item 5).

The scanner bounds nesting before a parser sees the text; the YAML loader counts nodes and
alias expansions while it builds, so a refused document costs what was read up to the limit,
not the whole document; line numbers are found in one pass over the text.
"""

from __future__ import annotations

import re

import pytest

from bot.ingest.files import FileKind
from bot.ingest.loader import parse_file
from bot.ingest.scan import MAX_NESTING, Syntax, nesting_problem
from bot.ingest.triton import parse_pbtxt
from bot.ingest.yamlload import MAX_EXPANDED_NODES, YamlError, load_documents

CORPUS_SYNTAX = {".yaml": Syntax.yaml, ".yml": Syntax.yaml, ".tf": Syntax.hcl,
                 ".pbtxt": Syntax.pbtxt}


def nested(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("syntax, text, line", [
    (Syntax.yaml, "x: 1\n" + nested(MAX_NESTING + 1), 2),
    (Syntax.yaml, "x: 1\ny:\n" + "- " * (MAX_NESTING + 1) + "z\n", 3),
    (Syntax.yaml, "a: " + "{k: " * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1), 1),
    (Syntax.hcl, "locals {\n  x = " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING + "\n}\n", 2),
    (Syntax.pbtxt, 'name: "m"\n' + "optimization < " * (MAX_NESTING + 1), 2),
])
def test_the_scanner_refuses_deep_nesting_and_says_where(syntax, text, line):
    assert nesting_problem(text, syntax) == (f"nesting deeper than {MAX_NESTING} levels", line)


@pytest.mark.parametrize("syntax, text", [
    (Syntax.yaml, "a: '" + "[" * 300 + "'\nb: \"" + "{" * 300 + "\"\nc: 1 # " + "[" * 300),
    (Syntax.yaml, "a: |\n  " + "[]" * 300 + "\n"),  # balanced text in a block scalar
    (Syntax.hcl, 'x = "' + "[" * 300 + '"\n# ' + "{" * 300 + "\n/* " + "(" * 300 + " */\n"),
    (Syntax.pbtxt, 'name: "' + "<" * 300 + '"\n# ' + "{" * 300 + "\n"),
])
def test_brackets_in_quotes_and_comments_do_not_count(syntax, text):
    assert nesting_problem(text, syntax) is None


def test_nesting_up_to_the_limit_is_read():
    (doc, _, _), = load_documents(nested(MAX_NESTING - 1))
    depth, node = 0, doc["a"]
    while node:
        depth, node = depth + 1, node[0]
    assert depth == MAX_NESTING - 2  # the innermost list is empty


def test_the_loader_stops_at_the_node_limit_while_building():
    wide = "a: [" + "1," * MAX_EXPANDED_NODES + "1]\n"
    with pytest.raises(YamlError, match="more than 200,000 nodes"):
        list(load_documents(wide))
    fits = "a: [" + "1," * (MAX_EXPANDED_NODES - 10) + "1]\n"
    (doc, _, _), = load_documents(fits)
    assert len(doc["a"]) == MAX_EXPANDED_NODES - 9


def test_aliases_count_as_the_values_they_repeat():
    bomb = "a: &a [" + ",".join(["x"] * 1000) + "]\nb: [" + ",".join(["*a"] * 200) + "]\n"
    with pytest.raises(YamlError, match="alias bomb"):
        list(load_documents(bomb))
    (doc, _, _), = load_documents("a: &a [p, q]\nb: [*a, *a]\n")
    assert doc["b"] == [["p", "q"], ["p", "q"]]


@pytest.mark.parametrize("text, message", [
    ("a: *nowhere\n", "names no anchor defined before it"),
    ("a: &a [*a]\n", "names no anchor defined before it"),  # go-yaml refuses a self-reference
    ("a: {<<: 1}\n", "a merge key (<<) needs a mapping"),
])
def test_alias_and_merge_errors_name_the_line(text, message):
    with pytest.raises(YamlError, match=re.escape(message)) as caught:
        list(load_documents(text))
    assert caught.value.line == 1


def test_documents_before_an_error_are_kept():
    docs = load_documents("a: 1\n---\nb: 2\n---\nc: [\n")
    assert [next(docs)[0], next(docs)[0]] == [{"a": 1}, {"b": 2}]
    with pytest.raises(YamlError, match="invalid YAML"):
        next(docs)


def test_triton_field_lines_are_right_deep_into_a_large_config():
    entry = 'input [\n  {\n    name: "in_%d"\n    data_type: TYPE_FP32\n    dims: [ 3 ]\n  }\n]\n'
    text = 'name: "big"\n' + "".join(entry % i for i in range(6_000)) + "max_batch_size: 8\n"
    (doc,) = parse_pbtxt("models/big/config.pbtxt", text).documents
    assert doc.text_lines["max_batch_size"] == 6_000 * 7 + 2
    assert doc.text_lines["input"] == 2 and doc.text_lines["dims"] == 6
    assert doc.end_line == text.count("\n") + 1


def test_deep_terraform_and_pbtxt_are_refused_before_their_parsers():
    deep_tf = ("locals {\n  x = " + "[" * 30_000 + "]" * 30_000 + "\n}\n").encode()
    deep_pb = ("optimization " + "{ cuda " * 30_000 + "}" * 60_000).encode()
    for path, kind, data in (("main.tf", FileKind.terraform, deep_tf),
                             ("m/config.pbtxt", FileKind.triton, deep_pb)):
        (problem,) = parse_file(path, kind, data, 1_000_000).problems
        assert (problem.path, problem.reason, problem.kind) == (
            path, f"nesting deeper than {MAX_NESTING} levels", "too-large")


@pytest.mark.corpus
def test_no_real_file_of_the_corpus_is_refused_by_the_scanner(corpus_dir):
    scanned = 0
    for path in corpus_dir.rglob("*"):
        syntax = CORPUS_SYNTAX.get(path.suffix)
        if syntax is None or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8-sig", "replace")
        assert nesting_problem(text, syntax) is None, path
        scanned += 1
    assert scanned > 1400, scanned
