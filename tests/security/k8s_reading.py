"""A second reading of YAML as Kubernetes reads it, to hold Aria's loader against.

The cluster's clients read YAML with sigs.k8s.io/yaml: go-yaml v2, then JSON, whose numbers the
API server holds as int64 when they are written as integers that fit, float64 otherwise. This
reading uses PyYAML's pure-Python loader (its own scanner and parser, not the libyaml Aria
uses), configured like go-yaml v2 with PyYAML's own hooks: YAML 1.1 implicit scalars, no
implicit timestamps, merge keys that overwrite in document order. `kubectl` itself is the
first opinion where it is installed (`kubectl_objects`).
"""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml


class Rejected(ValueError):
    """Kubernetes would not accept this document (no JSON form: NaN, a null key, …)."""


class GoYamlV2Loader(yaml.SafeLoader):  # SafeLoader is PyYAML's pure-Python loader
    yaml_implicit_resolvers: dict = {}
    yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)
    yaml_multi_constructors: dict = {}

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0] and value[:1] in "+-0123456789":
            value = value.replace("_", "")  # go-yaml drops underscores before reading numbers
        return super().resolve(kind, value, implicit)

    def compose_scalar_node(self, anchor: str | None) -> yaml.ScalarNode:
        event = self.peek_event()
        if event.tag == "!":  # go-yaml keeps the non-specific tag, so `! 12` is text
            event.tag = "tag:yaml.org,2002:str"
        return super().compose_scalar_node(anchor)

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Merge keys are applied in `construct_mapping`, in order, as go-yaml does."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.construct_object(value_node, deep=True)
                for source in (reversed(merged) if isinstance(merged, list) else [merged]):
                    out.update(source)
                continue
            key = _json_key(self.construct_object(key_node, deep=True))  # 1 and true differ
            out[key] = self.construct_object(value_node, deep=True)
        return out


_RESOLVERS = [
    ("bool", r"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
     "yYnNtTfFoO"),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("float", r"\.(?:nan|NaN|NAN)|[-+]?\.(?:inf|Inf|INF)|\.[0-9]+(?:[eE][-+]?[0-9]+)?", "-+."),
    ("merge", r"<<", "<"),
    ("int", r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)",
     "-+0123456789"),
    ("float", r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?", "-+0123456789"),
]
for _tag, _pattern, _first in _RESOLVERS:
    GoYamlV2Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}",
                                         re.compile(f"^(?:{_pattern})$"), list(_first))

_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}


def _construct_int(loader: GoYamlV2Loader, node: yaml.ScalarNode) -> int | float | str:
    text = node.value.replace("_", "")
    sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
    if digits[:2].lower() in ("0x", "0o", "0b"):
        number = sign * int(digits[2:], {"x": 16, "o": 8, "b": 2}[digits[1].lower()])
    elif digits[:1] == "0" and len(digits) > 1:
        number = sign * int(digits, 8)
    else:
        number = sign * int(digits)
    if -(2**63) <= number < 2**64:  # ParseInt, then ParseUint
        return number
    return float(text) if digits.isdigit() else node.value


_SPECIAL_FLOATS = {".nan": math.nan, ".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf}


def _construct_float(loader: GoYamlV2Loader, node: yaml.ScalarNode) -> float:
    if node.value.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[node.value.lower()]
    return float(node.value.replace("_", "") if node.value[:1] != "." else node.value)


def _construct_text(loader: GoYamlV2Loader, node: yaml.ScalarNode) -> str:
    return node.value


def _construct_untagged(loader: GoYamlV2Loader, suffix: str, node: yaml.Node) -> Any:
    """Custom tags (!Ref, !!foo): go-yaml reads the node as if it had no tag."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return node.value


for _tag, _constructor in [
    ("int", _construct_int), ("float", _construct_float), ("timestamp", _construct_text),
    ("bool", lambda loader, node: node.value in _TRUE),
    ("binary", lambda loader, node: base64.b64decode(node.value).decode("utf-8", "replace")),
    ("set", lambda loader, node: dict.fromkeys(loader.construct_mapping(node))),
]:
    GoYamlV2Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)
for _prefix in ("!", "tag:"):
    GoYamlV2Loader.add_multi_constructor(_prefix, _construct_untagged)


def _json_key(key: Any) -> str:
    if isinstance(key, bool):
        return str(key).lower()
    if isinstance(key, str | int):
        return str(key)
    if isinstance(key, float) and 1e-4 <= abs(key) < 1e6:  # Go's %g writes these plainly
        return repr(key).removesuffix(".0")
    raise Rejected(f"a {type(key).__name__} key has no JSON form here ({key!r})")


def _json_value(value: Any) -> Any:
    """What the API server holds after Go writes `value` as JSON and reads it back."""
    if isinstance(value, dict):
        return {_json_key(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Rejected("json: unsupported value")
        if not value.is_integer() or abs(value) >= 1e21:
            return value
        value = int(Decimal(repr(value)))  # Go writes the shortest digits, then zeros
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -(2**63) <= value < 2**63 else float(value)
    return value


def _chunks(text: str) -> list[str]:
    """k8s.io/apimachinery's YAMLReader: documents split at lines that start with `---`,
    every line ended with one newline (so a file without a final newline reads as if it had
    one), each document handed to go-yaml alone."""
    chunks, lines = [], []
    for line in text.splitlines():
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise Rejected(f"invalid Yaml document separator: {rest}")
            chunks.append("".join(lines))
            lines = []
        else:
            lines.append(line + "\n")
    return [*chunks, "".join(lines)]


def kubernetes_documents(text: str) -> list[Any]:
    """The non-empty documents of `text` as Kubernetes reads them (raises Rejected, or
    yaml.YAMLError for text that is not YAML)."""
    docs = []
    for chunk in _chunks(text):
        first = next(yaml.load_all(chunk, Loader=GoYamlV2Loader), None)  # go-yaml reads one
        if first is not None:
            docs.append(_json_value(first))
    return docs


def kubectl_objects(kubectl: str, files: list[Path]) -> list[dict]:
    """The objects `kubectl` reads from `files`, in order, with no cluster (raises
    CalledProcessError when it cannot read one). A no-op local patch prints them as read."""
    proc = subprocess.run([kubectl, "patch", "--local", "--type", "merge", "-p", "{}",
                           "-o", "json", *[a for f in files for a in ("-f", str(f))]],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or proc.stderr.strip():
        raise subprocess.CalledProcessError(proc.returncode, "kubectl", proc.stdout, proc.stderr)
    decoder, out, at = json.JSONDecoder(), [], 0
    text = proc.stdout
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        obj, at = decoder.raw_decode(text, at)
        out.append(obj)
    return out


def same(a: Any, b: Any) -> bool:
    """Equal as the cluster compares JSON: booleans are not numbers, 1 and 1.0 are one number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b) if isinstance(a, float) or isinstance(b, float) else a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """Where two values first differ, for a readable assertion message."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for key in a:
            if not same(a[key], b[key]):
                return first_difference(a[key], b[key], f"{path}/{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if not same(x, y):
                return first_difference(x, y, f"{path}[{index}]")
    return f"{path or '/'}: {a!r:.120} != {b!r:.120}"
