"""The LaTeX reader's shape-dependent nodes, settled by the resolver once shapes are known.

``juxt`` (AB, 2x, a·b) is a matrix product between arrays, a product with a scalar, and
the outer product a bᵀ between a vector and a transposed one; ``star`` (A * B) is the one
product that fits the shapes, or the one the file's ``latex_star`` names, or else
:class:`Ambiguous` (the claim is then decided in both readings); ``sup`` (X^2) is a matrix
power of a square matrix and elementwise otherwise; ``conv`` (x ⋆ w) is conv1d or conv2d;
``fitones``/``fiteye`` (𝟏, I) take the size their neighbour asks for, and ``oneish`` ((1))
is a ones vector beside an array and the number 1 elsewhere; a one-column bmatrix
(``column``) is a matrix where one is wanted and a vector elsewhere.
"""

from __future__ import annotations

from ...errors import ExpressionError, ShapeMismatch
from ...vocabulary import dims, shapes
from ...vocabulary.ops import OPS as VOCABULARY
from .. import expressions as language
from ..claimfile import LATEX_STAR

OPS = {"juxt", "star", "sup", "conv", "fitones", "fiteye", "oneish", "column"}
STAR_READINGS = LATEX_STAR  # the two readings of a *, as latex_star names them


ELEMENTWISE = {"add", "sub", "mul", "div", "transpose", "neg"}


class Ambiguous(ExpressionError):
    """A * between two arrays that both products fit, and no ``latex_star`` to choose."""


class NeedsSize(ExpressionError):
    """A 𝟏 or I whose size nothing around it tells (yet)."""


def settles(node) -> bool:
    """Is this node the reader's (or an elementwise operation with a 𝟏 or I in it)?"""
    return node.op in OPS or (node.op in ELEMENTWISE and any(
        inner.op in ("fitones", "fiteye") for inner in node.walk()))


def resolve(resolver, node):
    """The resolved node and its shape, for a node that :func:`settles`."""
    want = resolver.wants[-1]
    if node.op in ("fitones", "fiteye") or (node.op == "transpose" and _fits(node)):
        return _fit(resolver, node, want)
    if node.op == "oneish":
        return resolver.resolve(language.Node("num", name="1", col=node.col))
    if node.op in ELEMENTWISE:
        return _elementwise(resolver, node, want)
    if node.op == "sup":
        return _power(resolver, node)
    if node.op == "conv":
        return _convolution(resolver, node)
    if node.op == "column":  # a matrix of one column where one is wanted, else a vector
        rows = node.args
        if want is not None and len(want) == 2:
            rows = tuple(language.Node("list", (row,), col=row.col) for row in rows)
        return resolver.resolve(language.Node("list", rows, col=node.col))
    return _product(resolver, node, want)


def _fits(node) -> bool:
    return node.op in ("fitones", "fiteye") or (node.op == "transpose" and _fits(node.args[0]))


def _child(resolver, node, want):
    resolver.wants.append(want)
    try:
        return resolver.resolve(node)
    finally:
        resolver.wants.pop()


def _fit(resolver, node, want):
    """𝟏 or I (or its transpose) of the shape ``want``."""
    if node.op == "transpose":
        inner, shape = _fit(resolver, node.args[0],
                            None if want is None else tuple(reversed(want)))
        if not shape:  # 2 𝟏ᵀ beside a scalar: the number 1
            return inner, shape
        return resolver._shaped(VOCABULARY["transpose"], node, [inner], [shape])
    name = "ones" if node.op == "fitones" else "eye"
    written = "\\mathbf{1}" if name == "ones" else "I"
    if node.args:  # \mathbf{1}_n, I_n
        sizes = list(node.args)
    elif want is None:
        raise NeedsSize(f"cannot tell the size of {written} here", node.col,
                        hint=f"write its size as a subscript: {written}_n")
    elif name == "ones":
        if not want:
            return resolver.resolve(language.Node("num", name="1", col=node.col))
        sizes = [_dimension_node(d, node.col) for d in want]
    else:
        if len(want) != 2 or want[0] != want[1]:
            raise ShapeMismatch(f"the identity I cannot be {shapes.show(want)}")
        sizes = [_dimension_node(want[0], node.col)]
    return resolver.resolve(language.Node("call", tuple(sizes), name=name, col=node.col))


