"""Claims, expressions and messages -> LaTeX in conventional notation.

Vectors and matrices are bold, scalars italic, Greek names Greek (``gamma``, ``lam``,
``lambda_``, ``λ`` -> γ, λ), accents read from names (``xhat``, ``x_hat``, ``ŷ`` -> x̂;
``NAMEbar`` -> x̄); ``*`` between arrays is the Hadamard product ⊙, ``/`` between arrays
⊘, ``@`` juxtaposition (a vector on its left gets ^\\top, as in xᵀBx).  How each
operation prints is one entry of :data:`FUNCTIONS` (named functions) or a branch of
:meth:`Printer.node` (operators).  A string from a file reaches LaTeX only through
:func:`text` (prose) or :func:`_parts` (names).  Every string this module makes compiles
with amsmath and amssymb alone.  The answer sheet that uses them is :mod:`symgrad.output.sheet`.
"""

from __future__ import annotations

import re
import unicodedata

from ..derivation import trees
from ..errors import SymgradError
from ..language import expressions as language
from ..language.latex import written_as_name
from ..language.model import Claim, Model
from ..language.names import ACCENTS, GREEK, WIDE, letter, parts
from ..language.resolve import Resolver

#: Named functions: how each prints, from its rendered arguments.
FUNCTIONS = {
    "exp": lambda a: rf"\exp\left({a[0]}\right)",
    "log": lambda a: rf"\log\left({a[0]}\right)",
    "sqrt": lambda a: rf"\sqrt{{{a[0]}}}",
    "abs": lambda a: rf"\left\lvert {a[0]} \right\rvert",
    "tanh": lambda a: rf"\tanh\left({a[0]}\right)",
    "sigmoid": lambda a: rf"\sigma\left({a[0]}\right)",
    "softplus": lambda a: rf"\operatorname{{softplus}}\left({a[0]}\right)",
    "relu": lambda a: rf"\operatorname{{ReLU}}\left({a[0]}\right)",
    "step": lambda a: rf"\operatorname{{step}}\left({a[0]}\right)",
    "leaky_relu": lambda a: rf"\operatorname{{LReLU}}_{{{a[1]}}}\left({a[0]}\right)",
    "softmax": lambda a: rf"\operatorname{{softmax}}\left({a[0]}\right)",
    "tr": lambda a: rf"\operatorname{{tr}}\left({a[0]}\right)",
    "norm": lambda a: rf"\left\lVert {a[0]} \right\rVert",
    "mean": lambda a: rf"\operatorname{{mean}}\left({a[0]}\right)",
    "max": lambda a: rf"\max\left({a[0]}\right)",
    "det": lambda a: rf"\det\left({a[0]}\right)",
    "logdet": lambda a: rf"\log\left\lvert\det\left({a[0]}\right)\right\rvert",
    "logsumexp": lambda a: rf"\operatorname{{logsumexp}}\left({a[0]}\right)",
    "diag": lambda a: rf"\operatorname{{diag}}\left({a[0]}\right)",
    "vec": lambda a: rf"\operatorname{{vec}}\left({a[0]}\right)",
    "flip": lambda a: rf"\operatorname{{flip}}\left({a[0]}\right)",
    "ones": lambda a: r"\mathbf{1}",
    "eye": lambda a: r"\mathbf{I}",
    "delta": lambda a: rf"\delta_{{{a[0]}{a[1]}}}" if len(a[0]) == len(a[1]) == 1
    else rf"\delta_{{{a[0]}, {a[1]}}}",
    "grad": lambda a: rf"\nabla_{{{a[1]}}}\left({a[0]}\right)",
    "hessian": lambda a: rf"\nabla^2_{{{a[1]}}}\left({a[0]}\right)",
}
#: Functions whose last argument is a variable (or a list of them), printed bare.
VARIABLE_LAST = {"grad", "hessian"}
#: Functions whose value is a scalar (how an answer that cannot be formed guesses shapes).
SCALAR_VALUED = {"tr", "norm", "max"}


