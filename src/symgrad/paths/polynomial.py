"""The explicit entries as polynomials: the symbolic path's fast proof for rational claims.

Most of matrix calculus is polynomial in the entries (products, sums, transposes, traces,
Kronecker products, convolutions) or rational (inverses, determinants, solves).  For such a
claim, the explicit entries at one size assignment are built in a polynomial ring over the
entry symbols (:class:`~symgrad.engine.polynomials.Polynomials`; with an inverse, a
determinant or a division, quotients of polynomials never reduced by a gcd,
:class:`~symgrad.engine.polynomials.Quotients`) and the truth is differentiated there
exactly; each entry of answer - truth is 0 exactly when its numerator is the zero
polynomial.  That is the proof :func:`symgrad.paths.symbolic.prove` would make with SymPy
expressions (which it still makes for everything else), without building, expanding and
simplifying them.

Onehot and sign entries take each of their values, one case each (at most
:data:`MAX_CASES`).  Only a proof is taken from here: a claim with a kink or a declared
function, orthogonal or binary entries (SymPy's expressions reduce y² to y, where the ring
would try 2ⁿ cases), a symmetric variable, too many cases, or a difference not shown 0
goes to the SymPy expressions, which find the point where it differs, or settle what a
ring cannot say.
"""

from __future__ import annotations

import numpy as np

from ..engine.evaluate import Evaluator
from ..engine.polynomials import (
    Applications,
    NotPolynomial,
    Polynomials,
    Quotients,
    TooManyApplications,
)
from ..language.model import Claim, Model, nesting
from ..vocabulary.ops import ELEMENTWISE
from ..vocabulary.shapes import concrete

#: Kinds whose truth the ring can make (for psd, vᵀ(of)v against the certificate; a value or
#: expectation claim is not one).
KINDS = ("gradient", "jacobian", "backprop", "hessian", "equal", "psd")
CASED = frozenset({"onehot", "sign"})  # entries of few values: one case each
MAX_CASES = 16  # cases of onehot and sign entries tried in the ring, at most
#: Functions the ring applies as generators of their own (a slope in the table).
APPLIED = frozenset(name for name, spec in ELEMENTWISE.items() if spec.slope is not None)
#: Operations the ring never computes (looked for before anything is built).
NEVER = (frozenset(ELEMENTWISE) - APPLIED) | {"apply", "leaky_relu", "max", "maxpool2d", "pi"}
#: Operations that make quotients of polynomials (:class:`Quotients` then, not
#: :class:`Polynomials`), and those that apply functions (:class:`Applications`).
QUOTIENTS = frozenset({"inv", "det", "solve", "div"})
APPLYING = APPLIED | {"norm", "softmax", "logsumexp", "logdet"}
MAX_NESTING = 4  # applications of applications, at most (a 5-layer network's slopes expand
#                  past what the ring does fast; SymPy's expressions share them)
SPARE = (12, 200)  # spare generators for function applications: a few, then many
MAX_GENERATORS = 400  # entry symbols of one ring, at most (past this, SymPy's expressions)


def is_zero_at(model: Model, claim: Claim, sizes: dict[str, int]) -> bool:
    """True when answer - truth is the zero polynomial in every entry at these sizes, in
    every case the qualifiers make (a proof there); False when that is not shown (not
    rational, an orthogonal or symmetric variable, too many cases, or a nonzero
    difference: the SymPy expressions decide)."""
    if claim.kind not in KINDS or claim.answer_field not in claim.exprs:
        return False
    ops = _operations(model, claim)
    if ops & NEVER or nesting(model, claim, APPLYING) > MAX_NESTING:
        return False
    declared = {**model.symbols, **claim.introduced}  # (an upstream G is introduced)
    symbols = {name: declared[name] for name in claim.uses}
    if any(s.qualifiers & {"orthogonal", "binary"} or s.is_function or
           ("symmetric" in s.qualifiers and name == claim.wrt) for name, s in symbols.items()):
        return False
    varied = {claim.wrt, *claim.wrt_list} - {None}  # (cases fix entries: never these)
    if any(symbols[name].qualifiers & CASED for name in varied if name in symbols):
        return False
    cases = _cases(symbols, sizes)
    return cases is not None and all(_zero_in(model, claim, sizes, symbols, ops, case)
                                      for case in cases)


def _zero_in(model, claim, sizes, symbols, ops, case: dict) -> bool:
    from sympy.polys.polyerrors import BasePolynomialError

    try:
        for spare in SPARE:  # (a ring of few generators is faster to build and compute in)
            try:
                truth, answer = _build(model, claim, sizes, symbols, ops, spare, case)
                break
            except TooManyApplications:
                if spare == SPARE[-1]:
                    return False
    except (NotPolynomial, BasePolynomialError, ArithmeticError, TypeError, ValueError,
            RecursionError):
        return False  # (a division that is not exact says ExactQuotientFailed)
    if truth is None or np.shape(truth) != np.shape(answer):
        return False
    return all(not (a - t) for a, t in zip(np.ravel(answer), np.ravel(truth), strict=True))


