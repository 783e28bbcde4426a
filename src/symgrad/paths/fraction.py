"""The cheap canonical form: an expression as a fraction of polynomials over its atoms.

Every application of a function (``tanh(u)``, ``exp(u)``, ``sqrt(u)``, a generic ``f(u)``)
becomes an opaque atom, keyed by its function and its arguments in expanded form, so the
same application written two ways is one atom; an exponential of a sum is the product of
the exponentials of its terms, and of a whole multiple a power (``exp(2z - w)`` is
``exp(z)² / exp(w)``), so softmax's and sigmoid's exponentials meet.  What is left is
polynomial arithmetic with integer powers, on SymPy's sparse polynomials (no gcd):
a fraction is a numerator over a product of denominator polynomials, and a sum is brought
over the least common product of those polynomials as they are written.  The numerator
is 0 exactly when the expression is 0 as a rational function of its atoms, so

* :func:`is_zero_over_atoms` True is a proof that the expression is 0;
* False says only that it is not 0 *by form* (the atoms may be related: ``tanh`` and
  ``exp``, ``log(a b)`` and ``log a + log b``): heavier normal forms decide it then.

Zero denominators are not this test's business: like ``cancel``, it proves the identity
where every denominator is nonzero.

The same fractions give a rational function's power series in one of its symbols
(:func:`power_series`: a convergence claim's error in e = x − root), coefficient by
coefficient, without SymPy's ``series``.
"""

from __future__ import annotations

from ..vocabulary.ops import sympy

MAX_TERMS = 200_000  # terms of one polynomial: past this, say "not shown" (escalate)
MAX_EXP_POWER = 64  # exp(c·t) with a whole |c| up to this is exp(t)^c


class _TooLarge(Exception):
    pass


def is_zero_over_atoms(expr, idempotent=()) -> bool:
    """True when expr is 0 as a rational function of its atoms (a proof); False when it is
    not, or when the polynomials grow past :data:`MAX_TERMS`.  ``idempotent`` symbols
    satisfy h**k = h (indicators, binary entries)."""
    sp = sympy()
    atoms = _Atoms(expr, sp)
    try:
        gens, replaced = atoms.scan(expr)
    except (TypeError, ValueError, RecursionError):
        return False
    if not gens:
        return expr == 0
    from sympy.polys.orderings import grevlex
    from sympy.polys.rings import PolyRing

    gens = list(sp.ordered(gens))
    ring = PolyRing(gens, sp.QQ, grevlex)
    try:
        fractions = _Fractions(ring, dict(zip(gens, ring.gens, strict=True)), replaced)
        numerator, _ = fractions.of(expr)
    except (_TooLarge, ZeroDivisionError, TypeError, ValueError, RecursionError):
        return False
    if idempotent and numerator:
        positions = [gens.index(h) for h in idempotent if h in gens]
        numerator = _idempotent(ring, numerator, positions)
    return not numerator


def rational_in(expr, variable) -> tuple[list, list] | None:
    """expr as a quotient of two polynomials in ``variable`` (their coefficients, highest
    degree first, as rationals), when it is a rational function of that symbol alone with
    rational coefficients; else None."""
    made = rational_over(expr, variable)
    if made is None or made[0].ngens != 1:
        return None
    return tuple(_dense(part, sympy()) for part in made[1:])


def rational_over(expr, variable):
    """expr as (ring, numerator, denominator) polynomials in a ring whose first generator is
    ``variable`` and whose others are expr's other symbols, when it is a rational function
    of its symbols with rational coefficients (no function application); else None."""
    sp = sympy()
    try:
        gens, replaced = _Atoms(expr, sp).scan(expr)
    except (TypeError, ValueError, RecursionError):
        return None
    if variable not in gens or replaced:
        return None
    from sympy.polys.rings import PolyRing

    order = [variable, *sp.ordered(gens - {variable})]
    ring = PolyRing(order, sp.QQ)
    try:
        above, below = _Fractions(ring, dict(zip(order, ring.gens, strict=True)), {}).of(expr)
        return ring, above, _Fractions(ring, {}, {})._product(below)
    except (_TooLarge, ZeroDivisionError, TypeError, ValueError, RecursionError):
        return None


def power_series(error, e, order: int) -> list | None:
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


def _dense(polynomial, sp) -> list:
    degree = max((monomial[0] for monomial in polynomial.keys()), default=0)
    coefficients = [sp.Integer(0)] * (degree + 1)
    for (k,), c in polynomial.terms():
        coefficients[degree - k] = sp.Rational(c.numerator, c.denominator)
    return coefficients


