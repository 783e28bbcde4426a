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
                out[position] = self._constant(x[position])
            return out
        out = np.empty((), dtype=object)
        out[()] = self._constant(x)
        return out

    def _constant(self, x):
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

    def stack(self, items):
        items = [self.asarray(i) for i in items]
        out = np.empty((len(items),) + items[0].shape, dtype=object)
        for k, item in enumerate(items):
            out[k] = item[()] if item.ndim == 0 else item
        return out

    def guard(self, kind, x):
        pass

    def real_constant(self, x):
        x = self.asarray(x)
        if x.ndim == 0 and x[()].is_ground:
            return float(x[()].LC)
        return None

    def power(self, a, b):
        k = self.real_constant(b)
        if k is None or k != int(k) or k < 0:
            raise NotPolynomial("a power that is not whole and nonnegative")
        a, k = self.asarray(a), int(k)
        out = np.empty(a.shape, dtype=object)
        for position in np.ndindex(a.shape):
            out[position] = a[position] ** k
        return out

    def grad(self, ev, body, name):
        value = ev.value(body)[()]
        wrt = ev.values[name]
        out = np.empty(wrt.shape, dtype=object)
        for position in np.ndindex(wrt.shape):
            out[position] = value.diff(wrt[position])
        return out

    def hessian(self, ev, body, variables):
        value = ev.value(body)[()]
        entries = [ev.values[name][position] for name, position in variables]
        out = np.empty((len(entries), len(entries)), dtype=object)
        for i, a in enumerate(entries):
            first = value.diff(a)
            for j, b in enumerate(entries):
                out[i, j] = first.diff(b)
        return out

    def _leaves(self, *args, **kwargs):
        raise NotPolynomial("outside polynomial arithmetic")

    # every operation that is not polynomial arithmetic
    pi = elementwise = inv = det = logabsdet = stop_max = max_entry = function = _leaves
    pool_max = _leaves
