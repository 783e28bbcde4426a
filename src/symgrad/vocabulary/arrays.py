"""Operations that rearrange arrays: Kronecker products, vec, flips, convolutions and
pooling (their shape rules, with dimension arithmetic, and their evaluation).  Their
entries in :data:`symgrad.vocabulary.ops.OPS` point here."""

from __future__ import annotations

from ..errors import ExpressionError, ShapeMismatch
from . import dims, shapes


def floordiv(ev, node):
    return ev.backend.number(str(ev.dim_value(node)))


def kron_shape(s, node):
    if len(s[0]) != len(s[1]) or not s[0]:
        raise ShapeMismatch(f"kron takes two vectors or two matrices, got {shapes.show(s[0])} "
                            f"and {shapes.show(s[1])}",
                            hint="for a column vector a write outer(a, ones(1)) (a matrix(n, 1))")
    return tuple(dims.combine("*", a, b) for a, b in zip(s[0], s[1], strict=True))


def vec_shape(s, node):
    if len(s[0]) != 2:
        raise ShapeMismatch(f"vec takes a matrix, got {shapes.show(s[0])}")
    return (dims.combine("*", s[0][0], s[0][1]),)


def flip_shape(s, node):
    if not s[0]:
        raise ShapeMismatch("flip takes a vector or a matrix")
    return s[0]


def conv_setting(node, key: str, rank: int) -> tuple:
    """A convolution's stride or padding as written, one node per axis (None where it is not
    written): one value for every axis, or (conv2d) a list, ``padding=[h - 1, w - 1]``."""
    written = node.kwarg(key)
    if written is None:
        return (None,) * rank
    return tuple(written.args) if written.op == "list" else (written,) * rank


def _setting(node, key: str, default: int, low: int, rank: int) -> tuple:
    """A convolution's stride (>= 1) or padding (>= 0) per axis, as dimensions."""
    items = conv_setting(node, key, rank)
    if len(items) != rank:
        raise ExpressionError(f"{key} takes one value or {rank} (one per axis), got "
                              f"{len(items)}", node.kwarg(key).col)
    if items[0] is None:
        return (default,) * rank
    values = tuple(dims.of_node(item) for item in items)
    for value in values:
        if not dims.always(value, low):
            raise ExpressionError(f"{key} must be {'>= 1' if low else '>= 0'} at every size, "
                                  f"got {value}", node.kwarg(key).col,
                                  hint="e.g. padding=k - 1, stride=2")
    return values


def _window(n, k, stride, padding):
    """The output length of a strided, padded window: ⌊(n + 2p − k)/s⌋ + 1."""
    span = dims.combine("-", dims.combine("+", n, dims.combine("*", 2, padding)), k)
    out = dims.combine("+", dims.combine("//", span, stride), 1)
    if isinstance(out, int) and out < 1:
        raise ShapeMismatch(f"the kernel ({k}) is longer than the padded input ({n} with "
                            f"padding {padding})")
    return out


def conv_shape(rank: int):
    what = f"conv{rank}d"

    def shape(s, node):
        noun = "vector" if rank == 1 else "matrix"
        if len(s[0]) != rank or len(s[1]) != rank:
            raise ShapeMismatch(f"{what}(x, w) takes a {noun} and a {noun} kernel, got "
                                f"{shapes.show(s[0])} and {shapes.show(s[1])}")
        strides = _setting(node, "stride", 1, 1, rank)
        paddings = _setting(node, "padding", 0, 0, rank)
        return tuple(_window(*axis) for axis in zip(s[0], s[1], strides, paddings, strict=True))
    return shape


def conv(ev, node):
    rank = len(ev.backend.core_shape(ev.arg(node, 1)))

    def per_axis(key, default):
        return tuple(default if item is None else ev.dim_value(item)
                     for item in conv_setting(node, key, rank))

    return ev.backend.correlate(ev.arg(node, 0), ev.arg(node, 1), per_axis("stride", 1),
                                per_axis("padding", 0))


def maxpool_shape(s, node):
    if len(s[0]) != 2:
        raise ShapeMismatch(f"maxpool2d(X, k) takes a matrix, got {shapes.show(s[0])}")
    k = s[1]
    pooled = tuple(dims.combine("/", d, k) for d in s[0])
    for d, out in zip(s[0], pooled, strict=True):
        if isinstance(out, dims.Expr) and not out.sym.free_symbols or \
                isinstance(d, int) and isinstance(k, int) and d % k:
            raise ShapeMismatch(f"maxpool2d(X, {k}) needs sides that are multiples of {k}, "
                                f"got {shapes.show(s[0])}")
    return pooled


def maxpool(ev, node):
    return ev.backend.pool_max(ev.arg(node, 0), ev.dim_value(node.args[1]))
