"""What an index-form tree depends on: its free indices, the sums over them, and whether it
is made entry by entry.

Properties of a resolved tree alone (no values): the evaluator walks an index-form answer
in one pass with each free index bound to a grid of positions where :func:`entrywise`
holds, giving each of :func:`outer_sums` an axis of its own; real sizes are taken by such
an answer only where that grid (:func:`grid_entries`) fits the limit.
"""

from __future__ import annotations

import math

from ..vocabulary import dims
from ..vocabulary.ops import ELEMENTWISE

#: What an answer made entry by entry is built of, where it depends on its free indices.
ENTRYWISE = frozenset({"add", "sub", "mul", "div", "neg", "pow", "getitem", "isum", "delta",
                       *ELEMENTWISE})


def free_indices(node) -> frozenset[str]:
    """The indices a node's value depends on (what an index sum binds is not free), known
    once per node (kept on the node): every evaluation of a tree walks the same nodes."""
    known = node.__dict__.get("_free")
    if known is not None:
        return known
    if node.op == "index":
        result = frozenset({node.name})
    elif node.op == "define":
        result = frozenset()
    else:
        result = frozenset().union(*(free_indices(a) for a in node.args))
        if node.op == "isum":
            result -= {node.args[1].name}
    node.__dict__["_free"] = result  # (a frozen node's cache: not one of its fields)
    return result


def entrywise(node) -> bool:
    """Whether every operation on the free indices' values acts entry by entry (so a grid
    of positions in place of one position gives the grid of entries)."""
    if not free_indices(node) or node.op == "delta":
        return True
    if node.op not in ENTRYWISE:
        return False
    if node.op == "getitem":  # (its positions are index arithmetic, grids and all)
        return not free_indices(node.args[0])
    if node.op == "isum":
        return entrywise(node.args[0])
    return all(entrywise(arg) for arg in node.args)


def outer_sums(node) -> list:
    """The index sums of an expression whose value depends on an index bound outside them
    (the answer's free indices, an enclosing sum's), outermost first: the sums combined
    entry by entry.  A sum that depends on none loops, as it always has."""
    if not free_indices(node):  # (defines included: they have none)
        return []
    found = [node] if node.op == "isum" else []
    for arg in node.args:
        found += outer_sums(arg)
    return found


def deepest(node, range_of) -> int:
    """The largest product of the ranges (``range_of(sum node)``) of outer sums nested in
    one another: the size a walk at once adds to the free indices' grid (sums side by side
    each have an axis of their own, but one at a time; nested ones multiply)."""
    if not free_indices(node):
        return 1
    inner = max((deepest(arg, range_of) for arg in node.args), default=1)
    return range_of(node) * inner if node.op == "isum" else inner


def grid_entries(model, claim, sizes: dict[str, int]) -> int:
    """Entries of the largest grid an index-form answer is walked on at these sizes: its
    free indices' ranges, times its nested outer sums' (:func:`deepest`)."""
    node = claim.exprs[claim.answer_field]
    free = math.prod(int(dims.evaluate(d, sizes)) for d in claim.index_dims.values())
    return free * deepest(node, lambda s: int(dims.evaluate(model.sum_ranges[id(s)], sizes)))
