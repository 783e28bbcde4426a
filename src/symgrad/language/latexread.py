r"""An answer written in LaTeX -> a tree of :class:`~symgrad.language.expressions.Node`.

A small recursive-descent grammar over :mod:`symgrad.language.latextokens`, as safe as the
expression parser: nothing is evaluated, and anything outside the grammar is an error at
its column with what to write instead.  The tree is the expression language's, plus a few
nodes whose reading depends on shapes, which the resolver settles
(:mod:`symgrad.language.readings`): ``juxt`` (juxtaposition, \cdot), ``star`` (``*``),
``sup`` (a power), ``conv`` (⋆), ``fitones``/``fiteye`` (𝟏 and I of the size that fits),
``column`` (a one-column bmatrix) and ``oneish`` ((1) or [1]).

Names are matched against the claim file's by their parts (:mod:`symgrad.language.names`):
``\mathbf{W}_{1}`` is ``W1``, ``\hat{y}`` is ``yhat`` or ``y_hat`` if one is declared, and
``\lambda`` is ``lam``.  Other subscripts are indices (``V_{ki}`` is ``V[k, i]``, ``x_{0}``
is ``x[0]``).  What the default rules cannot map is looked up in the file's ``[latex]``
table, else it is an error that shows the line to add.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ExpressionError
from ..limits import MAX_NESTING
from .expressions import Node
from .latextokens import Token, tokens
from .names import GREEK, parts

#: Words (plain, or in \operatorname, \mathrm, \text) and commands naming a function.
FUNCTION_WORDS = {"tr": "tr", "Tr": "tr", "trace": "tr", "diag": "diag", "softmax": "softmax",
                  "ReLU": "relu", "relu": "relu", "Relu": "relu", "sigmoid": "sigmoid",
                  "softplus": "softplus", "step": "step", "vec": "vec", "flip": "flip",
                  "mean": "mean", "logsumexp": "logsumexp", "LSE": "logsumexp", "det": "det",
                  "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "max": "max",
                  "abs": "abs", "sqrt": "sqrt", "logdet": "logdet", "sum": "sum",
                  "LReLU": "leaky_relu", "maxpool": "maxpool2d"}
FONTS = {r"\mathbf", r"\boldsymbol", r"\bm", r"\mathrm", r"\mathit", r"\mathsf", r"\mathcal",
         r"\mathbb", r"\vec", r"\text", r"\textrm", r"\textbf", r"\textit", r"\operatorname",
         r"\operatorname*", r"\mathnormal", r"\pmb", r"\underline"}
ACCENT_COMMANDS = {r"\hat": "hat", r"\widehat": "hat", r"\bar": "bar", r"\overline": "bar",
                   r"\tilde": "tilde", r"\widetilde": "tilde"}
TRANSPOSE = {"T", r"\top", r"\intercal", r"\mathsf{T}", r"\mathbf{T}", r"\mathrm{T}",
             r"\text{T}", r"\rm{T}", "t", r"\mathit{T}", r"\bm{T}", r"\boldsymbol{T}",
             r"\textsf{T}", r"\textbf{T}", r"\textrm{T}", r"\mathbb{T}"}
PRODUCTS = {r"\cdot": "juxt", r"\times": "juxt", r"\circ": "mul", r"\odot": "mul",
            r"\oslash": "div", "/": "div", "*": "star", r"\ast": "star", r"\otimes": "kron",
            r"\star": "conv"}
OPENERS = {"(": ")", "[": "]", "{": "}", r"\{": r"\}", r"\lbrack": r"\rbrack",
           r"\lparen": r"\rparen"}
MATRICES = {"bmatrix", "pmatrix", "matrix", "Bmatrix"}


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
        for name in names:
            keyed.setdefault(parts(name), name)
        return cls(keyed, set(names), set(functions), dict(table or {}), upstream,
                   {key[0] for key in keyed})


def parse(text: str, context: Context | None = None) -> Node:
    """Read one expression written in LaTeX; raise ExpressionError if it cannot be read."""
    if not isinstance(text, str):
        raise ExpressionError("expected LaTeX in a string",
                              hint=r"write it in single quotes, e.g. '\mathbf{B}\mathbf{x}'")
    if not text.strip():
        raise ExpressionError("the LaTeX is empty")
    reader = _Reader(tokens(text, (context or Context()).table), context or Context(), text)
    return reader.whole()


class _Reader:
    def __init__(self, found: list[Token], context: Context, text: str):
        self.toks, self.k, self.context, self.text = found, 0, context, text
        self.closers: list[str] = []  # the | or \| that would close the innermost bars
        self.depth = 0

    # --- tokens ---------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.toks[min(self.k + ahead, len(self.toks) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.k = min(self.k + 1, len(self.toks) - 1)
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind in ("sym", "cmd") and token.text in texts

    def expect(self, text: str, what: str) -> Token:
        if not self.at(text):
            token = self.peek()
            found = "the end" if token.kind == "end" else repr(token.text)
            raise ExpressionError(f"expected {text} {what}, found {found}", token.col,
                                  hint=f"close it with {text}")
        return self.take()

    def fail(self, token: Token, message: str, hint: str | None = None):
        raise ExpressionError(message, token.col, hint=hint)

    # --- grammar --------------------------------------------------------------------------

    def whole(self) -> Node:
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            hint = {")": "a bracket closes that was never opened",
                    "=": "write only the right-hand side of the equation",
                    "&": "& belongs inside \\begin{bmatrix} ... \\end{bmatrix}"}.get(
                        token.text, "check the LaTeX near here")
            self.fail(token, f"unexpected {token.text!r}", hint)
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.fail(self.peek(), "the LaTeX is nested too deeply",
                      "name inner parts in [define]")
        try:
            start = self.peek()
            if self.at("-"):
                self.take()
                node = Node("neg", (self.term(),), col=start.col)
            else:
                if self.at("+"):
                    self.take()
                node = self.term()
            while self.at("+", "-", r"\pm"):
                op = self.take()
                if op.text == r"\pm":
                    self.fail(op, r"\pm is two answers", "write one of them")
                node = Node("add" if op.text == "+" else "sub", (node, self.term()),
                            col=op.col)
            return node
        finally:
            self.depth -= 1

    def term(self) -> Node:
        node = self.unary()
        while True:
            token = self.peek()
            op = PRODUCTS.get(token.text) if token.kind in ("sym", "cmd") else None
            if op is not None:
                self.take()
                kwargs = self.conv_settings() if op == "conv" else ()
                if op == "kron":
                    node = Node("call", (node, self.unary()), name="kron", col=token.col)
                else:
                    node = Node(op, (node, self.unary()), kwargs=kwargs, col=token.col)
            elif self.starts_factor(token):
                node = Node("juxt", (node, self.unary()), col=token.col)
            else:
                return node

    def conv_settings(self):
        """x ⋆_{s = 2, p = k - 1} w, p = (1, 2): the stride and padding of a correlation."""
        if not self.at("_"):
            return ()
        token = self.take()
        settings = []
        for part in _split_commas(self.group_tokens()):
            if len(part) < 3 or part[1].text != "=" or part[0].text not in ("s", "p"):
                self.fail(part[0] if part else token,
                          "a ⋆ takes the settings s = STRIDE and p = PADDING",
                          r"e.g. x \star_{s = 2, p = 1} w")
            value = part[2:]
            items = _split_commas(value[1:-1]) if value[0].text == "(" and \
                value[-1].text == ")" else [value]
            nodes = [self.sub_reader(item, token).whole() for item in items]
            node = nodes[0] if len(nodes) == 1 else Node("list", tuple(nodes), col=part[2].col)
            settings.append(("stride" if part[0].text == "s" else "padding", node))
        return tuple(settings)

    def starts_factor(self, token: Token) -> bool:
        if token.kind in ("num", "word", "mapped"):
            return True
        if token.kind == "sym":
            return token.text in "([" or (token.text == "|" and "|" not in self.closers[-1:])
        if token.kind == "cmd":
            if token.text in self.closers[-1:] or token.text in PRODUCTS:
                return False
            return token.text not in (r"\}", r"\rVert", r"\rvert", r"\rfloor", r"\end",
                                      r"\\", r"\rbrack", r"\rparen", r"\pm")
        return False

    def unary(self) -> Node:
        if self.at("-"):
            token = self.take()
            return Node("neg", (self.unary(),), col=token.col)
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at("^"):
                node = self.superscript(node)
            elif self.at("_") and node.op != "num":
                token = self.take()
                indices = self.indices(self.group_tokens(), token)
                node = Node("getitem", (node, *indices), col=token.col)
            else:
                return node

    def superscript(self, base: Node) -> Node:
        token = self.take()
        inner = self.group_tokens()
        written = "".join(t.text if t.kind != "cmd" or not t.text[-1].isalpha() or
                          t is inner[-1] else t.text + " " for t in inner)
        compact = written.replace(" ", "").replace("{", "{").strip()
        if compact in TRANSPOSE or compact.replace(" ", "") in TRANSPOSE:
            return Node("transpose", (base,), col=token.col)
        if compact == "-1":
            return Node("call", (base,), name="inv", col=token.col)
        if compact.startswith("-") and compact[1:] in TRANSPOSE:
            return Node("transpose", (Node("call", (base,), name="inv", col=token.col),),
                        col=token.col)
        if inner and inner[0].text == r"\circ":  # X^{\circ 2}: elementwise
            exponent = self.sub_reader(inner[1:], token).whole()
            return Node("pow", (base, exponent), col=token.col)
        if inner and (inner[0].text in ("(", "[", "*", r"\ast", r"\star", r"\prime") or
                      compact in ("'", "''")):
            fragment = self.text[self.toks[self.k - len(inner) - 1].col:self.peek().col].strip()
            self.fail(token, f"^{fragment.lstrip('^')} is not a power symgrad can read",
                      f"name it in the [latex] table, e.g. '{_fragment_before(self, base)}"
                      f"{fragment}' = \"NAME\"")
        exponent = self.sub_reader(inner, token).whole()
        return Node("sup", (base, exponent), col=token.col)

    def sub_reader(self, inner: list[Token], token: Token) -> _Reader:
        if not inner:
            self.fail(token, f"nothing after {token.text}", "e.g. x^{2} or x_{i}")
        reader = _Reader(inner + [Token("end", "", inner[-1].end, inner[-1].end)],
                         self.context, self.text)
        reader.depth = self.depth + 1
        return reader

    def group_tokens(self) -> list[Token]:
        """The tokens of the next argument: a {...} group, or one token."""
        if not self.at("{"):
            token = self.take()
            if token.kind == "end":
                self.fail(token, "the LaTeX ends where an argument should be")
            if token.kind == "num" and len(token.text) > 1 and "." not in token.text:
                # \frac12, x^23: TeX takes one digit
                self.toks.insert(self.k, Token("num", token.text[1:], token.col + 1, token.end))
                return [Token("num", token.text[0], token.col, token.col + 1)]
            if token.kind == "cmd" and token.text in FONTS | set(ACCENT_COMMANDS):
                return [token, *self.braced()]
            return [token]
        return self.braced()[1:-1]

    def braced(self) -> list[Token]:
        """A {...} group's tokens, braces included."""
        opening = self.expect("{", "to open an argument")
        found, depth = [opening], 1
        while depth:
            token = self.take()
            if token.kind == "end":
                self.fail(opening, "a { is never closed", "close it with }")
            if token.kind == "sym" and token.text == "{":
                depth += 1
            elif token.kind == "sym" and token.text == "}":
                depth -= 1
            found.append(token)
        return found

    # --- atoms ----------------------------------------------------------------------------

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "num":
            self.take()
            return Node("num", name=token.text, col=token.col)
        if token.kind == "mapped":
            self.take()
            return self.named(token.name, token, token)
        if token.kind == "word":
            return self.word()
        if token.kind == "sym" and token.text in "([{":
            return self.bracketed()
        if token.kind == "sym" and token.text == "|":
            return self.bars("|", "abs")
        if token.kind == "cmd":
            return self.command()
        if token.kind == "end":
            self.fail(token, "the LaTeX ends where a term should be")
        hint = {"'": "a prime follows a declared function: h'(x)",
                "=": "write only the right-hand side",
                "^": "a superscript follows something: x^2",
                "_": "a subscript follows a name: x_i"}.get(token.text)
        self.fail(token, f"unexpected {token.text!r}", hint)

    def bracketed(self) -> Node:
        opening = self.take()
        closing = OPENERS[opening.text]
        inner_one = self.peek().kind == "num" and self.peek().text == "1" and \
            self.peek(1).text == closing
        self.closers.append(closing)
        try:
            node = self.expr()
            if self.at(">"):  # (X > 0): the step function
                compare = self.take()
                zero = self.take()
                if zero.text != "0":
                    self.fail(compare, "a comparison reads as the step function only "
                                       "against 0", "e.g. (X > 0)")
                node = Node("call", (node,), name="step", col=compare.col)
        finally:
            self.closers.pop()
        self.expect(closing, f"to close the {opening.text} at column {opening.col + 1}")
        if inner_one and opening.text in "([":
            return Node("oneish", col=opening.col)
        return node

    def bars(self, closing: str, op: str) -> Node:
        opening = self.take()
        self.closers.append(closing)
        try:
            inner = self.expr()
        finally:
            self.closers.pop()
        self.expect(closing, f"to close the bars at column {opening.col + 1}")
        if op == "norm" and self.at("_"):
            token = self.take()
            kind = "".join(t.text for t in self.group_tokens())
            if kind not in ("2", "F", r"\mathrm{F}", "\\mathrmF", "fro"):
                self.fail(token, f"the norm _{kind} is not one symgrad knows",
                          "write \\|x\\| or \\|x\\|_2 (vectors), \\|X\\|_F (matrices)")
        return Node("call", (inner,), name=op, col=opening.col)

    def word(self) -> Node:
        token = self.take()
        text = token.text
        function = FUNCTION_WORDS.get(text)
        if function and text not in self.context.plain and (
                self.at("(", "[", r"\{", "_") or len(text) > 1):
            return self.function(function, token)
        if text in self.context.plain or len(text) == 1:
            if text == "e" and "e" not in self.context.plain and self.at("^"):
                self.take()
                exponent = self.sub_reader(self.group_tokens(), token).whole()
                return Node("call", (exponent,), name="exp", col=token.col)
            if text == "I" and "I" not in self.context.plain:
                return self.sized("fiteye", token)
            return self.named_parts(text, "", token)
        # xy: the product of x and y (each letter a name of its own)
        self.toks.insert(self.k, Token("word", text[1:], token.col + 1, token.end))
        return self.named_parts(text[0], "", Token("word", text[0], token.col, token.col + 1))

    def command(self) -> Node:
        token = self.take()
        name = token.text
        if name in FONTS:
            return self.font(token)
        if name in ACCENT_COMMANDS:
            return self.accented(token)
        if name in (r"\frac", r"\dfrac", r"\tfrac"):
            return self.fraction(token)
        if name == r"\sqrt":
            if self.at("["):
                self.fail(self.peek(), "only square roots are read", r"write \sqrt{x}")
            return Node("call", (self.argument(token),), name="sqrt", col=token.col)
        if name in (r"\|", r"\Vert", r"\lVert"):
            self.k -= 1
            return self.bars({r"\lVert": r"\rVert"}.get(name, name), "norm")
        if name in (r"\lvert", r"\vert"):
            self.k -= 1
            return self.bars({r"\lvert": r"\rvert"}.get(name, name), "abs")
        if name in OPENERS:
            self.k -= 1
            return self.bracketed()
        if name == r"\lfloor":
            inner = self.expr()
            self.expect(r"\rfloor", "to close the floor")
            if inner.op != "div":
                self.fail(token, r"\lfloor ... \rfloor takes a fraction",
                          r"e.g. \left\lfloor \frac{n - k}{2} \right\rfloor")
            return Node("floordiv", inner.args, col=token.col)
        if name == r"\sum":
            return self.total(token)
        if name == r"\nabla":
            return self.nabla(token)
        if name == r"\begin":
            return self.matrix(token)
        if name == r"\partial":
            self.fail(token, "a derivative is not part of an answer",
                      r"write what it equals (the upstream \frac{\partial L}{\partial Y} of a "
                      "backprop claim is read as its upstream)")
        if name == r"\delta" and self.at("_"):
            sub = self.take()
            indices = self.indices(self.group_tokens(), sub)
            if len(indices) != 2:
                self.fail(sub, "δ takes two indices", r"e.g. \delta_{ik}")
            return Node("call", tuple(indices), name="delta", col=token.col)
        if name == r"\sigma" and "sigma" not in self.context.plain and self.at("(", r"\{", "["):
            return Node("call", (self.argument(token),), name="sigmoid", col=token.col)
        if name[1:] in FUNCTION_WORDS and name[1:] not in GREEK:
            return self.function(FUNCTION_WORDS[name[1:]], token)
        if name[1:] in GREEK or name in (r"\ell", r"\imath", r"\jmath"):
            return self.named_parts(name, "", token)
        if name in (r"\mathbb", r"\infty"):
            self.fail(token, f"{name} is not part of an answer")
        hint = "write a transpose as ^\\top or ^T" if name in (r"\top", r"\intercal") else \
            r"see the README's LaTeX section for the commands symgrad reads"
        self.fail(token, f"the command {name} is not one symgrad reads", hint)

    def font(self, token: Token) -> Node:
        """\\mathbf{x}, \\operatorname{tr}, \\mathbb{1}, \\text{ReLU}, \\mathbf{WV}."""
        inner = self.braced()[1:-1] if self.at("{") else [self.take()]
        if not inner:
            self.fail(token, f"{token.text}{{}} is empty")
        words = "".join(t.text for t in inner)
        if len(inner) == 1 and inner[0].kind == "num" and inner[0].text in ("1", "0"):
            if inner[0].text == "0":
                return Node("num", name="0", col=token.col)
            if self.at("[", "(", r"\{", "_") and self._indicator_follows():
                return self.indicator(token)
            return self.sized("fitones", token)
        if words in FUNCTION_WORDS and words not in self.context.plain:
            return self.function(FUNCTION_WORDS[words], token)
        if words == "I" and "I" not in self.context.plain:
            return self.sized("fiteye", token)
        if len(inner) == 1 and inner[0].kind == "cmd" and (
                inner[0].text[1:] in GREEK or inner[0].text == r"\ell"):
            return self.named_parts(inner[0].text, "", token)
        if len(inner) == 1 and inner[0].kind in ("word", "mapped"):
            if inner[0].kind == "mapped":
                return self.named(inner[0].name, token, token)
            if words in self.context.plain or len(words) == 1 or \
                    parts(words)[0] in self.context.bases:
                return self.named_parts(words, "", token)
            # \mathbf{WV}: the product of W and V
            letters = [Token("word", c, inner[0].col + i, inner[0].col + i + 1)
                       for i, c in enumerate(words)]
            node = self.named_parts(letters[0].text, "", letters[0], follow=False)
            for letter in letters[1:]:
                node = Node("juxt", (node, self.named_parts(letter.text, "", letter,
                                                             follow=False)), col=letter.col)
            return node
        reader = self.sub_reader(inner, token)
        return reader.whole()

    def _indicator_follows(self) -> bool:
        depth = 0
        for token in self.toks[self.k:]:
            if token.text in ("(", "[", "{", r"\{"):
                depth += 1
            elif token.text in (")", "]", "}", r"\}"):
                depth -= 1
                if depth <= 0:
                    return False
            elif token.text == ">" and depth >= 1:
                return True
        return False

    def indicator(self, token: Token) -> Node:
        """\\mathbb{1}[X > 0], \\mathbb{1}_{X > 0}: the step function."""
        if self.at("_"):
            self.take()
            inner = self.group_tokens()
            node = self.sub_reader(inner + [Token("sym", ")", 0, 0)], token)
            node.toks.insert(0, Token("sym", "(", token.col, token.col))
            found = node.bracketed()
        else:
            found = self.bracketed()
        if found.op != "call" or found.name != "step":
            self.fail(token, "an indicator 𝟙[...] reads only X > 0", r"e.g. \mathbb{1}[X > 0]")
        return found

    def sized(self, op: str, token: Token) -> Node:
        """𝟏 or I, with its size if a subscript gives one (\\mathbf{1}_n, I_n)."""
        if self.at("_"):
            self.take()
            size = self.sub_reader(self.group_tokens(), token).whole()
            return Node(op, (size,), col=token.col)
        return Node(op, col=token.col)

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
        written = _compact(sub_tokens)
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
            return [_scalar(self.sub_reader(g, token).whole()) for g in _split_commas(inner)]
        if any(t.kind == "sym" and t.text in "+-" for t in inner):
            return [_scalar(self.sub_reader(inner, token).whole())]
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

    def argument(self, token: Token) -> Node:
        """A function's argument: (…), [...], {…}, or the next term's first factor."""
        if self.at("(", "[", r"\{", r"\lbrack", r"\lparen"):
            return self.bracketed()
        if self.at("{"):
            inner = self.braced()[1:-1]
            return self.sub_reader(inner, token).whole()
        if not self.starts_factor(self.peek()):
            self.fail(self.peek(), f"{token.text} needs an argument", rf"e.g. {token.text}(x)")
        return self.unary()

    def function(self, op: str, token: Token) -> Node:
        subscript = None
        if op in ("leaky_relu", "maxpool2d"):
            if not self.at("_"):
                self.fail(token, f"{token.text} takes a subscript",
                          r"e.g. \operatorname{LReLU}_{a}(x), \operatorname{maxpool}_{2}(X)")
            self.take()
            subscript = self.sub_reader(self.group_tokens(), token).whole()
        argument = self.argument(token)
        if op == "log" and argument.op == "call" and argument.name == "abs" and \
                argument.args[0].op == "call" and argument.args[0].name == "det":
            return Node("call", argument.args[0].args, name="logdet", col=token.col)
        args = (argument, subscript) if subscript is not None else (argument,)
        return Node("call", args, name=op, col=token.col)

    def fraction(self, token: Token) -> Node:
        numerator = self.group_tokens()
        if numerator and numerator[0].text == r"\partial":
            return self.upstream(token, numerator)
        top = self.sub_reader(numerator, token).whole()
        bottom = self.sub_reader(self.group_tokens(), token).whole()
        return Node("div", (top, bottom), col=token.col)

    def upstream(self, token: Token, numerator: list[Token]) -> Node:
        """∂L/∂Y in a backprop claim whose `of` is Y: its upstream."""
        denominator = self.group_tokens()
        fragment = self.text[token.col:self.toks[self.k - 1].end]
        of, upstream = self.context.upstream
        if denominator and denominator[0].text == r"\partial" and upstream and of:
            reader = self.sub_reader(denominator[1:], token)
            try:
                wrt = reader.whole()
            except ExpressionError:
                wrt = None
            if wrt is not None and wrt.op == "name" and wrt.name == of:
                return Node("name", name=upstream, col=token.col)
        self.fail(token, f"{fragment} is not a name symgrad knows",
                  f"add it to the file's [latex] table: '{fragment}' = \"{upstream or 'NAME'}\""
                  if upstream else "a derivative is part of a backprop claim's upstream only")

    def total(self, token: Token) -> Node:
        """\\sum_{k} body, \\sum_{k=1}^{n} body, or \\sum (X): the sum over all entries."""
        if not self.at("_"):
            if self.at("^"):
                self.fail(token, r"\sum needs its index", r"e.g. \sum_{k=1}^{n} x_k")
            return Node("call", (self.unary(),), name="sum", col=token.col)
        sub = self.take()
        inner = self.group_tokens()
        if not inner or inner[0].kind not in ("word", "cmd"):
            self.fail(sub, r"\sum_{...} names its index", r"e.g. \sum_{k} or \sum_{k=1}^{n}")
        index = inner[0].text.lstrip("\\")
        if len(index) > 1 and inner[0].kind == "word" and len(inner) == 1:
            self.fail(inner[0], f"\\sum_{{{index}}} sums over several indices",
                      r"write one \sum per index: \sum_{i} \sum_{j}")
        if self.at("^"):
            self.take()
            self.group_tokens()
        body = self.term()
        return Node("call", (body, Node("name", name=index, col=inner[0].col)), name="sum",
                    col=token.col)

    def nabla(self, token: Token) -> Node:
        order = 1
        if self.at("^"):
            self.take()
            power = self.group_tokens()
            if _compact(power) != "2":
                self.fail(token, "only ∇ and ∇² are read")
            order = 2
        if not self.at("_"):
            self.fail(token, "∇ needs the variable as a subscript", r"e.g. \nabla_{\mathbf{x}}")
        sub = self.take()
        variables = [self.sub_reader(g, sub).whole() for g in _split_commas(self.group_tokens())]
        wrt = variables[0] if len(variables) == 1 else Node("list", tuple(variables),
                                                            col=sub.col)
        body = self.unary()
        return Node("call", (body, wrt), name="grad" if order == 1 else "hessian",
                    col=token.col)

    def matrix(self, token: Token) -> Node:
        kind = _compact(self.braced()[1:-1])
        if kind not in MATRICES:
            self.fail(token, f"the environment {kind} is not read", r"use bmatrix or pmatrix")
        rows, row = [], []
        while True:
            self.closers.append(r"\end")
            try:
                row.append(self.expr())
            finally:
                self.closers.pop()
            if self.at("&"):
                self.take()
            elif self.at(r"\\"):
                self.take()
                rows.append(row)
                row = []
                if self.at(r"\end"):
                    break
            elif self.at(r"\end"):
                rows.append(row)
                break
            else:
                self.fail(self.peek(), f"unexpected {self.peek().text!r} in a matrix",
                          r"separate entries with & and rows with \\")
        self.take()
        if _compact(self.braced()[1:-1]) != kind:
            self.fail(token, f"\\begin{{{kind}}} ends with another environment")
        if all(len(r) == 1 for r in rows):  # a vector, or a matrix of one column
            return Node("column", tuple(r[0] for r in rows), col=token.col)
        if len({len(r) for r in rows}) != 1:
            self.fail(token, "the rows of the matrix have different lengths")
        return Node("list", tuple(Node("list", tuple(r), col=token.col) for r in rows),
                    col=token.col)


def _compact(found: list[Token]) -> str:
    """A subscript as the names' parts write it: braces, spaces and fonts dropped."""
    kept = [t.text for t in found if t.text not in ("{", "}") and t.text not in FONTS]
    return "".join(kept)


def _scalar(node: Node) -> Node:
    """An index expression: its products (2 i, n j) are products of numbers."""
    args = tuple(_scalar(a) for a in node.args)
    op = "mul" if node.op in ("juxt", "star") else node.op
    return Node(op, args, name=node.name, kwargs=node.kwargs, order=node.order, col=node.col)


def _split_commas(found: list[Token]) -> list[list[Token]]:
    """Tokens split at the commas outside brackets."""
    groups, current, depth = [], [], 0
    for token in found:
        depth += token.text in ("(", "[", "{")
        depth -= token.text in (")", "]", "}")
        if token.kind == "sym" and token.text == "," and depth == 0:
            groups.append(current)
            current = []
        else:
            current.append(token)
    return groups + [current]


def _fragment_before(reader: _Reader, base: Node) -> str:
    return reader.text[base.col:reader.toks[reader.k - 1].col].strip() if base.col >= 0 else ""
