"""Valid YAML that readers disagree on, each case a whole Kubernetes object in one file.

Every case is an object of a kind no cluster knows (`aria.test/v1`, `Probe`), so `kubectl`
reads it without a cluster and without converting it to a typed object; the interesting part
sits under `spec`. Cases cover what the cluster's reader (go-yaml v2) does differently from a
YAML 1.2 reader or from the YAML spec: YAML 1.1 booleans and octals, colons inside flow
collections, merge keys that overwrite, duplicate keys, anchors, tags, block scalars, BOMs
and CRLF line ends.
"""

from __future__ import annotations

import textwrap

HEAD = "apiVersion: aria.test/v1\nkind: Probe\nmetadata:\n  name: {name}\nspec:\n"

SPECS: dict[str, str] = {
    "flow-seq-colons": """
        args: [--host=0.0.0.0:8000, --port=8000]
        accelerators: [ A100:4, L4:4 ]
        urls: [http://a.example:80/x, "b:c"]
    """,
    "flow-map-colons": """
        m: {url: http://svc.example:8080/v1, pair: a:b, empty: }
        n: {"quoted:key": x:y, z: 1}
    """,
    "yaml11-booleans": """
        flags: [yes, no, on, off, y, n, Y, N, True, FALSE, Yes, OFF]
        quoted: ["yes", 'on', "y"]
        not-bools: [yEs, oN, 'TRUE', ye, nope]
        y: key named y
        on: key named on
    """,
    "numbers": """
        octal: 0777
        mode: 0400
        eight: 08
        hex: 0x1F
        octal-o: 0o17
        binary: 0b101
        under: 1_000_000
        exp: 1e3
        float: 1.5
        whole-float: 3.0
        neg: -42
        plus: +12
        dot: .5
        sexagesimal: 1:20
        version: 1.2.3
        big: 9223372036854775807
        bigger: 18446744073709551615
        huge: 123456789012345678901234567890
        tiny: 1e-7
    """,
    "nulls-and-empties": """
        tilde: ~
        word: null
        Word: Null
        empty:
        list: [~, null, ]
        string-null: "null"
        map: {a: , b: ~}
    """,
    "timestamps-stay-text": """
        date: 2024-01-02
        time: 2001-12-14t21:59:43.10-05:00
        spaced: 2001-12-14 21:59:43.10 -5
    """,
    "anchors-and-aliases": """
        base: &base {cpu: "1", memory: 1Gi}
        copy: *base
        scalar: &s shared
        again: *s
        list: &l [1, 2, 3]
        lists: [*l, *l]
    """,
    "merge-keys-overwrite-in-order": """
        defaults: &d {image: app:1, replicas: 1, port: 80}
        override-before: {replicas: 3, <<: *d}
        override-after: {<<: *d, replicas: 3}
        many: {<<: [{a: 1, b: 1}, {a: 2, c: 2}], d: 4}
        quoted-is-a-key: {"<<": {x: 1}}
        block:
          <<: *d
          extra: true
    """,
    "duplicate-keys": """
        dup: 1
        dup: 2
        flow: {k: a, k: b}
        nested:
          x: 1
          x:
            y: 2
    """,
    "block-scalars": """
        literal: |
          line one
            indented
          last
        keep: |+
          kept

        strip: |-
          stripped
        folded: >
          folded
          text

          new paragraph
        folded-strip: >-
          a
           more indented
          b
        indent-indicator: |2
            two extra
          base
    """,
    "multi-line-plain-and-quoted": """
        plain: this is
          one plain
          scalar
        double: "a \\"quoted\\" \\x41\\u263A\\t tab
          and \\
          continued"
        single: 'it''s
          folded'
        hash: "not # a comment"
        inline: value # a comment
        emoji: "🚀 ünïcödé"
    """,
    "tags": """
        str: !!str 0777
        int: !!int "0x10"
        float: !!float 3
        bool: !!bool yes
        nothing: !!null ""
        custom: !Ref my-resource
        custom-seq: !GetAZs [a, b]
        custom-map: !Sub {x: 1}
        binary: !!binary aGVsbG8gd29ybGQ=
        set: !!set {a, b}
        non-specific: ! 12
    """,
    "keys-of-other-types": """
        1: int key
        true: bool key
        2.5: float key
        4.0: whole float key
        007: octal key
    """,
    "nesting-and-flow-mix": """
        matrix: [[1, 2], [3, [4, {five: 5}]]]
        containers:
        - name: a
          ports: [{containerPort: 80, protocol: TCP}]
        - {name: b, args: [--x=1, "--y=a b"]}
    """,
    "indentation-styles": """
        seq-at-key-indent:
        - a
        - b
        seq-indented:
            - c
            -   d: 1
                e: 2
        compact:
        - - 1
          - 2
        - - 3
    """,
}


def _document(name: str, spec: str) -> str:
    return HEAD.format(name=name) + textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n"


def tricky_files() -> dict[str, bytes]:
    """File name -> bytes: one file per case, plus byte-level variants (BOM, CRLF, streams)."""
    files = {f"{name}.yaml": _document(name, spec).encode() for name, spec in SPECS.items()}
    plain = _document("bom-and-crlf", SPECS["block-scalars"])
    files["bom.yaml"] = b"\xef\xbb\xbf" + plain.replace("bom-and-crlf", "bom").encode()
    files["crlf.yaml"] = plain.replace("bom-and-crlf", "crlf").replace("\n", "\r\n").encode()
    files["stream.yaml"] = ("# leading comment\n---\n" + _document("first", "a: 1")
                            + "--- # a comment after the marker\n"
                            + _document("second", SPECS["yaml11-booleans"])
                            + "---\n---\n" + _document("third", "c: [x:y]")).encode()
    return files
