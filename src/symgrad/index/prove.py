"""A claim -> the normal form of answer - truth in index notation, for every size at once
(for a psd claim, of its certificate's identity C = vᵀ (of) v; that C is nonnegative is
shown by its form, by :mod:`symgrad.kinds.psd`).

The truth is built here from the claim's own statement (``of`` differentiated in index form,
or the equation's left side), never from the answer or from SymPy's matrix calculus.  A
zero normal form proves the claim for every size.  A nonzero one proves nothing either way
(the normal form does not know every identity): its coefficients, rational functions of the
dimensions, say where a difference may first show (e.g. (n-1)(n-2)(n-3)(n-4) Σ x first at
n = 5), and those sizes go to the numeric path, which alone may refute.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..language.model import Claim, Model, nesting
from ..vocabulary import dims
from . import forms
from .differentiate import derivative
from .forms import Entry, Group, NoIndexForm, Rules, Sum, Term, TooLarge
from .normal import add, multiply, normal
from .translate import Translate, rules_of

KINDS = ("gradient", "jacobian", "backprop", "hessian", "equal", "psd")
LARGEST_PROBE = 8  # sizes up to this are searched for where a remainder first shows
MAX_SHOWN = 120  # characters of a remainder's first term in the reason
MAX_PROBED = 20  # terms of a remainder whose coefficients are probed
MAX_PROBES = 4000  # coefficient evaluations, at most, in that search
LAYERS = frozenset({"sigmoid", "tanh"})  # the functions whose slopes a first try keeps


@dataclass
class IndexOutcome:
    status: str  # "zero" (proved for every size), "nonzero" or "none" (no index form)
    reason: str
    sizes: list[dict[str, int]] = field(default_factory=list)  # where a difference may show
    terms: int = 0  # terms of the remainder
    whole: bool = True  # a zero normal form is the whole claim (for psd: only its identity)


def prove(model: Model, claim: Claim) -> IndexOutcome:
    """answer - truth in normal form.  Runs until done; the caller bounds it in time.  With
    sigmoids or tanhs of sigmoids or tanhs (a network's layers), a first try keeps sigmoid
    slopes whole (fast on deep networks); where that is not 0, or with one layer at most,
    everything is expanded, and that decides."""
    if claim.kind not in KINDS:
        return IndexOutcome("none", f"the index path decides {', '.join(KINDS)} claims")
    if nesting(model, claim, LAYERS) < 2:  # one layer of sigmoids expands at little cost
        return _prove(model, claim, keep=False)
    first = _prove(model, claim, keep=True)
    return first if first.status == "zero" else _prove(model, claim, keep=False)


def _prove(model: Model, claim: Claim, keep: bool) -> IndexOutcome:
    try:
        remainder, rules = difference(model, claim, keep)
    except TooLarge as exc:
        return IndexOutcome("none", f"the normal form grew past its cap ({exc})")
    except NoIndexForm as exc:
        return IndexOutcome("none", str(exc))
    except KeyError as exc:  # a name the index path does not track (e.g. an introduced one)
        return IndexOutcome("none", f"no index form for {exc}")
    try:
        zero = remainder.is_zero or cleared(remainder, rules)
    except NoIndexForm:  # over a common denominator it grew past the cap: not shown 0
        zero = False
    if zero:
        return IndexOutcome("zero", "the normal form of answer - truth in index notation is 0",
                            whole=claim.kind != "psd")
    sizes = first_sizes(model, claim, remainder)
    where = f"; it may first show at {_show(sizes[0])}" if sizes else ""
    first = forms.show(Sum(remainder.terms[:1]))
    first = first if len(first) <= MAX_SHOWN else first[:MAX_SHOWN - 3] + "..."
    left = f"{len(remainder.terms)} terms left, the first {first}" \
        if len(remainder.terms) > 1 else f"{first} is left"
    return IndexOutcome("nonzero", f"the normal form of answer - truth in index notation "
                        f"is not 0 ({left}){where}", sizes, len(remainder.terms))


def difference(model: Model, claim: Claim, keep: bool = False) -> tuple[Sum, Rules]:
    """answer - truth, in normal form under every qualifier's rules (and those rules);
    with ``keep``, sigmoid slopes kept whole (:func:`.normal.kept_whole`)."""
    translate = Translate(model, claim, rules_of(model, claim, differentiated=False), keep)
    answer_node = claim.exprs.get(claim.answer_field)
    if answer_node is None:
        raise NoIndexForm("no index form for a psd claim without a certificate")
    if claim.kind == "psd":  # the certificate's identity: C = vᵀ (of) v
        terms = translate(answer_node, ()).terms + forms.scale(
            _quadratic_form(translate, claim), -1).terms
    elif claim.wrt_list:
        terms = _hessian_of_scalars(translate, claim, answer_node)
    else:
        free = _free_indices(translate, claim)
        answer = translate(answer_node, () if claim.indices else _broadcast(
            translate, answer_node, free, _truth_shape(translate, claim)))
        terms = answer.terms + forms.scale(_truth(translate, claim, free), -1).terms
    rules = rules_of(model, claim, True, translate.rules.matrices)
    return normal(terms, 0, rules), rules


def _quadratic_form(translate: Translate, claim: Claim) -> Sum:
    """Σ_a Σ_b v[a] (of)[a, b] v[b] (over fixed positions where the size is a number)."""
    extent = translate.shape(claim.exprs["of"])[0]

    def term(a, b):
        return translate.mul(translate.mul(forms.atom(Entry("v", (a,))),
                                           translate(claim.exprs["of"], (a, b))),
                             forms.atom(Entry("v", (b,))))

    if isinstance(extent, int):
        positions = [f"#{k}" for k in range(extent)]
        return translate.add(*(term(a, b) for a in positions for b in positions))
    a, b = forms.fresh(), forms.fresh()
    return translate.total(translate.total(term(a, b), a, extent), b, extent)


def _hessian_of_scalars(translate: Translate, claim: Claim, answer_node) -> list[Term]:
    """Entry (a, b) of answer - truth for a Hessian in a list of scalars, each marked with
    δ(@0, a) δ(@1, b), so that entries never cancel one another."""
    of = translate(claim.exprs["of"], ())
    terms = []
    for a, first in enumerate(claim.wrt_list):
        rate = derivative(translate, of, first, ())
        for b, second in enumerate(claim.wrt_list):
            at = (f"#{a}", f"#{b}")
            entry = translate.add(translate(answer_node, at), forms.scale(
                derivative(translate, rate, second, ()), -1))
            marker = forms.atom(forms.delta("@0", at[0]))
            marker = translate.mul(marker, forms.atom(forms.delta("@1", at[1])))
            terms.extend(translate.mul(marker, entry).terms)
    return terms


def _free_indices(translate: Translate, claim: Claim) -> tuple[str, ...]:
    """The answer's indices: the claim's own names, or @0, @1, ... (a pair @0a|@0b over a
    dimension n·m, laid out as the claim's expressions lay it out)."""
    if claim.indices:
        if len(claim.indices) != _truth_rank(translate, claim):
            raise NoIndexForm("no index form for these indices")
        for name in claim.indices:
            translate.ranges[name] = translate.extent(claim.index_dims[name])
        return tuple(claim.indices)
    answer = claim.exprs[claim.answer_field]
    stated = [claim.exprs["lhs"] if claim.kind == "equal" else answer, answer]

    def order(n):
        for e in stated:
            if translate.shape.ndim(e) == len(shape):
                found = translate.order(e, n)
                if found is not None:
                    return found
        return None

    shape = _truth_shape(translate, claim)
    return tuple(translate.index_over(d, order(n), name=f"@{n}") for n, d in enumerate(shape))


def _truth_shape(translate: Translate, claim: Claim) -> tuple:
    if claim.kind == "equal":
        return translate.shape(claim.exprs["lhs"])
    wrt = translate.shape.symbols[claim.wrt].shape
    if claim.kind == "jacobian":
        return translate.shape(claim.exprs["of"]) + wrt
    if claim.kind == "hessian":
        return wrt * 2
    return wrt


def _broadcast(translate: Translate, answer, free: tuple[str, ...], shape) -> tuple[str, ...]:
    """The answer's indices: the trailing ones of the truth's (numpy broadcasting)."""
    mine = translate.shape(answer)
    if len(mine) > len(shape) or tuple(mine) != tuple(shape[len(shape) - len(mine):]):
        raise NoIndexForm("no index form for an answer whose shape is not the truth's")
    return free[len(free) - len(mine):]


def _truth_rank(translate: Translate, claim: Claim) -> int:
    if claim.kind == "equal":
        return translate.shape.ndim(claim.exprs["lhs"])
    wrt = translate.shape.symbols[claim.wrt].shape
    if claim.kind == "jacobian":
        return translate.shape.ndim(claim.exprs["of"]) + len(wrt)
    if claim.kind == "hessian":
        return 2
    return len(wrt)


def _truth(translate: Translate, claim: Claim, free: tuple[str, ...]) -> Sum:
    exprs = claim.exprs
    if claim.kind == "equal":
        return translate(exprs["lhs"], free)
    of = exprs["of"]
    wrt_shape = translate.shape.symbols[claim.wrt].shape
    if claim.kind == "gradient":
        return derivative(translate, translate(of, ()), claim.wrt, free)
    if claim.kind == "jacobian":
        out = translate.shape.ndim(of)
        return derivative(translate, translate(of, free[:out]), claim.wrt, free[out:])
    if claim.kind == "hessian":
        if claim.wrt_list or len(wrt_shape) != 1:
            raise NoIndexForm("no index form for a Hessian with respect to a matrix or a "
                              "list of scalars")
        first = derivative(translate, translate(of, ()), claim.wrt, free[:1])
        return derivative(translate, first, claim.wrt, free[1:])
    outputs = tuple(forms.fresh() for _ in translate.shape(of))  # backprop: Σ_o G[o] of[o]
    body = translate.mul(forms.atom(Entry(claim.upstream.name, outputs)),
                         translate(of, outputs))
    for k, extent in zip(outputs, translate.shape(of), strict=True):
        body = translate.total(body, k, extent)
    return derivative(translate, body, claim.wrt, free)


def cleared(remainder: Sum, rules) -> bool:
    """True if the remainder is 0 over a common denominator: multiplied by every sum it
    divides by (kept whole, at its most negative whole power), those sums multiplied out.
    A sum that divides is nonzero wherever the remainder is defined, so the product is 0
    only where the remainder is.  First the whole remainder, by the sums outside every
    bound index; then terms under the same sums taken together, summand by summand (if each
    summand is 0, so is the sum), by any sum they divide by."""
    if _over_common_denominator(remainder, rules, outer_only=True).is_zero:
        return True
    summands: dict[tuple, list[Term]] = {}
    for term in remainder.terms:
        summands.setdefault(term.bound, []).append(Term(term.coef, term.factors))
    return all(_over_common_denominator(Sum(tuple(terms)), rules).is_zero
               for terms in summands.values())


def _over_common_denominator(summand: Sum, rules, outer_only: bool = False) -> Sum:
    S = dims.sympy()
    denominators: dict[str, list] = {}
    for term in summand.terms:
        bound = {k for k, _ in term.bound}
        for factor, p in term.factors:
            if outer_only and factor.indices & bound:
                continue
            if isinstance(factor, Group) and p < 0 and p.is_integer:
                known = denominators.setdefault(factor.key, [factor, S.Integer(0)])
                known[1] = min(known[1], p)
    if not denominators:
        return summand
    result = Sum(())
    for term in summand.terms:
        bound = {k for k, _ in term.bound}
        if any(f.key in denominators and f.indices & bound for f, _ in term.factors):
            raise NoIndexForm("a denominator read under two sums")  # never in normal form
        powers = {f.key: p for f, p in term.factors}
        kept = tuple((f, p) for f, p in term.factors if f.key not in denominators)
        product = Sum((Term(term.coef, kept, term.bound),))
        for key, (group, lowest) in denominators.items():
            exponent = powers.get(key, S.Integer(0)) - lowest
            if exponent.is_integer and exponent >= 0:
                for _ in range(int(exponent)):
                    product = multiply(product, group.body, 0, rules)
            else:
                product = multiply(product, forms.atom(group, exponent), 0, rules)
        result = add(result, product, level=0, rules=rules)
    return result


def first_sizes(model: Model, claim: Claim, remainder: Sum) -> list[dict[str, int]]:
    """The smallest sizes (up to LARGEST_PROBE) where some coefficient of the remainder is not
    0: where a difference can first show; [] if none is found or the sizes are constrained."""
    names = list(claim.dims)
    if not names or claim.dim_constraints:
        return []
    sp = dims.sympy()
    lows = [model.min_sizes.get(d, 1) for d in names]
    if any(t.coef.is_number for t in remainder.terms):  # nonzero at every size
        return [dict(zip(names, lows, strict=True))]
    symbols = [dims.symbol(d) for d in names]
    coefficients = [sp.together(t.coef) for t in remainder.terms[:MAX_PROBED]]
    candidates = sorted(itertools.product(*(range(low, LARGEST_PROBE + 1) for low in lows)),
                        key=lambda s: (max(s), sum(s), s))
    budget = MAX_PROBES
    for sizes in candidates:
        at = {s: sp.Integer(v) for s, v in zip(symbols, sizes, strict=True)}
        for c in coefficients:
            budget -= 1
            if budget < 0:
                return []
            value = c.xreplace(at)
            if value.is_number and value.is_finite and value != 0:
                return [dict(zip(names, sizes, strict=True))]
    return []


def _show(sizes: dict[str, int]) -> str:
    return ", ".join(f"{d}={s}" for d, s in sizes.items())
