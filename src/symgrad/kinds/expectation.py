"""Expectation claims: E[of] = answer over independent normal random symbols.

Symbolic path.  At each size assignment, every entry of `of` is an explicit
SymPy expression in the random entries.  A polynomial in them is integrated
exactly by moments (independence, and E[X^k] of a normal); an expression of
one scalar random variable is integrated against its density: piece by piece in
closed form where it is piecewise polynomial (relu, step, abs of linear arguments:
:mod:`.gaussian`), else with SymPy.  E[of] - answer must then be zero.

Numeric path.  At hypothesis-drawn values of the other symbols, a Monte-Carlo
estimate over SAMPLES draws of the random symbols (one batched evaluation,
:class:`~symgrad.engine.backends.Batched`) gives a z-score per entry against the
answer; the claim is refuted only where |z| > Z_LIMIT in two independent
batches, so a true claim is practically never refuted.  A refutation is then
confirmed exactly where the symbolic path can integrate, or else by a third,
larger independent batch.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from ..engine.backends import Numeric
from ..engine.batched import Batched
from ..engine.evaluate import Evaluator
from ..language.model import Claim, Model
from ..paths.numeric import Comparison, Point
from ..paths.symbolic import Instance, SymbolicOutcome, describe_sizes, settle, size_assignments
from ..vocabulary.ops import as_sympy, sympy
from . import gaussian

SAMPLES = 20000
Z_LIMIT = 6.0
EXAMPLES = 8  # hypothesis examples (each is two Monte-Carlo batches)


class Unsupported(Exception):
    """An expectation the symbolic path cannot take exactly."""


def moment(mean, variance, k: int):
    """E[X^k] for X ~ N(mean, variance)."""
    sp = sympy()
    return sp.Add(*[sp.binomial(k, 2 * j) * mean ** (k - 2 * j) * variance ** j *
                    sp.factorial2(2 * j - 1) for j in range(k // 2 + 1)])


def expect(expr, randoms: dict):
    """E[expr] over the random entry symbols in randoms (symbol -> (mean, variance))."""
    sp = sympy()
    expr = as_sympy(expr)
    present = [r for r in randoms if expr.has(r)]
    if not present:
        return expr
    try:
        poly = sp.Poly(sp.expand(expr), *present)
    except sp.PolynomialError:
        poly = None
    if poly is not None:
        return sp.Add(*[coefficient * sp.Mul(*[moment(*randoms[r], k) for r, k in
                                              zip(present, powers, strict=True)])
                        for powers, coefficient in poly.terms()])
    if len(present) != 1:
        raise Unsupported("not a polynomial in several random variables")
    r = present[0]
    mean, variance = randoms[r]
    u = sp.Dummy("u", real=True)
    standardised = expr.xreplace({r: mean + sp.sqrt(variance) * u})
    exact = gaussian.expectation(standardised, u)  # piecewise polynomial: by moments
    if exact is not None:
        return exact
    density = sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi)
    integrand = standardised * density
    result = sp.integrate(integrand.rewrite(sp.Piecewise), (u, -sp.oo, sp.oo))
    if result.has(sp.Integral):
        raise Unsupported("SymPy could not integrate it")
    return result


def _randoms(model: Model, claim: Claim, instance: Instance) -> dict:
    """Random entry symbol -> (mean, variance), exact, at the instance's sizes."""
    ev = Evaluator(model, instance.backend, instance.sizes, instance.values)
    out = {}
    for name in claim.uses:
        if model.symbols.get(name) and model.symbols[name].random:
            mean, variance = (ev.value(node)[()] for node in model.moments[name])
            for entry in np.ravel(instance.values[name]):
                out[entry] = (mean, variance)
    return out