def _compose(base: str, accent: str, sub: str, bold: bool = False) -> str:
    command = base.startswith("\\")
    if command:
        body = rf"\boldsymbol{{{base}}}" if bold else base
    elif len(base) > 1:
        body = rf"\mathbf{{{base}}}" if bold else rf"\mathrm{{{base}}}"
    else:
        body = rf"\mathbf{{{base}}}" if bold else base
    if accent:
        mark = ACCENTS[accent]
        body = rf"{WIDE[mark] if len(base) > 1 and not command else mark}{{{body}}}"
    if sub and len(sub) > 2 and sub.isalpha():
        sub = rf"\mathrm{{{sub}}}"
    return body + (f"_{{{sub}}}" if sub else "")


def dimension(model: Model, d) -> str:
    """A dimension in mathematics: n, 3, n - k + 1, m n, ⌊(n - k)/2⌋ + 1."""
    if isinstance(d, int | str):
        return str(d) if isinstance(d, int) else math_name(d)
    return Printer(model)(trees.dim(d))


def math_name(text: str) -> str:
    """gamma -> \\gamma, A1 -> A_{1}, x_out -> x_{\\mathrm{out}}, xhat -> \\hat{x},
    λ -> \\lambda."""
    return _compose(*parts(text))


def _word(name: str) -> str:
    """An operation's name for \\operatorname (ASCII letters, digits and \\_ only)."""
    return "".join(c if c.isascii() and c.isalnum() else r"\_" if c == "_" else "?"
                   for c in name)


