"""The backward rules: one vector-Jacobian product per operation, on symbolic trees.

As autograd keeps one ``defvjp`` per primitive, :data:`VJPS` keeps, for every
operation of :data:`symgrad.vocabulary.ops.OPS`, the rule that sends the upstream adjoint
``G`` of a node (an array of the node's shape: the derivative of the final
scalar with respect to the node) to the adjoints of its arguments.

Every rule is ``rule(shape, node, out, G) -> tuple`` with one entry per
argument of ``node``: a tree, None where no derivative flows (a constant
argument, an index, a derivative that is zero almost everywhere), or a function
making the tree, called only if that argument is differentiated (an adjoint
that may not exist where the other does).  ``shape``
gives the shape of any tree, ``out`` is the node's value (the node itself, or
the name of the definition it is the body of: softmax's rule writes
``s * (G - sum(G * s))`` rather than repeating ``softmax(z)``).  A contribution
may have a broadcast shape (a scalar for a vector argument, a row for a matrix);
:func:`symgrad.derivation.reverse.unbroadcast` reduces it.  An operation without a closed
matrix-form derivative raises :class:`~symgrad.derivation.trees.CannotDerive` saying why.
"""

from __future__ import annotations

from ..language.expressions import Node
from ..vocabulary import dims
from ..vocabulary.arrays import conv_setting
from .trees import (
    CannotDerive,
    add,
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
    power,
    sub,
    text,
    transpose,
)


def _matmul(shape, node, out, G):
    a, b = node.args
    ka, kb = shape.ndim(a), shape.ndim(b)
    if ka == 2 and kb == 2:
        return matmul(G, transpose(b)), matmul(transpose(a), G)
    if ka == 2:  # A @ x
        return call("outer", G, b), matmul(transpose(a), G)
    if kb == 2:  # x @ B
        return matmul(b, G), call("outer", a, G)
    return mul(G, b), mul(G, a)  # x @ y


def _pow(shape, node, out, G):
    a, b = node.args
    return (mul(mul(b, G), power(a, sub(b, num(1)))),
            mul(mul(G, out), call("log", a)))


def _leaky(shape, node, out, G):
    x, a = node.args
    slope = add(call("step", x), mul(a, call("step", neg(x))))
    return mul(G, slope), neg(mul(G, call("relu", neg(x))))


def _sum(shape, node, out, G):
    (x,) = node.args
    axis = axis_of(node)
    dims = shape(x)
    if axis is None:
        return (mul(G, ones(dims)),)
    if axis == 0:
        return (call("outer", ones(dims[:1]), G),)
    return (call("outer", G, ones(dims[1:])),)


def _mean(shape, node, out, G):
    (x,) = node.args
    axis = axis_of(node)
    dims = shape(x)
    spread = _sum(shape, node, out, G)[0]
    return (div(spread, count(dims if axis is None else dims[axis:axis + 1])),)


def _softmax(shape, node, out, G):
    axis = axis_of(node)
    inner = mul(G, out)
    if axis is None:
        return (mul(out, sub(G, call("sum", inner))),)
    rows, columns = shape(node)
    spread = call("outer", call("sum", inner, axis=1), ones((columns,))) if axis == 1 else \
        call("outer", ones((rows,)), call("sum", inner, axis=0))
    return (mul(out, sub(G, spread)),)


def _inv(shape, node, out, G):
    """d inv(X) = -inv(X) dX inv(X): the adjoint -inv(X).T @ G @ inv(X).T."""
    return (neg(matmul(matmul(transpose(out), G), transpose(out))),)


def _solve(shape, node, out, G):
    """y = solve(A, b): b gets solve(A.T, G), A gets -solve(A.T, G) y.T."""
    a, b = node.args
    back = call("solve", transpose(a), G)
    spread = call("outer", back, out) if shape.ndim(b) == 1 else matmul(back, transpose(out))
    return neg(spread), back


def _matpow(shape, node, out, G):
    """X^k: the sum over j of (X.T)^j @ G @ (X.T)^(k-1-j)."""
    x, k = node.args[0], int(node.args[1].name)
    if k == 0:
        return None, None
    total = None
    for j in range(k):
        term = G
        if j:
            term = matmul(_power_of(transpose(x), j), term)
        if k - 1 - j:
            term = matmul(term, _power_of(transpose(x), k - 1 - j))
        total = term if total is None else add(total, term)
    return total, None


