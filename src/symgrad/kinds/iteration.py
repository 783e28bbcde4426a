"""The numeric path of convergence claims: iterate concrete functions at 80 digits.

A point gives every scalar a number and every declared function a concrete polynomial
(:class:`Polynomial`, its derivatives at a centre drawn).  The iteration's step x ↦ x_next
is built once per claim with the polynomials' coefficients as symbols
(:class:`Iteration`), as a numerator over a denominator in x; a point puts its numbers in
and runs the step from root + 1/20 with mpmath, Horner's rule for each polynomial.  Where
the step is not such a fraction of polynomials (exp, sqrt), or a function is applied to a
function (Steffensen's f(x + f(x)), whose symbolic polynomials would have thousands of
terms), each point builds its own step from its numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..engine.backends import Invalid
from ..engine.evaluate import Evaluator
from ..engine.exact import Symbolic
from ..language.model import Claim, Model
from ..paths.fraction import rational_in, rational_over
from ..paths.points import Point
from ..vocabulary.ops import sympy

DIGITS = 80
START = Fraction(1, 20)  # the first iterate is root + START
MAX_STEPS = 400
DEGREE = 6  # Taylor coefficients F_0 .. F_DEGREE of each function


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


def iterate(model: Model, claim: Claim, point: Point):
    """Successive errors x_n - root, to DIGITS digits."""
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