class Printer:
    """LaTeX for the resolved expressions of one claim.  With ``loose``, for trees that
    could not be resolved (an answer whose shapes do not fit): shapes are guessed from the
    declared names below each node."""

    def __init__(self, model: Model, claim: Claim | None = None, loose: bool = False):
        self.model, self.claim, self.loose = model, claim, loose
        self.symbols = {**model.symbols, **(claim.introduced if claim else {})}
        # names as the file's [latex] table spells them (s as \hat{y}), where that is a name
        table = model.raw.latex if model.raw is not None else {}
        self.spelled = {name: fragment.strip() for fragment, name in table.items()
                        if written_as_name(fragment)}

    def ndim(self, node) -> int:
        shape = self.model.node_shapes.get(id(node))
        if shape is not None:
            return len(shape)
        if node.op == "symbol" and node.name in self.symbols:
            return len(self.symbols[node.name].shape)
        if node.op == "define":
            return len(self.model.define_shapes.get(node.name, ()))
        if not self.loose or node.op in SCALAR_VALUED or node.op == "getitem" or (
                node.op in ("sum", "mean") and node.kwarg("axis") is None):
            return 0
        return max((self.ndim(a) for a in node.args), default=0)

    def leaf(self, name: str, ndim: int) -> str:
        if name in self.spelled:
            return self.spelled[name]
        return _compose(*parts(name), bold=bool(ndim))

    def __call__(self, node) -> str:
        return self.node(node)[0]

    def node(self, node) -> tuple[str, int]:
        """(LaTeX, precedence): 4 atom, 3 power, 2 product, 1 sum.  Whatever begins with a
        minus sign is a sum (so that a - (-2x) keeps its brackets)."""
        text, precedence = self._node(node)
        return text, 1 if text.startswith("-") else precedence

    def _node(self, node) -> tuple[str, int]:
        op, args = node.op, node.args
        if op == "num":
            return node.name, 4
        if op == "pi":
            return r"\pi", 4
        if op in ("dim", "index"):
            return math_name(node.name), 4
        if op in ("symbol", "define"):
            return self.leaf(node.name, self.ndim(node)), 4
        if op == "apply":
            primes = "'" * node.order
            return rf"{math_name(node.name)}{primes}\left({self(args[0])}\right)", 4
        if op == "add":
            left, right = self(args[0]), self.wrap(args[1], 1)
            if right.startswith("-"):  # a + (-b) reads a - b
                return f"{left} - {right[1:]}", 1
            return f"{left} + {right}", 1
        if op == "sub":
            return f"{self(args[0])} - {self.wrap(args[1], 2)}", 1
        if op == "neg":
            return f"-{self.wrap(args[0], 2)}", 1
        if op == "mul":
            arrays = self.ndim(args[0]) and self.ndim(args[1])
            joint = r" \odot " if arrays else r" \, "
            return self.signed(args[0]) + joint + self.wrap(args[1], 3), 2
        if op == "div":
            if self.ndim(args[0]) and self.ndim(args[1]):
                return self.signed(args[0]) + r" \oslash " + self.wrap(args[1], 3), 2
            return rf"\frac{{{self(args[0])}}}{{{self(args[1])}}}", 4
        if op == "pow":
            power = r"\circ " if self.ndim(args[0]) else ""
            return f"{self.base(args[0])}^{{{power}{self(args[1])}}}", 3
        if op == "matmul":  # associative: a chain of products prints without brackets
            a, b = args
            scaled = a.op == "mul" and not (self.ndim(a.args[0]) and self.ndim(a.args[1]))
            left = self(a) if a.op == "matmul" or scaled else \
                "-" + self.wrap(a.args[0], 3) if a.op == "neg" else self.wrap(a, 3)
            if self.ndim(a) == 1 and not self.row(a):  # a vector on the left is xᵀ
                left = self.base(a) + r"^\top"
            right = self(b) if b.op == "matmul" else self.wrap(b, 3)
            return f"{left} {right}", 2
        if op == "transpose":
            if args[0].op == "inv":  # X^{-T}
                return self.base(args[0].args[0]) + r"^{-\top}", 4
            return self.base(args[0]) + r"^\top", 4
        if op == "inv":
            return self.inverse(args[0]), 4
        if op == "matpow":
            return f"{self.base(args[0])}^{{{self(args[1])}}}", 4
        if op == "solve":  # A^{-1} b, as users write it
            return f"{self.inverse(args[0])} {self.wrap(args[1], 3)}", 2
        if op == "outer":  # a b^T: a product on the left needs no brackets
            left = self(args[0]) if args[0].op in ("matmul", "solve") else \
                self.wrap(args[0], 3)
            return f"{left} {self.base(args[1])}^\\top", 2
        if op == "kron":
            return f"{self.wrap(args[0], 3)} \\otimes {self.wrap(args[1], 3)}", 2
        if op in ("conv1d", "conv2d"):  # ⋆: cross-correlation (the sheet says so)
            settings = [f"{'s' if key == 'stride' else 'p'} = {self.setting(value)}"
                        for key, value in node.kwargs]
            star = r"\star" + (rf"_{{{', '.join(settings)}}}" if settings else "")
            return f"{self.wrap(args[0], 3)} \\mathbin{{{star}}} {self.wrap(args[1], 3)}", 2
        if op == "maxpool2d":
            return rf"\operatorname{{maxpool}}_{{{self(args[1])}}}\left({self(args[0])}\right)", 4
        if op == "floordiv":
            return rf"\left\lfloor \frac{{{self(args[0])}}}{{{self(args[1])}}} \right\rfloor", 4
        if op == "getitem":  # A_{ij}, and A_{i + a, j + b} where an index is an expression
            base = self.wrap(args[0], 4)
            indices = [self(a) for a in args[1:]]
            joint = ", " if any(a.op not in ("index", "num", "dim") for a in args[1:]) else ""
            return f"{base}_{{{joint.join(indices)}}}", 4
        if op == "list":
            return self.matrix(node), 4
        if op == "isum":
            return rf"\sum_{{{self(args[1])}}} {self.wrap(args[0], 2)}", 2
        if op == "sum":  # 𝟏ᵀX and X𝟏 are products: bracketed as a right factor
            return self.total(node), 4 if node.kwarg("axis") is None else 2
        if op == "mean" and node.kwarg("axis") is not None:  # (1/N) 𝟏ᵀX, (1/K) X𝟏
            shape = self.model.node_shapes.get(id(args[0]))
            if shape and len(shape) == 2:
                count = shape[int(node.kwarg("axis").name)]
                return rf"\frac{{1}}{{{dimension(self.model, count)}}} {self.total(node)}", 2
        printer = FUNCTIONS.get(op)
        if printer is None:
            inner = ", ".join(self(a) for a in args)
            return rf"\operatorname{{{_word(op)}}}\left({inner}\right)", 4
        rendered = [self(a) for a in args]
        if op in VARIABLE_LAST and args[-1].op == "list":
            rendered[-1] = ", ".join(self(a) for a in args[-1].args)
        return printer(rendered), 4

    def setting(self, node) -> str:
        """A stride or padding: one value, or one per axis."""
        if node.op == "list":
            return "(" + ", ".join(self(a) for a in node.args) + ")"
        return self(node)

    def signed(self, node) -> str:
        """The left factor of a product: a leading minus stays in front, unbracketed
        (-2 λ x, not (-2) λ x)."""
        if node.op == "neg":
            return "-" + self.wrap(node.args[0], 2)
        text, own = self.node(node)
        if node.op in ("mul", "div") and text.startswith("-"):
            return text
        return text if own >= 2 else rf"\left({text}\right)"

    def row(self, node) -> bool:
        """Does this vector already print as a row (xᵀ, or xᵀB)?"""
        if node.op == "transpose":
            return self.ndim(node.args[0]) == 1
        return node.op == "matmul" and self.ndim(node.args[0]) == 1

    def inverse(self, node) -> str:
        """X^{-1}, and X^{-T} for the inverse of a transpose."""
        if node.op == "transpose":
            return self.base(node.args[0]) + r"^{-\top}"
        return self.base(node) + "^{-1}"

    def base(self, node) -> str:
        """A node that a superscript follows (parenthesised if it has one already)."""
        if node.op in ("transpose", "pow", "inv", "matpow"):
            return rf"\left({self(node)}\right)"
        return self.wrap(node, 4)

    def wrap(self, node, precedence: int) -> str:
        text, own = self.node(node)
        return text if own >= precedence else rf"\left({text}\right)"

    def total(self, node) -> str:
        axis = node.kwarg("axis")
        inner = self(node.args[0])
        if axis is None:
            return rf"\textstyle\sum \left({inner}\right)"
        if axis.name == "0":
            return rf"\mathbf{{1}}^\top {self.wrap(node.args[0], 3)}"
        return rf"{self.wrap(node.args[0], 3)} \mathbf{{1}}"

    def matrix(self, node) -> str:
        rows = [item.args if item.op == "list" else (item,) for item in node.args]
        if all(len(r) == 1 for r in rows) and node.args[0].op != "list":
            body = r" \\ ".join(self(item) for item in node.args)
        else:
            body = r" \\ ".join(" & ".join(self(x) for x in row) for row in rows)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def typeset(model: Model, claim: Claim | None, source) -> str:
    """An expression of the language (a derived answer, a correction in a diagnosis) as
    LaTeX: resolved against the file's names where it can be; else as written (an answer
    whose shapes do not fit), its names looked up; else, if it does not even parse, as
    code."""
    if not isinstance(source, str):
        return rf"\text{{{text(source)}}}"
    indices = claim.fields.get("indices") if claim else None
    kept = dict(model.min_sizes)  # resolving records the sizes an index needs: undo that
    try:
        resolver = Resolver(model, claim.introduced if claim else None,
                            free_indices=indices if isinstance(indices, list) else None)
        return Printer(model, claim)(resolver.resolve_text(source)[0])
    except (SymgradError, KeyError, TypeError, ValueError, RecursionError):
        pass
    finally:
        model.min_sizes.clear()
        model.min_sizes.update(kept)
    try:
        return Printer(model, claim, loose=True)(_named(model, claim, language.parse(source)))
    except (SymgradError, KeyError, AttributeError, TypeError, ValueError, RecursionError):
        return rf"\text{{\texttt{{{text(source)}}}}}"


