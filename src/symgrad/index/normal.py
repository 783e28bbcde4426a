"""Index expressions -> their normal form, and the algebra that keeps them in it.

:func:`normal` puts terms in normal form: nested sums normalised a level down, constant
factors moved into the coefficient, deltas contracted and the qualifiers' rules applied
(:mod:`.rewrite`), equal factors merged, bound indices renamed canonically (``~L.k`` at
nesting level L, chosen by exhaustive search over the orders of indices that look alike, up
to :data:`MAX_RENAMINGS` orders), and like terms collected with their coefficients
cancelled.  Two expressions with the same normal form are equal at every size; the
converse does not hold (a normal form does not know every identity), so a nonzero normal
form never refutes anything on its own.
"""

from __future__ import annotations

import itertools
import math

from .forms import (
    MAX_TERMS,
    Apply,
    Delta,
    Entry,
    Factor,
    Group,
    NoIndexForm,
    Rules,
    Sum,
    Term,
    TooLarge,
    constant,
    sp,
    text,
)
from .rewrite import Vanishes, rewrite

MAX_RENAMINGS = 720  # canonical renaming tries at most this many orders of bound indices
MAX_POWER = 4  # a sum raised to a larger whole power stays whole (a Group)


def add(*sums: Sum, level: int, rules: Rules) -> Sum:
    return normal([t for s in sums for t in s.terms], level, rules, already_normal=True)


def multiply(a: Sum, b: Sum, level: int, rules: Rules) -> Sum:
    if len(a.terms) * len(b.terms) > MAX_TERMS:
        raise TooLarge(f"a product of {len(a.terms)} by {len(b.terms)} terms")
    products = []
    for x in a.terms:
        x = x.renamed_apart()
        for y in b.terms:
            y = y.renamed_apart()
            products.append(Term(x.coef * y.coef, x.factors + y.factors, x.bound + y.bound))
    return normal(products, level, rules)


def summed(s: Sum, index: str, extent, level: int, rules: Rules) -> Sum:
    """Σ over index (whose values run over range(extent)) of s."""
    return normal([Term(t.coef, t.factors, t.bound + ((index, extent),)) for t in s.terms],
                  level, rules)


def power(s: Sum, exponent, level: int, rules: Rules) -> Sum:
    """s ** exponent for a rational exponent: expanded when it is a small whole number,
    distributed over a single product when it is whole, else a Group."""
    S = sp()
    exponent = S.Rational(exponent)
    value = s.constant()
    if value is not None:
        if value == 0 and exponent <= 0:
            raise NoIndexForm("a division by zero")
        return constant(S.Pow(value, exponent))
    if exponent == 0:
        return constant(1)
    if exponent.is_integer and len(s.terms) == 1 and not s.terms[0].bound:
        (t,) = s.terms
        return normal([Term(S.Pow(t.coef, exponent), tuple((f, p * exponent)
                                                          for f, p in t.factors))], level, rules)
    if exponent.is_integer and 0 < exponent <= MAX_POWER:
        result = s
        for _ in range(int(exponent) - 1):
            result = multiply(result, s, level, rules)
        return result
    return normal([Term(S.Integer(1), ((Group(s), exponent),))], level, rules)


def normal(terms, level: int, rules: Rules, already_normal: bool = False) -> Sum:
    """Terms in normal form at nesting level ``level``, like terms collected."""
    S = sp()
    collected: dict[str, list] = {}
    for term in terms:
        term = term if already_normal else _normal_term(term, level, rules)
        if term is None:
            continue
        known = collected.get(term.key)
        if known is None:
            collected[term.key] = [term, term.coef]
        else:
            known[1] = known[1] + term.coef
    if len(collected) > MAX_TERMS:
        raise TooLarge(f"{len(collected)} terms")
    result = []
    for key in sorted(collected):
        term, coef = collected[key]
        coef = coef if coef.is_Number else S.cancel(coef)
        if coef != 0:
            result.append(Term(coef, term.factors, term.bound))
    return Sum(tuple(result))


def _normal_term(term: Term, level: int, rules: Rules) -> Term | None:
    S = sp()
    free = term.free
    while any(name.startswith(f"~{level}.") for name in free):
        level += 1  # a free index named like this level's bound ones: never capture it
    coef = term.coef
    bound = dict(term.bound)
    factors: list[list] = []
    for f, p in term.factors:  # nested sums at the next level; constants into the coefficient
        f = _nested_normal(f, level, rules)
        value = _constant_value(f)
        if value is not None:
            if value == 0 and p <= 0:
                raise NoIndexForm("a division by zero")
            coef = coef * S.Pow(value, p)
            continue
        if isinstance(f, Group):  # (c P)^p = c^p P^p, P's first coefficient 1
            c = f.body.terms[0].coef
            if c != 1 and (c.is_positive or (p.is_integer and c.is_number)):
                coef = coef * S.Pow(c, p)
                f = Group(Sum(tuple(Term(t.coef / c, t.factors, t.bound)
                                    for t in f.body.terms)))
        if isinstance(f, Group) and len(f.body.terms) == 1 and not f.body.terms[0].bound \
                and p.is_integer:
            (inner,) = f.body.terms
            coef = coef * S.Pow(inner.coef, p)
            factors.extend([g, q * p] for g, q in inner.factors)
            continue
        factors.append([f, p])
    if coef == 0:
        return None
    factors = _merged(factors)
    try:
        coef = rewrite(factors, bound, coef, lambda f: _nested_normal(f, level, rules), rules)
    except Vanishes:
        return None
    return _canonical(coef, _merged(factors), bound, level, rules)


