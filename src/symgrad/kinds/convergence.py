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
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..engine.backends import Symbolic
from ..engine.evaluate import Evaluator
from ..language.model import Claim, Model
from ..paths import zero
from ..paths.fraction import rational_over
from ..paths.numeric import Comparison, Point
from ..paths.points import entry_strategies, random_values
from ..paths.symbolic import SymbolicOutcome
from ..vocabulary.ops import sympy

DIGITS = 80
START = Fraction(1, 20)  # the first iterate is root + START
MAX_STEPS = 400
DEGREE = 6  # Taylor coefficients F_0 .. F_DEGREE of each function
EXAMPLES = 8  # hypothesis examples (each a high-precision iteration)


class Diverges(Exception):
    pass


@dataclass(frozen=True)
class Polynomial:
    """A concrete function for the numeric path: sum_k a_k (u - center)^k / k!."""

    center: float
    coefficients: tuple[float, ...]

    def symbolic(self, u, order: int = 0):
        """The polynomial (or its derivative of ``order``: the coefficients shifted down)."""
        sp = sympy()
        shifted = self.coefficients[order:]
        return sp.Add(*[sp.Rational(Fraction(a)) * (u - sp.Rational(Fraction(self.center))) ** k
                        / sp.factorial(k) for k, a in enumerate(shifted)])

    def describe(self, variable: str = "u") -> str:
        center = _number(self.center)
        shifted = variable if self.center == 0 else f"({variable} - {center})"
        terms = [_number(a) if k == 0 else f"{_number(a)}*{shifted}" if k == 1 else
                 f"{_number(a)}*{shifted}**{k}/{math.factorial(k)}"
                 for k, a in enumerate(self.coefficients) if a]
        return " + ".join(terms) or "0"


def _number(x):
    return str(int(x)) if float(x).is_integer() else repr(float(x))


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
        self.coefficients = _power_series(error, self.e, self.order)
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


def _power_series(error, e, order: int) -> list | None:
    """The coefficients c_0 .. c_order of error's power series in e, where error is a
    rational function N(e)/D(e) of its symbols (the functions' Taylor polynomials make it
    one): with N = e^a N', D = e^b D' (N'(0), D'(0) not identically 0), the series is
    e^(a-b) N'/D', and N'/D''s coefficients follow from q_k d_0 = n_k - Σ_{j≥1} d_j q_(k-j),
    exactly, in the field of fractions of the other symbols.  None where error is not
    such a fraction, or has negative powers of e (SymPy's series decides those)."""
    made = rational_over(error, e)
    if made is None:
        return None
    ring, above, below = made
    field = ring.to_field()

    def by_power(polynomial) -> dict:  # {k: the coefficient of e^k}
        parts: dict = {}
        for monomial, c in polynomial.terms():
            parts[monomial[0]] = parts.get(monomial[0], ring.zero) + \
                ring({(0, *monomial[1:]): c})
        return parts

    n, d = by_power(above), by_power(below)
    sp = sympy()
    if not n:
        return [sp.Integer(0)] * (order + 1)
    shift = min(n) - min(d)
    if shift < 0:
        return None
    q: list = []
    for k in range(order + 1 - shift):
        rest = field(n.get(min(n) + k, ring.zero))
        for j in range(1, k + 1):
            rest -= field(d.get(min(d) + j, ring.zero)) * q[k - j]
        q.append(rest / field(d[min(d)]))
    coefficients = [field.zero] * shift + q
    return [sp.together(c.as_expr()) for c in coefficients[:order + 1]]


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


class Iteration:
    """The iteration's step x -> x_next as one SymPy expression in x, built once per claim
    from the claim's own tree (not from the expansion): each declared function and its
    derivatives a polynomial Σ_k a_k (u - c)^k / k! in coefficient and centre symbols,
    each other scalar a symbol.  A point's step is this with the point's numbers put in,
    which is what evaluating the tree at that point would give, without evaluating it."""

    def __init__(self, model: Model, claim: Claim):
        sp = sympy()
        backend = Symbolic()
        self.x = sp.Dummy("x", real=True)  # (dummies: no clash with the claim's names)
        variable = claim.fields["variable"]
        self.scalars = {name: sp.Dummy(name, real=True) for name in claim.uses
                        if not model.symbols[name].is_function and name != variable}
        values = {name: backend.asarray(symbol) for name, symbol in self.scalars.items()}
        values[variable] = backend.asarray(self.x)
        step = Evaluator(model, backend, {}, values).value(claim.exprs["iteration"])[()]
        declared = [n for n in dict.fromkeys(claim.uses) if model.symbols[n].is_function]
        classes = [cls for name in declared for cls in backend.family(name)]
        # a function of a function (Steffensen's f(x + f(x))): with its coefficients as
        # symbols, the step's polynomials have thousands of terms; each point builds its own
        self.composed = bool(classes) and any(a.args[0].has(*classes)
                                              for a in step.atoms(*classes))
        self.functions = {}  # name -> (centre, coefficients)
        for name in declared:
            centre = sp.Dummy(f"{name}_centre", real=True)
            a = [sp.Dummy(f"{name}_{k}", real=True) for k in range(DEGREE + 1)]
            u = sp.Dummy("u")
            for k, cls in enumerate(backend.family(name)):
                polynomial = sp.Add(*[a[k + j] * (u - centre) ** j / sp.factorial(j)
                                      for j in range(DEGREE + 1 - k)])
                step = step.replace(cls, sp.Lambda(u, polynomial))
            self.functions[name] = (centre, a)
        self.step = step
        # (None: not rational in x, as with exp or sqrt, or composed)
        self.fraction = None if self.composed else rational_over(step, self.x)

    def stepper(self, point: Point):
        """x -> x_next at a point, on mpmath numbers: the step's numerator and denominator
        with the point's numbers put in (polynomials in x, evaluated by Horner's rule);
        None for a function of more coefficients than the symbols have."""
        numbers = self._numbers(point)
        if numbers is None or self.composed:
            return None
        if self.fraction is None or not set(self.fraction[0].symbols[1:]) <= set(numbers):
            return _stepper(self.step.xreplace(numbers), self.x)
        ring, above, below = self.fraction
        at = [(gen, ring.domain.convert(Fraction(int(numbers[symbol].p),
                                                 int(numbers[symbol].q))))
              for gen, symbol in zip(ring.gens[1:], ring.symbols[1:], strict=True)]
        parts = [part.evaluate(at) if at else part for part in (above, below)]
        return _horner(*(_coefficients(part) for part in parts))
    def _numbers(self, point: Point):
        """Exact numbers for the step's symbols at a point (None for a function of more
        coefficients than the symbols have)."""
        sp = sympy()
        numbers = {symbol: _exact(point.values[name]) for name, symbol in self.scalars.items()
                   if name in point.values}
        for name, (centre, a) in self.functions.items():
            function = point.functions[name]
            if len(function.coefficients) > len(a):
                return None
            numbers[centre] = _exact(function.center)
            numbers.update({symbol: _exact(function.coefficients[k])
                            if k < len(function.coefficients) else sp.Integer(0)
                            for k, symbol in enumerate(a)})
        return numbers


