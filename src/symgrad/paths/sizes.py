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

import functools
import itertools
from functools import cache, lru_cache

import numpy as np

from ..language.model import Claim, Model
from ..vocabulary import dims

MAX_ASSIGNMENTS = 20000  # size assignments tried before giving up on a larger bound


def admissible(model: Model, claim: Claim, high: int) -> list[dict[str, int]]:
    """Every admissible assignment with sizes from each dimension's minimum to ``high``,
    smallest first."""
    lows = tuple(model.min_sizes.get(d, 1) for d in claim.dims)
    return [dict(sizes) for sizes in _admissible(tuple(claim.dim_constraints),
                                                 tuple(claim.dims), lows, high)]


@lru_cache(maxsize=256)
def _admissible(constraints: tuple, names: tuple, lows: tuple, high: int) -> list[dict]:
    ranges = [range(low, max(high, low) + 1) for low in lows]
    total = 1
    for r in ranges:
        total *= len(r)
    if total > MAX_ASSIGNMENTS:
        ranges = [range(low, low + 4) for low in lows]
    table = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(-1, len(names))
    fits = np.ones(len(table), dtype=bool)
    for above, below in _derived(constraints, names)(table.T):
        fits &= _whole(above, below) >= 1
    found = [dict(zip(names, sizes, strict=True)) for sizes in table[fits].tolist()]
    return sorted(found, key=lambda s: (sum(s.values()), list(s.values())))


def exact_assignments(model: Model, claim: Claim) -> list[dict[str, int]]:
    """Two admissible assignments for the exact path, the second unlike the first."""
    lows = tuple(model.min_sizes.get(d, 1) for d in claim.dims)
    chosen = _exact(tuple(claim.dim_constraints), tuple(claim.dims), lows)
    return [dict(sizes) for sizes in chosen]


@lru_cache(maxsize=256)
def _exact(constraints: tuple, names: tuple, lows: tuple) -> tuple[dict[str, int], ...]:
    """(Both paths ask, each point of the numeric search too: chosen once per claim.)"""
    candidates = _admissible(constraints, names, lows, 7)
    if not candidates:
        return ()
    table = np.array([list(s.values()) for s in candidates], dtype=np.int64)
    derived = [_whole(*parts).tolist() for parts in _derived(constraints, names)(table.T)]
    made_at = {tuple(row): [values[k] for values in derived]
               for k, row in enumerate(table.tolist())}  # (every candidate's, at once)

    def badness(sizes):
        given = list(sizes.values())
        made = made_at[tuple(given)]
        values = given + made
        return (len(given) - len(set(given)), made.count(1), sum(v < 2 for v in given),
                sum(given), len(values) - len(set(values)))

    first = min(candidates, key=badness)
    unlike = [s for s in candidates if all(s[d] != first[d] for d in s)] or \
        [s for s in candidates if s != first]
    return (first,) + ((min(unlike, key=badness),) if unlike else ())


@cache
def _derived(constraints, names):
    """A fast function: the sizes (in the order of names; each an integer array, every
    assignment at once) -> each constraint's value as exact (numerator, denominator)
    integer arrays.  Each dimension expression is walked once into nested closures (no
    code is generated from it)."""
    positions = {dims.symbol(n): k for k, n in enumerate(names)}
    functions = [_walked(dims.as_sympy(d), positions) for d in constraints]
    return lambda sizes: [fn(sizes) for fn in functions]


def _walked(expr, positions):
    """sizes -> (numerator, denominator) of a dimension expression: + and * of sizes and
    rationals, whole powers, floor (what dimension arithmetic makes).  The denominators
    are products of sizes: never negative, 0 where a division by 0 is asked."""
    sp = dims.sympy()
    if expr.is_Symbol:
        k = positions[expr]
        return lambda sizes: (sizes[k], 1)
    if expr.is_Rational:
        value = (int(expr.p), int(expr.q))
        return lambda sizes: value
    parts = [_walked(arg, positions) for arg in expr.args]
    if expr.is_Add:
        return lambda sizes: functools.reduce(_plus, (part(sizes) for part in parts))
    if expr.is_Mul:
        return lambda sizes: functools.reduce(_times, (part(sizes) for part in parts))
    if expr.is_Pow and expr.exp.is_Integer:
        exponent = int(expr.exp)
        return lambda sizes: _power(parts[0](sizes), exponent)
    if isinstance(expr, sp.floor):
        return lambda sizes: _floor(parts[0](sizes))
    raise ValueError(f"a dimension expression symgrad cannot evaluate: {expr}")


def _plus(a, b):
    return a[0] * b[1] + b[0] * a[1], a[1] * b[1]


def _times(a, b):
    return a[0] * b[0], a[1] * b[1]


def _power(a, exponent: int):
    above, below = (a[0], a[1]) if exponent >= 0 else (a[1], a[0])
    flip = np.asarray(below) < 0  # (1/(n - k) with n < k: the sign goes above)
    above, below = np.where(flip, -above, above), np.where(flip, -below, below)
    return above ** abs(exponent), below ** abs(exponent)


def _floor(a):
    below = np.asarray(a[1])
    return np.where(below == 0, 0, a[0] // np.where(below == 0, 1, below)), 1


def _whole(above, below):
    """The value where it is a whole number, else 0 (so ">= 1" asks both at once)."""
    above, below = np.asarray(above), np.asarray(below)
    safe = np.where(below == 0, 1, below)
    return np.where((below != 0) & (above % safe == 0), above // safe, 0)
