"""A vector tree linear in an upstream G -> the matrix M with tree = M @ G (for Jacobians).

The backward pass with a symbolic upstream G gives Jᵀ G; M = Jᵀ is read off term by
term: G → I; c ⊙ T(G) → diag(c) M(T); c T(G) for a scalar c → c M(T); A @ T(G) → A M(T);
diag(T(G)) @ w → diag(w) M(T); a scalar term s(G) = r · G inside a vector term c ⊙ s(G) →
outer(c, r), where sum(T(G)) has the row r = 1ᵀ M(T) and a @ T(G) the row M(T)ᵀ a.
Anything else (G inside a nonlinear function cannot happen; G inside an operation without
a rule here can) is a :class:`~symgrad.derivation.trees.CannotDerive`.
"""

from __future__ import annotations

from ..language.expressions import Node
from ..vocabulary.ops import sympy
from .tidy import ALGEBRA
from .trees import (
    CannotDerive,
    call,
    dim,
    factors,
    matmul,
    mul,
    neg,
    ones,
    product,
    text,
    total,
    transpose,
)


class LinearMap:
    def __init__(self, derivation, upstream: Node):
        self.derivation = derivation
        self.tidy = derivation.tidy
        self.shape = derivation.shape
        self.upstream = upstream
        self.size = self.shape(upstream)

    def linear(self, node: Node) -> bool:
        return self.derivation.depends(node, self.upstream.name)

    def matrix(self, node: Node) -> Node:
        """M (shape of node + shape of G) with node = M @ G."""
        if node.op == "symbol" and node.name == self.upstream.name:
            return call("eye", dim(self.size[0]))
        if node.op in ALGEBRA:
            return self.algebra(node)
        if node.op == "transpose":
            return self.matrix(node.args[0])
        if node.op == "solve" and self.linear(node.args[1]) and not self.linear(node.args[0]):
            return matmul(call("inv", node.args[0]), self.matrix(node.args[1]))
        if node.op == "diag" and self.shape.ndim(node.args[0]) == 2:
            inner, sign = node.args[0], 1  # diag(P @ diag(G) @ Q) = (P ⊙ Qᵀ) @ G
            while inner.op == "neg":
                inner, sign = inner.args[0], -sign
            if inner.op == "matmul" and inner.args[0].op == "matmul":
                (p, middle), q = inner.args[0].args, inner.args[1]
                if middle.op == "diag" and not self.linear(p) and not self.linear(q):
                    hadamard = mul(p, transpose(q)) if sign > 0 else neg(mul(p, transpose(q)))
                    return matmul(hadamard, self.matrix(middle.args[0]))
        if node.op == "matmul":
            a, b = node.args
            if self.linear(b) and not self.linear(a):
                return matmul(a, self.matrix(b))
            if a.op == "diag" and self.shape.ndim(a.args[0]) == 1 and not self.linear(b):
                return matmul(call("diag", b), self.matrix(a.args[0]))  # diag(v) w = diag(w) v
            scalars = [f for f in factors(a) if not self.shape(f)]
            if scalars and len(scalars) < len(factors(a)):  # (s(G) A) @ b = s(G) (A @ b)
                arrays = [f for f in factors(a) if self.shape(f)]
                return self.algebra(mul(product(scalars), matmul(product(arrays), b)))
        raise self.unwritable(node)

    def row(self, node: Node) -> Node:
        """r with the scalar node = r @ G."""
        if node.op == "sum" and not node.kwargs:
            return call("sum", self.matrix(node.args[0]), axis=0)
        if node.op == "matmul" and self.shape.ndim(node.args[0]) == 1:
            a, b = node.args
            linear, other = (b, a) if self.linear(b) else (a, b)
            if not self.linear(other):
                return matmul(transpose(self.matrix(linear)), other)
        raise self.unwritable(node)

    def algebra(self, node: Node) -> Node:
        """Terms grouped by the factor that holds G: c1 ⊙ G + c2 ⊙ G is (c1 + c2) ⊙ G."""
        sp = sympy()
        rows = self.shape(node)[0]
        grouped: dict = {}
        for term in sp.Add.make_args(sp.expand(self.tidy.to_sympy(node))):
            parts = sp.Mul.make_args(term)
            linear = [p for p in parts if self.tidy.upstream_in(p, self.linear)]
            if len(linear) != 1:
                raise self.unwritable(node)
            rest = sp.Mul(*[p for p in parts if p is not linear[0]])
            grouped[linear[0]] = grouped.get(linear[0], 0) + rest
        terms = []
        for linear, rest in grouped.items():
            factor = self.tidy.from_sympy(linear)
            coefficient = self.tidy.from_sympy(sp.factor(rest))
            vector = bool(self.shape(coefficient))
            if not self.shape(factor):  # a scalar r · G, spread over the vector
                column = coefficient if vector else mul(coefficient, ones((rows,)))
                terms.append(call("outer", column, self.row(factor)))
            elif vector:
                terms.append(matmul(call("diag", coefficient), self.matrix(factor)))
            else:
                terms.append(mul(coefficient, self.matrix(factor)))
        return total(terms)

    def unwritable(self, node: Node) -> CannotDerive:
        return CannotDerive(f"the Jacobian has a term {text(node)} that symgrad cannot write "
                            "as a matrix; ask for the backprop with an upstream instead")