def _named(model: Model, claim: Claim | None, node):
    """A parsed tree with its names looked up as :class:`Resolver` would, shapes unchecked."""
    symbols = {**model.symbols, **(claim.introduced if claim else {})}
    args = tuple(_named(model, claim, a) for a in node.args)
    kwargs = tuple((k, _named(model, claim, v)) for k, v in node.kwargs)
    op, name = node.op, node.name
    if op == "name":
        symbol = symbols.get(name)
        op = "symbol" if symbol is not None else "define" if name in model.defines else \
            "dim" if name in model.dims else "pi" if name == "pi" else "index"
    elif op == "call":
        symbol = symbols.get(name)
        if symbol is not None and symbol.is_function:
            op = "apply"
        else:
            op, name = ("isum" if name == "sum" and len(args) == 2 else name), None
    return language.Node(op, args, name=name, kwargs=kwargs, order=node.order, col=node.col)


def claim_equation(model: Model, claim: Claim) -> str:
    """The claim as one display equation (without the verdict)."""
    p = Printer(model, claim)
    e, field = claim.exprs, claim.answer_field
    if field in e:
        answer = p(e[field])
    elif field in claim.fields:  # written, but it cannot be formed: shown as written
        answer = typeset(model, claim, claim.fields[field])
    elif claim.kind in ("psd", "convergence"):  # no certificate, no constant
        answer = None
    else:
        answer = r"\;?"  # a question symgrad could not answer
    wrt = _wrt(p, claim)
    indices = claim.indices or claim.fields.get("indices")
    kind = claim.kind
    if kind == "equal":
        return f"{p(e['lhs'])} = {answer}"
    if kind in ("gradient", "jacobian"):
        head = rf"\frac{{\partial {p.wrap(e['of'], 4)}}}{{\partial {wrt}}}"
        if indices:
            head = rf"\left[{head}\right]_{{{''.join(math_name(str(i)) for i in indices)}}}"
        return f"{head} = {answer}"
    if kind == "backprop":
        upstream = p.leaf(claim.upstream.name, len(claim.upstream.shape))
        head = rf"\frac{{\partial L}}{{\partial {wrt}}}"
        if indices:
            head = rf"\left[{head}\right]_{{{''.join(math_name(str(i)) for i in indices)}}}"
        return (rf"{head} = {answer}, \qquad {upstream} = \frac{{\partial L}}"
                rf"{{\partial {p.wrap(e['of'], 4)}}}")
    if kind == "hessian":
        head = rf"\nabla^2_{{{wrt}}} {p.wrap(e['of'], 4)}"
        if indices:
            head = rf"\left[{head}\right]_{{{''.join(math_name(str(i)) for i in indices)}}}"
        return f"{head} = {answer}"
    if kind == "psd":
        text = rf"{p.wrap(e['of'], 4)} \succeq 0"
        if answer:
            text += (rf", \qquad \mathbf{{v}}^\top {p.wrap(e['of'], 4)} \, \mathbf{{v}} = "
                     rf"{answer} \ge 0")
        return text
    if kind == "expectation":
        return rf"\mathbb{{E}}\left[{p(e['of'])}\right] = {answer}"
    if kind == "convergence":
        x, r = math_name(claim.fields["variable"]), math_name(claim.fields["root"])
        order = claim.fields["order"]
        power = f"^{{{order}}}" if order != 1 else ""
        limit = answer if answer else r"c \ne 0"
        return (rf"\lim_{{{x} \to {r}}} \frac{{{p(e['iteration'])} - {r}}}"
                rf"{{\left({x} - {r}\right){power}}} = {limit}")
    if kind == "value":
        point = ", ".join(f"{p.leaf(n, p.ndim(v))} = {p(v)}" for n, v in claim.at.items())
        return rf"\left.{p(e['of'])}\right|_{{{point}}} = {answer}"
    return answer or ""


