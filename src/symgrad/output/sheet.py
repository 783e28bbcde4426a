"""Verdicts -> the answer sheet: a LaTeX article a student can hand in.

A section per file: its symbols in words and math (x ∈ ℝⁿ, B ∈ ℝⁿˣⁿ symmetric), its
definitions as displayed equations, then each claim with its equation, its verdict and
where it holds, and for a refutation the diagnosis, the correct answer and a compact
counterexample.  The notation is :mod:`symgrad.output.latex`'s.
"""

from __future__ import annotations

import re

from ..engine.jsonable import brief
from ..language.model import Claim, Model, Symbol
from .latex import (
    DERIVED_BUT,
    DERIVED_PREFIX,
    Printer,
    claim_latex,
    dimension,
    math_name,
    phrase,
    prose,
    sentence,
    text,
    typeset,
    without_verdict,
)

# --- the answer sheet -------------------------------------------------------------------------

PREAMBLE = [
    r"\documentclass{article}",
    r"\usepackage{amsmath,amssymb}",
    # T1 fonts print ^ | ~ < > " as themselves (OT1 has no such glyphs); Latin Modern is
    # their outline form, in TeX Live's fonts-recommended and Debian's lmodern (recommended
    # by texlive-base).  Without it the sheet keeps OT1: it still compiles.
    r"\IfFileExists{lmodern.sty}{\usepackage[T1]{fontenc}\usepackage{lmodern}}{}",
    r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}", r"\setlength{\parskip}{0.6ex}",
    r"\title{symgrad answer sheet}", r"\date{}", r"\begin{document}", r"\maketitle"]


def document(results_by_file: list[tuple[Model, list]]) -> str:
    """A complete article: a section per file, with the file's symbols and definitions,
    then each claim with its equation and verdict (and for a refutation: the diagnosis, the
    correct answer and the counterexample)."""
    parts = list(PREAMBLE)
    for model, results in results_by_file:
        parts += _section(model, results)
    parts.append(r"\end{document}")
    return "\n".join(p for p in parts if p) + "\n"


def _section(model: Model, results: list) -> list[str]:
    parts = [rf"\section{{{text(model.title or model.path)}}}",
             rf"\textit{{File:}} \texttt{{{text(model.path)}}}\par"]
    if model.source:
        parts.append(rf"\textit{{Source:}} {text(model.source)}\par")
    parts += [_symbols(model), _definitions(model)]
    claims = {c.name: c for c in model.claims}
    body = []
    for result in results:
        body += _claim(model, claims.get(result.claim), result)
    conventions = [said for mark, said in CONVENTIONS if any(mark in b for b in body)]
    if conventions:
        parts.append(r"\textit{Notation:} " + "; ".join(conventions) + r".\par")
    return parts + body


#: What a sheet says once, where its mathematics uses the notation.
CONVENTIONS = [
    (r"\star", r"$\star$ is cross-correlation, as in deep learning: $(x \star w)_i = \sum_a "
              r"x_{s i + a - p}\, w_a$ with stride $s$ and zero padding $p$ (subscripts of the "
              r"star, where they are not 1 and 0)"),
    (r"\operatorname{flip}", r"$\operatorname{flip}$ reverses every axis (a true convolution is "
                             r"a cross-correlation with the flipped kernel)"),
    (r"\operatorname{vec}", r"$\operatorname{vec}$ stacks the columns"),
    (r"\operatorname{maxpool}", r"$\operatorname{maxpool}_k$ takes the largest entry of each "
                                r"$k \times k$ block"),
]


SCALAR_WORDS = {"positive": "{} > 0", "nonzero": r"{} \ne 0", "probability": r"{} \in (0, 1)",
                "binary": r"{} \in \{{0, 1\}}", "sign": r"{} \in \{{-1, 1\}}"}
ARRAY_WORDS = {"positive": "with positive entries", "nonzero": "with nonzero entries",
               "onehot": "one-hot", "symmetric": "symmetric", "invertible": "invertible",
               "spd": "symmetric positive definite", "orthogonal": "orthogonal"}


def _symbols(model: Model) -> str:
    """The file's symbols with their shapes, in math and words: x ∈ ℝⁿ, B ∈ ℝⁿˣⁿ symmetric."""
    if not model.symbols:
        return ""
    p = Printer(model)
    items = [_declared(model, p, symbol) for symbol in model.symbols.values()]
    sizes = ", ".join(math_name(d) for d in model.dims)
    tail = f", for all sizes ${sizes} \\ge 1$" if sizes else ""
    return r"\textit{Symbols:} " + ", ".join(items) + tail + r".\par"


