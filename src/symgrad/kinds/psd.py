"""psd claims: a square matrix is positive semidefinite for every admissible value.

Symbolic path.  With a certificate C (an expression in a new vector v): at
each size assignment, vᵀ·M·v − C is proved zero entry-exactly, and C is shown
nonnegative by its form (:mod:`symgrad.kinds.bounds`).  Without one: a constant
matrix is decided by its exact eigenvalues; otherwise no proof is attempted
(a sum-of-squares search is beyond this version), so a passing claim is
`verified` by the numeric path alone.

Numeric path.  At random points, the smallest eigenvalue of the symmetric part of M must
be >= −tolerance·scale; with a certificate, vᵀMv must also equal C at the drawn v.  The
points of one size assignment are screened in one batched evaluation (:func:`screen`);
those it does not pass are judged one at a time.  A negative eigenvalue is confirmed
exactly: the eigenvector, rounded to a rational vector u, gives uᵀMu < 0 computed with
SymPy at the same point.
"""

from __future__ import annotations

import numpy as np

from ..engine.backends import Invalid, Numeric
from ..engine.batched import Screened
from ..engine.evaluate import Evaluator
from ..errors import ShapeMismatch
from ..language.model import Claim, Model
from ..paths import polynomial
from ..paths.numeric import TOLERANCE, Comparison, Point, tolerance_kind
from ..paths.symbolic import Instance, SymbolicOutcome, describe_sizes, settle, size_assignments
from ..vocabulary.ops import as_sympy, sympy
from .bounds import lower_bound


def prove(model: Model, claim: Claim, rng) -> SymbolicOutcome:
    sp = sympy()
    assignments = size_assignments(model, claim)
    scope = "sizes " + "; ".join(describe_sizes(s) for s in assignments)
    certificate = claim.exprs.get("certificate")
    for sizes in assignments:
        if certificate is not None and polynomial.is_zero_at(model, claim, sizes):
            continue  # vᵀ(of)v is the certificate in the polynomial ring
        instance = Instance(model, claim, sizes)
        matrix = instance.truth
        if certificate is None:
            if any(as_sympy(e).free_symbols for e in np.ravel(matrix)):
                return SymbolicOutcome("unknown", scope, "no certificate, and the matrix is not "
                                       "constant: no symbolic proof is attempted")
            smallest = min(sp.re(e) for e in sp.Matrix(matrix).eigenvals())
            if smallest < 0:
                return SymbolicOutcome("disproved", scope, f"the eigenvalue {smallest} is "
                                       "negative", point=_point(instance, rng, {}),
                                       sizes=assignments)
            continue
        v = instance.values["v"]
        difference = np.dot(v, np.dot(matrix, v)) - instance.answer[()]
        for case in instance.cases():
            entry = as_sympy(difference).xreplace(case)
            status, point = settle(instance, entry, case, rng, instance.binary())
            if status == "nonzero":
                return SymbolicOutcome("disproved", scope, "the certificate is not vᵀ(of)v at "
                                       f"{describe_sizes(sizes)}", point=point,
                                       sizes=assignments)
            if status == "unknown":
                return SymbolicOutcome("unknown", scope, "SymPy could not show that the "
                                       f"certificate equals vᵀ(of)v at {describe_sizes(sizes)}")
    if certificate is None:
        return SymbolicOutcome("proved", scope if claim.dims else "all sizes",
                               "its exact eigenvalues are nonnegative", sizes=assignments)
    if lower_bound(model, certificate, claim.introduced) < 0:
        return SymbolicOutcome("unknown", scope, "the certificate equals vᵀ(of)v, but it is "
                               "not nonnegative by its form (a sum of squares times factors "
                               "known to be nonnegative)")
    return SymbolicOutcome("proved", scope, "vᵀ(of)v equals the certificate, which is "
                           "nonnegative by its form", sizes=assignments)


def _point(instance: Instance, rng, case) -> dict:
    return {"sizes": instance.sizes, "values": instance.random_values(rng, case),
            "functions": {}}


