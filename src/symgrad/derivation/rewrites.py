"""The matrix layer of :mod:`symgrad.derivation.tidy`: one rewrite per operation, on trees.

Each rule takes the tidier and a node whose arguments are already tidy, and
returns an equal tree that reads better, or None when there is nothing to do:
fold transposes ((Xᵀ G)ᵀ → Gᵀ X, Bᵀᵀ → B, a symmetric Bᵀ → B), drop identities
(I A → A), pull scalars out of products, sums and traces, write x B as Bᵀ x, and
sum(y) → 1 for a one-hot or probability vector.
"""

from __future__ import annotations

from ..language.expressions import Node
from .trees import (
    axis_of,
    call,
    count,
    dim,
    div,
    matmul,
    mul,
    neg,
    num,
    ones,
    product,
    size,
    text,
    transpose,
)


def _transpose(t, node: Node):
    (x,) = node.args
    if t.shape.ndim(x) < 2:
        return x
    if x.op == "transpose":
        return x.args[0]
    if x.op == "symbol" and "symmetric" in t.shape.symbols[x.name].qualifiers:
        return x
    if x.op in ("inv", "matpow") and _symmetric(t, x.args[0]):  # inv(S).T = inv(S)
        return x
    if x.op in ("eye", "diag"):
        return x
    if x.op == "outer":
        return call("outer", x.args[1], x.args[0])
    if x.op == "ones":
        return call("ones", *reversed(x.args))
    if x.op == "matmul":
        return matmul(transpose(x.args[1]), transpose(x.args[0]))
    if x.op in ("add", "sub", "mul", "div") and all(
            t.shape.ndim(a) in (0, 2) for a in x.args):
        return Node(x.op, tuple(transpose(a) if t.shape.ndim(a) else a for a in x.args))
    if x.op == "neg":
        return neg(transpose(x.args[0]))
    return None


def _symmetric(t, x: Node) -> bool:
    return x.op == "symbol" and "symmetric" in t.shape.symbols[x.name].qualifiers


def _solve(t, node: Node):
    """solve is linear in b: -b and c * b come out; solve(S.T, b) = solve(S, b) for a
    symmetric S."""
    a, b = node.args
    if a.op == "transpose" and _symmetric(t, a.args[0]):
        return call("solve", a.args[0], b)
    if b.op == "neg":
        return neg(call("solve", a, b.args[0]))
    return _pull_scalars(t, node, 1, lambda y: call("solve", a, y))


def _inv(t, node: Node):
    (x,) = node.args
    if x.op == "inv":
        return x.args[0]
    if x.op == "transpose" and _symmetric(t, x.args[0]):
        return call("inv", x.args[0])
    return None


def _inverse_of(a: Node) -> str | None:
    """The text of M for a = inv(M), and of M.T for a = inv(M).T."""
    if a.op == "inv":
        return text(a.args[0])
    if a.op == "transpose" and a.args[0].op == "inv":
        return text(transpose(a.args[0].args[0]))
    return None


def _identity(t, a: Node) -> Node:
    return call("eye", dim(t.shape(a)[0]))


def _cancels(a: Node, b: Node) -> bool:
    """inv(M) @ M or M @ inv(M) (transposed too): the identity."""
    return _inverse_of(a) == text(b) or _inverse_of(b) == text(a)


def _pull_scalars(t, node: Node, position: int, rebuild):
    """c * A inside an operation linear in that argument: pull c out."""
    arg = node.args[position]
    if arg.op == "div" and not t.shape(arg.args[1]):
        return div(rebuild(arg.args[0]), arg.args[1])
    scalars, arrays = t.scalar_split(arg)
    if scalars and arrays:
        return mul(product(scalars), rebuild(product(arrays)))
    return None


