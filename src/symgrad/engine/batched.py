"""A numeric backend with a leading axis of samples, for Monte-Carlo estimates."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .backends import MARGIN, MAX_CONDITION, Numeric


class Batched(Numeric):
    """Numeric values with a leading axis of samples: every array is (samples, *core), the
    sample axis of length 1 for what does not vary.  For Monte-Carlo estimates: one walk
    evaluates every sample.  Kinks are not guarded (they have probability zero)."""

    entries_at_once = True  # (an index-form answer: every entry in one walk)

    def core_shape(self, x):
        return x.shape[1:]

    def entries_at(self, base, position):
        """The entries at a grid of positions (0 outside the array: zero padding)."""
        inside, clipped = True, []
        for at, size in zip(position, self.core_shape(base), strict=True):
            if isinstance(at, np.ndarray):
                inside = inside & (at >= 0) & (at < size)
                clipped.append(np.minimum(np.maximum(at, 0), size - 1))
            else:
                if not 0 <= at < size:
                    inside = False
                clipped.append(min(max(at, 0), size - 1))
        found = base[(slice(None), *clipped)]
        return found if inside is True else np.where(inside, found, 0)

    def indicator(self, mask):
        return np.asarray(mask, dtype=complex)[None]

    def index(self, position):
        return (slice(None), *position)

    def step(self, x):
        """Each sample's own step (as the one-point backend takes at that sample's value)."""
        return 1e-3 * np.maximum(1.0, np.abs(np.real(np.asarray(x)))).reshape(-1)

    def assemble(self, results, core):
        columns = np.broadcast_arrays(*[np.reshape(r, (-1,)) for r in results])
        return np.stack(columns, axis=-1).reshape((columns[0].shape[0], *core))

    def asarray(self, x):
        x = np.asarray(x, dtype=complex)
        return x if x.ndim else x.reshape(1)

    def number(self, text):
        return np.full((1,), float(Fraction(text)), dtype=complex)

    def pi(self):
        return np.full((1,), np.pi, dtype=complex)

    def zeros(self, shape):
        return np.zeros((1, *shape), dtype=complex)

    def ones(self, shape):
        return np.ones((1, *shape), dtype=complex)

    def eye(self, n):
        return np.eye(n, dtype=complex)[None]

    def stack(self, items):
        return np.stack(np.broadcast_arrays(*[self.asarray(i) for i in items]), axis=1)

    def align(self, a, b):
        rank_a, rank_b = a.ndim - 1, b.ndim - 1
        if rank_a < rank_b:
            a = a.reshape(a.shape[:1] + (1,) * (rank_b - rank_a) + a.shape[1:])
        elif rank_b < rank_a:
            b = b.reshape(b.shape[:1] + (1,) * (rank_a - rank_b) + b.shape[1:])
        return a, b

    def entry(self, base, position):
        return base[self.index(position)]

    def matmul(self, a, b):
        ranks = (a.ndim - 1, b.ndim - 1)
        if ranks == (2, 2):
            return np.matmul(a, b)
        if ranks == (2, 1):
            return np.matmul(a, b[..., None])[..., 0]
        if ranks == (1, 2):
            return np.matmul(a[:, None, :], b)[:, 0, :]
        return np.sum(a * b, axis=-1)

    def transpose(self, a):
        return np.swapaxes(a, 1, 2) if a.ndim == 3 else a

    def trace(self, a):
        return np.trace(a, axis1=1, axis2=2)

    def sum(self, x, axis, keepdims=False):
        if axis is None:
            axes = tuple(range(1, x.ndim))
            return np.sum(x, axis=axes, keepdims=keepdims) if axes else x
        return np.sum(x, axis=axis + 1, keepdims=keepdims)

    def outer(self, a, b):
        return a[:, :, None] * b[:, None, :]

    def diag(self, x):
        if x.ndim == 3:
            return np.diagonal(x, axis1=1, axis2=2).copy()
        n = x.shape[1]
        out = np.zeros((x.shape[0], n, n), dtype=complex)
        out[:, np.arange(n), np.arange(n)] = x
        return out

    def guard(self, kind, x):
        pass

    guards_ties = False  # a tie has probability zero

    def real_constant(self, x):
        return None

    def stop_max(self, x, axis):
        axes = tuple(range(1, x.ndim)) if axis is None else axis + 1
        return np.max(np.real(x), axis=axes, keepdims=True)

    def max_entry(self, v):
        flat = v.reshape(v.shape[0], -1)
        return flat[np.arange(flat.shape[0]), np.argmax(np.real(flat), axis=1)]


class Screened(Batched):
    """The batched backend with :class:`Numeric`'s guards kept sample by sample: where the
    plain backend would raise :class:`Invalid` for a point (a kink, a domain edge or an
    ill-conditioned matrix within the margin, a tie in max), this one marks the sample in
    :attr:`invalid` and goes on.  The numeric search screens a batch of points with it
    (:mod:`symgrad.paths.screen`): a sample marked here is judged on its own."""

    guards_ties = True

    def __init__(self, samples: int, functions=None, margin: float = MARGIN):
        super().__init__(functions, margin)
        self.invalid = np.zeros(samples, dtype=bool)

    def _mark(self, bad):
        """bad: a boolean array with the sample axis first (of length 1: every sample)."""
        bad = np.asarray(bad)
        self.invalid |= bad.reshape(bad.shape[0], -1).any(axis=1) if bad.ndim else bad

    def guard(self, kind: str, x):
        real = np.real(np.asarray(x))
        if real.ndim == 0:
            real = real.reshape(1)
        if kind == "invertible":
            finite = np.isfinite(real).reshape(real.shape[0], -1).all(axis=1)
            condition = np.linalg.cond(np.where(np.isfinite(real), real, 0))
            self._mark(~finite | ~(condition <= MAX_CONDITION))
            return
        self._mark(real < self.margin if kind == "positive" else np.abs(real) < self.margin)

    def real_constant(self, x):
        """The value of a number the same in every sample (an exponent, say); a value that
        varies by sample has none (and gets the stricter guard)."""
        x = np.asarray(x)
        return float(np.real(x.reshape(()))) if _one_value(x) else None

    def power(self, a, b):
        if _one_value(b):  # one exponent for every sample: the plain backend's way
            return super().power(a, np.asarray(b).reshape(()))
        return a ** b

    def inv(self, x):
        """A sample whose matrix is exactly singular (the guard marked it already) is given
        the identity's inverse, so that the batch's other samples go on."""
        try:
            return np.linalg.inv(x)
        except np.linalg.LinAlgError:
            singular = np.array([_singular(matrix) for matrix in x])
            self._mark(singular)
            identity = np.eye(x.shape[-1], dtype=x.dtype)
            return np.linalg.inv(np.where(singular[:, None, None], identity, x))

    def max_entry(self, v):
        flat = v.reshape(v.shape[0], -1)
        if flat.shape[1] > 1:
            top = np.sort(np.real(flat), axis=1)
            self._mark(top[:, -1] - top[:, -2] < MARGIN)
        return super().max_entry(v)

    def pool_max(self, x, k: int):
        windows = np.stack([x[..., a::k, b::k] for a, b in np.ndindex(k, k)], axis=-1)
        order = np.argsort(-np.real(windows), axis=-1)
        ranked = np.take_along_axis(windows, order, axis=-1)
        if k > 1:
            self._mark(np.real(ranked[..., 0] - ranked[..., 1]) < self.margin)
        return ranked[..., 0]


def _singular(matrix) -> bool:
    try:
        np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return True
    return False


def _one_value(x) -> bool:
    """A batched value that is one number for every sample (its axes all of length 1)."""
    return np.ndim(x) >= 1 and np.size(x) == 1
