"""Claims and their verdicts -> LaTeX in conventional notation, and the answer sheet.

Vectors and matrices are bold, scalars italic, Greek names Greek; ``*`` between
arrays is the Hadamard product ⊙, ``/`` between arrays ⊘, ``@`` juxtaposition
(a vector on its left gets ^\\top, as in xᵀBx).  How each operation prints is
one entry of :data:`FUNCTIONS` (named functions) or a branch of
:meth:`Printer.node` (operators).  Every string this module makes compiles
with amsmath and amssymb alone.
"""

from __future__ import annotations

import unicodedata

from ..language.model import Claim, Model

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi",
         "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega"}
ALIASES = {"eps": r"\varepsilon", "epsilon": r"\varepsilon"}

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
    "outer": lambda a: rf"{a[0]} {a[1]}^\top",
    "diag": lambda a: rf"\operatorname{{diag}}\left({a[0]}\right)",
    "ones": lambda a: r"\mathbf{1}",
    "eye": lambda a: r"\mathbf{I}",
    "delta": lambda a: rf"\delta_{{{a[0]}{a[1]}}}",
    "grad": lambda a: rf"\nabla_{{{a[1]}}}\left({a[0]}\right)",
    "hessian": lambda a: rf"\nabla^2_{{{a[1]}}}\left({a[0]}\right)",
}
#: Functions whose last argument is a variable (or a list of them), printed bare.
VARIABLE_LAST = {"grad", "hessian"}


def _name(text: str) -> str:
    """gamma -> \\gamma, A1 -> A_{1}, x_hat -> x_{hat}, λ -> \\lambda."""
    text = "".join(_letter(c) for c in text)
    base, digits = text.rstrip("0123456789"), text[len(text.rstrip("0123456789")):]
    if "_" in base:
        base, _, sub = base.partition("_")
        digits = sub + digits
    if base in ALIASES:
        base = ALIASES[base]
    elif base in GREEK:
        base = "\\" + base
    elif len(base) > 1:
        base = rf"\mathrm{{{base}}}"
    return base + (f"_{{{digits}}}" if digits else "")


class Printer:
    """LaTeX for the resolved expressions of one claim."""

    def __init__(self, model: Model, claim: Claim | None = None):
        self.model, self.claim = model, claim
        self.symbols = {**model.symbols, **(claim.introduced if claim else {})}

    def ndim(self, node) -> int:
        shape = self.model.node_shapes.get(id(node))
        if shape is not None:
            return len(shape)
        if node.op == "symbol" and node.name in self.symbols:
            return len(self.symbols[node.name].shape)
        if node.op == "define":
            return len(self.model.define_shapes.get(node.name, ()))
        return 0

    def leaf(self, name: str, ndim: int) -> str:
        text = _name(name)
        if not ndim:
            return text
        base, _, subscript = text.partition("_{")
        bold = rf"\boldsymbol{{{base}}}" if base.startswith("\\") else rf"\mathbf{{{base}}}"
        return bold + (f"_{{{subscript}" if subscript else "")

    def __call__(self, node) -> str:
        return self.node(node)[0]

    def node(self, node) -> tuple[str, int]:
        """(LaTeX, precedence): 4 atom, 3 power, 2 product, 1 sum."""
        op, args = node.op, node.args
        if op == "num":
            return node.name, 4
        if op == "pi":
            return r"\pi", 4
        if op in ("dim", "index"):
            return _name(node.name), 4
        if op in ("symbol", "define"):
            return self.leaf(node.name, self.ndim(node)), 4
        if op == "apply":
            primes = "'" * node.order
            return rf"{_name(node.name)}{primes}\left({self(args[0])}\right)", 4
        if op == "add":
            return f"{self(args[0])} + {self.wrap(args[1], 1)}", 1
        if op == "sub":
            return f"{self(args[0])} - {self.wrap(args[1], 2)}", 1
        if op == "neg":
            return f"-{self.wrap(args[0], 2)}", 1
        if op == "mul":
            arrays = self.ndim(args[0]) and self.ndim(args[1])
            joint = r" \odot " if arrays else r" \, "
            return self.wrap(args[0], 2) + joint + self.wrap(args[1], 3), 2
        if op == "div":
            if self.ndim(args[0]) and self.ndim(args[1]):
                return self.wrap(args[0], 2) + r" \oslash " + self.wrap(args[1], 3), 2
            return rf"\frac{{{self(args[0])}}}{{{self(args[1])}}}", 4
        if op == "pow":
            power = r"\circ " if self.ndim(args[0]) else ""
            return f"{self.base(args[0])}^{{{power}{self(args[1])}}}", 3
        if op == "matmul":  # associative: a chain of products prints without brackets
            a, b = args
            scaled = a.op == "mul" and not (self.ndim(a.args[0]) and self.ndim(a.args[1]))
            left = self(a) if a.op == "matmul" or scaled else self.wrap(a, 3)
            if self.ndim(a) == 1 and not self.row(a):  # a vector on the left is xᵀ
                left = self.base(a) + r"^\top"
            right = self(b) if b.op == "matmul" else self.wrap(b, 3)
            return f"{left} {right}", 2
        if op == "transpose":
            return self.base(args[0]) + r"^\top", 4
        if op == "getitem":
            base = self.wrap(args[0], 4)
            return f"{base}_{{{''.join(self(a) for a in args[1:])}}}", 4
        if op == "list":
            return self.matrix(node), 4
        if op == "isum":
            return rf"\sum_{{{self(args[1])}}} {self.wrap(args[0], 2)}", 2
        if op == "sum":
            return self.total(node), 4
        printer = FUNCTIONS.get(op)
        if printer is None:
            return rf"\operatorname{{{op}}}\left({', '.join(self(a) for a in args)}\right)", 4
        rendered = [self(a) for a in args]
        if op in VARIABLE_LAST and args[-1].op == "list":
            rendered[-1] = ", ".join(self(a) for a in args[-1].args)
        return printer(rendered), 4

    def row(self, node) -> bool:
        """Does this vector already print as a row (xᵀ, or xᵀB)?"""
        if node.op == "transpose":
            return self.ndim(node.args[0]) == 1
        return node.op == "matmul" and self.ndim(node.args[0]) == 1

    def base(self, node) -> str:
        """A node that a superscript follows (parenthesised if it has one already)."""
        if node.op in ("transpose", "pow"):
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