def _matmul(t, node: Node):
    a, b = node.args
    if a.op == "eye":
        return b
    if b.op == "eye":
        return a
    if _cancels(a, b):
        return _identity(t, a)
    if a.op == "matmul" and _cancels(a.args[1], b):  # (P @ inv(M)) @ M = P
        return a.args[0]
    if b.op == "matmul" and _cancels(a, b.args[0]):  # inv(M) @ (M @ Q) = Q
        return b.args[1]
    for position in (0, 1):
        pulled = _pull_scalars(t, node, position, lambda x, p=position: matmul(
            *((x, b) if p == 0 else (a, x))))
        if pulled is not None:
            return pulled
    if t.shape.ndim(a) == 1 and t.shape.ndim(b) == 2:
        return matmul(transpose(b), a)  # x B is written Bᵀ x
    power_a, power_b = _as_power(a), _as_power(b)
    square = len(t.shape(a)) == 2 and t.shape(a)[0] == t.shape(a)[1]
    if square and power_a and power_b and text(power_a[0]) == text(power_b[0]):  # X^j X^k
        return call("matpow", power_a[0], num(power_a[1] + power_b[1]))
    return None


def _as_power(x: Node):
    """(base, k) of matpow(base, k), or of a square matrix base itself (k = 1)."""
    if x.op == "matpow":
        return x.args[0], int(x.args[1].name)
    return (x, 1) if x.op in ("symbol", "transpose", "define") else None


def _outer(t, node: Node):
    a, b = node.args
    if a.op == "neg" or b.op == "neg":
        return neg(call("outer", *(x.args[0] if x.op == "neg" else x for x in (a, b)))) \
            if (a.op == "neg") != (b.op == "neg") else call("outer", a.args[0], b.args[0])
    for position in (0, 1):
        pulled = _pull_scalars(t, node, position, lambda x, p=position: call(
            "outer", *((x, b) if p == 0 else (a, x))))
        if pulled is not None:
            return pulled
    return None


def _sum(t, node: Node):
    (x,) = node.args
    axis = axis_of(node)
    if x.op == "neg":
        return neg(call("sum", x.args[0], axis=axis))
    if not t.shape(x):
        return x
    if axis is None and x.op == "symbol" and t.shape.ndim(x) == 1 and \
            t.shape.symbols[x.name].qualifiers & {"onehot", "probability"}:
        return num(1)  # the entries of a one-hot or probability vector add up to 1
    if axis == 1 and x.op == "symbol" and t.shape.ndim(x) == 2 and \
            "onehot" in t.shape.symbols[x.name].qualifiers:
        return ones(t.shape(x)[:1])  # each row of a one-hot matrix adds up to 1
    if x.op == "ones" and axis is None:
        return count(t.shape(x))
    if axis == 0:  # column sums, as a Jacobian's rows need them
        if x.op == "diag":
            return x.args[0]
        if x.op == "eye":
            return ones((x.args[0].name if x.args[0].op == "dim" else int(x.args[0].name),))
        if x.op == "matmul" and t.shape.ndim(x.args[1]) == 2:
            return matmul(transpose(x.args[1]), call("sum", x.args[0], axis=0))
        if x.op == "outer":
            return mul(call("sum", x.args[0]), x.args[1])
    pulled = _pull_scalars(t, node, 0, lambda y: call("sum", y, axis=axis))
    if pulled is not None or axis is not None or x.op not in ("add", "sub"):
        return pulled
    split = t(Node(x.op, tuple(call("sum", a) if t.shape(a) else mul(a, count(t.shape(x)))
                               for a in x.args)))  # sum(x - mu) = sum(x) - N mu = 0
    return split if size(split) < size(node) else None


def _tr(t, node: Node):
    (x,) = node.args
    if x.op == "eye":
        return x.args[0]
    return _pull_scalars(t, node, 0, lambda y: call("tr", y))


def _diag(t, node: Node):
    (x,) = node.args
    if x.op == "transpose" and t.shape.ndim(x) == 2:
        return call("diag", x.args[0])  # the diagonal of Xᵀ is the diagonal of X
    if x.op == "outer":
        return mul(x.args[0], x.args[1])  # the diagonal of a bᵀ is a ⊙ b
    return _pull_scalars(t, node, 0, lambda y: call("diag", y))


def _getitem(t, node: Node):
    base, *indices = node.args
    if base.op == "list" and all(i.op == "num" for i in indices):  # [a, b][1] -> b
        entry = base.args[int(indices[0].name)]
        return entry.args[int(indices[1].name)] if len(indices) == 2 else entry
    return None


RULES = {
    "diag": _diag,
    "inv": _inv,
    "solve": _solve,
    "getitem": _getitem,
    "transpose": _transpose,
    "matmul": _matmul,
    "outer": _outer,
    "sum": _sum,
    "tr": _tr,
}

