"""A third backend: numpy object arrays of polynomials over the explicit entries.

The entries are generators of one polynomial ring with rational coefficients (SymPy's
sparse ``PolyElement``); sums, products, whole powers, matrix products, traces and
derivatives stay in the ring, expanded as they are made, so a difference of two
polynomial expressions is 0 exactly when it is the zero polynomial — no SymPy expression
is built, flattened or simplified.  Anything outside polynomial arithmetic (a function
application, an inverse, a division that is not exact, a test function) raises
:class:`NotPolynomial`, and the caller builds SymPy expressions instead
(:mod:`symgrad.paths.polynomial`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .backends import Arrays


class NotPolynomial(Exception):
    """The expression leaves polynomial arithmetic."""


MAX_PRODUCT = 400_000  # terms times terms of one product, at most (past it, SymPy's turn)


def _times(a, b):
    """a * b of two polynomials, refused where it would grow past :data:`MAX_PRODUCT` (a
    quotient never reduced by a gcd can grow fast: an inverse of an inverse of ...)."""
    if len(a) * len(b) > MAX_PRODUCT:
        raise NotPolynomial("the polynomials grow too large")
    return a * b


def _power(a, k: int):
    result = a.ring.one
    for _ in range(k):
        result = _times(result, a)
    return result


class TooManyApplications(NotPolynomial):
    """More function applications than the ring has spare generators (a larger ring may
    do)."""


class Polynomials(Arrays):
    dtype = object

    def __init__(self, ring):
        self.ring = ring

    def asarray(self, x):
        if isinstance(x, np.ndarray) and x.dtype == object:
            return x
        if isinstance(x, np.ndarray):
            out = np.empty(x.shape, dtype=object)
            for position in np.ndindex(x.shape):
                out[position] = self.constant(x[position])
            return out
        out = np.empty((), dtype=object)
        out[()] = self.constant(x)
        return out

    def constant(self, x):
        if getattr(x, "ring", None) is self.ring:  # a polynomial already
            return x
        if isinstance(x, int | np.integer):
            return self.ring(int(x))
        if isinstance(x, float | np.floating) and np.isfinite(x):
            return self.ring(self.ring.domain.convert(Fraction(float(x))))
        raise NotPolynomial(f"not a rational number: {x!r}")

    def number(self, text: str):
        return self.asarray(self.ring(self.ring.domain.convert(Fraction(text))))

    def zeros(self, shape):
        return np.full(shape, self.ring.zero, dtype=object)

    def ones(self, shape):
        return np.full(shape, self.ring.one, dtype=object)

    def guard(self, kind, x):
        pass

    def real_constant(self, x):
        x = self.asarray(x)
        if x.ndim == 0 and x[()].is_ground:
            return float(x[()].LC)
        return None

    negative_powers = False  # a whole negative power is a quotient (:class:`Quotients`)

    def power(self, a, b):
        k = self.real_constant(b)
        if k is None or k != int(k) or (k < 0 and not self.negative_powers):
            raise NotPolynomial("a power that is not whole (or, of a polynomial, negative)")
        a, k = self.asarray(a), int(k)
        out = np.empty(a.shape, dtype=object)
        for position in np.ndindex(a.shape):
            out[position] = a[position] ** k
        return out

    def derivative(self, value, variable):
        """d value / d variable (an entry: a generator)."""
        return value.diff(variable)

    def grad(self, ev, body, name):
        value = ev.value(body)[()]
        wrt = ev.values[name]
        out = np.empty(wrt.shape, dtype=object)
        for position in np.ndindex(wrt.shape):
            out[position] = self.derivative(value, wrt[position])
        return out

    def hessian(self, ev, body, variables):
        value = ev.value(body)[()]
        entries = [ev.values[name][position] for name, position in variables]
        out = np.empty((len(entries), len(entries)), dtype=object)
        for i, a in enumerate(entries):
            first = self.derivative(value, a)
            for j, b in enumerate(entries):
                out[i, j] = self.derivative(first, b)
        return out

    def _leaves(self, *args, **kwargs):
        raise NotPolynomial("outside polynomial arithmetic")

    # every operation that is not polynomial arithmetic
    pi = elementwise = inv = det = logabsdet = stop_max = max_entry = function = _leaves
    pool_max = _leaves


class Quotient:
    """A polynomial over a product of powers of monic polynomials, never reduced by a gcd
    (as :mod:`symgrad.paths.fraction` keeps them): sums come over the least common product
    of the denominators as they are written, so answer - truth is 0 exactly when its
    numerator is the zero polynomial."""

    __slots__ = ("above", "below")

    def __init__(self, above, below: dict | None = None):
        self.above, self.below = above, below or {}

    def _lift(self, other) -> Quotient:
        if isinstance(other, Quotient):
            return other
        if getattr(other, "ring", None) is self.above.ring:
            return Quotient(other)
        if isinstance(other, int | np.integer):
            return Quotient(self.above.ring(int(other)))
        return NotImplemented

    def _over(self, common: dict):
        factor = self.above
        for base, k in common.items():
            if k > self.below.get(base, 0):
                factor = _times(factor, _power(base, k - self.below.get(base, 0)))
        return factor

    def __add__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        if self.below == other.below:
            return Quotient(self.above + other.above, self.below)
        common = dict(self.below)
        for base, k in other.below.items():
            common[base] = max(common.get(base, 0), k)
        return Quotient(self._over(common) + other._over(common), common)

    __radd__ = __add__

    def __neg__(self):
        return Quotient(-self.above, self.below)

    def __sub__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else self + (-other)

    def __rsub__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else other + (-self)

    def __mul__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        below = dict(self.below)
        for base, k in other.below.items():
            below[base] = below.get(base, 0) + k
        return Quotient(_times(self.above, other.above), below)

    __rmul__ = __mul__

    def inverse(self) -> Quotient:
        if not self.above:
            raise ZeroDivisionError("division by the zero polynomial")
        above = self.above.ring.one
        for base, k in self.below.items():
            above = _times(above, _power(base, k))
        lead = self.above.LC
        if self.above.is_ground:
            return Quotient(above.quo_ground(lead))
        return Quotient(above.quo_ground(lead), {self.above.quo_ground(lead): 1})

    def __truediv__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else self * other.inverse()

    def __rtruediv__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else other * self.inverse()

    def __pow__(self, k: int):
        if k < 0:
            return self.inverse() ** -k
        return Quotient(_power(self.above, k), {base: p * k for base, p in self.below.items()})

    def diff(self, x) -> Quotient:
        """d/dx of above / Π bᵖ: (above' Π b - above Σ p b' Π_{others} b) / Π bᵖ⁺¹ over
        the bases that depend on x."""
        x = x.above if isinstance(x, Quotient) else x  # (an entry: a generator)
        moving = [(base, p, base.diff(x)) for base, p in self.below.items()]
        moving = [(base, p, slope) for base, p, slope in moving if slope]
        if not moving:
            return Quotient(self.above.diff(x), self.below)
        product = self.above.ring.one
        for base, _, _ in moving:
            product = _times(product, base)
        above = _times(self.above.diff(x), product)
        for base, p, slope in moving:
            others = self.above.ring.one
            for other, _, _ in moving:
                if other is not base:
                    others = _times(others, other)
            above = above - _times(_times(self.above, slope), others) * p
        below = dict(self.below)
        for base, _, _ in moving:
            below[base] += 1
        return Quotient(above, below)

    def __bool__(self):
        return bool(self.above)

    @property
    def is_ground(self) -> bool:
        return not self.below and self.above.is_ground

    @property
    def LC(self):
        return self.above.LC


class Quotients(Polynomials):
    """:class:`Polynomials` with division: every value a :class:`Quotient`; an inverse is
    the adjugate over the determinant of a matrix of polynomials."""

    def constant(self, x):
        if isinstance(x, Quotient):
            return x
        return Quotient(super().constant(x))

    def zeros(self, shape):
        return np.full(shape, Quotient(self.ring.zero), dtype=object)

    def ones(self, shape):
        return np.full(shape, Quotient(self.ring.one), dtype=object)

    negative_powers = True

    def _polynomials(self, x):
        """A matrix of quotients as N s: N's rows of polynomials, s = 1 / the entries'
        common denominator."""
        x = self.asarray(x)
        common: dict = {}
        for entry in x.ravel():
            for base, k in entry.below.items():
                common[base] = max(common.get(base, 0), k)
        rows = [[x[i, j]._over(common) for j in range(x.shape[1])]
                for i in range(x.shape[0])]
        return rows, Quotient(self.ring.one, common)

    def det(self, x):
        rows, scale = self._polynomials(x)
        return self.asarray(Quotient(_determinant(rows, self.ring)) * scale ** len(rows))

    def inv(self, x):
        """(N s)⁻¹ = adj(N) / (det(N) s), for x = N s (:meth:`_polynomials`)."""
        rows, scale = self._polynomials(x)
        n = len(rows)
        whole = Quotient(_determinant(rows, self.ring)) * scale
        out = np.empty((n, n), dtype=object)
        for i, j in np.ndindex(n, n):  # adj[i, j] = (-1)^(i+j) det(minor j, i)
            minor = [row[:i] + row[i + 1:] for k, row in enumerate(rows) if k != j]
            cofactor = _determinant(minor, self.ring) if minor else self.ring.one
            out[i, j] = Quotient(cofactor if (i + j) % 2 == 0 else -cofactor) / whole
        return out


MAX_LAPLACE = 5  # rows of a determinant expanded here, at most (n! terms; SymPy past it)


def _determinant(rows, ring):
    """Laplace expansion along the first row (the matrices here are small)."""
    n = len(rows)
    if n > MAX_LAPLACE:
        raise NotPolynomial(f"a determinant of {n} rows")
    if n == 0:
        return ring.one
    if n == 1:
        return rows[0][0]
    total = ring.zero
    for j in range(n):
        if rows[0][j]:
            minor = [row[:j] + row[j + 1:] for row in rows[1:]]
            term = _times(rows[0][j], _determinant(minor, ring))
            total = total + term if j % 2 == 0 else total - term
    return total


def _key(polynomial) -> tuple:
    return tuple(sorted(polynomial.items()))


class Applications(Quotients):
    """:class:`Quotients` with function applications as generators: an application of a
    function with a slope in the table (exp, log, sqrt, tanh, sigmoid) takes one of the
    ring's spare generators, the same one wherever the same function meets the same
    argument written the same way (an application is an opaque atom, as in the cheap
    zero test: equal in form, not in value, so only a proof is taken from it); derivatives
    follow the chain rule through them."""

    def __init__(self, ring, spare: list):
        super().__init__(ring)
        self.spare = list(spare)  # generators no application has yet
        self.applied: dict = {}  # (function, argument) -> its generator
        self.rules: dict = {}  # generator -> (slope, argument)
        self._slopes: dict = {}  # (generator, variable) -> d generator / d variable

    def elementwise(self, spec, x):
        x = self.asarray(x)
        out = np.empty(x.shape, dtype=object)
        for position in np.ndindex(x.shape):
            out[position] = self._apply(id(spec), spec.slope, self.constant(x[position]))
        return out

    def _apply(self, function, slope, argument: Quotient) -> Quotient:
        if slope is None:
            raise NotPolynomial("a function without a rational slope")
        key = (function, _key(argument.above),  # (equal keys: equal arguments)
               tuple(sorted((_key(base), k) for base, k in argument.below.items())))
        generator = self.applied.get(key)
        if generator is None:
            if not self.spare:
                raise TooManyApplications("more function applications than spare generators")
            generator = self.applied[key] = self.spare.pop(0)
            self.rules[generator] = (slope, argument)
        return Quotient(generator)

    def logabsdet(self, x):
        """log |det X|: an application of its own (not log(det X), which is defined only
        where det X > 0), whose slope is the same."""
        determinant = self.det(x)[()]
        return self.asarray(self._apply("logabsdet", lambda f, u: 1 / u, determinant))

    def stop_max(self, x, axis):
        return Quotient(self.ring.zero)  # (a constant shift, exact invariance: none here)

    def derivative(self, q, variable):
        """The total derivative: the partial one, and through every application."""
        result = q.diff(variable)
        for generator in self.rules:
            partial = q.diff(generator)
            if partial:
                result = result + partial * self._slope(generator, variable)
        return result

    def _slope(self, generator, variable):
        key = (generator, variable.above if isinstance(variable, Quotient) else variable)
        if key not in self._slopes:
            slope, argument = self.rules[generator]
            inner = self.derivative(argument, variable)
            self._slopes[key] = slope(Quotient(generator), argument) * inner if inner else \
                Quotient(self.ring.zero)
        return self._slopes[key]
