"""Names in LaTeX: a letter, word or Greek command with its font, accent and subscript,
matched against the claim file's names by their parts (:mod:`symgrad.language.names`), or
an entry of a declared array (``V_{ki}``), or a declared function applied (``h'(x)``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import ExpressionError
from ..expressions import Node
from ..names import GREEK, parts
from .tokens import Token, compact, split_commas, tokens
from .words import ACCENT_COMMANDS, FONTS


@dataclass
class Context:
    """What the reader knows of the claim file: its names by their parts, its declared
    functions, the [latex] table, and a backprop claim's upstream (`of` name, upstream)."""

    names: dict[tuple[str, str, str], str] = field(default_factory=dict)
    plain: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    table: dict[str, str] = field(default_factory=dict)
    upstream: tuple[str | None, str | None] = (None, None)
    bases: set[str] = field(default_factory=set)  # the base letters or words of the names

    @classmethod
    def of(cls, names, functions=(), table=None, upstream=(None, None)) -> Context:
        names = list(names) + list(functions)
        keyed = {}
        for fragment, name in (table or {}).items():  # '\hat{y}' = "s" covers \hat{\mathbf{y}}
            key = _parts_written(fragment)
            if key is not None:
                keyed[key] = name
        for name in names:
            keyed.setdefault(parts(name), name)
        return cls(keyed, set(names), set(functions), dict(table or {}), upstream,
                   {key[0] for key in keyed})


#: What a name written in LaTeX may hold, besides words, numbers and Greek letters.
NAME_TOKENS = {"{", "}", "_", ",", *FONTS, *ACCENT_COMMANDS}


def written_as_name(fragment: str) -> bool:
    """Is this [latex] fragment a name (\\hat{y}, \\mathbf{W}_{2}), made only of what names
    are made of, so that symgrad may print the name that way?"""
    if not re.fullmatch(r"[A-Za-z0-9\\{}_, ]+", fragment) or any(
            command not in NAME_TOKENS and command[1:] not in GREEK
            for command in re.findall(r"\\[A-Za-z]+|\\.", fragment)):
        return False  # only letters, digits, braces and the commands names are made of
    depth = 0
    for char in fragment:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0 and _parts_written(fragment) is not None


def _parts_written(fragment: str) -> tuple[str, str, str] | None:
    """The parts of a name as LaTeX writes it (\\hat{\\mathbf{y}}_{k} -> (y, hat, k)), fonts
    aside; None if the fragment is not a name."""
    try:
        found = [t for t in tokens(fragment)[:-1] if t.text not in FONTS and t.text not in "{}"]
    except ExpressionError:
        return None
    accent = ""
    if found and found[0].text in ACCENT_COMMANDS:
        accent = ACCENT_COMMANDS[found[0].text]
        found = found[1:]
    if not found or not (found[0].kind == "word" or found[0].text[1:] in GREEK):
        return None
    base, rest = found[0].text, found[1:]
    if rest and rest[0].text != "_":
        return None
    base_key = base if base.startswith("\\") else parts(base)[0] if len(base) > 1 else base
    return base_key, accent, compact(rest[1:])



