"""The numeric backend an expression is evaluated on, and what every backend shares.

:class:`Arrays` holds the structural operations, the same for complex numbers and SymPy
objects.  :class:`Numeric` computes in complex128 numpy arrays: values are real, and the
imaginary part carries a complex-step perturbation, so every operation must be
analytic in its argument (see ``ops.ELEMENTWISE``).  Its guards reject a point
that sits on a kink or outside a domain (raising :class:`Invalid`), which the
numeric path counts and skips.  (:class:`symgrad.engine.batched.Batched` is the numeric
backend with a leading axis of samples; :class:`symgrad.engine.exact.Symbolic` the one of
SymPy expressions.)
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from ..vocabulary.ops import ELEMENTWISE
from .testfunction import TestFunction

#: How close to a kink, a domain edge or a zero denominator a numeric point may be.
MARGIN = 1e-6
#: ... at a layer's real size, where the complex step alone evaluates (it moves no real
#: part, so it never crosses a kink; with 10⁵ relu arguments, one within 1e-6 is likely)
REAL_MARGIN = 1e-12
COMPLEX_STEP = 1e-20


class Invalid(Exception):
    """The numeric point is on a kink or outside a function's domain."""


class Arrays:
    """The structural operations on plain (unbatched) numpy arrays, the same for complex
    numbers and SymPy objects; :class:`Batched` redefines them with a leading sample axis."""

    def core_shape(self, x):
        return x.shape

    def align(self, a, b):
        return a, b

    def entry(self, base, position):
        return base[position]

    def matmul(self, a, b):
        return np.matmul(a, b)

    def transpose(self, a):
        return np.transpose(a)

    def trace(self, a):
        return np.trace(a)

    def sum(self, x, axis, keepdims=False):
        return np.sum(x, axis=axis, keepdims=keepdims and axis is not None)

    def outer(self, a, b):
        return np.multiply.outer(a, b)

    def diag(self, x):
        if x.ndim == 1:
            out = self.zeros((x.shape[0], x.shape[0]))
            for k in range(x.shape[0]):
                out[k, k] = x[k]
            return out
        return np.array([x[k, k] for k in range(x.shape[0])], dtype=x.dtype)

    def eye(self, n):
        out = self.zeros((n, n))
        for k in range(n):
            out[k, k] = self.number("1")[()]
        return out

    def power(self, a, b):
        return a ** b

    def stack(self, items):
        """Arrays of objects (SymPy expressions, polynomials) stacked; :class:`Numeric` and
        :class:`Batched` stack complex arrays their own way."""
        items = [self.asarray(i) for i in items]
        out = np.empty((len(items),) + items[0].shape, dtype=object)
        for k, item in enumerate(items):
            out[k] = item[()] if item.ndim == 0 else item  # not the 0-d array itself
        return out

    def assemble(self, results, core):
        """An array of the given core shape from its entries' values, in order."""
        out = np.empty(len(results), dtype=self.dtype)
        for k, value in enumerate(results):
            out[k] = np.asarray(value)[()]
        return out.reshape(core)

    # Core axes are the trailing ones (a batched array has a sample axis in front).
    def kron(self, a, b):
        rank = len(self.core_shape(a))
        if rank == 1:
            product = a[..., :, None] * b[..., None, :]
        else:
            product = a[..., :, None, :, None] * b[..., None, :, None, :]
        core = tuple(x * y for x, y in zip(self.core_shape(a), self.core_shape(b), strict=True))
        return product.reshape(product.shape[:-2 * rank] + core)

    def vec(self, x):
        """The columns stacked (column-major, as the Matrix Cookbook)."""
        n, m = self.core_shape(x)
        return np.swapaxes(x, -1, -2).reshape(x.shape[:-2] + (n * m,))

    def flip(self, x):
        return x[(Ellipsis,) + (slice(None, None, -1),) * len(self.core_shape(x))]

    def correlate(self, x, w, strides: tuple, paddings: tuple):
        """Cross-correlation over every core axis (1-D or 2-D), zero padding on both ends:
        y[i] = Σ_a x[i·stride + a − padding] w[a]."""
        kernel = self.core_shape(w)
        rank = len(kernel)
        if any(paddings):
            core = self.core_shape(x)[-rank:]
            padded = np.full(x.shape[:x.ndim - rank] + tuple(
                n + 2 * p for n, p in zip(core, paddings, strict=True)),
                np.ravel(self.zeros(()))[0], dtype=x.dtype)
            padded[(Ellipsis, *(slice(p, p + n) for n, p in zip(core, paddings,
                                                                  strict=True)))] = x
            x = padded
        out = [(n - k) // s + 1
               for n, k, s in zip(self.core_shape(x), kernel, strides, strict=True)]
        total = None
        for offset in itertools.product(*(range(k) for k in kernel)):
            window = tuple(slice(a, a + s * (o - 1) + 1, s)
                           for a, o, s in zip(offset, out, strides, strict=True))
            term = x[(Ellipsis, *window)] * w[(Ellipsis, *offset) + (None,) * rank]
            total = term if total is None else total + term
        return total

    def pool_max(self, x, k: int):
        """Non-overlapping k x k max pooling: max(a, b) = a + relu(b - a), window by window."""
        relu = ELEMENTWISE["relu"].symbolic
        best = None
        for a, b in np.ndindex(k, k):
            window = x[..., a::k, b::k]
            best = window if best is None else best + self._map(relu, window - best)
        return best


