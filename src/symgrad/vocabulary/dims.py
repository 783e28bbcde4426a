"""Dimensions: a name (``n``), a whole number, or arithmetic of them.

A convolution's output has n - k + 1 entries, a Kronecker product n·p rows,
a pooled image H/k rows, a strided convolution ⌊(n + 2p - k)/s⌋ + 1.  Such a
dimension is an :class:`Expr` over positive integer SymPy symbols (built from
parsed trees, never from text), so that equal dimensions compare equal
whatever way they were written.  A plain name stays a ``str`` and a number an
``int``: most shapes never meet arithmetic.  A claim's sizes are chosen so
that each of its dimension expressions is a whole number >= 1 (:func:`admissible`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from ..errors import ShapeMismatch


@cache
def sympy():
    import sympy as sp

    return sp


@dataclass(frozen=True)
class Expr:
    """A dimension computed from others, e.g. n - k + 1."""

    sym: object  # a SymPy expression in positive integer symbols

    def __str__(self) -> str:
        return text(self.sym)

    @cached_property
    def names(self) -> list[str]:
        return sorted(s.name for s in self.sym.free_symbols)


Dim = str | int | Expr


@cache
def symbol(name: str):
    return sympy().Symbol(name, integer=True, positive=True)


def as_sympy(d: Dim):
    if isinstance(d, Expr):
        return d.sym
    return symbol(d) if isinstance(d, str) else sympy().Integer(d)


def make(expr) -> Dim:
    """The simplest form of a SymPy dimension: a name, a number or an Expr."""
    sp = sympy()
    if isinstance(expr, sp.Symbol):
        return expr.name
    if isinstance(expr, sp.Integer):
        return int(expr)
    return Expr(expr)


def names(d: Dim) -> list[str]:
    if isinstance(d, Expr):
        return d.names
    return [d] if isinstance(d, str) else []


def combine(op: str, a: Dim, b: Dim) -> Dim:
    """a op b for op in + - * / // (exact division / must come out whole at the sizes)."""
    sp = sympy()
    x, y = as_sympy(a), as_sympy(b)
    if op in ("/", "//") and y == 0:
        raise ShapeMismatch("a dimension divided by zero")
    result = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
              "/": lambda: x / y, "//": lambda: sp.floor(x / y)}[op]()
    return make(result)


def evaluate(d: Dim, sizes: dict[str, int]):
    """The dimension expression at concrete sizes: a SymPy number (maybe 0 or a fraction)."""
    if isinstance(d, int | str):
        return sympy().Integer(d if isinstance(d, int) else sizes[d])
    return _at(d, tuple(sizes[n] for n in d.names))


@lru_cache(maxsize=4096)
def _at(d: Expr, values: tuple[int, ...]):
    """(An index sum over n - k + 1 asks for it at every step: once per sizes.)"""
    return d.sym.subs({symbol(n): v for n, v in zip(d.names, values, strict=True)})


def value(d: Dim, sizes: dict[str, int]) -> int:
    """The dimension at concrete sizes; ShapeMismatch if it is not a whole number >= 1."""
    if isinstance(d, int):
        return d
    if isinstance(d, str):
        return sizes[d]
    whole = _whole(d, tuple(sizes[n] for n in d.names))
    if whole is None:
        raise ShapeMismatch(f"the dimension {d} is {evaluate(d, sizes)} at "
                            f"{', '.join(f'{n}={sizes[n]}' for n in d.names)}, not a whole "
                            "number >= 1")
    return whole


@lru_cache(maxsize=4096)
def _whole(d: Expr, values: tuple[int, ...]) -> int | None:
    """The dimension at these sizes if it is a whole number >= 1 (an index sum asks at
    every step)."""
    result = _at(d, values)
    return int(result) if result.is_Integer and result >= 1 else None


def entries(shape, sizes: dict[str, int]) -> int:
    """How many entries an array of this shape has at these sizes (a dimension that has no
    value there counts as 1: the count is a lower bound, for limits checked before work)."""
    count = 1
    for d in shape:
        try:
            count *= value(d, sizes)
        except (ShapeMismatch, KeyError):
            continue
    return count


def admissible(constraints, sizes: dict[str, int]) -> bool:
    """Whether every dimension expression is a whole number >= 1 at these sizes."""
    for d in constraints:
        try:
            value(d, sizes)
        except ShapeMismatch:
            return False
    return True


def always(d: Dim, low: int) -> bool:
    """Whether d >= low at every admissible size (as far as SymPy can tell)."""
    return bool((as_sympy(d) - low).is_nonnegative)


def text(expr) -> str:
    """A dimension as a claim file writes it: n - k + 1, n*m, (n - k)//2 + 1, H/k."""
    sp = sympy()
    if isinstance(expr, sp.Add):
        terms = sorted(sp.Add.make_args(expr), key=_term_order)
        out = _atom_text(terms[0])
        for term in terms[1:]:
            negative = term.could_extract_minus_sign()
            out += f" - {_atom_text(-term)}" if negative else f" + {_atom_text(term)}"
        return out
    return _atom_text(expr)


def _term_order(term):
    sp = sympy()
    return (term.is_number, term.could_extract_minus_sign(), sp.default_sort_key(term))


def _atom_text(expr) -> str:
    sp = sympy()
    if isinstance(expr, sp.floor):
        numerator, denominator = sp.fraction(sp.together(expr.args[0]))
        return f"{_wrapped(numerator)}//{_wrapped(denominator)}"
    if isinstance(expr, sp.Mul):
        numerator, denominator = sp.fraction(expr)
        if denominator != 1:
            return f"{_wrapped(numerator)}/{_wrapped(denominator)}"
        factors = sp.Mul.make_args(expr)
        if factors[0] == -1:
            return "-" + "*".join(_wrapped(f) for f in factors[1:])
        return "*".join(_wrapped(f) for f in factors)
    if isinstance(expr, sp.Pow):
        return f"{_wrapped(expr.base)}**{expr.exp}"
    return str(expr)


def _wrapped(expr) -> str:
    shown = text(expr)
    return f"({shown})" if isinstance(expr, sympy().Add) else shown


def of_node(node) -> Dim:
    """The dimension a resolved tree of ``dim`` and ``num`` leaves under + - * / // denotes
    (known once per node, kept on it: an evaluation asks at every walk)."""
    known = node.__dict__.get("_dim")
    if known is None:
        known = node.__dict__["_dim"] = _of_node(node)
    return known


def _of_node(node) -> Dim:
    if node.op == "num":
        return int(node.name)
    if node.op == "dim":
        return node.name
    if node.op == "neg":
        return combine("-", 0, of_node(node.args[0]))
    symbol_of = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floordiv": "//"}
    if node.op in symbol_of and len(node.args) == 2:
        return combine(symbol_of[node.op], of_node(node.args[0]), of_node(node.args[1]))
    raise ShapeMismatch("a dimension is a name, a whole number, or + - * / // of them")