def _wrt(p: Printer, claim: Claim) -> str:
    if claim.wrt_list:
        return ", ".join(math_name(n) for n in claim.wrt_list)
    if claim.wrt:
        return p.leaf(claim.wrt, len(p.symbols[claim.wrt].shape))
    return ""


def without_verdict(latex: str) -> str:
    """A claim's LaTeX (as :func:`claim_latex` makes it) without the verdict beside it."""
    return latex.rsplit(r" \qquad \text{(", 1)[0]


def explained(latex: str, result) -> str:
    """A refutation's LaTeX: its equation and verdict, then the diagnosis and the correct
    answer (one display: amsmath's gathered)."""
    lines = [latex]
    if result.diagnosis:
        said = result.diagnosis.get("latex") or text(result.diagnosis["message"])
        lines.append(rf"\text{{diagnosis ({text(result.diagnosis['code'])}): {said}}}")
    if result.correct_latex:
        lines.append(r"\text{correct answer: } " + result.correct_latex)
    if len(lines) == 1:
        return latex
    return r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}"


def claim_latex(model: Model, claim: Claim, verdict: str | None) -> str:
    """The claim's equation with its verdict beside it (or why it cannot be printed)."""
    if model.error or claim.error:
        return r"\text{(cannot be printed: the claim is an error)}"
    try:
        equation = claim_equation(model, claim)
    except (KeyError, AttributeError, TypeError):
        equation = r"\text{(an answer that cannot be formed)}"
    return equation + (rf" \qquad \text{{({verdict})}}" if verdict else "")


