"""Resolved expression + values -> array, on either backend.

The same walk serves both paths: with :class:`~symgrad.engine.backends.Numeric` it
computes complex numpy arrays (so that complex-step differentiation works),
with :class:`~symgrad.engine.exact.Symbolic` numpy object arrays of SymPy
expressions.  What each operation does is in :data:`symgrad.vocabulary.ops.OPS`; this
module only walks, binds indices and caches.
"""

from __future__ import annotations

import numpy as np

from ..language.indexing import entrywise, free_indices, largest_grid, walked_sums
from ..language.model import Model
from ..limits import MAX_REAL_GRID
from ..vocabulary import dims
from ..vocabulary.ops import OPS
from .backends import Invalid, Numeric
from .batched import Screened


class Evaluator:
    def __init__(self, model: Model, backend, sizes: dict[str, int], values: dict,
                 index_dims: dict | None = None, max_grid: int | None = None):
        self.model = model
        self.backend = backend
        self.sizes = sizes
        self.values = values  # symbol name -> array
        self.index_dims = index_dims or {}  # free index -> dimension (index-form answers)
        self.bound: dict[str, int] = {}  # (or, walking every entry at once, index grids)
        self._cache: dict = {}
        self._grids = False
        self._summed: dict = {}  # id(index sum) -> (its axis, its grid), walking at once
        self.max_grid = max_grid or MAX_GRID  # entries of the grid walked at once, at most

    def with_values(self, values: dict) -> Evaluator:
        """A fresh evaluator at other values (same sizes, same bound indices)."""
        other = Evaluator(self.model, self.backend, self.sizes, values, self.index_dims,
                          self.max_grid)
        other.bound = dict(self.bound)
        return other

    # --- the walk -------------------------------------------------------------------
    def value(self, node):
        free = free_indices(node)
        if not free:
            key = id(node)
        elif self._grids:
            key = (id(node), tuple(_grid_key(self.bound[i]) for i in sorted(free)))
        else:
            key = (id(node), tuple(self.bound[i] for i in sorted(free)))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.backend.asarray(self._compute(node))
        return found

    def _compute(self, node):
        op = node.op
        if op == "num":
            return self.backend.number(node.name)
        if op == "symbol":
            return self.values[node.name]
        if op == "define":
            return self.value(self.model.defines[node.name])
        if op == "dim":
            return self.backend.number(str(self.sizes[node.name]))
        if op == "pi":
            return self.backend.pi()
        return OPS[op].evaluate(self, node)

    def arg(self, node, k: int):
        return self.value(node.args[k])

    # --- helpers the operations use -------------------------------------------------------
    def index_value(self, node) -> int:
        """A position: a bound index, a number, or + - * of them and of dimensions."""
        op = node.op
        if op == "num":
            return int(node.name)
        if op == "index":
            return self.bound[node.name]
        if op == "dim":
            return self.sizes[node.name]
        values = [self.index_value(a) for a in node.args]
        return {"add": lambda: values[0] + values[1], "sub": lambda: values[0] - values[1],
                "mul": lambda: values[0] * values[1], "neg": lambda: -values[0]}[op]()

    def dim_value(self, node) -> int:
        """A dimension, stride or padding: a dim or num leaf, or arithmetic of them."""
        if node.op == "num":
            return int(node.name)
        if node.op == "dim":
            return self.sizes[node.name]
        return int(dims.evaluate(dims.of_node(node), self.sizes))

    def size_of(self, dim) -> int:
        return dims.value(dim, self.sizes)

    def sum_over(self, node):
        """The value of an index sum node: its body summed over the index's range (walking
        every entry at once, with the index bound to a grid on an axis of its own, then that
        axis summed)."""
        body, index = node.args
        if id(node) in self._summed:
            return self._summed_at_once(body, index.name, *self._summed[id(node)])
        total = None
        for at in range(self.size_of(self.model.sum_ranges[id(node)])):
            self.bound[index.name] = at
            term = self.value(body)
            total = term if total is None else total + term
        del self.bound[index.name]
        return total

    def entries(self, node) -> object:
        """An index-form answer evaluated at every position of its free indices: on a
        backend that can (the batched one), in one walk with each free index bound to the
        grid of its positions, where the answer is made entry by entry (:func:`entrywise`);
        else one position at a time."""
        names = list(self.index_dims)
        sizes = [self.size_of(self.index_dims[n]) for n in names]
        if names and getattr(self.backend, "entries_at_once", False) and entrywise(node):
            found = self._at_once(node, names, sizes)
            if found is not None:
                return found
        elif names and type(self.backend) is Numeric and entrywise(node) and \
                self._steps(node, names, sizes) > ONE_AT_A_TIME:
            return self._in_a_batch_of_one(node)
        found = []
        for position in _positions(sizes):
            self.bound.update(zip(names, position, strict=True))
            found.append(self.value(node))
        for name in names:
            del self.bound[name]
        return self.backend.assemble(found, tuple(sizes))

    def _range(self, sum_node) -> int:
        return self.size_of(self.model.sum_ranges[id(sum_node)])

    def _steps(self, node, names, sizes) -> int:
        """Evaluations a walk one entry at a time takes (about): every position of the free
        indices, every step of the sums over them."""
        return largest_grid(node, dict(zip(names, sizes, strict=True)), self._range)

    def _in_a_batch_of_one(self, node):
        """One point's entries in one walk, as a batch of one sample (a layer's real size:
        the walk one entry at a time would take millions of evaluations).  A guard the batch
        marks is a point the one-point backend rejects (its reason said more plainly)."""
        backend = Screened(1, self.backend.functions, self.backend.margin)
        values = {name: np.asarray(value)[None] for name, value in self.values.items()}
        found = Evaluator(self.model, backend, self.sizes, values, self.index_dims,
                          max(self.max_grid, MAX_REAL_GRID)).entries(node)
        if backend.invalid.any():
            raise Invalid("on a kink, a domain edge or an ill-conditioned matrix (in the "
                          "answer)")
        return found[0]

    def _at_once(self, node, names, sizes):
        """Every entry in one walk (None where the walk cannot: then one at a time).  The
        free indices are bound to grids on axes of their own, and so are the indices the
        answer sums over, where every sum's body is made entry by entry and the grid of
        all of them (the largest value of the walk,
        :func:`~symgrad.language.indexing.largest_grid`) is at most :attr:`max_grid` entries
        (else those sums loop)."""
        sums = walked_sums(node)
        ranges = [self.size_of(self.model.sum_ranges[id(s)]) for s in sums]
        if not all(entrywise(s.args[0]) for s in sums) or \
                largest_grid(node, dict(zip(names, sizes, strict=True)), self._range) > \
                self.max_grid:
            sums, ranges = [], []
        grids = np.ix_(*[np.arange(size) for size in sizes + ranges])
        self._summed = {id(s): (len(names) + k, grid)
                        for k, (s, grid) in enumerate(zip(sums, grids[len(names):], strict=True))}
        cache, self._grids = dict(self._cache), True  # (values at grids are not kept)
        self.bound.update(zip(names, grids[:len(names)], strict=True))
        try:
            value = np.asarray(self.value(node))
        except (TypeError, ValueError, IndexError, KeyError):
            return None
        finally:
            for name in names:
                del self.bound[name]
            self._cache, self._grids, self._summed = cache, False, {}
        if value.ndim == 1:  # (no entry depends on the indices)
            value = value.reshape(len(value), *(1,) * len(grids))
        if value.ndim != len(grids) + 1 or any(n != 1 for n in value.shape[1 + len(sizes):]):
            return None
        value = value.reshape(value.shape[:1 + len(sizes)])
        return np.broadcast_to(value, (len(value), *sizes))

    def _summed_at_once(self, body, name, axis, grid):
        outer = self.bound.get(name)
        self.bound[name] = grid
        try:
            value = np.asarray(self.value(body))
        finally:
            if outer is None:
                del self.bound[name]
            else:
                self.bound[name] = outer
        if value.ndim == 1:  # (a body the same for every index)
            value = value.reshape(len(value), *(1,) * grid.ndim)
        shape = list(value.shape)
        shape[1 + axis] = grid.shape[axis]
        return np.broadcast_to(value, shape).sum(axis=1 + axis, keepdims=True)


#: Entries of the grid of every index at once (free and summed), at most.
MAX_GRID = 1 << 20
#: Evaluations of an index-form answer walked one entry at a time on the one-point backend,
#: at most; past them (a layer's real size), one walk as a batch of one sample.
ONE_AT_A_TIME = 4096


def _grid_key(bound):
    return bound if isinstance(bound, int) else id(bound)


def _positions(sizes):
    if not sizes:
        yield ()
        return
    for first in range(sizes[0]):
        for rest in _positions(sizes[1:]):
            yield (first, *rest)
