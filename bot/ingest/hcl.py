"""HCL syntax read by tree-sitter-hcl (a C parser) into the Python values Terraform checks read.

Values keep the conventions of python-hcl2, the reader the checks were written against: literals
become Python values, strings lose their quotes (escapes stay as written), heredocs keep their
markers, nested blocks become lists of dicts (one per block, labels as nested keys), and any other
expression becomes `${...}` text in python-hcl2's canonical spacing, which is how checks tell a
value decided at plan time from a literal.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

# Nesting levels (blocks, collections, operands) one reader follows: far beyond real Terraform (a
# node-group block is ~10 deep); each level costs at most 4 Python frames, so 128 levels stay well
# inside the interpreter's recursion limit and hostile nesting is a parse problem, not a crash.
MAX_DEPTH = 128
# A plain reference (`var.x`, `module.eks.node_groups["gpu"].arn`, `aws_instance.x[*].id`):
# python-hcl2 writes it exactly as the source does.
_REFERENCE = re.compile(r'[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\.\d+|\[\d+\]|\["[\w./-]*"\]'
                        r"|\.\*|\[\*\])*")
_BINARY = frozenset({"*", "/", "%", "+", "-", ">", ">=", "<", "<=", "==", "!=", "&&", "||"})
_SKIPPED = frozenset({"comment"})
_EXPONENT = "a number with an exponent needs a fraction here: write `1.0e3`, not `1e3`"
_CLOSERS = {"quoted_template_end": '"', "template_interpolation_end": "}",
            "template_directive_end": "}", "block_end": "}", "object_end": "}", "tuple_end": "]"}


class HclError(Exception):
    """Text that is not HCL, or nested too deep to read; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@cache
def _parser() -> Parser:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def parse_body(text: str) -> Node | None:
    """The top-level body of an HCL file (None when it is empty); HclError at the first error."""
    root = _parser().parse(text.encode()).root_node
    if root.has_error:
        raise _first_error(root)
    body = next((c for c in root.named_children if c.type not in _SKIPPED), None)
    if body is not None and body.type != "body":
        raise HclError("expected attributes and blocks, found a bare object", line_of(body))
    return body


def node_bytes(node: Node) -> bytes:
    """The node's source bytes (typed optional by tree-sitter; a parsed tree always has them)."""
    return node.text or b""


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


def _first_error(root: Node) -> HclError:
    """The first ERROR or MISSING node in document order (only subtrees with errors are read)."""
    node = root
    while not (node.is_missing or node.is_error):
        inner = next((c for c in node.children if c.has_error), None)
        if inner is None:
            return HclError("syntax error", line_of(node))
        node = inner
    if node.is_missing:
        # Tree-sitter puts the missing closer where it gave up (often the file's end); the line
        # that matters is where the unclosed construct opens.
        owner = node
        while owner.parent is not None and owner.parent.start_point == node.start_point:
            owner = owner.parent
        token = _CLOSERS.get(node.type, node.type)
        return HclError(f"missing `{token}`", line_of(owner.parent or owner))
    while (nested := next((c for c in node.children if c.is_error), None)) is not None:
        node = nested
    pairs = [(node.prev_sibling, node), *zip(node.children, node.children[1:], strict=False)]
    split = next((a for a, b in pairs if a is not None and _exponent_split(a, b)), None)
    if split is not None:
        return HclError(_EXPONENT, line_of(split))
    snippet = node_bytes(node).decode(errors="replace").strip().splitlines()
    shown = snippet[0][:60] if snippet else ""
    return HclError(f"unexpected `{shown}`" if shown else "syntax error", line_of(node))


