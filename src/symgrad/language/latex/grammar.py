"""The LaTeX reader's grammar: sums, products (juxtaposition too), powers, subscripts,
brackets and bars, over :mod:`symgrad.language.latex.tokens`; names are read by
:class:`~symgrad.language.latex.naming.Naming` and the other structures by
:class:`~symgrad.language.latex.forms.Forms`."""

from __future__ import annotations

from ...errors import ExpressionError
from ...limits import MAX_EXPONENT, MAX_LITERAL, MAX_NESTING
from ..expressions import Node
from ..names import GREEK
from .forms import Forms
from .naming import Context, Naming
from .tokens import Token, tokens
from .words import ACCENT_COMMANDS, FONTS, FUNCTION_WORDS, OPENERS, PRODUCTS, TRANSPOSE


def parse(text: str, context: Context | None = None) -> Node:
    """Read one expression written in LaTeX; raise ExpressionError if it cannot be read."""
    if not isinstance(text, str):
        raise ExpressionError("expected LaTeX in a string",
                              hint=r"write it in single quotes, e.g. '\mathbf{B}\mathbf{x}'")
    if not text.strip():
        raise ExpressionError("the LaTeX is empty")
    found = _right_hand_side(tokens(text, (context or Context()).table))
    try:
        node = Reader(found, context or Context(), text).whole()
    except RecursionError:
        raise ExpressionError("the LaTeX is nested too deeply",
                              hint="name inner parts in [define]") from None
    if _depth(node) > MAX_NESTING:  # x + x + ... + x: as deep as the expression language
        raise ExpressionError(f"the LaTeX is longer or deeper than symgrad's limit of "
                              f"{MAX_NESTING} operations inside one another",
                              hint="name inner parts in [define]")
    return node


def _depth(node: Node) -> int:
    """How deep the tree is (counted without recursion: a tree may be very deep)."""
    deepest, pending = 0, [(node, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((arg, depth + 1) for arg in current.args)
    return deepest


def _right_hand_side(found: list[Token]) -> list[Token]:
    """An answer written as an equation (∂L/∂W = G Xᵀ) is its right-hand side, and a full
    stop or comma after it is punctuation."""
    depth, last = 0, None
    for position, token in enumerate(found):
        if token.kind == "sym" and token.text in "([{" or token.text == r"\{":
            depth += 1
        elif token.kind == "sym" and token.text in ")]}" or token.text == r"\}":
            depth -= 1
        elif token.kind == "sym" and token.text == "=" and depth == 0:
            last = position
    if last is not None:
        found = found[last + 1:]
    while len(found) > 1 and found[-2].kind == "sym" and found[-2].text in ".,":
        found = found[:-2] + found[-1:]
    return found


class Reader(Forms, Naming):
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
        written = "".join(t.text for t in inner)  # \mathsf{T}, \top, -1, -\top
        if written in TRANSPOSE:
            return Node("transpose", (base,), col=token.col)
        if written == "-1":
            return Node("call", (base,), name="inv", col=token.col)
        if written.startswith("-") and written[1:] in TRANSPOSE:
            return Node("transpose", (Node("call", (base,), name="inv", col=token.col),),
                        col=token.col)
        if inner and inner[0].text == r"\circ":  # X^{\circ 2}: elementwise
            exponent = self.sub_reader(inner[1:], token).whole()
            return Node("pow", (base, exponent), col=token.col)
        if inner and (inner[0].text in ("(", "[", "*", r"\ast", r"\star", r"\prime") or
                      written in ("'", "''")):
            fragment = self.text[self.toks[self.k - len(inner) - 1].col:self.peek().col].strip()
            self.fail(token, f"^{fragment.lstrip('^')} is not a power symgrad can read",
                      f"name it in the [latex] table, e.g. '{_fragment_before(self, base)}"
                      f"{fragment}' = \"NAME\"")
        exponent = self.sub_reader(inner, token).whole()
        value = _constant(exponent)
        if value is not None and not abs(value) <= MAX_EXPONENT:
            self.fail(token, f"the exponent is beyond symgrad's limit of {MAX_EXPONENT}",
                      f"symgrad checks claims with powers up to x^{{{MAX_EXPONENT}}}")
        return Node("sup", (base, exponent), col=token.col)

    def sub_reader(self, inner: list[Token], token: Token) -> Reader:
        if not inner:
            self.fail(token, f"nothing after {token.text}", "e.g. x^{2} or x_{i}")
        reader = Reader(inner + [Token("end", "", inner[-1].end, inner[-1].end)],
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
            if token.kind == "word" and len(token.text) > 1:  # e^xy, x^TAx: one letter
                self.toks.insert(self.k, Token("word", token.text[1:], token.col + 1, token.end))
                return [Token("word", token.text[0], token.col, token.col + 1)]
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
            if float(token.text) > MAX_LITERAL:
                self.fail(token, f"the number is too large: beyond symgrad's limit of "
                                 f"{MAX_LITERAL:g}", "write it as a named scalar")
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
        if name == r"\sigma" and "sigma" not in self.context.plain and \
                self.at("(", r"\{", "[", "'", "^"):
            return self.function("sigmoid", token)
        if name[1:] in FUNCTION_WORDS and name[1:] not in GREEK:
            return self.function(FUNCTION_WORDS[name[1:]], token)
        if name[1:] in GREEK or name in (r"\ell", r"\imath", r"\jmath"):
            return self.named_parts(name, "", token)
        if name in (r"\mathbb", r"\infty"):
            self.fail(token, f"{name} is not part of an answer")
        hint = "write a transpose as ^\\top or ^T" if name in (r"\top", r"\intercal") else \
            r"see the README's LaTeX section for the commands symgrad reads"
        self.fail(token, f"the command {name} is not one symgrad reads", hint)



def _fragment_before(reader: Reader, base: Node) -> str:
    return reader.text[base.col:reader.toks[reader.k - 1].col].strip() if base.col >= 0 else ""


def _constant(node: Node) -> float | None:
    """The value of an exponent made of numbers (2^{2^{10}} included, in floats: an overflow
    is infinite), or None if it holds a name."""
    if node.op == "num":
        return float(node.name)
    args = [_constant(a) for a in node.args]
    if not args or any(a is None for a in args):
        return None
    try:
        if node.op == "neg":
            return -args[0]
        if node.op in ("sup", "pow"):
            base, power = args
            return float("inf") if abs(power) > MAX_EXPONENT else float(abs(base) ** power)
        return {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
                "juxt": lambda a, b: a * b, "star": lambda a, b: a * b,
                "mul": lambda a, b: a * b,
                "div": lambda a, b: a / b if b else float("inf")}[node.op](*args)
    except (KeyError, OverflowError, ZeroDivisionError, TypeError):
        return float("inf") if node.op != "call" else None
