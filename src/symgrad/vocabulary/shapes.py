"""Shapes with named dimensions, and numpy's rules for combining them.

A shape is a tuple of dimensions; a dimension is a name (``"n"``, any positive
integer), a fixed integer, or arithmetic of them (:mod:`symgrad.vocabulary.dims`).
Two dimensions match only when they are equal as expressions: a claim must hold
at every size, so ``n`` and ``m`` never match even though they might be equal
at some sizes.
"""

from __future__ import annotations

from ..errors import ShapeMismatch
from . import dims
from .dims import Dim

Shape = tuple[Dim, ...]


def show(shape: Shape) -> str:
    if not shape:
        return "a scalar"
    if len(shape) == 1:
        return f"a vector({shape[0]})"
    return f"a matrix({', '.join(str(d) for d in shape)})"


def concrete(shape: Shape, sizes: dict[str, int]) -> tuple[int, ...]:
    return tuple(dims.value(d, sizes) for d in shape)


def broadcast(a: Shape, b: Shape, what: str) -> Shape:
    """numpy broadcasting on named dimensions (trailing axes aligned)."""
    result = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else None
        db = b[-i] if i <= len(b) else None
        if da is None or da == 1:
            result.append(db if db is not None else da)
        elif db is None or db == 1 or da == db:
            result.append(da)
        else:
            raise ShapeMismatch(f"{what}: cannot broadcast {show(a)} with {show(b)}")
    return tuple(reversed(result))


def matmul(a: Shape, b: Shape) -> Shape:
    """numpy's @ on 1-D and 2-D operands."""
    if not a or not b:
        raise ShapeMismatch("@ needs vectors or matrices on both sides, not a scalar",
                            hint="use * to scale by a scalar")
    inner_a = a[-1]
    inner_b = b[0] if len(b) == 1 else b[-2]
    if inner_a != inner_b:
        raise ShapeMismatch(f"{show(a)} @ {show(b)}: inner dimensions {inner_a} and {inner_b} "
                            f"differ")
    return a[:-1] + b[1:] if len(b) == 2 else a[:-1]


def transpose(a: Shape) -> Shape:
    return tuple(reversed(a))
