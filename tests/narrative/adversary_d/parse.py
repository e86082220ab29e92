"""Pieces of evidence items, split the way a writer would quote them."""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`“])")
_OPTION_FIELD = re.compile(r"(Summary|Cost|Latency|Complexity|Risk): (.*?)"
                           r"(?= (?:Cost|Latency|Complexity|Risk): |$)")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


# Names that open evidence sentences and keep their capital mid-sentence.
PROPER = {"Triton", "Kubernetes", "Karpenter", "Terraform", "Helm", "Kustomize", "Knative",
          "Ray", "Prometheus", "Aria", "Azure", "Google", "Amazon", "Hugging", "Mixtral",
          "Llama", "Mistral", "Linux", "Docker", "Istio", "Envoy", "Grafana", "Argo", "Flux",
          "GitHub", "Python", "Jupyter", "TensorRT", "Kubeflow", "KEDA", "Lustre", "Flash"}
# Verbs an option's title or summary opens with when it reads as an instruction.
IMPERATIVE = {"add", "allow", "bind", "bound", "cap", "cover", "cut", "delete", "document",
              "drop", "enable", "expose", "grant", "keep", "leave", "let", "list", "load",
              "lower", "move", "pin", "probe", "raise", "reference", "refer", "remove",
              "replace", "request", "reserve", "restrict", "run", "scale", "send", "serve",
              "set", "split", "start", "store", "switch", "use", "warm", "write", "accept",
              "give", "mount", "pull", "put", "record", "rely", "route", "shed", "size"}


def lower_first(text: str) -> str:
    """Lower the first letter unless it starts a name (capitals inside, or a proper noun)."""
    word = re.sub(r"^[`“(]+", "", text).split(" ", 1)[0].split("'", 1)[0]
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and word not in PROPER:
        return text[0].lower() + text[1:]
    return text


def imperative(text: str) -> bool:
    return text.split(" ", 1)[0].casefold() in IMPERATIVE


def bare(text: str) -> str:
    return text.strip().rstrip(".").strip()


def after(text: str, marker: str) -> str:
    return text.split(marker, 1)[1].strip() if marker in text else ""


def finding_parts(text: str, rule: str, title: str) -> tuple[str, str]:
    """(location, message) of a finding item; the message without its `Read:` tail."""
    rest = after(text, f"{rule} ({title})")
    location = ""
    match = re.match(r".*?, at `([^`]*)`: ", rest)
    if match:
        location, rest = match.group(1), rest[match.end():]
    else:
        rest = rest.split(": ", 1)[1] if ": " in rest else ""
    return location, rest.split(" Read: ", 1)[0].strip()


def option_fields(text: str) -> dict[str, str]:
    return {k: bare(v) for k, v in _OPTION_FIELD.findall(text)}


def why_body(text: str) -> str:
    return after(text, " matters: ")


def verdict_counts(text: str) -> str:
    """'2 new error-level findings and 5 warnings' from the verdict item (its first sentence:
    a second one, 'It fixes …', would make the rewording two sentences)."""
    counts = after(text, "This change introduces")
    return bare(sentences(counts)[0]) if counts else ""
