"""The operation table: everything symgrad knows about each operation, in one place.

Each entry of :data:`OPS` says, for one operation of the expression language,
how to check its arguments and infer its shape (``shape``) and how to compute
it (``evaluate``).  ``evaluate(ev, node)`` receives the evaluator, which gives
the argument values (``ev.arg(node, k)``), the concrete sizes and the backend;
it must return an array (0-d for a scalar) and must work the same on both
backends: complex numpy arrays (the numeric path) and numpy object arrays of
SymPy expressions (the symbolic path).  Elementwise functions additionally
carry their numeric (complex-step safe) and SymPy definitions in
:data:`ELEMENTWISE`, and name the guard the numeric path applies (stay away
from a kink, or stay inside the domain).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..errors import ExpressionError, ShapeMismatch
from . import arrays, shapes


@cache
def sympy():
    import sympy as sp

    return sp


def as_sympy(x):
    """A SymPy object from a SymPy object or a Python/numpy number: never from text (so not
    ``sympify``, which would parse a string)."""
    sp = sympy()
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return as_sympy(x[()])
    if isinstance(x, bool | np.bool_ | int | np.integer):
        return sp.Integer(int(x))
    if isinstance(x, float | np.floating):
        from fractions import Fraction

        return sp.Rational(Fraction(float(x)))
    raise TypeError(f"not a number or a SymPy expression: {type(x).__name__}")


# --- elementwise functions -------------------------------------------------

def _real_positive(x):
    return np.real(x) > 0


def _monotone(fn):
    """The interval image of an increasing function."""
    return lambda lo, hi: (fn(lo), fn(hi))


def _log_image(lo, hi):
    return (math.log(lo) if lo > 0 else -math.inf, math.log(hi) if hi > 0 else -math.inf)


def _abs_image(lo, hi):
    return (0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), max(abs(lo), abs(hi)))


def _step_image(lo, hi):
    return (1.0 if lo > 0 else 0.0, 0.0 if hi <= 0 else 1.0)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x > -700 else 0.0


def _sigmoid_function():
    sympy()
    from .functions import sigmoid

    return sigmoid


def _softplus(x):
    return x if x > 30 else math.log1p(math.exp(x))


@dataclass(frozen=True)
class Elementwise:
    numeric: Callable  # numpy, complex-step safe (no conjugation, no np.abs)
    symbolic: Callable  # one SymPy scalar -> SymPy scalar
    guard: str | None = None  # "kink": keep away from 0; "positive": argument must be > 0
    image: Callable = lambda lo, hi: (-math.inf, math.inf)  # interval of arguments -> of values
    # f'(u) from the value f(u) and the argument u, in any exact arithmetic (the symbolic
    # path's polynomial ring, where f(u) is a generator): the chain rule there; None where
    # the derivative is not a rational function of f(u) and u (a kink, softplus)
    slope: Callable | None = None


ELEMENTWISE: dict[str, Elementwise] = {
    "exp": Elementwise(np.exp, lambda x: sympy().exp(x),
                       image=_monotone(lambda x: math.exp(min(x, 700))),
                       slope=lambda f, u: f),
    "log": Elementwise(np.log, lambda x: sympy().log(x), "positive", image=_log_image,
                       slope=lambda f, u: 1 / u),
    "sqrt": Elementwise(np.sqrt, lambda x: sympy().sqrt(x), "positive",
                        image=_monotone(lambda x: math.sqrt(max(x, 0))),
                        slope=lambda f, u: 1 / (2 * f)),
    "abs": Elementwise(lambda x: x * np.where(_real_positive(x), 1, -1),
                       lambda x: sympy().Abs(x), "kink", image=_abs_image),
    "tanh": Elementwise(np.tanh, lambda x: sympy().tanh(x), image=_monotone(math.tanh),
                        slope=lambda f, u: 1 - f * f),
    "sigmoid": Elementwise(lambda x: 1 / (1 + np.exp(-x)), lambda x: _sigmoid_function()(x),
                           image=_monotone(_sigmoid), slope=lambda f, u: f * (1 - f)),
    "softplus": Elementwise(lambda x: np.log(1 + np.exp(x)),
                            lambda x: sympy().log(1 + sympy().exp(x)),
                            image=_monotone(_softplus)),
    "relu": Elementwise(lambda x: x * _real_positive(x), lambda x: sympy().Max(0, x), "kink",
                        image=_monotone(lambda x: max(x, 0.0))),
    "step": Elementwise(lambda x: _real_positive(x) + 0.0 * x,
                        lambda x: sympy().Heaviside(x), "kink", image=_step_image),
}


# --- the table ----------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    """One operation.  ``kinds`` gives each positional argument's kind: ``e`` an
    expression, ``d`` a dimension, ``i`` an index name, ``s`` a declared symbol
    (the last kind repeats); ``arity`` the allowed numbers of positional args."""

    shape: Callable  # (arg shapes, node) -> shape, raising ShapeMismatch / ExpressionError
    evaluate: Callable  # (evaluator, node) -> array
    arity: tuple[int, ...] = (1,)
    kinds: str = "e"
    keywords: frozenset[str] = frozenset()
    usage: str = ""
    dimension_keywords: frozenset[str] = frozenset()  # keywords whose values are dimensions


_CONV_KEYWORDS = frozenset({"stride", "padding"})


def _same(shapes_, node):
    return shapes_[0]


def _scalar(shapes_, node):
    return ()


def _axis(node, default=None):
    axis = node.kwarg("axis")
    if axis is None:
        return default
    if axis.op != "num" or axis.name not in ("0", "1"):
        raise ExpressionError("axis is 0 (down the columns) or 1 (along each row)", axis.col)
    return int(axis.name)


def _binary(symbol: str, compute: Callable, guard: Callable | None = None) -> Op:
    def shape(s, node):
        return shapes.broadcast(s[0], s[1], f"{symbol}")

    def evaluate(ev, node):
        a, b = ev.backend.align(ev.arg(node, 0), ev.arg(node, 1))
        if guard:
            guard(ev, a, b)
        return compute(a, b)

    return Op(shape, evaluate, arity=(2,), usage=f"a {symbol} b")


def _guard_div(ev, a, b):
    ev.backend.guard("nonzero", b)


def _guard_pow(ev, a, b):
    exponent = ev.backend.real_constant(b)
    if exponent is None or exponent != int(exponent):
        ev.backend.guard("positive", a)
    elif exponent < 0:
        ev.backend.guard("nonzero", a)


def _pow(ev, node):
    a, b = ev.backend.align(ev.arg(node, 0), ev.arg(node, 1))
    _guard_pow(ev, a, b)
    return ev.backend.power(a, b)


def _elementwise(name: str) -> Op:
    spec = ELEMENTWISE[name]

    def evaluate(ev, node):
        x = ev.arg(node, 0)
        if spec.guard:
            ev.backend.guard(spec.guard, x)
        return ev.backend.elementwise(spec, x)

    return Op(_same, evaluate, usage=f"{name}(x)")


def _leaky_shape(s, node):
    if s[1]:
        raise ShapeMismatch("the slope of leaky_relu(x, a) must be a scalar")
    return s[0]


def _leaky(ev, node):
    x, a = ev.backend.align(ev.arg(node, 0), ev.arg(node, 1))
    ev.backend.guard("kink", x)
    relu = ELEMENTWISE["relu"]
    return ev.backend.elementwise(relu, x) - a * ev.backend.elementwise(relu, -x)


def _getitem_shape(s, node):
    base = s[0]
    if len(node.args) - 1 != len(base):
        raise ShapeMismatch(f"indexing {shapes.show(base)} needs {len(base)} indices, "
                            f"got {len(node.args) - 1}")
    for dim, index in zip(base, node.args[1:], strict=True):
        if index.op == "num" and isinstance(dim, int) and int(index.name) >= dim:
            raise ShapeMismatch(f"index {index.name} is out of range for dimension {dim}")
    return ()


def _getitem(ev, node):
    """An entry; a position outside the array reads 0 (the zero padding of the
    convolution formulas, x[i + a - p])."""
    base = ev.arg(node, 0)
    position = tuple(ev.index_value(index) for index in node.args[1:])
    if any(isinstance(at, np.ndarray) for at in position):  # every entry at once
        return ev.backend.entries_at(base, position)
    for at, size in zip(position, ev.backend.core_shape(base), strict=True):
        if not 0 <= at < size:
            return ev.backend.number("0")
    return ev.backend.entry(base, position)


def _list_shape(s, node):
    if any(x != s[0] for x in s):
        raise ShapeMismatch("the entries of a list literal must all have the same shape")
    if len(s[0]) >= 2:
        raise ShapeMismatch("list literals are vectors or matrices")
    return (len(s),) + s[0]


def _list(ev, node):
    return ev.backend.stack([ev.arg(node, k) for k in range(len(node.args))])


def _square(shape, what):
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ShapeMismatch(f"{what} needs a square matrix, got {shapes.show(shape)}")


def _tr_shape(s, node):
    _square(s[0], "tr")
    return ()


def _norm_shape(s, node):
    if not s[0]:
        raise ShapeMismatch("norm takes a vector or a matrix", hint="use abs for a scalar")
    return ()


def _norm(ev, node):
    x = ev.arg(node, 0)
    total = ev.backend.sum(x * x, None)
    ev.backend.guard("positive", total)
    return ev.backend.elementwise(ELEMENTWISE["sqrt"], ev.backend.asarray(total))


def _reduce_shape(s, node):
    axis = _axis(node)
    if axis is None:
        return ()
    if len(s[0]) != 2:
        raise ShapeMismatch(f"axis={axis} needs a matrix, got {shapes.show(s[0])}")
    return (s[0][1 - axis],)


def _sum(ev, node):
    return ev.backend.sum(ev.arg(node, 0), _axis(node))


def _mean(ev, node):
    x = ev.arg(node, 0)
    axis = _axis(node)
    core = ev.backend.core_shape(x)
    count = int(np.prod(core)) if axis is None else core[axis]
    return ev.backend.sum(x, axis) * ev.backend.number(f"1/{count}")


def _isum(ev, node):
    return ev.sum_over(node)


def _softmax_shape(s, node):
    axis = _axis(node)
    if len(s[0]) == 1 and axis is None:
        return s[0]
    if len(s[0]) == 2 and axis is not None:
        return s[0]
    if len(s[0]) == 2:
        raise ShapeMismatch("softmax of a matrix needs an axis",
                            hint="softmax(X, axis=1) normalises each row")
    raise ShapeMismatch("softmax takes a vector (or a matrix with axis=1), got "
                        f"{shapes.show(s[0])}")


def _softmax(ev, node):
    x = ev.arg(node, 0)
    axis = _axis(node)
    shift = ev.backend.stop_max(x, axis)  # a real constant shift: exact invariance, no overflow
    e = ev.backend.elementwise(ELEMENTWISE["exp"], x - shift)
    total = ev.backend.sum(e, axis, keepdims=True)
    return e / total


def _square_same(what):
    def shape(s, node):
        _square(s[0], what)
        return s[0]
    return shape


def _square_scalar(what):
    def shape(s, node):
        _square(s[0], what)
        return ()
    return shape


def _inv(ev, node):
    x = ev.arg(node, 0)
    ev.backend.guard("invertible", x)
    return ev.backend.inv(x)


def _det(ev, node):
    return ev.backend.det(ev.arg(node, 0))


def _logdet(ev, node):
    x = ev.arg(node, 0)
    ev.backend.guard("invertible", x)
    return ev.backend.logabsdet(x)


def _solve_shape(s, node):
    _square(s[0], "solve(A, b)")
    if len(s[1]) not in (1, 2) or s[1][0] != s[0][0]:
        raise ShapeMismatch(f"solve(A, b) needs b with {s[0][0]} rows for "
                            f"{shapes.show(s[0])} A, got {shapes.show(s[1])}",
                            hint="b is a vector(n) or a matrix(n, m) for an n x n A")
    return s[1]


def _solve(ev, node):
    a, b = ev.arg(node, 0), ev.arg(node, 1)
    ev.backend.guard("invertible", a)
    return ev.backend.matmul(ev.backend.inv(a), b)


MAX_MATPOW = 32  # matpow(X, k): a whole k from 0 to this


def _matpow_shape(s, node):
    _square(s[0], "matpow")
    k = node.args[1]
    if k.op != "num" or not k.name.isdigit() or int(k.name) > MAX_MATPOW:
        negative = k.op == "neg" or k.name is not None and k.name.startswith("-")
        raise ExpressionError(f"matpow(X, k) takes a whole number k from 0 to {MAX_MATPOW}",
                              k.col, hint="for an inverse write inv(X), for X^-k "
                              "matpow(inv(X), k)" if negative else
                              "matpow(X, 3) = X @ X @ X; matpow(X, 0) = eye(n)")
    return s[0]


def _matpow(ev, node):
    x, k = ev.arg(node, 0), int(node.args[1].name)
    result = ev.backend.eye(ev.backend.core_shape(x)[0])
    for _ in range(k):
        result = ev.backend.matmul(result, x)
    return result


def _logsumexp(ev, node):
    """log Σ exp, shifted by the (real, constant) largest entry: no overflow."""
    x = ev.arg(node, 0)
    axis = _axis(node)
    shift = ev.backend.stop_max(x, axis)
    e = ev.backend.elementwise(ELEMENTWISE["exp"], x - shift)
    total = ev.backend.sum(e, axis, keepdims=True)
    return ev.backend.sum(ev.backend.elementwise(ELEMENTWISE["log"], total) + shift, axis)


def _vector_arg(s, what):
    if len(s) != 1:
        raise ShapeMismatch(f"{what} takes a vector, got {shapes.show(s)}")


def _max_shape(s, node):
    if not s[0]:
        raise ShapeMismatch("max takes a vector or a matrix (its largest entry)")
    return ()


def _max(ev, node):
    return ev.backend.max_entry(ev.arg(node, 0))


def _outer_shape(s, node):
    _vector_arg(s[0], "outer")
    _vector_arg(s[1], "outer")
    return (s[0][0], s[1][0])


def _diag_shape(s, node):
    if len(s[0]) == 1:
        return (s[0][0], s[0][0])
    _square(s[0], "diag")
    return (s[0][0],)


def _diag(ev, node):
    return ev.backend.diag(ev.arg(node, 0))


def _dims_shape(s, node):
    return tuple(s)  # the model passes dimensions in place of shapes for kind 'd'


def _ones(ev, node):
    return ev.backend.ones(tuple(ev.dim_value(d) for d in node.args))


def _eye(ev, node):
    return ev.backend.eye(ev.dim_value(node.args[0]))


def _delta(ev, node):
    i, j = (ev.index_value(a) for a in node.args)
    if isinstance(i, np.ndarray) or isinstance(j, np.ndarray):  # every entry at once
        return ev.backend.indicator(np.equal(i, j))
    return ev.backend.number("1" if i == j else "0")


def _grad_shape(s, node):
    if s[0]:
        raise ShapeMismatch(f"grad needs a scalar expression, got {shapes.show(s[0])}",
                            hint="use a jacobian claim for a vector")
    return s[1]


def _grad(ev, node):
    return ev.backend.grad(ev, node.args[0], node.args[1].name)


def _hessian(ev, node):
    body, wrt = node.args
    variables = [(s.name, ()) for s in wrt.args] if wrt.op == "list" else \
        [(wrt.name, p) for p in np.ndindex(ev.backend.core_shape(ev.values[wrt.name]))]
    return ev.backend.hessian(ev, body, variables)


def _apply(ev, node):
    return ev.backend.function(node.name, node.order, ev.arg(node, 0))


OPS: dict[str, Op] = {
    "add": _binary("+", lambda a, b: a + b),
    "sub": _binary("-", lambda a, b: a - b),
    "mul": _binary("*", lambda a, b: a * b),
    "div": _binary("/", lambda a, b: a / b, _guard_div),
    "pow": Op(lambda s, n: shapes.broadcast(s[0], s[1], "**"), lambda ev, n: _pow(ev, n),
              arity=(2,), usage="a ** b"),
    "matmul": Op(lambda s, n: shapes.matmul(s[0], s[1]),
                 lambda ev, n: ev.backend.matmul(ev.arg(n, 0), ev.arg(n, 1)), arity=(2,),
                 usage="A @ B"),
    "neg": Op(_same, lambda ev, n: -ev.arg(n, 0), usage="-x"),
    "transpose": Op(lambda s, n: shapes.transpose(s[0]),
                    lambda ev, n: ev.backend.transpose(ev.arg(n, 0)), usage="X.T"),
    "getitem": Op(_getitem_shape, _getitem, arity=(2, 3), kinds="ei", usage="A[i, j]"),
    "list": Op(_list_shape, _list, arity=tuple(range(1, 65)), usage="[a, b, ...]"),
    "apply": Op(_same, _apply, usage="h(z), diff(h)(z)"),
    **{name: _elementwise(name) for name in ELEMENTWISE},
    "leaky_relu": Op(_leaky_shape, _leaky, arity=(2,), usage="leaky_relu(x, a)"),
    "tr": Op(_tr_shape, lambda ev, n: ev.backend.trace(ev.arg(n, 0)), usage="tr(X)"),
    "norm": Op(_norm_shape, _norm, usage="norm(x)"),
    "sum": Op(_reduce_shape, _sum, arity=(1,), keywords=frozenset({"axis"}),
              usage="sum(X), sum(X, axis=0), sum(expr, k)"),
    "isum": Op(_same, _isum, arity=(2,), kinds="ei", usage="sum(expr, k)"),
    "mean": Op(_reduce_shape, _mean, keywords=frozenset({"axis"}), usage="mean(x)"),
    "softmax": Op(_softmax_shape, _softmax, keywords=frozenset({"axis"}),
                  usage="softmax(z), softmax(X, axis=1)"),
    "max": Op(_max_shape, _max, usage="max(v)"),
    "inv": Op(_square_same("inv"), _inv, usage="inv(X)"),
    "det": Op(_square_scalar("det"), _det, usage="det(X)"),
    "logdet": Op(_square_scalar("logdet"), _logdet, usage="logdet(X) (log |det X|)"),
    "solve": Op(_solve_shape, _solve, arity=(2,), usage="solve(A, b) (inv(A) @ b)"),
    "matpow": Op(_matpow_shape, _matpow, arity=(2,), usage="matpow(X, k) (X @ ... @ X)"),
    "logsumexp": Op(_reduce_shape, _logsumexp, keywords=frozenset({"axis"}),
                    usage="logsumexp(z), logsumexp(X, axis=1)"),
    "floordiv": Op(_scalar, arrays.floordiv, arity=(2,), usage="(n - k)//2 (dimensions only)"),
    "kron": Op(arrays.kron_shape, lambda ev, n: ev.backend.kron(ev.arg(n, 0), ev.arg(n, 1)),
               arity=(2,), usage="kron(A, B)"),
    "vec": Op(arrays.vec_shape, lambda ev, n: ev.backend.vec(ev.arg(n, 0)),
              usage="vec(X) (columns stacked)"),
    "flip": Op(arrays.flip_shape, lambda ev, n: ev.backend.flip(ev.arg(n, 0)),
               usage="flip(w) (every axis reversed)"),
    "conv1d": Op(arrays.conv_shape(1), arrays.conv, arity=(2,), dimension_keywords=_CONV_KEYWORDS,
                 keywords=_CONV_KEYWORDS, usage="conv1d(x, w), conv1d(x, w, stride=2, padding=1)"),
    "conv2d": Op(arrays.conv_shape(2), arrays.conv, arity=(2,), dimension_keywords=_CONV_KEYWORDS,
                 keywords=_CONV_KEYWORDS, usage="conv2d(X, K), conv2d(X, K, stride=2, "
                 "padding=1)"),
    "maxpool2d": Op(arrays.maxpool_shape, arrays.maxpool, arity=(2,), kinds="ed",
                    usage="maxpool2d(X, k)"),
    "outer": Op(_outer_shape, lambda ev, n: ev.backend.outer(ev.arg(n, 0), ev.arg(n, 1)),
                arity=(2,), usage="outer(a, b)"),
    "diag": Op(_diag_shape, _diag, usage="diag(v)"),
    "ones": Op(_dims_shape, _ones, arity=(1, 2), kinds="d", usage="ones(n), ones(n, m)"),
    "eye": Op(lambda s, n: (s[0], s[0]), _eye, kinds="d", usage="eye(n)"),
    "delta": Op(_scalar, _delta, arity=(2,), kinds="i", usage="delta(i, j)"),
    "grad": Op(_grad_shape, _grad, arity=(2,), kinds="es", usage="grad(expr, X)"),
    "hessian": Op(_same, _hessian, arity=(2,), kinds="es",
                  usage="hessian(expr, x), hessian(expr, [a, b])"),
}

#: Operations written as operators or produced by the parser, not called by name.
INTERNAL = {"add", "sub", "mul", "div", "pow", "matmul", "neg", "transpose", "getitem",
            "list", "apply", "isum", "floordiv"}
#: Functions a claim file may call by name.
FUNCTIONS = sorted(set(OPS) - INTERNAL)
#: Operations whose value can change abruptly (compared almost everywhere).
PIECEWISE = {"abs", "relu", "step", "leaky_relu", "max", "maxpool2d"}