# --- text from a file -------------------------------------------------------------------------

SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
           "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
           "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
           "|": r"\textbar{}"}
#: Characters outside ASCII that text mode writes with a command.
TEXT_CHARS = {"—": "---", "–": "--", "‘": "`", "’": "'", "“": "``", "”": "''",
              "…": r"\dots{}", "\u00a0": "~", "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}",
              "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}", "Ø": r"\O{}", "ł": r"\l{}",
              "Ł": r"\L{}", "ı": r"\i{}", "§": r"\S{}", "¶": r"\P{}"}
#: ... and those that are mathematics (a superscript attaches to {}: ᵀᵀ cannot clash).
MATH_CHARS = {"ᵀ": r"{}^{\top}", "⊤": r"\top", "−": "-", "×": r"\times", "·": r"\cdot",
              "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx", "→": r"\to",
              "←": r"\leftarrow", "⇒": r"\Rightarrow", "∂": r"\partial", "∇": r"\nabla",
              "∑": r"\sum", "∏": r"\prod", "√": r"\surd", "∞": r"\infty", "∈": r"\in",
              "±": r"\pm", "⊙": r"\odot", "⊘": r"\oslash", "∘": r"\circ", "⊗": r"\otimes",
              "⋆": r"\star", "ℝ": r"\mathbb{R}", "‖": r"\|", "⪰": r"\succeq", "°": r"{}^{\circ}",
              "∀": r"\forall", "ℓ": r"\ell", "µ": r"\mu", "⁻": r"{}^{-}", "ᵢ": "{}_{i}",
              "ⱼ": "{}_{j}", "ₖ": "{}_{k}",
              **{s: f"{{}}^{{{d}}}" for d, s in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
              **{s: f"{{}}_{{{d}}}" for d, s in enumerate("₀₁₂₃₄₅₆₇₈₉")}}
#: Accents of Latin letters (from their decomposition) as text-mode accent commands.
TEXT_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~",
                "\u0304": "=", "\u0307": ".", "\u0306": "u", "\u030c": "v", "\u030b": "H",
                "\u0327": "c", "\u030a": "r"}


def text(value) -> str:
    """Plain text from a file made safe for LaTeX (text mode): every special character
    escaped, Greek letters and mathematical signs typeset ($\\lambda$, $\\le$), accented
    Latin letters with accent commands, line breaks and tabs made spaces, other control
    characters dropped, and anything else outside ASCII written as ?.  Nothing in it can
    act as a command."""
    pieces: list[tuple[bool, str]] = []  # (is mathematics, LaTeX)
    for char in str(value):
        if char in "\n\r\t\v\f":
            pieces.append((False, " "))
        elif ord(char) < 32 or ord(char) == 127:
            continue
        elif char.isascii():
            pieces.append((False, SPECIAL.get(char, char)))
        else:
            pieces.append(_outside_ascii(char))
    out, math = [], []
    for is_math, piece in pieces + [(False, "")]:  # consecutive mathematics: one $...$
        if is_math:
            math.append(piece)
            continue
        if math:
            out.append("$" + " ".join(math) + "$")
            math = []
        out.append(piece)
    return "".join(out)