def _dimension_node(d, col):
    if isinstance(d, int):
        return language.Node("num", name=str(d), col=col)
    if isinstance(d, str):
        return language.Node("name", name=d, col=col)
    return language.parse(dims.text(d))  # symgrad's own text of a dimension expression


def _elementwise(resolver, node, want):
    """a + 𝟏, X^T X + λ I, I - S: an operand whose 𝟏 or I cannot tell its size takes the
    shape of the other operand."""
    if node.op in ("transpose", "neg"):
        flipped = node.op == "transpose" and want is not None
        inner, shape = _child(resolver, node.args[0], tuple(reversed(want)) if flipped else want)
        return resolver._shaped(VOCABULARY[node.op], node, [inner], [shape])
    a, b = node.args
    try:
        left = _child(resolver, a, want)
    except NeedsSize:
        right = _child(resolver, b, want)
        left = _child(resolver, a, right[1] or want)
    else:
        right = _child(resolver, b, left[1] or want)
    return resolver._shaped(VOCABULARY[node.op], node, [left[0], right[0]],
                            [left[1], right[1]])


def _product(resolver, node, want):
    """Juxtaposition and *: decided by the shapes of the two sides."""
    a, b = node.args
    while a.op == "juxt" and _fits(a.args[1]) and not _fits(b):
        # (1/N 𝟏ᵀ) D is 1/N (𝟏ᵀ D): the 𝟏 takes its size from what follows it
        inner = language.Node("juxt", (a.args[1], b), col=a.args[1].col)
        node = language.Node(node.op, (a.args[0], inner), col=node.col)
        a, b = node.args
    if _fits(a) and _fits(b):
        raise NeedsSize("cannot tell the sizes of 𝟏 and I here", node.col,
                        hint="write a size as a subscript: \\mathbf{1}_n")
    if a.op == "oneish" or b.op == "oneish":
        other = b if a.op == "oneish" else a
        resolved, shape = _child(resolver, other, None)
        if shape:
            kind = language.Node("fitones", col=node.col)
            node = language.Node(node.op, (kind, other) if a.op == "oneish" else (other, kind),
                                 col=node.col)
            return _product(resolver, node, want)
        return resolver._shaped(VOCABULARY["mul"], node, [resolved, language.Node(
            "num", name="1", col=node.col)], [shape, ()], name="mul")
    if _fits(a) or _fits(b):
        return _product_with_fit(resolver, node, want)
    left, left_shape = _child(resolver, a, None)
    # a scalar times b: b has the shape the product has
    right, right_shape = _child(resolver, b, None if left_shape else want)
    return _choose(resolver, node, (left, left_shape), (right, right_shape), want)


def _product_with_fit(resolver, node, want):
    a, b = node.args
    other, fit_first = (b, True) if _fits(a) else (a, False)
    resolved, shape = _child(resolver, other, None)
    fit = a if fit_first else b
    eye = (fit.args[0] if fit.op == "transpose" else fit).op == "fiteye"
    if not shape:
        fitted = _fit(resolver, fit, want)
    elif fit_first and fit.op == "fitones" and len(shape) == 1 and other.op == "transpose":
        # 𝟏 sᵀ: an outer product, as tall as the answer
        rows = want[0] if want and len(want) == 2 else None
        fitted = _fit(resolver, fit, None if rows is None else (rows,))
    elif not fit_first and fit.op == "transpose" and len(shape) == 1 and not eye:
        # s 𝟏ᵀ: an outer product, as wide as the answer
        columns = want[1] if want and len(want) == 2 else None
        fitted = _fit(resolver, fit, None if columns is None else (columns,))
    else:
        size = shape[0] if fit_first else shape[-1]
        fitted = _fit(resolver, fit, (size, size) if eye else (size,))
    pair = [fitted, (resolved, shape)] if fit_first else [(resolved, shape), fitted]
    return _choose(resolver, node, pair[0], pair[1], want)


