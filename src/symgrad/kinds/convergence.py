"""Convergence claims: (x_next - root) / (x - root)^order -> constant as x -> root.

Symbolic path.  With x = root + e, every declared function F is replaced by
its Taylor polynomial around the root, whose coefficients F_k = F^(k)(root)
are new symbols (the `given` equations fix some of them); the error
x_next - root is expanded in e (the power series of a fraction of two polynomials in e,
or SymPy's series where it is not such a fraction).  Its coefficients below e^order must
vanish identically, the coefficient of e^order is the limit: it must equal the claimed
constant (or, with no constant, not vanish identically).

Numeric path.  numpy's seeded generator draws concrete functions — polynomials with the
derivatives at the root drawn (and those the `given` equations fix set) —
and values of the other symbols (hypothesis draws them alike, searching again to make a
failing point small); the iteration runs from near the root with
80-digit arithmetic.  The order is estimated from three successive errors,
log(e2/e1) / log(e1/e0), and the constant from e_{n+1} / e_n^order; a
mismatch is confirmed exactly from the expansion at the same function.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..engine.evaluate import Evaluator
from ..engine.exact import Symbolic
from ..language.model import Claim, Model
from ..paths import zero
from ..paths.fraction import power_series
from ..paths.numeric import Comparison, Point
from ..paths.points import entry_strategies, random_values
from ..paths.symbolic import SymbolicOutcome
from ..vocabulary.ops import sympy
from .iteration import DEGREE, Polynomial, iterate

EXAMPLES = 8  # random points (each a high-precision iteration)


class Diverges(Exception):
    pass


# --- the expansion ------------------------------------------------------------------

class Expansion:
    """The claim with x = root + e, functions as Taylor polynomials: the error's
    coefficients c_0 .. c_order, the claimed constant, and the `given` substitutions."""

    def __init__(self, model: Model, claim: Claim):
        sp = self.sp = sympy()
        self.model, self.claim = model, claim
        self.order = claim.fields["order"]
        self.e = sp.Symbol("e", positive=True)
        self.backend = Symbolic()
        self.root = sp.Symbol(claim.fields["root"], real=True)
        values = {}
        for name in claim.uses:
            symbol = model.symbols[name]
            if symbol.is_function:
                continue
            positive = bool(symbol.qualifiers & {"positive", "probability"})
            values[name] = self.backend.asarray(sp.Symbol(name, real=True,
                                                          **({"positive": True} if positive
                                                             else {})))
        values[claim.fields["root"]] = self.backend.asarray(self.root)
        self.symbols = {name: v[()] for name, v in values.items()}
        values[claim.fields["variable"]] = self.backend.asarray(self.root + self.e)
        self.functions = [n for n in claim.uses if model.symbols[n].is_function]
        self.taylor = {f: [sp.Symbol(f"{f}_{k}", real=True) for k in range(DEGREE + 1)]
                       for f in self.functions}
        ev = Evaluator(model, self.backend, {}, values)
        self.given = self._solve_given(ev)
        error = self._expand(ev.value(claim.exprs["iteration"])[()]) - self.root
        error = error.xreplace(self.given)
        self.coefficients = power_series(error, self.e, self.order)
        if self.coefficients is None:  # not rational in e (exp, sqrt, ...): SymPy's series
            series = sp.expand(sp.series(error, self.e, 0, self.order + 1).removeO())
            self.coefficients = [sp.together(series.coeff(self.e, j))
                                 for j in range(self.order + 1)]
        constant = claim.exprs.get("constant")
        self.constant = None if constant is None else \
            self._expand(ev.value(constant)[()]).xreplace(self.given)

    def _expand(self, expr):
        """Replace every declared function (and its derivatives) by its Taylor polynomial."""
        sp = self.sp
        for name in self.functions:
            coefficients = self.taylor[name]
            for k, cls in enumerate(self.backend.family(name)):
                y = sp.Dummy("y")
                polynomial = sp.Add(*[coefficients[k + j] * (y - self.root) ** j /
                                      sp.factorial(j) for j in range(DEGREE + 1 - k)])
                expr = expr.replace(cls, sp.Lambda(y, polynomial))
        return expr

    def _solve_given(self, ev) -> dict:
        sp = self.sp
        solution = {}
        unknowns = [s for f in self.functions for s in self.taylor[f]]
        for lhs, rhs in self.claim.given:
            equation = (self._expand(ev.value(lhs)[()]) - self._expand(ev.value(rhs)[()]))
            equation = sp.expand(equation.xreplace(solution).xreplace({self.e: 0}))
            targets = [s for s in unknowns if equation.has(s) and s not in solution]
            if not targets:
                continue
            solved = sp.solve(equation, targets[0], dict=True)
            if len(solved) == 1:
                solution = {k: v.xreplace({targets[0]: solved[0][targets[0]]})
                            for k, v in solution.items()}
                solution[targets[0]] = solved[0][targets[0]]
        return solution

    def at(self, point: Point) -> dict:
        """Exact numbers for the Taylor symbols and the other symbols at a numeric point."""
        sp = self.sp
        values = {self.symbols[n]: sp.Rational(Fraction(float(np.real(v))))
                  for n, v in point.values.items() if n in self.symbols}
        for name in self.functions:
            poly = point.functions[name]
            for k, symbol in enumerate(self.taylor[name]):
                a = poly.coefficients[k] if k < len(poly.coefficients) else 0.0
                values[symbol] = sp.Rational(Fraction(a))
        return values


def prove(model: Model, claim: Claim, rng) -> SymbolicOutcome:
    expansion = _expansion(model, claim)
    scope = "every smooth function" + (" satisfying the given equations" if claim.given else "")
    for j, coefficient in enumerate(expansion.coefficients[:-1]):
        if not zero.is_zero(coefficient):
            return SymbolicOutcome("disproved", scope, f"x_next - root has the term "
                                   f"({coefficient})*e^{j}: the order is {j}, not "
                                   f"{expansion.order}", point=None)
    leading = expansion.coefficients[-1]
    if expansion.constant is None:
        if zero.is_zero(leading):
            return SymbolicOutcome("disproved", scope, "the coefficient of e^order vanishes: "
                                   "the order is higher", point=None)
        return SymbolicOutcome("proved", scope, f"the limit is {leading}")
    if zero.is_zero(leading - expansion.constant):
        return SymbolicOutcome("proved", scope, f"the limit is {leading}")
    return SymbolicOutcome("disproved", scope, f"the limit is {leading}, not the constant",
                           point=None)


# --- the numeric path: iterate concrete functions ----------------------------------------------

def strategy(model: Model, claim: Claim, sizes=None):
    """Concrete functions (drawn Taylor coefficients at the root, the given ones set) and
    values of the other scalars."""
    from hypothesis import strategies as st

    entries = entry_strategies()
    expansion = _expansion(model, claim)
    scalars = _scalars(model, claim)

    @st.composite
    def points(draw):
        values = {name: np.asarray(draw(entries[kind]), dtype=complex)
                  for name, kind in scalars}
        functions = {}
        for name in expansion.functions:
            drawn = [draw(entries["nonzero"]) for _ in range(DEGREE + 1)]
            functions[name] = Polynomial(float(np.real(values[claim.fields["root"]])),
                                         tuple(drawn))
        point = Point({}, values, functions)
        return _impose_given(expansion, point)

    return points()


def drawn(model: Model, claim: Claim, seed: int, count: int):
    """``count`` points as :func:`strategy` draws them, from numpy's seeded generator
    (hypothesis is only needed to make a failing point small)."""
    generator = np.random.default_rng(seed)
    expansion = _expansion(model, claim)
    scalars = _scalars(model, claim)
    for _ in range(count):
        values = {name: np.asarray(random_values(kind, 1, generator)[0], dtype=complex)
                  for name, kind in scalars}
        centre = float(np.real(values[claim.fields["root"]]))
        functions = {name: Polynomial(centre, tuple(float(a) for a in
                                                    random_values("nonzero", DEGREE + 1,
                                                                  generator)))
                     for name in expansion.functions}
        yield _impose_given(expansion, Point({}, values, functions))


def _scalars(model: Model, claim: Claim) -> list[tuple[str, str]]:
    """(name, kind of entry) of the scalars a point gives values (the root among them)."""
    names = dict.fromkeys([*claim.uses, claim.fields["root"]])
    return [(name, "positive" if model.symbols[name].qualifiers & {"positive", "probability"}
             else "plain") for name in names
            if not model.symbols[name].is_function and name != claim.fields["variable"]]


def _impose_given(expansion: Expansion, point: Point) -> Point:
    """Set the Taylor coefficients the given equations fix (from the others)."""
    exact = expansion.at(point)
    functions = dict(point.functions)
    for name in expansion.functions:
        coefficients = list(functions[name].coefficients)
        for k, symbol in enumerate(expansion.taylor[name]):
            if symbol in expansion.given:
                coefficients[k] = float(expansion.given[symbol].xreplace(exact))
        functions[name] = Polynomial(functions[name].center, tuple(coefficients))
    return Point(point.sizes, point.values, functions)


def fixed(model: Model, claim: Claim, rng) -> list[Point]:
    return []


_last: list = []  # (model, claim, expansion) of the claim decided last


def _expansion(model: Model, claim: Claim) -> Expansion:
    """The claim's expansion, made once per claim (the numeric path asks for it often)."""
    if not _last or _last[0] is not model or _last[1] is not claim:
        _last[:] = [model, claim, Expansion(model, claim)]
    return _last[2]