def _outside_ascii(char: str) -> tuple[bool, str]:
    if char in TEXT_CHARS:
        return False, TEXT_CHARS[char]
    if char in MATH_CHARS:
        return True, MATH_CHARS[char]
    if unicodedata.name(char, "").startswith("GREEK"):
        name = letter(char)  # λ -> lambda; a capital without a command of its own: Latin
        return (True, "\\" + name) if name in GREEK else (False, name if name != "x" else "?")
    base, *marks = unicodedata.normalize("NFD", char)
    if base.isascii() and base.isalpha() and all(m in TEXT_ACCENTS for m in marks):
        for mark in marks:
            base = rf"\{TEXT_ACCENTS[mark]}{{{base}}}"
        return False, base
    folded = unicodedata.normalize("NFKD", char)
    if folded.isascii() and folded.isprintable() and folded.strip():
        return False, "".join(SPECIAL.get(c, c) for c in folded)
    return False, "?"


SIZE = r"(?<![\w\\])([A-Za-z]\w*)=(\d+)\b"  # n=2, in "at sizes n=2, m=3"
SHAPE = r"\b(vector|matrix)\((\w+(?:, \w+)?)\)"  # vector(n), matrix(n, m)
PRODUCT = r"(?<=\)) (@) (?=an? (?:vector|matrix)\()"  # matrix(n, n) @ a vector(K)
DIMENSIONS = r"\bdimensions (\w+) and (\w+)\b"  # inner dimensions n and K differ
#: What symgrad's messages say around an expression of the language (see decide.py).
DERIVED_PREFIX = re.compile(r"^derived answer (.+?); ")
DERIVED_BUT = re.compile(r"derived the answer (.+?), but (?=could not|it is )")


def prose(message: str, maths: dict[str, str] | None = None) -> str:
    """A message of symgrad's as text: sizes (n=2) and shapes (matrix(n, m)) typeset, and
    each string of ``maths`` (an expression of the language in it) replaced by its LaTeX."""
    pieces: list[tuple[bool, str]] = [(False, message)]
    for source, latex in sorted((maths or {}).items(), key=lambda item: -len(item[0])):
        split = []
        for is_math, piece in pieces:
            if is_math:
                split.append((is_math, piece))
                continue
            for i, part in enumerate(piece.split(source)):
                split += [(True, latex)] * bool(i) + [(False, part)]
        pieces = split
    out = []
    for is_math, piece in pieces:
        out.append(f"${piece}$" if is_math else re.sub(
            f"{SIZE}|{SHAPE}|{PRODUCT}|{DIMENSIONS}", _size_or_shape, text(piece)))
    return "".join(out)


def _size_or_shape(match: re.Match) -> str:
    name, size, kind, dims, product, first, second = match.groups()
    if name:
        return f"${math_name(name)} = {size}$"
    if product:
        return " times "
    if first:
        return f"dimensions ${math_name(first)}$ and ${math_name(second)}$"
    dims = [math_name(d) for d in dims.replace(r"\_", "_").split(", ")]
    if kind == "vector":
        return rf"vector of length ${dims[0]}$"
    return "matrix of size $" + r" \times ".join(dims) + "$"


def sentence(latex: str, capital: bool = False) -> str:
    """A message as a sentence: a full stop at its end (and a capital, after a full stop)."""
    latex = latex.strip()
    if not latex:
        return ""
    first = latex[0].upper() if capital else latex[0]
    return first + latex[1:] + ("" if latex.endswith((".", "?", "!")) else ".")


def phrase(model: Model, claim: Claim | None, parts: list) -> str:
    """A diagnosis's parts (``["text", ...]``, ``["math", expression]``) as one line of
    LaTeX: the words as prose (sizes and shapes typeset), each expression typeset."""
    return "".join(f"${typeset(model, claim, piece)}$" if kind == "math" and claim is not None
                   else prose(piece) for kind, piece in parts)