def judge(model: Model, claim: Claim, point: Point) -> Comparison:
    """The smallest eigenvalue (and the certificate's value) at one point."""
    ev = Evaluator(model, Numeric(point.functions), point.sizes, point.values)
    matrix = np.real(ev.value(claim.exprs["of"]))
    tolerance = TOLERANCE[tolerance_kind(model, claim)]
    scale = max(1.0, float(np.max(np.abs(matrix), initial=0)))
    eigenvalues, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    smallest = float(eigenvalues[0])
    if not np.all(np.isfinite(matrix)):
        return Comparison(np.array(0.0), np.array(np.nan), [()], message="the matrix is not "
                          "finite at this point")
    if smallest < -tolerance["atol"] * scale:
        return Comparison(np.array(0.0), np.array(smallest), [()],
                          extra={"matrix": matrix, "eigenvector": vectors[:, 0]},
                          message=f"the matrix has the negative eigenvalue {smallest:.6g}")
    certificate = claim.exprs.get("certificate")
    if certificate is not None:
        v = np.real(point.values["v"])
        quadratic = float(v @ matrix @ v)
        value = float(np.real(ev.value(certificate)))
        if abs(quadratic - value) > tolerance["rtol"] * abs(quadratic) + \
                tolerance["atol"] * scale * max(1.0, float(v @ v)):
            return Comparison(np.array(quadratic), np.array(value), [()],
                              message="the certificate is not vᵀ(of)v (expected: vᵀ(of)v, "
                                      "got: the certificate)")
    return Comparison(np.array(0.0), np.array(smallest), [])


def screen(model: Model, claim: Claim, points) -> list[bool]:
    """:func:`judge`'s test for a batch of points at one size assignment, in one batched
    evaluation (:class:`~symgrad.engine.batched.Screened`): True where a point passes for
    certain, with half the judgement's tolerance (so that rounding cannot pass a point the
    judgement fails); every other point is judged on its own."""
    first = points[0]
    samples = len(points)
    values = getattr(points, "values", None) or \
        {name: np.stack([p.values[name] for p in points]) for name in first.values}
    backend = Screened(samples, first.functions)
    tolerance = TOLERANCE[tolerance_kind(model, claim)]
    try:
        with np.errstate(all="ignore"):
            ev = Evaluator(model, backend, first.sizes, values)
            matrix = np.real(ev.value(claim.exprs["of"]))
            matrix = np.broadcast_to(matrix, (samples, *matrix.shape[1:]))
            finite = np.isfinite(matrix).all(axis=(1, 2))
            matrix = np.where(finite[:, None, None], matrix, 0)
            scale = np.maximum(1.0, np.abs(matrix).max(axis=(1, 2), initial=0))
            smallest = np.linalg.eigvalsh((matrix + np.swapaxes(matrix, 1, 2)) / 2)[:, 0]
            passes = finite & (smallest >= -tolerance["atol"] / 2 * scale)
            certificate = claim.exprs.get("certificate")
            if certificate is not None:
                v = np.real(values["v"])
                quadratic = np.einsum("si,sij,sj->s", v, matrix, v)
                value = np.broadcast_to(np.real(ev.value(certificate)).reshape(-1), (samples,))
                passes &= np.abs(quadratic - value) <= (
                    tolerance["rtol"] * np.abs(quadratic) +
                    tolerance["atol"] * scale * np.maximum(1.0, (v * v).sum(axis=1))) / 2
    except (Invalid, ShapeMismatch, ArithmeticError, ValueError, TypeError, IndexError,
            np.linalg.LinAlgError):
        return [False] * samples  # what the batch cannot do, one point at a time can
    return (passes & ~backend.invalid).tolist()


def confirm(model: Model, claim: Claim, point: Point) -> bool:
    """Exact check at the point: uᵀMu < 0 for the rounded eigenvector u, or the certificate
    differing from vᵀMv."""
    sp = sympy()
    instance = Instance(model, claim, point.sizes)
    certificate, matrix = instance.at(point.values, point.functions)
    matrix = np.real(matrix)
    smallest, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    if smallest[0] < 0:
        exact_matrix = _exact_matrix(instance, point)
        u = [sp.Rational(round(float(x) * 10**6), 10**6) for x in vectors[:, 0]]
        quadratic = sp.nsimplify(sum(u[i] * exact_matrix[i, j] * u[j]
                                     for i in range(len(u)) for j in range(len(u))))
        if quadratic.evalf(30) < 0:
            return True
    if certificate is None:
        return False
    v = np.real(point.values["v"])
    return bool(abs(v @ matrix @ v - float(np.real(certificate))) > 1e-9 * max(
        1.0, float(np.max(np.abs(matrix)))) * max(1.0, float(v @ v)))


def _exact_matrix(instance: Instance, point: Point):
    exact = instance.exact_point(point.values)
    out = np.empty(instance.truth.shape, dtype=object)
    for position in np.ndindex(out.shape):
        out[position] = as_sympy(instance.truth[position]).xreplace(exact)
    return out


def failure(comparison: Comparison) -> str:
    return comparison.message or "the matrix is not positive semidefinite"