def claim_equation(model: Model, claim: Claim) -> str:
    """The claim as one display equation (without the verdict)."""
    p = Printer(model, claim)
    e = claim.exprs
    answer = p(e[claim.answer_field]) if claim.answer_field in e else None
    if answer is None and claim.answer_field not in claim.fields:
        answer = r"\;?"  # a question symgrad could not answer
    wrt = _wrt(p, claim)
    kind = claim.kind
    if kind == "equal":
        return f"{p(e['lhs'])} = {answer}"
    if kind in ("gradient", "jacobian"):
        head = rf"\frac{{\partial {p.wrap(e['of'], 4)}}}{{\partial {wrt}}}"
        if claim.indices:
            head = rf"\left[{head}\right]_{{{''.join(_name(i) for i in claim.indices)}}}"
        return f"{head} = {answer}"
    if kind == "backprop":
        upstream = p.leaf(claim.upstream.name, len(claim.upstream.shape))
        head = rf"\frac{{\partial L}}{{\partial {wrt}}}"
        if claim.indices:
            head = rf"\left[{head}\right]_{{{''.join(_name(i) for i in claim.indices)}}}"
        return (rf"{head} = {answer}, \qquad {upstream} = \frac{{\partial L}}"
                rf"{{\partial {p.wrap(e['of'], 4)}}}")
    if kind == "hessian":
        head = rf"\nabla^2_{{{wrt}}} {p.wrap(e['of'], 4)}"
        if claim.indices:
            head = rf"\left[{head}\right]_{{{''.join(_name(i) for i in claim.indices)}}}"
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
        x, r = _name(claim.fields["variable"]), _name(claim.fields["root"])
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
        return ", ".join(_name(n) for n in claim.wrt_list)
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
        lines.append(rf"\text{{diagnosis ({text(result.diagnosis['code'])}): "
                     rf"{text(result.diagnosis['message'])}}}")
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


# --- the answer sheet -------------------------------------------------------------------------

ASCII = {"ᵀ": "^T", "−": "-", "≥": ">=", "≤": "<=", "⊙": "(*)", "⊘": "(/)", "→": "->",
         "∘": "o", "²": "^2", "σ": "sigma", "ε": "eps", "η": "eta", "μ": "mu", "…": "..."}
SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
           "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
           "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def text(value) -> str:
    """Plain text from a file made safe for LaTeX: every special character escaped, line
    breaks and tabs made spaces, other control characters dropped, and anything outside
    ASCII (pdflatex's 8-bit input) written as ?.  Nothing in it can act as a command."""
    out = []
    for ch in "".join(ASCII.get(c, c) for c in str(value)):
        if ch in "\n\r\t\v\f":
            out.append(" ")
        elif ord(ch) < 32 or ord(ch) == 127:
            continue
        else:
            out.append(SPECIAL.get(ch, ch) if ord(ch) < 128 else "?")
    return "".join(out)


#: Capital Greek letters that LaTeX writes with a command of their own (the others are Latin).
CAPITAL_GREEK = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
                 "Psi", "Omega"}


def _letter(char: str) -> str:
    """A character of a name as ASCII: Greek letters by their names (λ -> lambda, which
    _name then writes \\lambda), anything else outside ASCII as x."""
    if char.isascii():
        return char
    words = unicodedata.name(char, "").split()
    if words[:2] == ["GREEK", "SMALL"] and len(words) == 4:
        name = words[3].lower().replace("lamda", "lambda")
        return name if name in GREEK else "x"
    if words[:2] == ["GREEK", "CAPITAL"] and len(words) == 4:
        name = words[3].capitalize().replace("Lamda", "Lambda")
        return name if name in CAPITAL_GREEK else name[0]
    return "x"


def document(results_by_file: list[tuple[Model, list]]) -> str:
    """A complete article: a section per file, each claim with its equation and verdict."""
    parts = [r"\documentclass{article}", r"\usepackage{amsmath,amssymb}",
             r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
             r"\title{symgrad answer sheet}", r"\date{}", r"\begin{document}", r"\maketitle"]
    for model, results in results_by_file:
        parts.append(rf"\section{{{text(model.title or model.path)}}}")
        parts.append(rf"\textit{{File:}} \texttt{{{text(model.path)}}}\par")
        if model.source:
            parts.append(rf"\textit{{Source:}} {text(model.source)}\par")
        claims = {c.name: c for c in model.claims}
        for result in results:
            claim = claims.get(result.claim)
            parts.append(rf"\subsection*{{{text(result.claim)} ({text(result.kind)})}}")
            if result.derived and result.ok:  # a question: print the derived answer
                parts.append(r"\begin{equation*}" + without_verdict(result.latex) +
                             r"\end{equation*}")
            elif claim is not None:
                parts.append(r"\begin{equation*}" + claim_latex(model, claim, None) +
                             r"\end{equation*}")
            parts.append(rf"\textbf{{{text(result.verdict)}}}"
                         + (f" at {text(result.scope)}" if result.scope else "") + r"\par")
            if result.reason:
                parts.append(text(result.reason) + r"\par")
            if result.diagnosis:
                parts.append(rf"\textit{{Diagnosis ({text(result.diagnosis['code'])}):}} "
                             f"{text(result.diagnosis['message'])}" + r"\par")
            if result.correct_latex:
                parts.append(r"\textit{Correct answer (derived by symgrad and checked):}"
                             r"\begin{equation*}" + result.correct_latex + r"\end{equation*}")
            if result.counterexample:
                parts.append(_counterexample(result.counterexample))
    parts.append(r"\end{document}")
    return "\n".join(p for p in parts if p) + "\n"


def _counterexample(cex: dict) -> str:
    lines = [r"\textit{Counterexample}" + (" at " + text(", ".join(
        f"{d}={s}" for d, s in cex["sizes"].items())) if cex["sizes"] else "") + ":"]
    rows = [rf"{_name(n)} &= {_value(v)}" for n, v in cex["inputs"].items()]
    rows += [rf"{_name(n)}(u) &= \text{{{text(f)}}}" for n, f in cex["functions"].items()]
    rows += [rf"\text{{expected}} &= {_value(cex['expected'])}",
             rf"\text{{got}} &= {_value(cex['got'])}"]
    return lines[0] + r"\begin{align*}" + r" \\ ".join(rows) + r"\end{align*}"


def _value(value) -> str:
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            body = r" \\ ".join(" & ".join(_value(x) for x in row) for row in value)
        else:
            body = r" \\ ".join(_value(x) for x in value)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
    return text(value)