def _choose(resolver, node, left, right, want):
    (a, sa), (b, sb) = left, right
    if not sa or not sb:
        return resolver._shaped(VOCABULARY["mul"], node, [a, b], [sa, sb], name="mul")
    if len(sa) == 1 and len(sb) == 1 and b.op == "transpose" and a.op != "transpose":
        return resolver._shaped(VOCABULARY["outer"], node, [a, b.args[0]], [sa, sb],
                                name="outer")
    if node.op == "star":
        return _star(resolver, node, left, right, want)
    return resolver._shaped(VOCABULARY["matmul"], node, [a, b], [sa, sb], name="matmul")


def _star(resolver, node, left, right, want):
    """A * B between arrays: the product that fits; if both do, the wanted shape's, the
    file's ``latex_star``, or :class:`Ambiguous`."""
    (a, sa), (b, sb) = left, right
    fitting = {}
    for reading, op in (("matrix", "matmul"), ("elementwise", "mul")):
        try:
            fitting[reading] = (op, VOCABULARY[op].shape([sa, sb], node))
        except ShapeMismatch as exc:
            problem = exc
    if not fitting:
        raise problem
    if len(fitting) == 2:
        wanted = [r for r, (_, shape) in fitting.items() if shape == want]
        if want is not None and len(wanted) == 1:
            fitting = {wanted[0]: fitting[wanted[0]]}
        elif resolver.star in fitting:
            fitting = {resolver.star: fitting[resolver.star]}
        else:
            raise Ambiguous("* between two arrays reads as the matrix product and as the "
                            "elementwise product", node.col,
                            hint='the file\'s latex_star = "matrix" or "elementwise" decides')
    [(op, _)] = fitting.values()
    return resolver._shaped(VOCABULARY[op], node, [a, b], [sa, sb], name=op)


def _power(resolver, node):
    """X^2: a matrix power of a square matrix, else elementwise (or of a scalar)."""
    base, shape = _child(resolver, node.args[0], None)
    exponent, exponent_shape = _child(resolver, node.args[1], ())
    square = len(shape) == 2 and shape[0] == shape[1]
    if square and exponent.op == "num" and "." not in exponent.name:
        return resolver._shaped(VOCABULARY["matpow"], node, [base, exponent],
                                [shape, exponent_shape], name="matpow")
    if square and exponent.op == "neg" and exponent.args[0].op == "num" and \
            "." not in exponent.args[0].name:  # B^{-2}: the square of the inverse
        inverse = resolver._shaped(VOCABULARY["inv"], node, [base], [shape], name="inv")
        return resolver._shaped(VOCABULARY["matpow"], node, [inverse[0], exponent.args[0]],
                                [inverse[1], ()], name="matpow")
    return resolver._shaped(VOCABULARY["pow"], node, [base, exponent],
                            [shape, exponent_shape], name="pow")


def _convolution(resolver, node):
    """x ⋆ w: conv1d of vectors, conv2d of matrices (resolved as the call it stands for)."""
    _, shape = _child(resolver, node.args[0], None)
    name = "conv2d" if len(shape) == 2 else "conv1d"
    return resolver.resolve(language.Node("call", node.args, name=name, kwargs=node.kwargs,
                                          col=node.col))


def loose(node, scalars: set[str]):
    """A best guess in the expression language of a LaTeX answer whose shapes do not fit
    (so that a diagnosis can compare it with the right one), or None: a juxtaposition is a
    product with a scalar where a side is a number or a declared scalar, else a matrix
    product."""
    if node.op in ("fitones", "fiteye", "column", "conv"):
        return None
    args = [loose(a, scalars) for a in node.args]
    if any(a is None for a in args):
        return None
    op = node.op
    if op in ("juxt", "star"):
        scalar = any(a.op == "num" or (a.op == "name" and a.name in scalars) for a in args)
        op = "mul" if scalar or node.op == "star" else "matmul"
    elif op == "sup":
        op = "pow"
    elif op == "oneish":
        return language.Node("num", name="1", col=node.col)
    return language.Node(op, tuple(args), name=node.name, kwargs=node.kwargs,
                         order=node.order, col=node.col)