def _power_of(x: Node, j: int) -> Node:
    return x if j == 1 else call("matpow", x, num(j))


def _logsumexp(shape, node, out, G):
    (x,) = node.args
    axis = axis_of(node)
    if axis is None:
        return (mul(G, call("softmax", x)),)
    rows, columns = shape(x)
    spread = call("outer", G, ones((columns,))) if axis == 1 else \
        call("outer", ones((rows,)), G)
    return (mul(spread, call("softmax", x, axis=axis)),)


def _conv(shape, node, out, G):
    """At stride 1: the input gets a full convolution of G with the flipped kernel,
    conv(G, flip(w), padding=k - 1 - p); the kernel a cross-correlation of the padded input
    with G, conv(x, G, padding=p)."""
    x, w = node.args
    rank = shape.ndim(w)
    if not all(s is None or _is_one(s) for s in conv_setting(node, "stride", rank)):
        raise CannotDerive(
            f"the backward pass of a strided {node.op} is a transposed (dilated) convolution, "
            "which the expression language cannot write; write the answer (index form: "
            "sum(G[i] * x[2 * i + a - p], i)) and symgrad will check it")
    paddings = tuple(num(0) if p is None else p for p in conv_setting(node, "padding", rank))

    def input_adjoint():
        full = []
        for k, p in zip(shape(w), paddings, strict=True):
            width = dims.combine("-", dims.combine("-", k, 1), dims.of_node(p))
            if not dims.always(width, 0):
                raise CannotDerive(f"the padding {text(p)} may be wider than the kernel's size "
                                   f"less one ({k} - 1): the input's gradient would then need "
                                   "a cropped convolution; write the answer (or give the "
                                   "kernel a fixed size) and symgrad will check it")
            full.append(dim(width))
        return _conv_call(node.op, G, call("flip", w), full)

    return input_adjoint, _conv_call(node.op, x, G, list(paddings))


def _kron(shape, node, out, G):
    """Only where G is c * I (the kron sits in a trace): tr(A ⊗ B) = tr(A) tr(B), so A gets
    c tr(B) I and B gets c tr(A) I."""
    a, b = node.args
    scale = _identity_scale(G)
    square = all(shape.ndim(x) == 2 and shape(x)[0] == shape(x)[1] for x in (a, b))
    if scale is None or not square:
        raise CannotDerive(
            "the adjoint of a Kronecker product folds G into blocks, which the expression "
            "language cannot write (only inside a trace, tr(kron(A, B)) = tr(A) tr(B), has it "
            "a closed form); write the answer and symgrad will check it")

    def part(other, mine):
        return mul(mul(scale, call("tr", other)), call("eye", dim(shape(mine)[0])))

    return part(b, a), part(a, b)


def _identity_scale(G: Node) -> Node | None:
    """c for G = c * eye(n) (1 for eye(n)), else None."""
    if G.op == "eye":
        return num(1)
    if G.op == "mul":
        for k in (0, 1):
            if G.args[k].op == "eye":
                return G.args[1 - k]
    return None


def _is_one(node: Node) -> bool:
    return node.op == "num" and node.name == "1"


def _conv_call(op: str, x: Node, w: Node, paddings: list[Node]) -> Node:
    if all(text(p) == "0" for p in paddings):
        return call(op, x, w)
    same = all(text(p) == text(paddings[0]) for p in paddings)
    padding = paddings[0] if same else Node("list", tuple(paddings))
    return Node(op, (x, w), kwargs=(("padding", padding),))


def _list(shape, node, out, G):
    if shape.ndim(node) == 1:
        return tuple(call_getitem(G, num(k)) for k in range(len(node.args)))
    return tuple(Node("list", tuple(call_getitem(G, num(i), num(j))
                                    for j in range(len(row.args))))
                 for i, row in enumerate(node.args))


def call_getitem(base: Node, *indices: Node) -> Node:
    return Node("getitem", (base, *indices))


