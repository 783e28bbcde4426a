"""What an index-form tree depends on: its free indices, the sums over them, and whether it
is made entry by entry.

Properties of a resolved tree alone (no values): the evaluator walks an index-form answer
in one pass with each free index bound to a grid of positions where :func:`entrywise`
holds, giving each of :func:`walked_sums` an axis of its own; real sizes are taken by such
an answer only where its largest value (:func:`grid_entries`) fits the limit.
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


def walked_sums(node, reached: bool = True) -> list:
    """The index sums an answer's walk at once gives axes of their own, outermost first:
    those whose value depends on an index bound outside them (the answer's free indices, an
    enclosing sum's), and those that depend on none, where their body is made entry by
    entry and every operation above them acts entry by entry (``reached``): a normaliser
    such as Σₖ exp(z[k]) is one walk, not one step per k.  Any other sum loops."""
    found = [node] if node.op == "isum" and (
        free_indices(node) or reached and entrywise(node.args[0])) else []
    onward = reached and node.op in ENTRYWISE and node.op != "getitem"  # (a base is whole)
    for arg in node.args:
        found += walked_sums(arg, onward)
    return found


def largest_grid(node, ranges: dict[str, int], range_of) -> int:
    """Entries of the largest value a walk at once makes below ``node``: each value has an
    axis for every index it depends on (free ones, ``ranges``, and the sums' inside it,
    ``range_of(sum node)``), and none for the others."""
    here = math.prod(ranges.get(name, 1) for name in free_indices(node))
    if node.op == "isum":
        body, index = node.args
        return max(here, largest_grid(body, {**ranges, index.name: range_of(node)}, range_of))
    return max([here, *(largest_grid(arg, ranges, range_of) for arg in node.args)])


def grid_entries(model, claim, sizes: dict[str, int]) -> int:
    """Entries of the largest value an index-form answer's walk at once makes at these sizes
    (:func:`largest_grid`; a sum whose range is not known, in an answer that is not walked,
    counts 1)."""
    ranges = {name: int(dims.evaluate(d, sizes)) for name, d in claim.index_dims.items()}

    def range_of(sum_node) -> int:
        found = model.sum_ranges.get(id(sum_node))
        return 1 if found is None else int(dims.evaluate(found, sizes))

    return largest_grid(claim.exprs[claim.answer_field], ranges, range_of)
