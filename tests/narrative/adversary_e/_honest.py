"""Honest rewordings: what a model told to "explain this review in plain words for an engineer,
citing evidence ids" would write.

Each one rests on one or two items and is assembled from pieces of their text (`_items`), joined
by connective words that add no fact: no number, name, judgement or instruction beyond them.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from tests.narrative.adversary_e._items import Item, items_of_part, sentences

Reworded = tuple[str, list[str]]
MAX_CHARS = 290
# Words that keep their capital when a piece starts mid-sentence.
_PROPER = {"Aria", "Triton", "KServe", "Kubernetes", "TGI", "GPU", "GPUs", "vLLM", "Helm",
           "Terraform", "AWS", "GKE", "EKS", "Azure", "CUDA", "NCCL", "RBAC", "Karpenter",
           "KEDA", "Knative", "SPIFFE", "Ray", "HPA", "ServiceAccount", "ConfigMap", "Secret",
           "Secrets", "StatefulSet", "Deployment", "Service", "PodDisruptionBudget", "Pod",
           "Hugging", "Prometheus", "ONNX", "PyTorch", "TensorRT", "Gateway", "Ingress", "OOM",
           "S3", "GCS", "IAM", "ADR", "NVIDIA", "DCGM", "DaemonSet", "Job", "Role",
           "ClusterRole", "RoleBinding", "ClusterRoleBinding", "StorageClass", "Node", "Envoy"}


def lower_first(text: str) -> str:
    word = text.split(" ", 1)[0].strip(",:;")
    plain = word == "A" or (word[1:].islower() and word[:1].isupper())
    if not plain or word in _PROPER:
        return text
    return text[0].lower() + text[1:]


def _end(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _bare(text: str) -> str:
    return text.rstrip().rstrip(".")


def _verdict(i: Item) -> list[Reworded]:
    v, counts = i.fields.get("verdict"), i.fields.get("counts")
    if not v:
        return []
    return [(f"Aria's verdict on this change is {v}: it introduces {counts}.", [i.id]),
            (f"The change introduces {counts}, and Aria's verdict is {v}.", [i.id]),
            (f"In short, Aria's verdict is {v}.", [i.id])]


def _context(i: Item) -> list[Reworded]:
    files, head = i.fields.get("files"), i.fields.get("head")
    if not files:
        return []
    return [(f"This change touches {files} reviewed files.", [i.id]),
            (f"In the head of this change there are {head}.", [i.id])]


def _finding(i: Item) -> list[Reworded]:
    f = i.fields
    if not f:
        return []
    message = _bare(f["message"])
    return [(_end(message), [i.id]),
            (f"At `{f['at']}`, {lower_first(message)}.", [i.id]),
            (f"The {f['severity']}-level finding “{f['title']}” is {f['status']} here: "
             f"{lower_first(message)}.", [i.id]),
            (f"Put simply, {lower_first(message)}.", [i.id])]


def _figure(i: Item) -> list[Reworded]:
    f = i.fields
    if not f:
        return []
    where = (f"in `{f['source'].strip('`')}`" if ":" in f["source"] and " " not in f["source"]
             else f"({f['source']})")
    return [(f"For {f['subject']}, the {f['label']} is set to {f['value']} {where}.", [i.id]),
            (f"{f['subject']} has its {f['label']} set to {f['value']}.", [i.id])]


def _assumption(i: Item) -> list[Reworded]:
    text = i.fields.get("text")
    if not text:
        return []
    return [(f"Aria assumes that {lower_first(_bare(text))}.", [i.id]),
            (f"One assumption behind the review: {_end(text)}", [i.id])]


def _recommend(i: Item) -> list[Reworded]:
    f = i.fields
    if not f:
        return []
    return [(f"For {f['rule']} ({f['title']}), Aria recommends “{f['option']}”.", [i.id]),
            (f"Aria's recommended option here is “{f['option']}”.", [i.id]),
            (f"The recommendation for “{f['title']}” is to {lower_first(f['option'])}.",
             [i.id])]


def _why(i: Item) -> list[Reworded]:
    f = i.fields
    if not f:
        return []
    first = sentences(f["body"])[0]
    return [(_end(first), [i.id]),
            (f"This matters because {lower_first(_bare(first))}.", [i.id]),
            (f"Why it matters: {_end(first)}", [i.id])]


def _option(i: Item) -> list[Reworded]:
    f = i.fields
    if not f:
        return []
    summary = _bare(f["summary"])
    return [(f"One option is “{f['title']}”: {lower_first(summary)}.", [i.id]),
            (f"The option “{f['title']}” means this: {_end(summary)}", [i.id]),
            (f"With “{f['title']}”, the risk is {lower_first(_bare(f['risk']))}.", [i.id]),
            (f"For “{f['title']}”, the cost is: {lower_first(_bare(f['cost']))}.", [i.id])]


_BUILDERS: dict[str, Callable[[Item], list[Reworded]]] = {
    "V": _verdict, "C": _context, "F": _finding, "G": _figure, "A": _assumption,
    "R": _recommend, "W": _why, "O": _option}


def _pairs(items: list[Item]) -> list[Reworded]:
    """Two items in one sentence, as a model tends to join related facts."""
    found = [i for i in items if i.kind == "F" and i.fields]
    recs = [i for i in items if i.kind == "R" and i.fields]
    opts = {i.fields["title"]: i for i in items if i.kind == "O" and i.fields}
    out: list[Reworded] = []
    for a, b in zip(found, found[1:], strict=False):
        out.append((f"{_bare(a.fields['message'])}; separately, "
                    f"{lower_first(_bare(b.fields['message']))}.", [a.id, b.id]))
    for r in recs:
        o = opts.get(r.fields["option"])
        if o is not None:
            out.append((f"Aria recommends “{o.fields['title']}”, which means: "
                        f"{_end(o.fields['summary'])}", [r.id, o.id]))
    return out


def _fits(sentence: str) -> bool:
    return len(sentence) <= MAX_CHARS and len(sentences(sentence)) == 1


def candidates(items: list[Item], part: str) -> list[Reworded]:
    mine = items_of_part(items, part)
    found = [r for i in mine for r in _BUILDERS[i.kind](i)] + _pairs(mine)
    return [r for r in found if _fits(r[0])]


def rewordings(items: list[Item], part: str, rng: random.Random) -> list[Reworded]:
    """Three to five rewordings, each resting on a different item where possible."""
    pool = candidates(items, part)
    rng.shuffle(pool)
    chosen: list[Reworded] = []
    used: set[str] = set()
    want = rng.randint(3, 5)
    for sentence, cites in pool:  # first pass: one per item, so the part reads varied
        if len(chosen) < want and not used & set(cites):
            chosen.append((sentence, cites))
            used |= set(cites)
    for r in pool:
        if len(chosen) < want and r not in chosen:
            chosen.append(r)
    return chosen
