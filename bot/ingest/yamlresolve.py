"""Scalars as the Kubernetes API client reads them: go-yaml v2 resolution, then JSON.

`kubectl` and the API machinery read YAML with sigs.k8s.io/yaml: go-yaml v2 (YAML 1.1 rules:
`yes`, `on`, `y` are booleans, `0777` is octal, `1:20` is text) into JSON, where a whole float
becomes an integer and every mapping key becomes a string. Aria reads the same values, so a
check sees what the cluster would apply (see adr/0008-isolated-bounded-ingest.md).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from decimal import Decimal
from typing import Any

_MAP: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
                    True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
                    False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
MERGE_KEY = "<<"
# strconv.ParseInt(s, 0, 64) syntax once underscores are removed
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
# strconv.ParseFloat syntax for text that starts with "." (underscores only between digits)
_GO_DOT_FLOAT = re.compile(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?")
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1
_JSON_PLAIN_FLOAT = 1e21  # encoding/json writes smaller floats without an exponent

TAG_PREFIX = "tag:yaml.org,2002:"
_RESOLVABLE = {"str", "bool", "int", "float", "null", "timestamp"}


def _parse_go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64), or ParseUint for what only fits unsigned."""
    if not _GO_INT.fullmatch(text):
        return None
    digits = text.lstrip("+-")
    if len(digits) > 1 and digits[0] == "0":
        value = int(digits, 0) if digits[1] in "xXoObB" else int(digits, 8)
    else:
        value = int(digits)
    value = -value if text[0] == "-" else value
    return value if _INT64[0] <= value <= _UINT64_MAX else None


def resolve_plain(text: str) -> Any:
    """go-yaml v2 `resolve("", text)` for an untagged plain scalar."""
    if text in _MAP:
        return _MAP[text]
    first = text[0]
    if first == ".":
        return float(text) if _GO_DOT_FLOAT.fullmatch(text) else text
    if first in "+-0123456789":
        compact = text.replace("_", "")
        number = _parse_go_int(compact)
        if number is not None:
            return number
        if _GO_YAML_FLOAT.fullmatch(compact):
            return float(compact)
    return text


def json_number(value: int | float) -> int | float:
    """A number as the API server holds it after the JSON step: Go writes a whole float below
    1e21 as an integer literal of its shortest digits (2**62 becomes 4611686018427388000),
    which is read back as an int64 when it fits; anything else is a float64."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _JSON_PLAIN_FLOAT:
            literal = int(Decimal(repr(value)))
            if _INT64[0] <= literal <= _INT64[1]:
                return literal
        return value
    return value if _INT64[0] <= value <= _INT64[1] else float(value)


def resolve_scalar(value: str, tag: str | None, plain: bool) -> Any:
    """go-yaml v2's value of a scalar: `tag` as written (None when implicit), `plain` if unquoted.

    Numbers are Go's here: a key is named from them, a value goes through `json_number`.
    """
    if tag is None or tag == "!":
        return resolve_plain(value) if plain and tag is None else value
    short = tag[len(TAG_PREFIX):] if tag.startswith(TAG_PREFIX) else ""
    if short in ("str", "timestamp"):
        return value  # a timestamp stays text in an untyped Go value
    if short == "binary":
        try:
            return base64.b64decode(value).decode("utf-8", "replace")
        except binascii.Error:
            return value  # the cluster refuses the document; the text is what there is
    if short not in _RESOLVABLE:
        return value  # custom tags (!Ref, !!python/…) keep their text
    result = resolve_plain(value)
    if short == "float" and isinstance(result, int) and not isinstance(result, bool):
        return float(result)
    return result


def json_key(key: Any) -> str:
    """A mapping key as sigs.k8s.io/yaml names it in JSON."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return _go_format_g(key)
    return "null" if key is None else str(key)


def _go_format_g(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 64)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    exp10 = len(digits) + int(exponent) - 1
    text = "".join(map(str, digits))
    if exp10 < -4 or exp10 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{'-' if sign else ''}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    return format(Decimal(repr(value)).normalize(), "f")
