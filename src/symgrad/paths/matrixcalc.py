"""A proof for every size, where SymPy's matrix calculus reaches.

The explicit-entry proof in :mod:`symgrad.paths.symbolic` holds at the sizes it
used.  When a claim is built only from matrix products, sums, transposes,
scalars, traces and identities, it can also be stated with SymPy's
``MatrixSymbol`` (dimensions left as symbols): if answer - derivative then
simplifies to the zero matrix, the claim holds at every size.

SymPy's matrix derivatives are known to return silent wrong zeros (e.g. for a
sum of two traces), so this is never used alone: it only widens the scope of a
claim the explicit path has already proved, and a wrong zero can only make
answer - derivative nonzero for a correct answer (no proof), never prove a
wrong one — a wrong answer is refuted by the explicit and numeric paths first.
Vectors are columns; a numpy scalar ``v @ w`` is a 1x1 matrix.  Anything else
raises :class:`Unsupported` and the scope stays at the explicit sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..language.model import Claim, Model
from ..vocabulary.ops import sympy


class Unsupported(Exception):
    """The claim uses something SymPy's matrix calculus cannot state or differentiate."""


@dataclass(frozen=True)
class Term:
    expr: object
    ndim: int  # 0 scalar (a SymPy scalar, or a 1x1 matrix when `one`), 1 vector (column), 2
    one: bool = False  # a 1x1 matrix standing for a scalar


def proves_all_sizes(model: Model, claim: Claim) -> bool:
    """True if answer == truth is shown with dimension symbols (every size)."""
    if claim.indices or claim.kind == "jacobian":
        return False
    try:
        translate = _Translator(model, claim)
        answer = translate(claim.exprs[claim.answer_field])
        if claim.kind == "equal":
            truth = translate(claim.exprs["lhs"])
        else:
            truth = _derivative(translate, claim)
        return _is_zero(_difference(answer, truth))
    except (Unsupported, TypeError, ValueError, AttributeError, NotImplementedError,
            sympy().ShapeError):
        return False


def _derivative(translate, claim: Claim) -> Term:
    sp = sympy()
    of = translate(claim.exprs["of"])
    wrt = translate.symbol(claim.wrt)
    if claim.kind == "backprop":
        upstream = translate.symbol(claim.upstream.name, claim.upstream.shape)
        if of.ndim == 2:
            scalar = sp.Trace(upstream.expr.T * of.expr)
        elif of.ndim == 1:
            scalar = upstream.expr.T * of.expr
        else:
            raise Unsupported("a scalar output")
    else:
        scalar = of.expr
    if wrt.ndim == 0:
        raise Unsupported("a scalar wrt")
    return Term(scalar.diff(wrt.expr), wrt.ndim)


def _difference(a: Term, b: Term):
    if a.ndim != b.ndim:
        raise Unsupported("shapes")
    return a.expr - b.expr


def _is_zero(expr) -> bool:
    sp = sympy()
    for attempt in (lambda e: e.doit(), lambda e: e.expand().doit(),
                    lambda e: sp.simplify(e.expand().doit())):
        result = attempt(expr)
        if result == 0 or getattr(result, "is_ZeroMatrix", False):
            return True
    return False