def _declared(model: Model, p: Printer, symbol: Symbol) -> str:
    name = p.leaf(symbol.name, len(symbol.shape))
    if symbol.is_function:
        return f"${name}$ a smooth function (applied elementwise)"
    sides = [dimension(model, d) for d in symbol.shape]
    if len(sides) > 1:  # (H - k + 1) × (W - k + 1)
        sides = [rf"\left({side}\right)" if any(c in side for c in "+- ") else side
                 for side in sides]
    power = r" \times ".join(sides)
    if symbol.random:
        moments = model.moments.get(symbol.name)
        mean, variance = (p(m) for m in moments) if moments else \
            (typeset(model, None, m) for m in symbol.random)
        law = rf"\mathcal{{N}}\left({mean}, {variance}\right)"
        if not symbol.shape:
            return rf"${name} \sim {law}$"
        return rf"${name} \in \mathbb{{R}}^{{{power}}}$ with independent entries ${{}} \sim {law}$"
    qualifiers = sorted(symbol.qualifiers)
    if not symbol.shape:
        said = [SCALAR_WORDS[q].format(name) for q in qualifiers if q in SCALAR_WORDS]
        return ", ".join(f"${s}$" for s in said) or rf"${name} \in \mathbb{{R}}$"
    space = r"(0, 1)" if "probability" in qualifiers else r"\{0, 1\}" if {
        "binary", "onehot"} & symbol.qualifiers else r"\{-1, 1\}" if "sign" in qualifiers \
        else r"\mathbb{R}"
    if "spd" in qualifiers:  # which says symmetric and invertible already
        qualifiers = [q for q in qualifiers if q not in ("symmetric", "invertible")]
    words = [ARRAY_WORDS[q] for q in qualifiers if q in ARRAY_WORDS]
    if "onehot" in qualifiers and len(symbol.shape) == 2:
        words = ["with one-hot rows" if w == "one-hot" else w for w in words]
    return rf"${name} \in {space}^{{{power}}}$" + "".join(f" {w}" for w in words)


def _definitions(model: Model) -> str:
    """The file's [define] table, in file order: one aligned display."""
    if not model.defines:
        return ""
    p = Printer(model)
    rows = [rf"{p.leaf(name, len(model.define_shapes.get(name, ())))} &= {p(node)}"
            for name, node in model.defines.items()]
    return (r"\textit{Definitions:}" + r"\begin{align*}" + r" \\ ".join(rows)
            + r"\end{align*}")


def _claim(model: Model, claim: Claim | None, result) -> list[str]:
    kind = rf" \textmd{{({text(result.kind)})}}" if result.kind else ""
    parts = [rf"\subsection*{{{text(result.claim)}{kind}}}"]
    if result.derived and result.ok:  # a question: its derived answer
        parts.append(r"\textit{Answer derived by symgrad:}"
                     + _display(without_verdict(result.latex)))
    elif claim is not None:
        parts.append(_display(claim_latex(model, claim, None)))
    parts.append(_verdict(model, claim, result) + r"\par")
    if result.diagnosis:
        parts.append(rf"\textit{{Diagnosis ({text(result.diagnosis['code'])}):}} "
                     + sentence(_diagnosis(model, claim, result.diagnosis)) + r"\par")
    correct = result.correct_latex
    if not correct and result.correct and claim is not None:
        correct = typeset(model, claim, result.correct)
    if correct:
        parts.append(r"\textit{Correct answer (derived by symgrad and checked):}"
                     + _display(correct))
    if result.counterexample:
        parts.append(_counterexample(model, claim, result))
    return parts


LONG = 240  # characters of LaTeX: a longer equation with a side condition takes two lines


def _display(equation: str) -> str:
    """An equation as a display; a long one's side condition (a backward pass's upstream
    G = ∂L/∂Y, a certificate) on a line of its own."""
    head, _, side = equation.rpartition(r", \qquad ")
    if head and len(equation) > LONG:
        return rf"\begin{{gather*}}{head} \\ \text{{where }} {side}\end{{gather*}}"
    return r"\begin{equation*}" + equation + r"\end{equation*}"


def _verdict(model: Model, claim: Claim | None, result) -> str:
    """The verdict in bold, where it holds (a refutation: the counterexample's sizes), and
    the reason as prose with any expression in it typeset."""
    line = rf"\textbf{{{text(result.verdict).capitalize()}}}"
    if result.verdict == "refuted":
        sizes = (result.counterexample or {}).get("sizes") or {}
        if sizes:
            line += " at $" + r",\ ".join(f"{math_name(d)} = {s}" for d, s in sizes.items()) + "$"
    elif result.ok and result.scope:
        line += (" for " if result.scope.startswith("every") else " at ") + prose(
            result.scope)
    reason, maths = result.reason, {}
    if result.derived:
        reason = DERIVED_PREFIX.sub("", reason, count=1)
    found = DERIVED_BUT.search(reason)
    if found and claim is not None:
        maths[found.group(1)] = typeset(model, claim, found.group(1))
    if not reason:
        return line + "."
    return line + (". " if result.ok else ": ") + sentence(prose(reason, maths), result.ok)