class HclReader:
    """Reads bodies and expressions of one file; `lines` collects each key's first line."""

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}
        self._depth = 0

    def _enter(self, node: Node) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise HclError(f"nested deeper than {MAX_DEPTH} levels", line_of(node))

    def _seen(self, key: str, node: Node) -> None:
        if key not in self.lines:
            self.lines[key] = line_of(node)

    # --- bodies ---------------------------------------------------------------------------------

    def items(self, body: Node | None) -> list[Node]:
        """Attributes and blocks of a body; HCL ends each with a newline, so two on one line is an
        error (tree-sitter-hcl does not check it, and reads `1e3` as `1` then a block `e3 ...`)."""
        if body is None:
            return []
        out: list[Node] = []
        for child in body.named_children:
            if child.type in _SKIPPED:
                continue
            if out and child.start_point[0] <= out[-1].end_point[0]:
                raise HclError(_same_line(out[-1], child), line_of(child))
            out.append(child)
        return out

    def body(self, body: Node | None) -> dict[str, Any]:
        """Attributes by name; blocks by type, as a list with one entry per block."""
        if body is None:
            return {}
        self._enter(body)
        try:
            out: dict[str, Any] = {}
            for item in self.items(body):
                name = node_bytes(item.named_children[0]).decode()
                self._seen(name, item)
                if item.type == "attribute":
                    out[name] = self.value(_expression(item))
                    continue
                value: Any = self.body(block_body(item))
                for label in reversed(block_labels(item)):
                    value = {label: value}
                out.setdefault(name, []).append(value)
            return out
        finally:
            self._depth -= 1

    # --- values as python-hcl2 gives them -----------------------------------------------------

    def value(self, expr: Node) -> Any:
        """An attribute's value: literals and collections as Python values, the rest `${...}`."""
        self._enter(expr)
        try:
            parts = _parts(expr)
            if len(parts) == 1:
                only = parts[0]
                kind = only.type
                if kind == "literal_value":
                    return _literal(only.named_children[0])
                if kind == "template_expr":
                    return self.template(only.named_children[0], quoted=False)
                if kind == "collection_value":
                    return self.collection(only.named_children[0])
                if kind == "operation":
                    negative = _negative_number(only)
                    if negative is not None:
                        return negative
                if kind == "variable_expr":  # a bare word (`type = string`) reads as text
                    return node_bytes(only).decode()
            return "${" + self.text(expr) + "}"
        finally:
            self._depth -= 1

    def collection(self, node: Node) -> Any:
        if node.type == "tuple":
            return [self.value(e) for e in _parts(node) if e.type == "expression"]
        out: dict[str, Any] = {}
        for elem in _parts(node):
            if elem.type == "object_elem":
                key, value = _key_value(elem)
                out[self.key(key, elem)] = self.value(value)
        return out

    def key(self, key: Node, elem: Node) -> str:
        word = _bare_word(key)
        if word is not None:
            self._seen(word, elem)
            return word
        parts = _parts(key)
        if len(parts) == 1 and parts[0].type == "literal_value" and \
                parts[0].named_children[0].type == "string_lit":
            return _string(parts[0].named_children[0])
        if len(parts) == 1 and parts[0].type == "template_expr":
            return self.template(parts[0].named_children[0], quoted=False)
        return "${" + self.text(key) + "}"

    def template(self, node: Node, quoted: bool) -> str:
        """A quoted template (interpolations in canonical form) or a heredoc (as written)."""
        if node.type == "heredoc_template":
            raw = node_bytes(node).decode()
            return f'"{raw}"' if quoted else raw
        spliced = self._spliced(node)
        return spliced if quoted else spliced[1:-1]

    def _spliced(self, node: Node) -> str:
        """A template with its interpolations and directives in canonical form and its literal
        runs cut from the source (tree-sitter-hcl's literal nodes leave out edge spaces)."""
        raw, base = node_bytes(node), node.start_byte
        out, cursor = [], base
        for part in node.children:
            if part.type == "template_literal":
                continue
            out.append(raw[cursor - base:part.start_byte - base].decode())
            out.append(self.text(part))
            cursor = part.end_byte
        out.append(raw[cursor - base:].decode())
        return "".join(out)

    # --- expressions as text ----------------------------------------------------------------

    def text(self, node: Node) -> str:
        """An expression in python-hcl2's canonical spacing (comments and newlines dropped)."""
        if node.type == "expression":
            source = node_bytes(node).decode()
            if _REFERENCE.fullmatch(source):  # most expressions: already canonical as written
                return source
        self._enter(node)
        try:
            return self._text(node)
        finally:
            self._depth -= 1

    def _text(self, node: Node) -> str:
        kind = node.type
        if node.child_count == 0 or kind == "legacy_index":  # `.0`: its digits are a hidden token
            return node_bytes(node).decode()
        if kind == "literal_value":
            return _literal_text(node.named_children[0])
        if kind == "template_expr":
            return self.template(node.named_children[0], quoted=True)
        if kind in ("template_if", "template_for"):
            return self._spliced(node)
        if kind == "tuple":
            return "[" + ", ".join(self.text(e) for e in _parts(node)
                                   if e.type == "expression") + "]"
        if kind == "object":
            return "{" + ", ".join(self._element(e) for e in _parts(node)
                                   if e.type == "object_elem") + "}"
        if kind == "function_arguments":
            args = [self.text(a) for a in _parts(node) if a.type == "expression"]
            ellipsis = any(a.type == "ellipsis" for a in _parts(node))
            return ", ".join(args) + (" ..." if ellipsis else "")
        if kind == "conditional":
            cond, then, other = (p for p in _parts(node) if p.type == "expression")
            return f"{self.text(cond)} ? {self.text(then)} : {self.text(other)}"
        if kind in ("for_tuple_expr", "for_object_expr"):
            return self._for(node)
        if kind == "template_interpolation":
            inner = [p for p in _parts(node) if p.type == "expression"]
            return "${" + self.text(inner[0]) + "}"
        if kind in ("template_if_intro", "template_else_intro", "template_if_end",
                    "template_for_start", "template_for_end"):
            return self._directive(node)
        if kind == "binary_operation":
            return "".join(f" {p.type} " if not p.is_named and p.type in _BINARY
                           else self.text(p) for p in _parts(node))
        return "".join(self.text(p) for p in _parts(node))

    def _element(self, elem: Node) -> str:
        key, value = _key_value(elem)
        word = _bare_word(key)
        if word is not None:
            self._seen(word, elem)
        return f"{self.text(key)} = {self.text(value)}"

    def _for(self, node: Node) -> str:
        parts = _parts(node)
        intro = next(p for p in parts if p.type == "for_intro")
        names = [node_bytes(p).decode() for p in _parts(intro) if p.type == "identifier"]
        collection = next(p for p in _parts(intro) if p.type == "expression")
        head = f"for {', '.join(names)} in {self.text(collection)} : "
        exprs = [p for p in parts if p.type == "expression"]
        cond = next((p for p in parts if p.type == "for_cond"), None)
        tail = ""
        if cond is not None:
            tail = " if " + self.text(next(p for p in _parts(cond) if p.type == "expression"))
        if node.type == "for_tuple_expr":
            return f"[{head}{self.text(exprs[0])}{tail}]"
        group = "..." if any(p.type == "ellipsis" for p in parts) else ""
        return f"{{{head}{self.text(exprs[0])} => {self.text(exprs[1])}{group}{tail}}}"

    def _directive(self, node: Node) -> str:
        """`%{ for k, v in var.m }`, `%{ endif }`: words spaced, markers and `~` dropped."""
        words: list[str] = []
        for part in _parts(node):
            if part.type in ("template_directive_start", "template_directive_end",
                             "strip_marker"):
                continue
            if part.type == "," and words:
                words[-1] += ","
            else:
                words.append(self.text(part) if part.type == "expression"
                             else node_bytes(part).decode())
        return "%{ " + " ".join(words) + " }"


