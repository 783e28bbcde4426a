"""The sizes a claim is checked at, when its shapes have dimension arithmetic.

A convolution's claim declares x as vector(n) and w as vector(k), and its
output has n - k + 1 entries: sizes with k > n do not exist.  The claim's
``dim_constraints`` are the dimension expressions its shapes use; an
assignment of sizes is admissible when each is a whole number >= 1 there.
The exact path takes the two best admissible assignments (the given sizes
distinct and >= 2, no derived size 1, small, derived sizes distinct where that
costs nothing); the numeric path draws from all admissible ones up to a bound.
"""

from __future__ import annotations

import itertools
from functools import cache

from ..language.model import Claim, Model
from ..vocabulary import dims

MAX_ASSIGNMENTS = 20000  # size assignments tried before giving up on a larger bound


def admissible(model: Model, claim: Claim, high: int) -> list[dict[str, int]]:
    """Every admissible assignment with sizes from each dimension's minimum to ``high``,
    smallest first."""
    names = claim.dims
    lows = [model.min_sizes.get(d, 1) for d in names]
    ranges = [range(low, max(high, low) + 1) for low in lows]
    total = 1
    for r in ranges:
        total *= len(r)
    if total > MAX_ASSIGNMENTS:
        ranges = [range(low, low + 4) for low in lows]
    check = _checker(tuple(claim.dim_constraints), tuple(names))
    found = [dict(zip(names, sizes, strict=True)) for sizes in itertools.product(*ranges)
             if check(sizes)]
    return sorted(found, key=lambda s: (sum(s.values()), list(s.values())))


def exact_assignments(model: Model, claim: Claim) -> list[dict[str, int]]:
    """Two admissible assignments for the exact path, the second unlike the first."""
    candidates = admissible(model, claim, 7)
    if not candidates:
        return []

    def badness(sizes):
        derived = [int(dims.evaluate(d, sizes)) for d in claim.dim_constraints]
        values = list(sizes.values()) + derived
        given = list(sizes.values())
        return (len(given) - len(set(given)), derived.count(1), sum(v < 2 for v in given),
                sum(given), len(values) - len(set(values)))

    first = min(candidates, key=badness)
    unlike = [s for s in candidates if all(s[d] != first[d] for d in s)] or \
        [s for s in candidates if s != first]
    return [first] + ([min(unlike, key=badness)] if unlike else [])


@cache
def _checker(constraints, names):
    sp = dims.sympy()
    symbols = [dims.symbol(n) for n in names]
    exprs = [dims.as_sympy(d) for d in constraints]
    functions = [sp.lambdify(symbols, e, modules=[{"floor": _floor}]) for e in exprs]

    def check(sizes) -> bool:
        for fn in functions:
            v = fn(*sizes)
            if v < 1 or v != int(v):
                return False
        return True
    return check


def _floor(x):
    return x // 1