class _Translator:
    def __init__(self, model: Model, claim: Claim):
        self.model, self.claim = model, claim
        self.sp = sympy()
        self.cache: dict[str, Term] = {}

    def dim(self, d):
        return self.sp.Integer(d) if isinstance(d, int) else self.sp.Symbol(
            d, integer=True, positive=True)

    def symbol(self, name: str, shape=None) -> Term:
        sp = self.sp
        symbol = self.model.symbols.get(name)
        shape = symbol.shape if shape is None else shape
        if symbol is not None and (symbol.is_function or symbol.qualifiers & {
                "symmetric", "onehot", "binary", "sign"}):
            raise Unsupported(name)
        if not shape:
            return Term(sp.Symbol(name, real=True), 0)
        rows = self.dim(shape[0])
        cols = self.dim(shape[1]) if len(shape) == 2 else sp.Integer(1)
        return Term(sp.MatrixSymbol(name, rows, cols), len(shape))

    def __call__(self, node) -> Term:
        sp = self.sp
        op = node.op
        if op == "num":
            return Term(sp.Rational(node.name), 0)
        if op == "pi":
            return Term(sp.pi, 0)
        if op == "dim":
            return Term(self.dim(node.name), 0)
        if op == "symbol":
            upstream = self.claim.upstream
            if upstream and node.name == upstream.name:
                return self.symbol(node.name, upstream.shape)
            return self.symbol(node.name)
        if op == "define":
            if node.name not in self.cache:
                self.cache[node.name] = self(self.model.defines[node.name])
            return self.cache[node.name]
        rule = getattr(self, "op_" + op, None)
        if rule is None:
            raise Unsupported(op)
        if op in ("eye", "sum"):
            return rule(node)
        return rule(*[self(a) for a in node.args])

    # --- one rule per supported operation -------------------------------------------------
    def op_add(self, a, b):
        if a.ndim == 1 and b.ndim == 2:
            a, b = b, a
        if a.ndim == 2 and b.ndim == 1:  # a vector added to every row
            rows = a.expr.shape[0]
            return Term(a.expr + self.sp.OneMatrix(rows, 1) * b.expr.T, 2)
        if a.ndim != b.ndim or a.one != b.one:
            raise Unsupported("broadcasting")
        return Term(a.expr + b.expr, a.ndim, a.one)

    def op_sub(self, a, b):
        return self.op_add(a, self.op_neg(b))

    def op_neg(self, a):
        return Term(-a.expr, a.ndim, a.one)

    def op_mul(self, a, b):
        if a.ndim == 0 and not a.one:
            return Term(a.expr * b.expr, b.ndim, b.one)
        if b.ndim == 0 and not b.one:
            return Term(b.expr * a.expr, a.ndim, a.one)
        if a.one and b.one:
            return Term(a.expr * b.expr, 0, True)
        raise Unsupported("elementwise product of arrays")

    def op_div(self, a, b):
        if b.ndim != 0 or b.one:
            raise Unsupported("elementwise division")
        return Term(a.expr * (1 / b.expr), a.ndim, a.one)

    def op_matmul(self, a, b):
        if a.ndim == 2 and b.ndim == 2:
            return Term(a.expr * b.expr, 2)
        if a.ndim == 2 and b.ndim == 1:
            return Term(a.expr * b.expr, 1)
        if a.ndim == 1 and b.ndim == 2:
            return Term(b.expr.T * a.expr, 1)
        if a.ndim == 1 and b.ndim == 1:
            return Term(a.expr.T * b.expr, 0, True)
        raise Unsupported("@ with a scalar")

    def op_transpose(self, a):
        return Term(a.expr.T, 2) if a.ndim == 2 else a

    def op_tr(self, a):
        return Term(self.sp.Trace(a.expr), 0)

    def op_sum(self, node):
        sp = self.sp
        if len(node.args) != 1:
            raise Unsupported("an index sum")
        a = self(node.args[0])
        axis = node.kwarg("axis")
        if a.ndim == 0:
            raise Unsupported("the sum of a scalar")
        rows, cols = a.expr.shape
        if axis is None:
            return Term(sp.OneMatrix(1, rows) * a.expr * sp.OneMatrix(cols, 1), 0, True)
        if axis.name == "0":
            return Term(a.expr.T * sp.OneMatrix(rows, 1), 1)
        return Term(a.expr * sp.OneMatrix(cols, 1), 1)

    def op_eye(self, node):
        return Term(self.sp.Identity(self.dim(_dimension(node.args[0]))), 2)


def _dimension(node):
    return int(node.name) if node.op == "num" else node.name
