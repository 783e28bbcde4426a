"""The rewriting inside one term: Kronecker deltas summed away and the qualifiers' identities.

Σ_k f(k) δ(k, j) = f(j); δ(i, i) = 1; δ of two different fixed positions is 0; a bound
index no factor uses is summed into its range.  The qualifiers (:class:`.forms.Rules`):
y² = y (binary, onehot), Σ_k y[k] = 1 (onehot; each row of a matrix), y[a] y[b]
= δ(a, b) y[a] (onehot), Σ_k inv(X)[a, k] X[k, b] = δ(a, b) and its mirror images, and
QᵀQ = QQᵀ = I, Σ_k Q[k, a]² = 1 (orthogonal).  Each rewrite replaces a term by an equal
one, so the normal form stays an equality at every size.
"""

from __future__ import annotations

import itertools

from .forms import Delta, Entry, NoIndexForm, Rules, delta, renamed, sp


class Vanishes(Exception):
    """The term is 0 (a delta of two different fixed positions)."""


def _uses(factors, k: str) -> int:
    """How often index k occurs in the factors (an occurrence inside a nested sum counts 2)."""
    total = 0
    for f, _ in factors:
        if isinstance(f, Entry):
            total += sum(a.split("|").count(k) for a in f.at)
        elif isinstance(f, Delta):
            total += (f.a == k) + (f.b == k)
        elif k in f.indices:
            total += 2
    return total


def _substitute(factors, k: str, value: str, nested) -> None:
    for pair in factors:
        if k in pair[0].indices:
            pair[0] = nested(renamed(pair[0], {k: value}))


def rewrite(factors: list[list], bound: dict, coef, nested, rules: Rules):
    """Deltas contracted and the qualifiers' rules applied, until nothing changes; the
    coefficient is returned (factors and bound are changed in place).  ``nested(factor)``
    normalises a factor whose nested sum had an index substituted."""
    changed = True
    while changed:
        changed = False
        for position, (f, p) in enumerate(factors):
            if isinstance(f, Delta):
                if p <= 0:
                    raise NoIndexForm("a division by a Kronecker delta")
                del factors[position]
                if f.a == f.b:
                    pass
                elif f.a in bound or f.b in bound:
                    k, other = (f.a, f.b) if f.a in bound else (f.b, f.a)
                    del bound[k]
                    _substitute(factors, k, other, nested)
                elif f.a.startswith("#") and f.b.startswith("#"):
                    raise Vanishes
                else:
                    factors.insert(position, [f, sp().Integer(1)])
                    continue
                changed = True
                break
            if isinstance(f, Entry) and f.name in rules.idempotent and p > 1 and \
                    p.is_integer:
                factors[position][1] = sp().Integer(1)
        if changed:
            continue
        changed = _pairs(factors, bound, rules) or _sums_to_one(factors, bound, rules)
    for k in [k for k in bound if not _uses(factors, k)]:
        coef = coef * bound.pop(k)
    return coef


def _pairs(factors: list[list], bound: dict, rules: Rules) -> bool:
    """One rewrite of two entries: y[a] y[b] = δ(a, b) y[a] (onehot); Σ_k inv(X)[a, k]
    X[k, b] = δ(a, b) and its mirror images; Σ_k Q[k, a] Q[k, b] = δ(a, b) (orthogonal)."""
    entries = [(n, f) for n, (f, p) in enumerate(factors) if isinstance(f, Entry) and p == 1]
    for (m, x), (n, y) in itertools.combinations(entries, 2):
        if x.name == y.name and x.name in rules.onehot and len(x.at) == len(y.at) and \
                x.at[:-1] == y.at[:-1] and x.at[-1] != y.at[-1] and \
                "|" not in x.at[-1] + y.at[-1]:
            factors[n] = [delta(x.at[-1], y.at[-1]), sp().Integer(1)]
            return True
        pair = _inverse_pair(x, y, rules) or _inverse_pair(y, x, rules)
        if pair is None:
            continue
        for k in set(x.at) & set(y.at):
            if k not in bound or _uses(factors, k) != 2:
                continue
            left = [a for a in x.at if a != k] or [k]
            right = [b for b in y.at if b != k] or [k]
            if not _contracts(x, y, k, rules) or len(left) != 1 or len(right) != 1:
                continue
            del bound[k]
            factors[m] = [delta(left[0], right[0]), sp().Integer(1)]
            del factors[n]
            return True
    for n, (f, p) in enumerate(factors):  # Σ_k Q[k, a]² = 1 (a column of Q has length 1)
        if isinstance(f, Entry) and f.name in rules.orthogonal and p == 2:
            for k in f.at:
                if k in bound and _uses(factors, k) == 1 and len(set(f.at)) == 2:
                    del bound[k]
                    del factors[n]
                    return True
    return False


def _inverse_pair(x: Entry, y: Entry, rules: Rules) -> str | None:
    if x.name == "inv:" + y.name or (x.name == y.name and x.name in rules.orthogonal):
        return x.name
    return None


def _contracts(x: Entry, y: Entry, k: str, rules: Rules) -> bool:
    """Σ_k x y is an identity: k is x's column and y's row (X⁻¹X, XX⁻¹), or both rows or
    both columns of an orthogonal Q (QᵀQ, QQᵀ), or any position of a symmetric X."""
    if len(x.at) != 2 or len(y.at) != 2 or x.at[0] == x.at[1] or y.at[0] == y.at[1]:
        return False
    if x.name == y.name:  # orthogonal
        return x.at.index(k) == y.at.index(k)
    if y.name in rules.symmetric:
        return True
    return (x.at[1] == k and y.at[0] == k) or (x.at[0] == k and y.at[1] == k)


def _sums_to_one(factors: list[list], bound: dict, rules: Rules) -> bool:
    """Σ_k y[k] = 1 for a onehot y (each row, for a matrix), where k occurs nowhere else."""
    for n, (f, p) in enumerate(factors):
        if isinstance(f, Entry) and f.name in rules.sums_to_one and p == 1 and f.at:
            k = f.at[-1]
            if k in bound and _uses(factors, k) == 1:
                del bound[k]
                del factors[n]
                return True
    return False
