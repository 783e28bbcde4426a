"""A matrix-form tree -> one entry of it in index notation (an index-form answer).

(A B)_ij = Σ_k A_ik B_kj, (Aᵀ)_ij = A_ji, I_ij = δ_ij, diag(v)_ij = v_i δ_ij,
(a bᵀ)_ij = a_i b_j; elementwise operations act entry by entry (a broadcast
argument takes the trailing indices), and anything else is indexed as a whole.
"""

from __future__ import annotations

from ..language.expressions import Node
from ..language.model import RESERVED
from ..vocabulary.arrays import conv_setting
from .tidy import ALGEBRA
from .trees import add, axis_of, call, dim, div, mul, num, sub

SUMMATION = "klmpqrabcdefgh"


def to_index(derivation, node: Node, indices: tuple[str, ...]) -> Node:
    return IndexForm(derivation, indices)(node, indices)


def index(name) -> Node:
    """An index name as a node (an index expression, i + a, is a node already)."""
    return name if isinstance(name, Node) else Node("index", name=name)


def entry(base: Node, *names: str) -> Node:
    return Node("getitem", (base, *(index(n) for n in names)))


class IndexForm:
    def __init__(self, derivation, indices):
        self.shape = derivation.shape
        model = derivation.model
        self.taken = set(indices) | set(model.symbols) | set(model.defines) | \
            set(model.dims) | RESERVED | set(self.shape.symbols)
        self.depth = 0

    def fresh(self) -> str:
        """A summation index: sibling sums reuse names, nested ones get new ones."""
        free = [name for name in SUMMATION if name not in self.taken]
        return free[min(self.depth, len(free) - 1)]

    def total(self, inner, k: str) -> Node:
        """sum(inner(), k), with k taken while inner() is built."""
        self.depth += 1
        try:
            return Node("isum", (inner(), index(k)))
        finally:
            self.depth -= 1

    def __call__(self, node: Node, idx: tuple[str, ...]) -> Node:
        rank = self.shape.ndim(node)
        if not rank:
            return node
        op, args = node.op, node.args
        if op in ("symbol", "define"):
            return entry(node, *idx)
        if op == "transpose":
            return self(args[0], idx[::-1])
        if op == "eye":
            return call("delta", index(idx[0]), index(idx[1]))
        if op == "ones":
            return num(1)
        if op == "outer":
            return mul(self(args[0], idx[:1]), self(args[1], idx[1:]))
        if op == "diag":
            if self.shape.ndim(args[0]) == 1:
                return mul(self(args[0], idx[:1]), call("delta", index(idx[0]),
                                                        index(idx[1])))
            return self(args[0], (idx[0], idx[0]))
        if op == "matmul":
            return self.matmul(node, idx)
        if op in ("sum", "mean") and axis_of(node) is not None:
            k = self.fresh()
            inner = (k, idx[0]) if axis_of(node) == 0 else (idx[0], k)
            result = self.total(lambda: self(args[0], inner), k)
            if op == "mean":
                result = div(result, dim(self.shape(args[0])[axis_of(node)]))
            return result
        if op == "flip":  # flip(w)[i] = w[k - 1 - i]
            return self(args[0], tuple(sub(sub(dim(d), num(1)), index(i))
                                       for d, i in zip(self.shape(node), idx, strict=True)))
        if op in ("conv1d", "conv2d"):
            return self.correlation(node, idx)
        if op in ALGEBRA:
            return Node(op, tuple(self(a, idx[rank - self.shape.ndim(a):]) for a in args),
                        name=node.name, kwargs=node.kwargs, order=node.order)
        return entry(node, *idx)

    def matmul(self, node: Node, idx) -> Node:
        a, b = node.args
        k = self.fresh()
        left = (idx[0], k) if self.shape.ndim(a) == 2 else (k,)
        right = (k,) if self.shape.ndim(b) == 1 else (k, idx[-1])
        return self.total(lambda: mul(self(a, left), self(b, right)), k)

    def correlation(self, node: Node, idx) -> Node:
        """conv(x, w)[i] = Σ_a x[s i + a - p] w[a] (a position outside x reads 0)."""
        x, w = node.args
        rank = len(idx)

        def per_axis(key, default):
            return [num(default) if s is None else s for s in conv_setting(node, key, rank)]

        offsets = [self.fresh_after(k) for k in range(rank)]
        strides, paddings = per_axis("stride", 1), per_axis("padding", 0)

        flipped = w.op == "flip"  # conv(x, flip(w))[i] = Σ_a x[s i + k - 1 - a - p] w[a]
        kernel = w.args[0] if flipped else w

        def body():
            reach = [sub(sub(dim(d), num(1)), index(a)) if flipped else index(a)
                     for d, a in zip(self.shape(kernel), offsets, strict=True)]
            at = tuple(sub(add(mul(s, index(i)), r), p)
                       for i, r, s, p in zip(idx, reach, strides, paddings, strict=True))
            return mul(self(x, at), self(kernel, tuple(offsets)))

        def summed(level: int) -> Node:  # one sum per kernel axis, the outer one first
            if level == rank:
                return body()
            return self.total(lambda: summed(level + 1), offsets[level])

        return summed(0)

    def fresh_after(self, depth: int) -> str:
        free = [name for name in SUMMATION if name not in self.taken]
        return free[min(self.depth + depth, len(free) - 1)]