class _Atoms:
    """An expression with every function application (and every non-integer power) as a
    new symbol.  Shared subexpressions are replaced once (a deep network's entries share
    most of theirs)."""

    def __init__(self, expr, sp):
        self.sp = sp
        self.atoms: dict = {}
        self.done: dict = {}
        self.scales = _exp_scales(expr, sp)

    def scan(self, expr) -> tuple[set, dict]:
        """The generators of expr's ring (its symbols outside any function, and the atoms)
        and each function application's replacement, without rebuilding the arithmetic
        around them (the fractions walk expr itself)."""
        generators: set = set()
        replaced: dict = {}
        seen: set = set()
        stack = [expr]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node.is_Symbol:
                generators.add(node)
            elif node.is_Add or node.is_Mul or (node.is_Pow and node.exp.is_Integer):
                stack.extend(node.args)
            elif not node.is_Rational:
                replaced[node] = self.of(node)
                generators |= replaced[node].free_symbols
        return generators, replaced

    def of(self, e):
        if e.is_Atom:
            return e
        if e not in self.done:
            self.done[e] = self._of(e)
        return self.done[e]

    def _of(self, e):
        sp = self.sp
        if e.is_Add or e.is_Mul:
            return e.func(*[self.of(a) for a in e.args])
        if e.is_Pow and e.exp.is_Integer:
            return self.of(e.base) ** e.exp
        if isinstance(e, sp.exp):
            return self._exp(sp.expand(self.of(e.args[0])))
        return self._atom(e.func, *(sp.expand(self.of(a)) for a in e.args))

    def _atom(self, func, *arguments):
        return self.atoms.setdefault((func, arguments), self.sp.Dummy("atom"))

    def _exp(self, argument):
        """exp(k + c₁t₁ + c₂t₂ + …) as exp(k) · exp(t₁/q₁)^(c₁q₁) · …, with one exp(t/q)
        atom for each t (q: the common denominator of t's coefficients in every
        exponential of the expression): exp(2z) is exp(z)², exp(-z) is 1/exp(z), exp(-u)
        is exp(u/2)^-2 beside a tanh(u/2) in exponentials."""
        constant, terms = argument.as_coeff_add()
        result = self._atom(self.sp.exp, constant) if constant else self.sp.Integer(1)
        for term in terms:
            coefficient, rest = term.as_coeff_Mul()
            q = self.scales.get(rest, 1)
            if coefficient.is_Rational and abs(coefficient * q) <= MAX_EXP_POWER:
                result *= self._atom(self.sp.exp, rest / q) ** int(coefficient * q)
            else:
                result *= self._atom(self.sp.exp, term)
        return result


def _exp_scales(expr, sp) -> dict:
    """For each term t of an exponential's argument (c·t, c rational), the least common
    denominator of its coefficients c over the expression's exponentials."""
    from math import lcm

    scales: dict = {}
    for node in subexpressions(expr):
        if isinstance(node, sp.exp):
            for term in sp.expand(node.args[0]).as_coeff_add()[1]:
                coefficient, rest = term.as_coeff_Mul()
                if coefficient.is_Rational:
                    scales[rest] = lcm(scales.get(rest, 1), int(coefficient.q))
    return scales


def subexpressions(e) -> set:
    """Every distinct subexpression of e, each visited once (entries of a deep network are
    trees with many shared subtrees, far larger walked as trees)."""
    seen: set = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.args)
    return seen


class _Fractions:
    """Numerator (a polynomial) over denominators ({monic polynomial: power})."""

    def __init__(self, ring, generators: dict, replaced: dict):
        self.ring, self.generators = ring, generators
        self.replaced = replaced  # function applications -> their atoms (:meth:`_Atoms.scan`)
        self.done: dict = {}

    def of(self, e):
        if e not in self.done:
            self.done[e] = self._of(e)
        return self.done[e]

    def _of(self, e):
        ring = self.ring
        if e in self.replaced:
            return self.of(self.replaced[e])
        if e.is_Symbol:
            return self.generators[e], {}
        if e.is_Rational:
            return ring(e), {}
        if e.is_Add:
            parts = [self.of(a) for a in e.args]
            common: dict = {}
            for _, below in parts:
                for base, k in below.items():
                    common[base] = max(common.get(base, 0), k)
            total = ring.zero
            for above, below in parts:
                total += above * self._product({b: k - below.get(b, 0)
                                                for b, k in common.items()})
            return self._small(total), common
        if e.is_Mul:
            above, below = ring.one, {}  # (below is a new dict: done's entries stay as they are)
            for factor in e.args:
                a, b = self.of(factor)
                above = self._small(above * a)
                for base, k in b.items():
                    below[base] = below.get(base, 0) + k
            return above, below
        if e.is_Pow and e.exp.is_Integer:
            above, below = self.of(e.base)
            k = int(e.exp)
            if k >= 0:
                return self._small(above ** k), {b: p * k for b, p in below.items()}
            if not above:
                raise ZeroDivisionError("a power of 0 with a negative exponent")
            lead = above.LC
            return (self._small(self._product(below) ** -k * ring(1 / lead ** -k)),
                    {above.quo_ground(lead): -k})
        raise ValueError(f"not a rational expression of atoms: {type(e).__name__}")

    def _product(self, below: dict):
        result = self.ring.one
        for base, k in below.items():
            if k:
                result = self._small(result * base ** k)
        return result

    @staticmethod
    def _small(polynomial):
        if len(polynomial) > MAX_TERMS:
            raise _TooLarge
        return polynomial


def _idempotent(ring, polynomial, positions: list[int]):
    """polynomial with every power h**k (k >= 1) of the given generators as h."""
    reduced = ring.zero
    for monomial, coefficient in polynomial.terms():
        exponents = list(monomial)
        for p in positions:
            exponents[p] = min(exponents[p], 1)
        reduced += ring({tuple(exponents): coefficient})
    return reduced
