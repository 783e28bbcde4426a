"""Indices over a product of dimensions: an index over n·m is a pair ``a|b`` of indices, a over
n (the major part) and b over m (the minor one), standing for the position a·m + b.

kron(A, B)[a·p + b, c·q + d] = A[a, c] B[b, d] and vec(X)[j·n + i] = X[i, j] (columns
stacked) read their indices as pairs; a pair is laid out as the expression lays it out
(:meth:`PairedIndices.order`), so that kron(A, B) and vec read the same index the same way.
An index read two ways (kron(A, B) against kron(B, A)) has no index form.
"""

from __future__ import annotations

from ..language.expressions import Node
from ..vocabulary import dims
from . import forms
from .forms import NoIndexForm, Sum


class PairedIndices:
    """What :class:`.translate.Translate` knows of indices over n·m (it keeps ``ranges``:
    each part's range, ``names``: a claim's index names, ``shape`` and the algebra)."""

    def index_over(self, extent, hint=None, name=None) -> str:
        """A new index over a dimension; over n·m, a pair ``a|b`` (a over the major factor,
        b over the minor one, in the order ``hint`` gives, else the factors' order)."""
        name = name or forms.fresh()
        factors = hint or _factors(extent)
        if factors is None:
            return name
        major, minor = name + "a", name + "b"
        self.ranges[major], self.ranges[minor] = (self.extent(f) for f in factors)
        return f"{major}|{minor}"

    def split(self, index: str, major, minor) -> tuple[str, str]:
        """An index over major·minor as its two parts."""
        if "|" in index:
            a, b = index.split("|")
            if self.ranges.get(a) == self.extent(major) and \
                    self.ranges.get(b) == self.extent(minor):
                return a, b
        raise NoIndexForm("no index form for an index of range n·m read in two ways (a "
                          "Kronecker product or vec against another order)")

    def delta(self, a: str, b: str) -> Sum:
        """δ(a, b), part by part for two indices over n·m split alike."""
        if "|" not in a + b:
            return forms.atom(forms.delta(a, b))
        if "|" not in a or "|" not in b:
            raise NoIndexForm("no index form for an identity of range n·m")
        (a1, a2), (b1, b2) = a.split("|"), b.split("|")
        if (self.ranges.get(a1), self.ranges.get(a2)) != (self.ranges.get(b1),
                                                           self.ranges.get(b2)):
            raise NoIndexForm("no index form for an identity of range n·m split two ways")
        return self.mul(forms.atom(forms.delta(a1, b1)), forms.atom(forms.delta(a2, b2)))

    def order(self, node: Node, axis: int):
        """How axis of node is laid out over n·m: (major, minor) dimensions, or None."""
        op, args = node.op, node.args
        if op == "kron":
            return self.shape(args[0])[axis], self.shape(args[1])[axis]
        if op == "vec":
            rows, cols = self.shape(args[0])
            return cols, rows
        if op == "define":
            return self.order(self.model.defines[node.name], axis)
        if op in ("transpose", "inv") and self.shape.ndim(node) == 2:
            return self.order(args[0], 1 - axis)
        if op == "matmul":
            a, b = args
            if axis == 0 and self.shape.ndim(a) == 2:
                return self.order(a, 0)
            return self.order(b, self.shape.ndim(b) - 1) if self.shape.ndim(b) == 2 else None
        if op in ("add", "sub", "mul", "div", "neg"):
            rank = self.shape.ndim(node)
            for a in args:
                if self.shape.ndim(a) == rank:
                    found = self.order(a, axis)
                    if found is not None:
                        return found
        return None

    def pair_position(self, p: Node) -> str:
        """i + n * j (or n * j + i) with i over n: the position j|i over m·n."""
        if p.op == "add":
            for minor, product in (p.args, p.args[::-1]):
                if minor.op == "index" and product.op == "mul":
                    for size, major in (product.args, product.args[::-1]):
                        if major.op == "index" and size.op in ("dim", "num"):
                            a = self.names.get(major.name, major.name)
                            b = self.names.get(minor.name, minor.name)
                            if self.ranges.get(b) == self.extent(dims.of_node(size)) and \
                                    a in self.ranges:
                                return f"{a}|{b}"
        raise NoIndexForm("no index form for an index expression like i + 1")


def _factors(extent):
    """(major, minor) of a dimension n·m (the factors in their sorted order), or None."""
    if not isinstance(extent, dims.Expr):
        return None
    sp = dims.sympy()
    factors = sp.Mul.make_args(extent.sym)
    if len(factors) != 2 or not all(f.is_Symbol or f.is_Integer for f in factors):
        return None
    return tuple(dims.make(f) for f in factors)
