"""Model-server command lines: which server a container runs, and the flags it passes.

Manifests write the same command three ways — `["--flag=value"]`, `["--flag", "value"]`, or
one shell string (`sh -c "vllm serve m --flag value"`) — and serving rules must read all three
alike. Nothing here is executed; shell strings are only tokenised.
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache

SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env", "dash", "zsh"})
SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", "&"})
FALSE_VALUES = frozenset({"false", "0", "no", "off"})  # how a boolean flag is turned off
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SHELL_COMMAND_OPTION = re.compile(r"^-[a-z]*c$")  # -c, -lc, -ec: "run the next word"
_SPACE = re.compile(r"\s")  # what str.isspace() calls a space, found in C

# argv fragments first (they name the program that runs), image fragments second
_ARGV_HINTS: tuple[tuple[str, str], ...] = (
    ("tritonserver", "triton"),
    ("text-generation-launcher", "tgi"),
    ("vllm.entrypoints", "vllm"),
)
_IMAGE_HINTS: tuple[tuple[str, str], ...] = (
    ("tritonserver", "triton"),
    ("text-generation-inference", "tgi"),
    ("vllm", "vllm"),
)


def _tokens(argv: list[str]) -> list[str]:
    """Split the argv into words, opening any element that is itself a shell command line."""
    out: list[str] = []
    after_shell = False
    for item in argv:
        if after_shell and _SHELL_COMMAND_OPTION.match(item):
            continue  # the shell's own option, not the server's
        after_shell = item in SHELLS
        if not _SPACE.search(item):
            out.append(item)
            continue
        text = item.replace("\\\n", " ")
        try:
            out.extend(shlex.split(text, comments=True))
        except ValueError:  # unbalanced quotes in a templated string: words are still useful
            out.extend(text.split())
    return out


def _is_value(token: str) -> bool:
    return not token.startswith("-") or bool(_NUMBER.match(token))


def _name(flag: str) -> str:
    """`--max_model_len` and `--max-model-len` are one flag to vLLM's and TGI's parsers."""
    return flag.lstrip("-").replace("_", "-")


def server_flags(argv: list[str]) -> dict[str, str]:
    """Flags of a command line as name -> value; a flag with no value maps to "".

    Names lose their leading dashes and use `-` for `_`. The last occurrence wins, as with
    argparse and clap. Shell operators end a flag's value; positional words are skipped.
    """
    tokens = [t for t in _tokens(argv) if t not in SHELL_OPERATORS]
    flags: dict[str, str] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("-") or token in ("-", "--") or _NUMBER.match(token):
            continue
        if "=" in token:
            name, _, value = token.partition("=")
            flags[_name(name)] = value
        elif index < len(tokens) and _is_value(tokens[index]):
            flags[_name(token)] = tokens[index]
            index += 1
        else:
            flags[_name(token)] = ""
    return flags


def detect_server(image: str, argv: list[str]) -> str | None:
    """"vllm", "tgi" or "triton" when the container runs that server, else None."""
    return _server(image, tuple(argv))


# Rules ask this of every container once per model or server they judge (thousands of times
# in a large tree, each a shell tokenising), for a few hundred distinct command lines.
@lru_cache(maxsize=4096)
def _server(image: str, argv: tuple[str, ...]) -> str | None:
    words = _tokens(list(argv))
    joined = " ".join(words)
    for hint, server in _ARGV_HINTS:
        if hint in joined:
            return server
    if any(word.rsplit("/", 1)[-1] == "vllm" for word in words):  # `vllm serve`
        return "vllm"
    lowered = image.lower()
    for hint, server in _IMAGE_HINTS:
        if hint in lowered:
            return server
    return None
