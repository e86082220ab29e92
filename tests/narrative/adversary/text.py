"""Small Markdown and sentence helpers shared by the honest and planted generators."""

from __future__ import annotations

import re

_CODE = re.compile(r"`[^`]*`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# A sentence ends at . ! or ? followed by a space and a capital, a code span or bold text;
# decimals ("0.98") and code spans are never split because the split needs the space; an
# emoji (Aria's ✅) also opens a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(\u2600-\u27bf\U0001f300-\U0001faff])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words that stay capitalised when a sentence is moved into the middle of another one.
_PROPER = ("Triton", "Kubernetes", "Aria", "NVIDIA", "GPU", "CPU", "KServe", "Knative", "Ray",
           "Helm", "Kustomize", "Terraform", "Head", "Base", "RBAC", "HPA", "PDB", "CUDA",
           "NCCL", "TGI", "KEDA", "Deployment", "ClusterRole", "ServiceAccount", "Secret",
           "HorizontalPodAutoscaler", "PodDisruptionBudget", "TritonModelConfig", "CRDs",
           "RoleBinding", "ClusterRoleBinding", "Role", "Service", "StatefulSet")


def strip_bold(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def strip_code(text: str) -> str:
    return text.replace("`", "")


def plain(text: str) -> str:
    """Text without bold or code-span markers (the words a reader sees)."""
    return strip_code(strip_bold(text))


def sentences(text: str) -> list[str]:
    """Split evidence text into sentences, keeping code spans whole."""
    spans: list[str] = []

    def hide(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\x00{len(spans) - 1}\x00"

    hidden = _CODE.sub(hide, text.strip())
    parts = [p.strip() for p in _SENTENCE_END.split(hidden) if p.strip()]
    return [re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], p) for p in parts]


def split_once(text: str, separator: str) -> tuple[str, str] | None:
    """Split at the first `separator` outside code spans (`maxUnavailable: 1` stays whole)."""
    inside = False
    for index, char in enumerate(text):
        if char == "`":
            inside = not inside
        elif not inside and text.startswith(separator, index):
            return text[:index], text[index + len(separator):]
    return None


def resolve_plurals(sentence: str) -> str:
    """'1 new error-level finding(s)' -> '1 new error-level finding', '5 warning(s)' -> '5
    warnings'."""
    sentence = re.sub(r"\b1 ((?:[\w-]+ ){0,2}\w+)\(s\)", r"1 \1", sentence)
    return re.sub(r"(\w)\(s\)", r"\1s", sentence)


def numbers(text: str) -> list[str]:
    return _NUMBER.findall(text)


def code_spans(text: str) -> list[str]:
    return [span.strip("`") for span in _CODE.findall(text)]


def lower_first(text: str) -> str:
    """Lower-case the first letter so a sentence can continue another one."""
    if not text or not text[0].isupper():
        return text
    word = re.match(r"[\w/-]+", text)
    head = word.group(0) if word else text[:1]
    if head in _PROPER or (len(head) > 1 and (head[1].isupper() or head[1].isdigit())):
        return text
    return text[0].lower() + text[1:]


def upper_first(text: str) -> str:
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1:]
        if char in "`<[@!" or char.isdigit():  # code, markup, mentions and numbers stay
            return text
    return text


def clause(text: str) -> str:
    """A sentence without its closing punctuation, ready to be embedded."""
    return text.strip().rstrip(".!?;:").strip()


def finish(text: str) -> str:
    """Capitalise and close a generated sentence (invisible characters may trail it)."""
    text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text.strip()))
    text = upper_first(text)
    visible = text.rstrip(INVISIBLE)
    # Multi-line markup (footnotes, code fences, tables) ends the way it ends.
    if visible and visible[-1] not in ".!?>" and "\n" not in visible:
        text = visible + "." + text[len(visible):]
    return text


# Characters a reader does not see: zero-width, joiners, byte-order mark and Unicode tags.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad" + "".join(
    chr(code) for code in range(0xE0000, 0xE0080))