def judge(model: Model, claim: Claim, point: Point) -> Comparison:
    from ..engine.backends import Invalid

    order = claim.fields["order"]
    errors = [e for e in iterate(model, claim, point) if e != 0]
    usable = [e for e in errors if abs(e) > 1e-35]
    if len(usable) < 3:
        raise Invalid("the iteration converged too fast (or exactly) to measure its order")
    e0, e1, e2 = (float(abs(e)) for e in usable[-3:])
    if not e2 < e1 < e0:
        raise Invalid("the iteration does not converge steadily from the start point")
    estimated_order = math.log(e2 / e1) / math.log(e1 / e0)
    smallest = usable[-2]
    following = errors[errors.index(smallest) + 1] if errors.index(smallest) + 1 < len(
        errors) else usable[-1]
    measured = order if abs(estimated_order - order) <= 0.25 else max(1, round(estimated_order))
    estimated_constant = float(following / smallest ** measured)
    expected = [estimated_order, estimated_constant]
    got = [float(order), _claimed_constant(model, claim, point, estimated_constant)]
    differs = []
    if abs(estimated_order - order) > 0.25:
        differs.append((0,))
    elif "constant" in claim.fields and abs(got[1] - estimated_constant) > \
            1e-3 * max(1.0, abs(estimated_constant)):
        differs.append((1,))
    return Comparison(np.array(expected), np.array(got), differs,
                      message="the iteration converges with order "
                              f"{estimated_order:.3g} and constant {estimated_constant:.6g}, "
                              f"not order {order}" + (f" and constant {got[1]:.6g}"
                                                     if "constant" in claim.fields else ""))


def _claimed_constant(model, claim, point, default):
    expansion = _expansion(model, claim)
    if expansion.constant is None:
        return default
    return float(expansion.constant.xreplace(expansion.at(point)).evalf(30))


def confirm(model: Model, claim: Claim, point: Point) -> bool:
    """From the exact expansion at the same function: is the order or the constant off?"""
    expansion = _expansion(model, claim)
    exact = expansion.at(point)
    values = [c.xreplace(exact).evalf(30) for c in expansion.coefficients]
    if any(abs(v) > 1e-20 for v in values[:-1]):
        return True
    if expansion.constant is None:
        return abs(values[-1]) < 1e-20
    return abs(values[-1] - expansion.constant.xreplace(exact).evalf(30)) > 1e-20


def failure(comparison: Comparison) -> str:
    return comparison.message
