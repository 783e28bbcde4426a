"""The structures of LaTeX the reader knows beyond operators and names: fonts, functions and
their arguments, fractions (and the upstream ∂L/∂Y), sums, ∇, matrices, indicators, the
settings of a convolution ⋆."""

from __future__ import annotations

from ...errors import ExpressionError
from ..expressions import Node
from ..names import GREEK, parts
from .tokens import Token, compact, split_commas
from .words import FUNCTION_WORDS, MATRICES


class Forms:
    """The structure-reading part of the reader (mixed into its grammar)."""

    def conv_settings(self):
        """x ⋆_{s = 2, p = k - 1} w, p = (1, 2): the stride and padding of a correlation."""
        if not self.at("_"):
            return ()
        token = self.take()
        settings = []
        for part in split_commas(self.group_tokens()):
            if len(part) < 3 or part[1].text != "=" or part[0].text not in ("s", "p"):
                self.fail(part[0] if part else token,
                          "a ⋆ takes the settings s = STRIDE and p = PADDING",
                          r"e.g. x \star_{s = 2, p = 1} w")
            value = part[2:]
            items = split_commas(value[1:-1]) if value[0].text == "(" and \
                value[-1].text == ")" else [value]
            nodes = [self.sub_reader(item, token).whole() for item in items]
            node = nodes[0] if len(nodes) == 1 else Node("list", tuple(nodes), col=part[2].col)
            settings.append(("stride" if part[0].text == "s" else "padding", node))
        return tuple(settings)

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
        """Does the next group (a subscript's, or a bracket's) hold a comparison?"""
        start = self.k + 1 if self.at("_") else self.k
        if self.toks[start].text not in ("(", "[", "{", r"\{"):
            return False
        depth = 0
        for token in self.toks[start:]:
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
        order, power = self.primes(), None
        if self.at("^"):  # \tanh^2(z): the square of the value
            sup = self.take()
            inner = self.group_tokens()
            if inner and all(t.text == r"\prime" for t in inner):  # \sigma^{\prime}(z)
                order += len(inner)
            else:
                power = self.sub_reader(inner, sup).whole()
            order += self.primes()
        if op == "max" and self.at("("):
            return self.maximum(token)
        argument = self.argument(token)
        if op == "log" and argument.op == "call" and argument.name == "abs" and \
                argument.args[0].op == "call" and argument.args[0].name == "det":
            node = Node("call", argument.args[0].args, name="logdet", col=token.col)
        elif order:
            node = _derivative(op, argument, order, token, self)
        else:
            args = (argument, subscript) if subscript is not None else (argument,)
            node = Node("call", args, name=op, col=token.col)
        return node if power is None else Node("pow", (node, power), col=token.col)

    def primes(self) -> int:
        r"""f', f'', f^{\prime}: how many primes follow."""
        order = 0
        while self.at("'"):
            self.take()
            order += 1
        return order

    def maximum(self, token: Token) -> Node:
        r"""\max(0, z) and \max(z, 0) are ReLU; \max(x) is the largest entry."""
        opening = self.take()
        first = self.expr()
        if not self.at(","):
            self.expect(")", f"to close the ( at column {opening.col + 1}")
            return Node("call", (first,), name="max", col=token.col)
        self.take()
        second = self.expr()
        self.expect(")", f"to close the ( at column {opening.col + 1}")
        zero = [a for a in (first, second) if a.op == "num" and float(a.name) == 0]
        if not zero:
            self.fail(token, "\\max(a, b) of two expressions is not part of the language",
                      "\\max(0, z) is ReLU; or write a + relu(b - a)")
        return Node("call", (second if zero[0] is first else first,), name="relu",
                    col=token.col)

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
        bound = compact(inner[1:])
        if bound not in ("", "=1", "=0"):  # \sum_{i=2}^{n}, \sum_{i \neq j}: part of a range
            self.fail(inner[0], "symgrad sums an index over its whole range",
                      r"write \sum_{i} or \sum_{i=1}^{n}")
        if self.at("^"):  # the upper end: the index's range, which the arrays give
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
            if compact(power) != "2":
                self.fail(token, "only ∇ and ∇² are read")
            order = 2
        if not self.at("_"):
            self.fail(token, "∇ needs the variable as a subscript", r"e.g. \nabla_{\mathbf{x}}")
        sub = self.take()
        variables = [self.sub_reader(g, sub).whole() for g in split_commas(self.group_tokens())]
        wrt = variables[0] if len(variables) == 1 else Node("list", tuple(variables),
                                                            col=sub.col)
        body = self.unary()
        return Node("call", (body, wrt), name="grad" if order == 1 else "hessian",
                    col=token.col)

    def matrix(self, token: Token) -> Node:
        kind = compact(self.braced()[1:-1])
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
        if compact(self.braced()[1:-1]) != kind:
            self.fail(token, f"\\begin{{{kind}}} ends with another environment")
        if all(len(r) == 1 for r in rows):  # a vector, or a matrix of one column
            return Node("column", tuple(r[0] for r in rows), col=token.col)
        if len({len(r) for r in rows}) != 1:
            self.fail(token, "the rows of the matrix have different lengths")
        return Node("list", tuple(Node("list", tuple(r), col=token.col) for r in rows),
                    col=token.col)


#: The derivatives of the named functions a student primes (σ'(z), \tanh'(z), ReLU'(z)),
#: in the expression language's terms.
DERIVATIVES = {
    "sigmoid": lambda f: Node("mul", (f, Node("sub", (_one(f), f), col=f.col)), col=f.col),
    "tanh": lambda f: Node("sub", (_one(f), Node("pow", (f, Node("num", name="2", col=f.col)),
                                                 col=f.col)), col=f.col),
    "exp": lambda f: f,
}
#: ... and those whose derivative is another named function.
DERIVATIVE_NAMES = {"relu": "step", "softplus": "sigmoid"}


def _one(node: Node) -> Node:
    return Node("num", name="1", col=node.col)


def _derivative(op: str, argument: Node, order: int, token: Token, reader) -> Node:
    """f'(z) of a named function, as the expression it equals."""
    if order == 1 and op in DERIVATIVES:
        return DERIVATIVES[op](Node("call", (argument,), name=op, col=token.col))
    if order == 1 and op in DERIVATIVE_NAMES:
        return Node("call", (argument,), name=DERIVATIVE_NAMES[op], col=token.col)
    reader.fail(token, f"the derivative of {op} written with primes is not read",
                "write what it equals, or declare a function: h = \"function\" and h'(z)")
