"""The cheap canonical form: an expression as a fraction of polynomials over its atoms.

Every application of a function (``tanh(u)``, ``exp(u)``, ``sqrt(u)``, a generic ``f(u)``)
becomes an opaque atom, keyed by its function and its arguments in expanded form, so the
same application written two ways is one atom.  What is left is polynomial arithmetic
with integer powers, done on SymPy's sparse polynomials (no simplification, no gcd):
a fraction is a numerator over a product of denominator polynomials, and a sum is brought
over the least common product of those polynomials as they are written.  The numerator
is 0 exactly when the expression is 0 as a rational function of its atoms, so

* :func:`is_zero_over_atoms` True is a proof that the expression is 0;
* False says only that it is not 0 *by form* (the atoms may be related: ``tanh`` and
  ``exp``, ``log(a b)`` and ``log a + log b``): heavier normal forms decide it then.

Zero denominators are not this test's business: like ``cancel``, it proves the identity
where every denominator is nonzero.
"""

from __future__ import annotations

from ..vocabulary.ops import sympy

MAX_TERMS = 200_000  # terms of one polynomial: past this, say "not shown" (escalate)


class _TooLarge(Exception):
    pass


def is_zero_over_atoms(expr, idempotent=()) -> bool:
    """True when expr is 0 as a rational function of its atoms (a proof); False when it is
    not, or when the polynomials grow past :data:`MAX_TERMS`.  ``idempotent`` symbols
    satisfy h**k = h (indicators, binary entries)."""
    sp = sympy()
    atoms: dict = {}
    try:
        flat = _with_atoms(expr, atoms, {}, sp)
    except (TypeError, ValueError, RecursionError):
        return False
    gens = list(sp.ordered(flat.free_symbols))
    if not gens:
        return flat == 0
    from sympy.polys.orderings import grevlex
    from sympy.polys.rings import PolyRing

    ring = PolyRing(gens, sp.QQ, grevlex)
    try:
        numerator, _ = _Fractions(ring, dict(zip(gens, ring.gens, strict=True))).of(flat)
    except (_TooLarge, ZeroDivisionError, TypeError, ValueError, RecursionError):
        return False
    if idempotent and numerator:
        positions = [gens.index(h) for h in idempotent if h in gens]
        numerator = _idempotent(ring, numerator, positions)
    return not numerator


def _with_atoms(e, atoms: dict, done: dict, sp):
    """e with every function application (and every non-integer power) as a new symbol.
    ``done`` remembers shared subexpressions (a deep network's entries share most of theirs)."""
    if e.is_Atom:
        return e
    if e in done:
        return done[e]
    if e.is_Add or e.is_Mul:
        result = e.func(*[_with_atoms(a, atoms, done, sp) for a in e.args])
    elif e.is_Pow and e.exp.is_Integer:
        result = _with_atoms(e.base, atoms, done, sp) ** e.exp
    else:
        key = (e.func, tuple(sp.expand(_with_atoms(a, atoms, done, sp)) for a in e.args))
        result = atoms.setdefault(key, sp.Dummy("atom"))
    done[e] = result
    return result


class _Fractions:
    """Numerator (a polynomial) over denominators ({monic polynomial: power})."""

    def __init__(self, ring, generators: dict):
        self.ring, self.generators = ring, generators
        self.done: dict = {}

    def of(self, e):
        if e not in self.done:
            self.done[e] = self._of(e)
        return self.done[e]

    def _of(self, e):
        ring = self.ring
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