MAX_CONDITION = 1e3  # a matrix to invert is drawn (or accepted) only this well conditioned


LARGE_PRODUCT = 20_000  # entries of two factors from which a product looks for real ones


class Numeric(Arrays):
    dtype = complex

    def __init__(self, functions: dict[str, TestFunction] | None = None,
                 margin: float = MARGIN):
        self.functions = functions or {}
        self.margin = margin  # (smaller where only the complex step evaluates: REAL_MARGIN)

    def asarray(self, x):
        return np.asarray(x, dtype=complex)

    def number(self, text: str):
        return np.asarray(float(Fraction(text)), dtype=complex)

    def matmul(self, a, b):
        """A large product with a real factor as real products (a complex product costs
        twice two real ones): at a layer's real size, the numeric path's largest cost."""
        if a.ndim == 0 or b.ndim == 0 or a.size + b.size < LARGE_PRODUCT:
            return np.matmul(a, b)
        a_real, b_real = not np.any(a.imag), not np.any(b.imag)
        if a_real and b_real:
            return np.matmul(a.real, b.real).astype(complex)
        if a_real:
            return np.matmul(a.real, b.real) + 1j * np.matmul(a.real, b.imag)
        if b_real:
            return np.matmul(a.real, b.real) + 1j * np.matmul(a.imag, b.real)
        return np.matmul(a, b)

    def pi(self):
        return np.asarray(np.pi, dtype=complex)

    def zeros(self, shape):
        return np.zeros(shape, dtype=complex)

    def ones(self, shape):
        return np.ones(shape, dtype=complex)

    def stack(self, items):
        return np.stack([np.asarray(i, dtype=complex) for i in items])

    def elementwise(self, spec, x):
        with np.errstate(all="ignore"):
            return np.asarray(spec.numeric(x), dtype=complex)

    def guard(self, kind: str, x):
        real = np.real(np.asarray(x))
        if kind == "invertible":
            if not np.isfinite(real).all() or np.linalg.cond(real) > MAX_CONDITION:
                raise Invalid("near a singular matrix (inv, det, logdet or solve)")
            return
        if kind == "positive":
            bad = real < self.margin
        else:  # "kink", "nonzero"
            bad = np.abs(real) < self.margin
        if np.any(bad):
            raise Invalid({"positive": "outside the domain (an argument of log or sqrt, or a "
                                       "power's base, is not positive)",
                           "nonzero": "a division by zero",
                           "kink": "on a kink (relu, step, abs or max at a tie)"}[kind])

    def real_constant(self, x):
        x = np.asarray(x)
        return float(np.real(x)) if x.ndim == 0 else None

    def inv(self, x):
        return np.linalg.inv(x)  # LU on complex numbers: analytic, complex-step safe

    def det(self, x):
        return np.asarray(np.linalg.det(x))

    def logabsdet(self, x):
        """log |det X|: the determinant times its (constant) real sign, then log."""
        d = self.det(x)
        return np.log(d * np.sign(np.real(d)))

    def power(self, a, b):
        """A whole exponent by repeated squaring: numpy's complex power goes through the
        polar form, which loses a complex-step perturbation of a negative base."""
        k = np.real(b)
        if np.ndim(b) == 0 and float(k).is_integer() and not np.imag(b) and abs(k) <= 2**20:
            k = int(k)
            result, square = np.ones_like(a), a
            for bit in bin(abs(k))[:1:-1]:
                if bit == "1":
                    result = result * square
                square = square * square
            return result if k >= 0 else 1 / result
        return a ** b

    def stop_max(self, x, axis):
        return np.max(np.real(x), axis=axis, keepdims=axis is not None)

    def max_entry(self, v):
        flat = np.ravel(v)
        order = np.argsort(-np.real(flat))
        if flat.size > 1 and np.real(flat[order[0]] - flat[order[1]]) < MARGIN:
            raise Invalid("on a kink (a tie in max)")
        return flat[order[0]]

    def pool_max(self, x, k: int):
        """Each window's largest entry (by real part); a tie for it is a kink."""
        windows = np.stack([x[..., a::k, b::k] for a, b in np.ndindex(k, k)], axis=-1)
        order = np.argsort(-np.real(windows), axis=-1)
        ranked = np.take_along_axis(windows, order, axis=-1)
        if k > 1 and self.guards_ties and \
                np.any(np.real(ranked[..., 0] - ranked[..., 1]) < self.margin):
            raise Invalid("on a kink (a tie in max)")
        return ranked[..., 0]

    guards_ties = True

    def function(self, name: str, order: int, x):
        with np.errstate(all="ignore"):
            return self.functions[name].numeric(order, x)

    def grad(self, ev, body, name):
        """At a real point, the complex step in each entry (one evaluation, exact to
        rounding); inside a complex-step evaluation, central differences with one
        Richardson step (error O(h^4)), which the outer step passes through."""
        base = ev.values[name]
        core = self.core_shape(base)
        real = all(not np.any(np.imag(v)) for v in ev.values.values())
        results = []
        for position in np.ndindex(core):
            def at(step, position=position):
                shifted = moved(ev.values, [(name, position, step)], self.index)
                return ev.with_values(shifted).value(body)

            if real:
                results.append(np.imag(at(1j * COMPLEX_STEP)) / COMPLEX_STEP)
            else:
                h = self.step(base[self.index(position)])
                results.append(richardson(lambda h, at=at: (at(h) - at(-h)) / (2 * h), h))
        return self.assemble(results, core)

    def hessian(self, ev, body, variables):
        """At a real point: the complex step in one variable, central differences (with one
        Richardson step) in the other; inside a complex-step evaluation, second central
        differences.  Each pair of variables once (a Hessian of a smooth function is
        symmetric; at a kink, the point is rejected anyway)."""
        real = all(not np.any(np.imag(v)) for v in ev.values.values())
        difference = _step_difference if real else _second_difference
        found = {}
        for i, a in enumerate(variables):
            for j, b in enumerate(variables[i:], i):  # symmetric: the upper triangle, mirrored
                h = np.maximum(self.step(ev.values[a[0]][self.index(a[1])]),
                               self.step(ev.values[b[0]][self.index(b[1])]))
                found[i, j] = found[j, i] = richardson(
                    lambda h, a=a, b=b: difference(ev, body, a, b, h), h)
        count = len(variables)
        return self.assemble([found[i, j] for i in range(count) for j in range(count)],
                             (count, count))

    def index(self, position):
        """Where a core position is in an array (all samples, for a batched one)."""
        return position

    def step(self, x):
        """The step of a difference in an entry of value x: 1e-3 of its size, at least 1e-3
        (for a batched backend, each sample's own)."""
        return _step(x)



def _step_difference(ev, body, a, b, h):
    index = ev.backend.index

    def slope(step):
        shifts = [(*a, 1j * COMPLEX_STEP), (*b, step)]
        return np.imag(ev.with_values(moved(ev.values, shifts, index)).value(body)) / COMPLEX_STEP

    return (slope(h) - slope(-h)) / (2 * h)


def _second_difference(ev, body, a, b, h):
    index = ev.backend.index

    def at(si, sj):
        return ev.with_values(moved(ev.values, [(*a, si), (*b, sj)], index)).value(body)

    return (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h)


def richardson(estimate, h):
    """One Richardson step for an O(h^2) estimate: error O(h^4)."""
    return (4 * estimate(h / 2) - estimate(h)) / 3


def _step(x) -> float:
    return 1e-3 * max(1.0, float(np.max(np.abs(np.real(x)))))


def moved(values: dict, shifts, index=lambda position: position) -> dict:
    """A copy of values with entries shifted: shifts are (name, position, step)."""
    out = dict(values)
    for name, position, step in shifts:
        array = np.array(out[name], dtype=complex)
        array[index(position)] += step
        out[name] = array
    return out