def prove(model: Model, claim: Claim, rng) -> SymbolicOutcome:
    assignments = size_assignments(model, claim)
    scope = "sizes " + "; ".join(describe_sizes(s) for s in assignments)
    for sizes in assignments:
        instance = Instance(model, claim, sizes)
        randoms = _randoms(model, claim, instance)
        for position in np.ndindex(instance.truth.shape):
            try:
                expected = expect(instance.truth[position], randoms)
            except Unsupported as exc:
                return SymbolicOutcome("unknown", scope, f"no exact expectation: {exc}")
            entry = as_sympy(instance.answer[position] - expected)
            status, point = settle(instance, entry, {}, rng, instance.binary())
            if status == "nonzero":
                return SymbolicOutcome("disproved", scope, f"entry {list(position)} of answer "
                                       f"- E[of] is not 0 at {describe_sizes(sizes)}",
                                       point=point, sizes=assignments)
            if status == "unknown":
                return SymbolicOutcome("unknown", scope, "SymPy could not simplify answer - "
                                       f"E[of] to 0 at {describe_sizes(sizes)}")
    if not claim.dims:
        return SymbolicOutcome("proved", "all sizes", "every size is fixed", sizes=assignments)
    return SymbolicOutcome("proved", scope, sizes=assignments)


def _estimate(model: Model, claim: Claim, point: Point, seed: int, samples: int):
    """Monte-Carlo mean and standard error of `of` at the point."""
    rng = np.random.default_rng(seed)
    plain = Evaluator(model, Numeric(point.functions), point.sizes, point.values)
    values = {name: np.asarray(v, dtype=complex)[None] for name, v in point.values.items()}
    for name in claim.uses:
        symbol = model.symbols.get(name)
        if symbol is not None and symbol.random:
            mean, variance = (float(np.real(plain.value(node))) for node in model.moments[name])
            if variance < 0:
                raise ValueError("a negative variance")
            shape = (samples, *[point.sizes.get(d, d) for d in symbol.shape])
            values[name] = mean + math.sqrt(variance) * rng.standard_normal(shape) + 0j
    with np.errstate(all="ignore"):
        draws = np.real(Evaluator(model, Batched(point.functions), point.sizes, values).value(
            claim.exprs["of"]))
    draws = np.broadcast_to(draws, (samples, *draws.shape[1:]))
    return draws.mean(axis=0), draws.std(axis=0, ddof=1) / math.sqrt(samples)


def _z(estimate, error, answer):
    scale = 1e-12 * max(1.0, float(np.max(np.abs(answer), initial=0)))
    return (estimate - answer) / np.maximum(error, scale)


def judge(model: Model, claim: Claim, point: Point) -> Comparison:
    answer = np.real(Evaluator(model, Numeric(point.functions), point.sizes,
                               point.values).value(claim.exprs["answer"]))
    seed = zlib.crc32(repr(sorted((k, np.round(np.real(v), 12).tolist())
                                  for k, v in point.values.items())).encode())
    first, first_error = _estimate(model, claim, point, seed, SAMPLES)
    second, second_error = _estimate(model, claim, point, seed + 1, SAMPLES)
    z1, z2 = _z(first, first_error, answer), _z(second, second_error, answer)
    bad = (np.abs(z1) > Z_LIMIT) & (np.abs(z2) > Z_LIMIT) | ~np.isfinite(first)
    differs = [tuple(int(i) for i in p) for p in np.argwhere(bad)] if bad.ndim else \
        ([()] if bad else [])
    return Comparison(first, answer, differs,
                      extra={"samples": 2 * SAMPLES, "z": np.minimum(np.abs(z1), np.abs(z2))},
                      message=f"the Monte-Carlo estimate of E[of] ({2 * SAMPLES} draws in two "
                              f"batches) differs from the answer by more than {Z_LIMIT:g} "
                              "standard errors")


def confirm(model: Model, claim: Claim, point: Point) -> bool:
    """Exactly (the symbolic expectation at the point), or by a larger independent batch."""
    instance = Instance(model, claim, point.sizes)
    try:
        randoms = _randoms(model, claim, instance)
        exact = np.empty(instance.truth.shape, dtype=object)
        for position in np.ndindex(exact.shape):
            exact[position] = expect(instance.truth[position], randoms)
    except Unsupported:
        answer = np.real(Evaluator(model, Numeric(), point.sizes, point.values).value(
            claim.exprs["answer"]))
        estimate, error = _estimate(model, claim, point, 7919, 4 * SAMPLES)
        return bool(np.any(np.abs(_z(estimate, error, answer)) > Z_LIMIT))
    instance.truth = exact
    got, expected = instance.at(point.values, point.functions)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0)))
    return bool(np.any(np.abs(got - expected) > 1e-9 * scale))


def failure(comparison: Comparison) -> str:
    return comparison.message