def _cases(symbols: dict, sizes: dict) -> list[dict] | None:
    """The values the qualifiers allow for entries of few values, one case each (entry
    label -> number): each position of a onehot vector's (or row's) 1, and ±1 for a sign
    entry; None past :data:`MAX_CASES`."""
    cases: list[dict] = [{}]
    for name, symbol in symbols.items():
        labels = _labels(name, symbol, sizes)
        if "onehot" in symbol.qualifiers:
            rows = labels if labels.ndim == 2 else labels[None, :]
            for row in rows:
                cases = [{**case, **{label: int(k == hot) for k, label in enumerate(row)}}
                         for case in cases for hot in range(len(row))]
                if len(cases) > MAX_CASES:
                    return None
        if "sign" in symbol.qualifiers:
            for label in labels.ravel():
                cases = [{**case, label: v} for case in cases for v in (1, -1)]
                if len(cases) > MAX_CASES:
                    return None
    return cases


def _labels(name: str, symbol, sizes: dict) -> np.ndarray:
    """Each entry's label (a symmetric matrix's entries shared: [i, j] and [j, i] one)."""
    shape = tuple(concrete(symbol.shape, sizes))
    out = np.empty(shape, dtype=object)
    for position in np.ndindex(shape):
        key = tuple(sorted(position)) if "symmetric" in symbol.qualifiers else position
        out[position] = name + ("[" + ",".join(map(str, key)) + "]" if key else "")
    return out


def _operations(model: Model, claim: Claim) -> set[str]:
    """The operations the claim's expressions (and the definitions they use) apply."""
    stack, seen, ops = list(claim.exprs.values()), set(), set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        ops.add(node.op)
        if node.op == "define":
            stack.append(model.defines[node.name])
        stack.extend(node.args)
    return ops


def _build(model, claim, sizes, symbols, ops: set[str], spare: int, case: dict):
    from sympy import QQ
    from sympy.polys.orderings import grevlex
    from sympy.polys.rings import PolyRing

    labels = {name: _labels(name, symbol, sizes) for name, symbol in symbols.items()}
    free = list(dict.fromkeys(label for array in labels.values() for label in array.ravel()
                              if label not in case))
    if len(free) > MAX_GENERATORS:
        return None, None
    applying = bool(ops & APPLYING)
    spares = [f"f(·)#{k}" for k in range(spare)] if applying else []
    ring = PolyRing(free + spares or ["(none)"], QQ, grevlex)
    if applying:
        backend = Applications(ring, ring.gens[len(free):])
    else:
        backend = Quotients(ring) if ops & QUOTIENTS else Polynomials(ring)
    value = {label: backend.constant(gen)
             for label, gen in zip(free, ring.gens[:len(free)], strict=True)}
    value.update({label: backend.constant(number) for label, number in case.items()})
    values = {}
    for name, array in labels.items():
        entries = np.empty(array.shape, dtype=object)
        for position in np.ndindex(array.shape):
            entries[position] = value[array[position]]
        values[name] = entries
    ev = Evaluator(model, backend, sizes, values, claim.index_dims)
    node = claim.exprs[claim.answer_field]
    answer = ev.entries(node) if claim.indices else ev.value(node)
    if claim.kind == "equal":
        return ev.value(claim.exprs["lhs"]), answer
    of = ev.value(claim.exprs["of"])
    if claim.kind == "psd":
        return np.asarray(values["v"] @ of @ values["v"]), answer
    if claim.kind == "hessian":
        entries = [values[n][at] for n, at in claim.variables(values)]
        value = of[()]
        first = [backend.derivative(value, a) for a in entries]
        return np.array([[backend.derivative(f, b) for b in entries] for f in first],
                        dtype=object).reshape(len(entries), len(entries)), answer
    wrt = values[claim.wrt]
    if claim.kind == "jacobian":
        truth = np.empty(of.shape + wrt.shape, dtype=object)
        for k, i in np.ndindex(truth.shape):
            truth[k, i] = backend.derivative(of[k], wrt[i])
        return truth, answer
    scalar = np.sum(values[claim.upstream.name] * of) if claim.kind == "backprop" else of[()]
    scalar = backend.constant(scalar)  # (a sum of no terms is the integer 0)
    truth = np.empty(wrt.shape, dtype=object)
    for position in np.ndindex(wrt.shape):
        truth[position] = backend.derivative(scalar, wrt[position])
    return truth, answer