def _getitem(shape, node, out, G):
    """x[2] of a vector(4): G * [0, 0, 1, 0] (only where the sizes are fixed numbers)."""
    base, *indices = node.args
    dims = shape(base)
    if not all(isinstance(d, int) for d in dims) or any(i.op != "num" for i in indices):
        raise CannotDerive(
            "an indexed entry (x[0], A[i, j]) of an array whose size is a name has no closed "
            "matrix-form derivative; write the answer and symgrad will check it")
    at = tuple(int(i.name) for i in indices)

    def unit(prefix=()):
        if len(prefix) == len(dims):
            return num(int(prefix == at))
        return Node("list", tuple(unit(prefix + (k,)) for k in range(dims[len(prefix)])))

    return (mul(G, unit()),) + (None,) * len(indices)


def _no_closed_form(why: str):
    def rule(shape, node, out, G):
        raise CannotDerive(why)

    return rule


def _constant(shape, node, out, G):
    return (None,) * len(node.args)


def _elementwise(derivative):
    """The rule of an elementwise function from its derivative f'(x) (given x and out)."""
    return lambda shape, node, out, G: (mul(G, derivative(node.args[0], out)),)


VJPS = {
    "add": lambda shape, node, out, G: (G, G),
    "sub": lambda shape, node, out, G: (G, neg(G)),
    "neg": lambda shape, node, out, G: (neg(G),),
    "mul": lambda shape, node, out, G: (mul(G, node.args[1]), mul(G, node.args[0])),
    "div": lambda shape, node, out, G: (div(G, node.args[1]),
                                        neg(div(mul(G, out), node.args[1]))),
    "pow": _pow,
    "matmul": _matmul,
    "transpose": lambda shape, node, out, G: (transpose(G),),
    "list": _list,
    "apply": lambda shape, node, out, G: (
        mul(G, Node("apply", node.args, name=node.name, order=node.order + 1)),),
    "exp": _elementwise(lambda x, out: out),
    "log": _elementwise(lambda x, out: div(num(1), x)),
    "sqrt": _elementwise(lambda x, out: div(num(1), mul(num(2), out))),
    "abs": _elementwise(lambda x, out: div(x, out)),
    "tanh": _elementwise(lambda x, out: sub(num(1), power(out, num(2)))),
    "sigmoid": _elementwise(lambda x, out: mul(out, sub(num(1), out))),
    "softplus": _elementwise(lambda x, out: call("sigmoid", x)),
    "relu": _elementwise(lambda x, out: call("step", x)),
    "step": _constant,  # zero almost everywhere
    "leaky_relu": _leaky,
    "tr": lambda shape, node, out, G: (mul(G, call("eye", dim(shape(node.args[0])[0]))),),
    "norm": lambda shape, node, out, G: (div(mul(G, node.args[0]), out),),
    "sum": _sum,
    "mean": _mean,
    "softmax": _softmax,
    "outer": lambda shape, node, out, G: (matmul(G, node.args[1]),
                                          matmul(transpose(G), node.args[0])),
    "diag": lambda shape, node, out, G: (call("diag", G),),
    "inv": _inv,
    "det": lambda shape, node, out, G: (mul(mul(G, out), transpose(call("inv", node.args[0]))),),
    "logdet": lambda shape, node, out, G: (mul(G, transpose(call("inv", node.args[0]))),),
    "solve": _solve,
    "matpow": _matpow,
    "logsumexp": _logsumexp,
    "flip": lambda shape, node, out, G: (call("flip", G),),
    "conv1d": _conv,
    "conv2d": _conv,
    "kron": _kron,
    "vec": _no_closed_form(
        "the adjoint of vec folds the vector back into columns, which the expression "
        "language cannot write; write the answer and symgrad will check it"),
    "maxpool2d": _no_closed_form(
        "max pooling routes G to each window's largest entry, an indicator with no closed "
        "form in the expression language; write the answer, or check the routing at a point "
        "with a value claim"),
    "floordiv": _constant,
    "ones": _constant,
    "eye": _constant,
    "delta": _constant,
    "getitem": _getitem,
    "isum": _no_closed_form(
        "an index-notation sum has no closed matrix-form derivative here; write the "
        "expression in matrix form (@, sum, tr) or write the answer"),
    "max": _no_closed_form(
        "the derivative of max is the indicator of the largest entry, which has no closed "
        "form in the expression language; write the answer, or check it at a point with "
        "a value claim"),
    # grad and hessian inside an expression are expanded before the backward pass
    "grad": _no_closed_form("a nested grad() could not be expanded"),
    "hessian": _no_closed_form("a nested hessian() could not be expanded"),
}