def block_labels(block: Node) -> list[str]:
    labels = []
    for child in block.named_children[1:]:
        if child.type == "string_lit":
            labels.append(_string(child))
        elif child.type == "identifier":
            labels.append(node_bytes(child).decode())
        elif child.type == "block_start":
            break
    return labels


def block_body(block: Node) -> Node | None:
    return next((c for c in block.named_children if c.type == "body"), None)


def _same_line(previous: Node, item: Node) -> str:
    if _exponent_split(previous, item):
        return _EXPONENT
    head = node_bytes(item).decode(errors="replace").split(None, 1)[0][:60]
    return f"expected a newline before `{head}`"


def _exponent_split(before: Node, after: Node) -> bool:
    """`1e3`: tree-sitter-hcl 1.2 reads a number, then a word `e3` right against it (HCL allows
    no word against a number, so this adjacency is always that case)."""
    return before.end_byte == after.start_byte and node_bytes(before)[-1:].isdigit() and \
        node_bytes(after)[:1] in (b"e", b"E")


def _parts(node: Node) -> list[Node]:
    return [c for c in node.children if c.type not in _SKIPPED]


def _bare_word(expr: Node) -> str | None:
    """The identifier an expression consists of (an object key like `role`), if that is all."""
    parts = _parts(expr)
    return node_bytes(parts[0]).decode() if len(parts) == 1 and parts[0].type == "variable_expr" \
        else None


def _expression(attribute: Node) -> Node:
    return next(c for c in reversed(attribute.named_children) if c.type == "expression")


def _key_value(elem: Node) -> tuple[Node, Node]:
    key, value = (p for p in elem.children if p.type == "expression")
    return key, value


def _string(node: Node) -> str:
    """A string literal's text between its quotes, escapes as written."""
    return node_bytes(node)[1:-1].decode()


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _literal(node: Node) -> Any:
    kind = node.type
    if kind == "numeric_lit":
        return _number(node_bytes(node).decode())
    if kind == "bool_lit":
        return node_bytes(node) == b"true"
    if kind == "null_lit":
        return None
    return _string(node)


def _literal_text(node: Node) -> str:
    if node.type == "numeric_lit":
        return str(_number(node_bytes(node).decode()))
    if node.type == "string_lit":
        return f'"{_string(node)}"'
    return node_bytes(node).decode()


def _negative_number(operation: Node) -> int | float | None:
    """`-1` is the number -1, as python-hcl2 reads it; `-var.x` stays an expression."""
    unary = operation.named_children[0]
    if unary.type != "unary_operation":
        return None
    parts = _parts(unary)
    if len(parts) == 2 and parts[0].type == "-" and parts[1].type == "literal_value" and \
            parts[1].named_children[0].type == "numeric_lit":
        return -_number(node_bytes(parts[1].named_children[0]).decode())
    return None
