"""∂(index expression)/∂X[at], in index form.

∂X[a, b]/∂X[i, j] = δ(a, i) δ(b, j).  For M a matrix expression (a declared matrix too):
∂inv(M)[a, b] = -Σ_cd inv(M)[a, c] ∂M[c, d] inv(M)[d, b], ∂det(M) = det(M) Σ_cd inv(M)[d, c]
∂M[c, d], ∂log|det M| = Σ_cd inv(M)[d, c] ∂M[c, d].  The product rule over a term's factors
(f^p gives p f^(p-1) ∂f); the chain rule through an elementwise function, with f' from the
backward rules of the operation table (:meth:`.translate.Translate.slope`), and through a sum
kept whole.  Bound indices stay bound: ∂Σ_k f = Σ_k ∂f.
"""

from __future__ import annotations

from .forms import (
    MAX_TERMS,
    Apply,
    Delta,
    Entry,
    Group,
    NoIndexForm,
    Sum,
    Term,
    TooLarge,
    atom,
    delta,
    fresh,
    sp,
)
from .normal import multiply, normal, summed


def derivative(translate, s: Sum, wrt: str, at: tuple[str, ...]) -> Sum:
    """∂s/∂wrt[at] (``at`` empty for a scalar wrt), in normal form."""
    parts = []
    for term in s.terms:
        for n, (factor, p) in enumerate(term.factors):
            rate = _factor(translate, factor, wrt, at)
            if rate is None or rate.is_zero:
                continue
            rest = term.factors[:n] + ((factor, p - 1),) + term.factors[n + 1:]
            for t in rate.terms:
                t = t.renamed_apart()
                parts.append(Term(term.coef * p * t.coef, rest + t.factors,
                                  term.bound + t.bound))
        if len(parts) > MAX_TERMS:
            raise TooLarge(f"a derivative of more than {MAX_TERMS} terms")
    return normal(parts, 0, translate.rules)


def _factor(translate, factor, wrt: str, at: tuple[str, ...]) -> Sum | None:
    if isinstance(factor, Entry):
        return _entry(translate, factor, wrt, at)
    if isinstance(factor, Delta):
        return None
    if isinstance(factor, Group):
        return derivative(translate, factor.body, wrt, at)
    assert isinstance(factor, Apply)
    inner = derivative(translate, factor.arg, wrt, at)
    if inner.is_zero:
        return None
    return multiply(translate.slope(factor), inner, 0, translate.rules)


def _entry(translate, entry: Entry, wrt: str, at: tuple[str, ...]) -> Sum | None:
    S = sp()
    if entry.name == wrt:
        if any("|" in a for a in entry.at + at):
            raise NoIndexForm("no index form for a derivative in a variable of range n·m")
        factors = tuple((delta(a, i), S.Integer(1))
                        for a, i in zip(entry.at, at, strict=True))
        return Sum((Term(S.Integer(1), factors),))
    kind, _, of = entry.name.partition(":")
    if kind not in ("inv", "det", "logdet"):
        return None
    matrix, size, _ = translate.rules.matrices[of]
    c, d = fresh(), fresh()
    rate = derivative(translate, translate.entry_of(matrix, c, d), wrt, at)  # ∂M[c, d]
    if rate.is_zero:
        return None
    rules = translate.rules
    if kind == "inv":
        a, b = entry.at
        body = multiply(multiply(atom(Entry(entry.name, (a, c))), rate, 0, rules),
                        atom(Entry(entry.name, (d, b))), 0, rules)
        body = Sum(tuple(Term(-t.coef, t.factors, t.bound) for t in body.terms))
    else:
        body = multiply(atom(Entry("inv:" + of, (d, c))), rate, 0, rules)
        if kind == "det":
            body = multiply(atom(entry), body, 0, rules)
    return summed(summed(body, c, size, 0, rules), d, size, 0, rules)