def _diagnosis(model: Model, claim: Claim | None, diagnosis: dict) -> str:
    """A diagnosis as text: its own LaTeX when it has one; else its parts, each expression
    typeset; else its message."""
    if diagnosis.get("latex"):
        return diagnosis["latex"]
    if diagnosis.get("parts"):
        return phrase(model, claim, diagnosis["parts"])
    return prose(diagnosis["message"])


LINE_WIDTH = 44  # characters of inputs on one line of a counterexample (about)
SHEET_ENTRIES = 64  # entries of an array typeset in full, at most (more: the first few)
BRIEF = ("expected", "got", "matrix", "eigenvector")  # (the inputs, one by one, below)


def _counterexample(model: Model, claim: Claim | None, result) -> str:
    """One aligned display: the inputs, several to a line where they fit, then the true
    value and the answer's (and a PSD claim's matrix and eigenvector)."""
    cex = {key: brief(value, SHEET_ENTRIES) if key in BRIEF else value
           for key, value in result.counterexample.items()}
    p = Printer(model, claim) if claim is not None else Printer(model)
    entries = []
    for name, value in cex.get("inputs", {}).items():
        value = brief(value, SHEET_ENTRIES)
        symbol = p.symbols.get(name)
        ndim = len(symbol.shape) if symbol else _depth(value)
        entries.append((f"{p.leaf(name, ndim)} = {_value(value)}", len(name) + _width(value)))
    for name, source in cex.get("functions", {}).items():
        entries.append((rf"{math_name(name)}(u) = {typeset(model, None, source)}", len(source)))
    for key, label in (("matrix", r"\text{the matrix}"), ("eigenvector", r"\mathbf{u}")):
        if key in cex:
            entries.append((f"{label} = {_value(cex[key])}", 8 + _width(cex[key])))
    lines, width = [[]], 0
    for latex, size in entries:
        if lines[-1] and width + size > LINE_WIDTH:
            lines.append([])
            width = 0
        lines[-1].append(latex)
        width += size + 4
    rows = [(r"\text{at}" if i == 0 else "") + r" \quad & " + r", \quad ".join(line)
            for i, line in enumerate(lines) if line]
    expected, got = (_outcome(result.kind, cex.get(k)) for k in ("expected", "got"))
    said = ("expected", "got") if result.kind == "psd" else ("true value", "the answer gives")
    if sum(_width(cex.get(k), result.kind) for k in ("expected", "got")) + 24 > LINE_WIDTH:
        rows += [rf"\text{{{said[0]}}} \quad & {{{expected}}}",
                 rf"\text{{{said[1]}}} \quad & {{{got}}}"]
    else:
        rows.append(rf"\text{{{said[0]}}} \quad & {{{expected}}}, \qquad "
                    rf"\text{{{said[1]}}} \quad {{{got}}}")
    return (r"\textit{Counterexample:}\begin{align*}" + r" \\* ".join(rows)  # \\*: one page
            + r"\end{align*}")


def _outcome(kind: str, value) -> str:
    if kind == "convergence" and isinstance(value, list) and len(value) == 2:
        return rf"\text{{order }} {_value(value[0])},\ \text{{constant }} {_value(value[1])}"
    return _value(value)


def _depth(value) -> int:
    if isinstance(value, dict):  # (an array at a layer's real size: shape and first entries)
        return len(value["shape"])
    return 1 + _depth(value[0]) if isinstance(value, list) and value else 0


def _width(value, kind: str = "") -> int:
    """About how many characters wide a value prints (a bmatrix: its widest row)."""
    if kind == "convergence" and isinstance(value, list):  # order 2, constant 0.5
        return sum(len(str(x)) for x in value) + 16
    if isinstance(value, dict):
        return _width(value["first"]) + 24
    if not isinstance(value, list):
        return len(str(value))
    if not value:
        return 2
    rows = value if value and isinstance(value[0], list) else [[x] for x in value]
    return sum(max(len(str(row[i])) for row in rows) + 2 for i in range(len(rows[0]))) + 2


def _value(value) -> str:
    if isinstance(value, dict):  # (an array at a layer's real size: its first entries)
        shape = r" \times ".join(str(d) for d in value["shape"])
        first = ", ".join(_value(x) for x in value["first"])
        return rf"\text{{an array of }} {shape}\text{{: }} ({first}, \ldots)"
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            body = r" \\ ".join(" & ".join(_value(x) for x in row) for row in value)
        else:
            body = r" \\ ".join(_value(x) for x in value)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
    return _number(value)


def _number(value) -> str:
    shown = repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        shown = str(int(value))
    found = re.fullmatch(r"(-?)(\d+)/(\d+)", shown)
    if found:
        return rf"{found[1]}\frac{{{found[2]}}}{{{found[3]}}}"
    found = re.fullmatch(r"(-?[\d.]+)e([+-]?\d+)", shown)
    if found:
        return rf"{found[1]} \times 10^{{{int(found[2])}}}"
    if re.fullmatch(r"-?[\d.]+", shown):
        return shown
    return rf"\text{{{text(shown)}}}"