def _exact(value):
    return sympy().Rational(Fraction(float(np.real(value))))


_built: list = []  # (model, claim, iteration) of the claim judged last


def _iteration(model: Model, claim: Claim) -> Iteration:
    if not _built or _built[0] is not model or _built[1] is not claim:
        _built[:] = [model, claim, Iteration(model, claim)]
    return _built[2]


def _iterate(model: Model, claim: Claim, point: Point):
    """Successive errors x_n - root, to DIGITS digits."""
    from ..engine.backends import Invalid

    advance = _iteration(model, claim).stepper(point) or _stepper(*_step_at(model, claim, point))
    import mpmath

    with mpmath.workdps(DIGITS):
        root = mpmath.mpf(float(np.real(point.values[claim.fields["root"]])))
        current = root + mpmath.mpf(START.numerator) / START.denominator
        small = mpmath.mpf(10) ** (-DIGITS // 2 - 5)
        errors = []
        for _ in range(MAX_STEPS):
            current = advance(current)
            if current is None:
                raise Invalid("the iteration leaves the reals from the start point")
            error = current - root
            if abs(error) > 1:
                raise Invalid("the iteration does not converge from the start point")
            errors.append(error)
            if abs(error) < small:
                break
    if not errors or abs(errors[-1]) > 1e-12:
        raise Invalid("the iteration does not converge from the start point")
    return errors


def _step_at(model: Model, claim: Claim, point: Point):
    """The step built at one point, its functions as they are (any number of
    coefficients)."""
    sp = sympy()
    x = sp.Symbol("x", real=True)
    backend = Symbolic()
    values = {n: backend.asarray(_exact(v)) for n, v in point.values.items()}
    values[claim.fields["variable"]] = backend.asarray(x)
    step = Evaluator(model, backend, {}, values).value(claim.exprs["iteration"])[()]
    for name, function in point.functions.items():
        u = sp.Dummy("u")
        for k, cls in enumerate(backend.family(name)):
            step = step.replace(cls, sp.Lambda(u, function.symbolic(u, k)))
    return step, x


def _stepper(step, x):
    """x -> step(x) on mpmath numbers (at DIGITS digits, the caller's precision): the
    quotient of numerator and denominator polynomials where the step is rational in x (as
    with polynomial test functions), else SymPy's evalf."""
    import mpmath

    from ..paths.fraction import rational_in

    sp = sympy()
    parts = rational_in(step, x)  # (the cheap form's fraction: no together, no Poly)
    if parts is None:
        def slow(value):
            result = step.xreplace({x: sp.Float(value, DIGITS)}).evalf(DIGITS)
            return mpmath.mpf(result) if result.is_real and result.is_finite else None

        return slow
    return _horner(*([(c.p, c.q) for c in part] for part in parts))


def _coefficients(polynomial) -> list[tuple[int, int]]:
    """A polynomial in one generator's coefficients, highest degree first, as (p, q)."""
    terms = dict(polynomial.terms())
    degree = max((monomial[0] for monomial in terms), default=0)
    found = [terms.get((k,), 0) for k in range(degree, -1, -1)]
    return [(int(c.numerator), int(c.denominator)) if c else (0, 1) for c in found]


def _horner(above: list, below: list):
    """x -> above(x) / below(x) on mpmath numbers (None where below is 0)."""
    import mpmath

    with mpmath.workdps(DIGITS):
        parts = [[mpmath.mpf(p) / q for p, q in part] for part in (above, below)]

    def fast(value):
        denominator = mpmath.polyval(parts[1], value)
        return None if denominator == 0 else mpmath.polyval(parts[0], value) / denominator

    return fast


def judge(model: Model, claim: Claim, point: Point) -> Comparison:
    from ..engine.backends import Invalid

    order = claim.fields["order"]
    errors = [e for e in _iterate(model, claim, point) if e != 0]
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