def kept_whole(s: Sum, level: int, rules: Rules) -> Sum:
    """c·P·A - c·P·A² as c·P·(A - A²), the sum kept whole, where A is a sigmoid: the slope
    σ(1 - σ) (and 1 - tanh², which is 4σ(2u)(1 - σ(2u))) stays one factor, so that a
    product of one per layer of a deep network is not expanded into 2^L terms.  Only a fast
    first try (:func:`symgrad.index.prove.prove` expands everything when it is not 0)."""
    if len(s.terms) < 2:
        return s
    by_key = {term.key: term for term in s.terms if not term.bound}
    used: set[str] = set()
    kept: list[Term] = []
    for term in s.terms:
        if term.bound or term.key in used:
            continue
        for n, (factor, p) in enumerate(term.factors):
            if not (isinstance(factor, Apply) and factor.op == "sigmoid" and p == 1):
                continue
            rest = term.factors[:n] + term.factors[n + 1:]
            square = normal([Term(-term.coef, rest + ((factor, sp().Integer(2)),))], level,
                            rules)
            partner = by_key.get(square.terms[0].key) if len(square.terms) == 1 else None
            if partner is None or partner.key in used or \
                    sp().cancel(partner.coef - square.terms[0].coef) != 0:
                continue
            slope = Sum((Term(sp().Integer(1), ((factor, sp().Integer(1)),)),
                         Term(sp().Integer(-1), ((factor, sp().Integer(2)),))))
            kept.append(Term(term.coef, rest + ((Group(slope), sp().Integer(1)),)))
            used.update((term.key, partner.key))
            break
    if not kept:
        return s
    return normal([t for t in s.terms if t.key not in used or t.bound] + kept, level, rules)


def _merged(factors: list[list]) -> list[list]:
    """Equal factors as one, their powers added (a power of 0 drops the factor)."""
    merged: dict[str, list] = {}
    for f, p in factors:
        if f.key in merged:
            merged[f.key][1] += p
        else:
            merged[f.key] = [f, p]
    return [[f, p] for f, p in merged.values() if p != 0]


def _nested_normal(factor: Factor, level: int, rules: Rules) -> Factor:
    if not isinstance(factor, Apply | Group):
        return factor
    key = (rules.symmetric, rules.idempotent, rules.sums_to_one, rules.onehot,
           rules.orthogonal, level, factor.key)
    made = rules.made.get(key)
    if made is None:
        if isinstance(factor, Apply):
            made = Apply(factor.op, normal(factor.arg.terms, level + 1, rules), factor.name,
                         factor.order)
        else:
            made = Group(normal(factor.body.terms, level + 1, rules))
        rules.made[key] = made
    return made


def _constant_value(factor: Factor):
    if isinstance(factor, Group):
        return factor.body.constant()
    if isinstance(factor, Apply) and factor.op != "apply":
        value = factor.arg.constant()
        if value is not None:
            from ..vocabulary.ops import ELEMENTWISE

            return ELEMENTWISE[factor.op].symbolic(value)
    return None


def _canonical(coef, factors: list[list], bound: dict, level: int, rules: Rules) -> Term:
    """The term with bound indices named ``~level.k`` in the order that gives the smallest
    key, over every order of indices that look alike (up to MAX_RENAMINGS orders; beyond,
    one fixed order: still a correct term, only perhaps not the same as an equal one's)."""
    names = list(bound)
    looks = {k: (text(bound[k]), sorted(_looks(f, p, k, rules) for f, p in factors
                                       if k in f.indices))
             for k in names}
    classes = [sorted(group) for _, group in itertools.groupby(
        sorted(names, key=lambda k: (looks[k], k)), key=lambda k: looks[k])]
    orders = math.prod(math.factorial(len(c)) for c in classes)
    candidates = itertools.product(*(itertools.permutations(c) for c in classes)) \
        if orders <= MAX_RENAMINGS else [tuple(classes)]
    best = None
    for choice in candidates:
        order = [k for part in choice for k in part]
        mapping = {k: f"~{level}.{n}" for n, k in enumerate(order)}
        renamed = sorted(((f.rename(mapping, level, rules), p) for f, p in factors),
                         key=lambda fp: (fp[0].key, text(fp[1])))
        key = tuple((f.key, text(p)) for f, p in renamed)
        if best is None or key < best[0]:
            best = (key, renamed, order)
    if best is None:
        renamed, order = [], []
    else:
        _, renamed, order = best
    return Term(coef, tuple((f, p) for f, p in renamed),
                tuple((f"~{level}.{n}", bound[k]) for n, k in enumerate(order)))


def _looks(factor: Factor, p, k: str, rules: Rules) -> tuple:
    """What an occurrence of index k looks like, whatever its name (and, in a symmetric
    entry, whatever its position)."""
    if isinstance(factor, Entry):
        if rules.symmetric_entry(factor.name):
            return (factor.name, text(p), (factor.at.count(k),))
        return (factor.name, text(p), tuple((n, a.split("|").index(k)) for n, a in
                                           enumerate(factor.at) if k in a.split("|")))
    if isinstance(factor, Delta):
        return ("δ", text(p))
    return (type(factor).__name__, getattr(factor, "op", ""), text(p))