class Naming:
    """The name-reading half of the reader (mixed into its grammar)."""

    def accented(self, token: Token) -> Node:
        inner = self.braced()[1:-1] if self.at("{") else [self.take()]
        base = inner[-1] if inner else token
        if len(inner) > 1 and inner[0].text in FONTS:
            base = inner[2] if len(inner) > 2 else inner[-1]
        if base.kind not in ("word", "cmd") or (base.kind == "cmd" and base.text[1:] not in GREEK):
            self.fail(token, f"{token.text} takes a letter", rf"e.g. {token.text}{{y}}")
        return self.named_parts(base.text, ACCENT_COMMANDS[token.text], token)

    def named_parts(self, base: str, accent: str, start: Token, follow: bool = True) -> Node:
        """A name written as a base (a letter, a word, a Greek command), an accent and a
        subscript: the declared name those parts spell, or a declared name with indices."""
        names = self.context.names
        sub_tokens, sub_token = [], None
        if follow and self.at("_"):
            sub_token = self.take()
            sub_tokens = self.group_tokens()
            if not sub_tokens:
                self.fail(sub_token, "an empty subscript", "e.g. x_{i} or W_{1}")
        base_key = base if base.startswith("\\") else parts(base)[0] if len(base) > 1 else base
        written = compact(sub_tokens)
        name = names.get((base_key, accent, written)) if sub_tokens else None
        if name is None and accent == "" and not sub_tokens and base in self.context.plain:
            name = base
        if name is not None:
            return self.named(name, start, start, follow=follow)
        stem = names.get((base_key, accent, ""))
        if stem is None and not accent:
            plain = base.lstrip("\\")
            stem = {"lambda": "lam", "ell": "ell"}.get(plain, plain) \
                if plain.isascii() else None
        if stem is None or (accent and stem is None):
            fragment = self.text[start.col:(sub_token.col if sub_token else self.peek().col)]
            self.fail(start, f"{fragment.strip()} is not a name symgrad knows",
                      f"add it to the file's [latex] table: '{fragment.strip()}' = \"NAME\"")
        node = self.named(stem, start, start, follow=follow)
        if not sub_tokens:
            return node
        indices = self.indices(sub_tokens, sub_token)
        return Node("getitem", (node, *indices), col=start.col)

    def named(self, name: str, start: Token, token: Token, follow: bool = True) -> Node:
        """A name; a declared function is applied (with primes: h'(x), f''(x))."""
        if name in self.context.functions and follow:
            order = 0
            while self.at("'"):
                self.take()
                order += 1
            if self.at("^") and self.peek(1).text in ("{", r"\prime"):
                saved = self.k
                self.take()
                inner = self.group_tokens()
                if all(t.text == r"\prime" for t in inner):
                    order += len(inner)
                else:
                    self.k = saved
            argument = self.argument(start)
            if order > 4:
                self.fail(start, "derivatives of order above 4 are not read")
            return Node("apply", (argument,), name=name, order=order, col=start.col)
        if self.at("'"):
            self.fail(self.peek(), f"{name}' is a derivative of something not declared a "
                                   "function", f'declare it: {name} = "function"')
        return Node("name", name=name, col=start.col)

    def indices(self, inner: list[Token], token: Token) -> list[Node]:
        """x_{ij}, V_{k,i}, x_{i+1}: the indices of an entry."""
        if not inner:
            self.fail(token, "an empty subscript")
        if any(t.kind == "sym" and t.text == "," for t in inner):
            return [scalar(self.sub_reader(g, token).whole()) for g in split_commas(inner)]
        if any(t.kind == "sym" and t.text in "+-" for t in inner):
            return [scalar(self.sub_reader(inner, token).whole())]
        found = []
        for t in inner:
            if t.kind == "word":
                found += [Node("name", name=c, col=t.col + i) for i, c in enumerate(t.text)]
            elif t.kind == "num" and "." not in t.text:  # x_{0}: an entry, counted from 0
                found.append(Node("num", name=t.text, col=t.col))
            elif t.kind == "cmd" and t.text[1:] in GREEK:
                found.append(Node("name", name=t.text[1:], col=t.col))
            elif t.kind == "sym" and t.text in "{}":
                continue
            else:
                self.fail(t, f"{t.text!r} cannot be an index", "e.g. x_{i}, V_{ki}, x_{i+1}")
        return found



def scalar(node: Node) -> Node:
    """An index expression: its products (2 i, n j) are products of numbers."""
    args = tuple(scalar(a) for a in node.args)
    op = "mul" if node.op in ("juxt", "star") else node.op
    return Node(op, args, name=node.name, kwargs=node.kwargs, order=node.order, col=node.col)
