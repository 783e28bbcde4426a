"""Many points at one size in one evaluation: the numeric search's screen.

The random points of the numeric search come in batches at one size assignment
(:func:`~.points.random_batches`).  A batch is evaluated at once on the batched backend
(a leading axis of samples, :class:`~symgrad.engine.batched.Screened`), along the same
random directions the one-point judgement uses (:mod:`.directions`), or, for an ``equal``
claim, entry by entry.  A point passes the screen only where the one-point judgement
would pass it at once: every guard clear (no kink, domain edge or ill-conditioned
matrix within the margin), every value finite, and answer and truth agreeing as closely
as :data:`~.directions.AGREEMENT` asks (for ``equal``, within the comparison's
tolerance).  Every other point — one that differs, that a guard flags, or any point of a
claim the batch cannot evaluate — is judged on its own, which decides it and names the
entries that differ.  So the screen changes how long the search takes, never what it
finds.
"""

from __future__ import annotations

import numpy as np

from ..engine.backends import COMPLEX_STEP, MARGIN, REAL_MARGIN, Invalid, richardson
from ..engine.batched import Screened
from ..engine.evaluate import Evaluator
from ..errors import ShapeMismatch
from . import directions

#: Kinds whose points the screen can pass (kinds with their own judge are judged one point
#: at a time).
KINDS = ("gradient", "jacobian", "backprop", "hessian", "equal")


def screen(model, claim, points: list, tolerance: dict, tolerance_kind: str) -> list[bool]:
    """For each point of a batch (one size assignment, one set of test functions): True
    where it passes for certain, False where it must be judged on its own.  ``tolerance``
    is the entrywise comparison's, for ``equal`` claims."""
    if not _applies(model, claim, points, tolerance_kind):
        return [False] * len(points)
    try:
        with np.errstate(all="ignore"):
            passes = _screen(model, claim, points, tolerance)
    except (Invalid, ShapeMismatch, ArithmeticError, ValueError, TypeError, IndexError,
            np.linalg.LinAlgError):
        return [False] * len(points)  # what the batch cannot do, one point at a time can
    return [bool(p) for p in passes]


def _applies(model, claim, points, tolerance_kind: str) -> bool:
    if len(points) < 2 or claim.kind not in KINDS:
        return False
    if claim.kind == "equal":
        return tolerance_kind == "complex step"
    return directions.applies(claim, tolerance_kind)


def _screen(model, claim, points, tolerance) -> np.ndarray:
    samples = len(points)
    first = points[0]
    affordable = claim.kind == "equal" or directions.full_is_affordable(claim, first)
    backend = Screened(samples, first.functions, MARGIN if affordable else REAL_MARGIN)
    values = {name: np.stack([p.values[name] for p in points]) for name in first.values}

    def evaluated(node, at=values, entries=False):
        evaluator = Evaluator(model, backend, first.sizes, at, claim.index_dims)
        value = evaluator.entries(node) if entries else evaluator.value(node)
        return np.broadcast_to(value, (samples, *value.shape[1:]))

    answer = np.real(evaluated(claim.exprs[claim.answer_field], entries=bool(claim.indices)))
    if claim.kind == "equal":
        return _agree_entrywise(np.real(evaluated(claim.exprs["lhs"])), answer, tolerance) \
            & ~backend.invalid
    rng = np.random.default_rng(directions.seed(first))
    count = directions.DIRECTIONS if affordable else 1
    if claim.kind == "hessian":
        passes = _agree_hessian(claim, values, evaluated, answer, rng, count)
    else:  # every direction in one evaluation: the samples repeated, once for each
        along = [rng.standard_normal(first.values[claim.wrt].shape) for _ in range(count)]
        moved = {name: np.concatenate([value] * count) for name, value in values.items()}
        moved[claim.wrt] = np.concatenate([values[claim.wrt] + 1j * COMPLEX_STEP * v
                                           for v in along])
        repeated = Screened(samples * count, first.functions, backend.margin)
        y = Evaluator(model, repeated, first.sizes, moved, claim.index_dims).value(
            claim.exprs["of"])
        y = np.broadcast_to(y, (samples * count, *y.shape[1:]))
        passes = ~repeated.invalid.reshape(count, samples).any(axis=0)
        for k, v in enumerate(along):
            passes &= _agree_along(claim, values, y[k * samples:(k + 1) * samples], answer, v)
    return passes & ~backend.invalid


def _agree_entrywise(expected, got, tolerance) -> np.ndarray:
    """numeric.compare's test, sample by sample: no entry beyond the tolerance."""
    flat_expected = expected.reshape(len(expected), -1)
    flat_got = got.reshape(len(got), -1)
    finite = np.isfinite(flat_expected).all(axis=1) & np.isfinite(flat_got).all(axis=1)
    scale = np.maximum(1.0, np.maximum(np.max(np.abs(flat_expected), axis=1, initial=0),
                                       np.max(np.abs(flat_got), axis=1, initial=0)))
    bad = np.abs(flat_got - flat_expected) > (tolerance["rtol"] * np.abs(flat_expected) +
                                              tolerance["atol"] * scale[:, None])
    return finite & ~bad.any(axis=1)


def _agree_along(claim, values, y, answer, v) -> np.ndarray:
    """directions' first-order test, sample by sample: ⟨answer, v⟩ (J·v for a Jacobian)
    against the complex step along v, within AGREEMENT of ‖answer ∘ v‖₂."""
    samples = len(answer)
    if claim.kind == "backprop":
        upstream = np.broadcast_to(values[claim.upstream.name], y.shape)
        y = np.sum((upstream * y).reshape(samples, -1), axis=1)
    truth = (np.imag(y) / COMPLEX_STEP).reshape(samples, -1)
    axes = tuple(range(answer.ndim - v.ndim, answer.ndim))
    got = np.sum(answer * v, axis=axes).reshape(samples, -1)
    magnitude = np.sqrt(np.sum(np.abs(answer) ** 2 * v ** 2, axis=axes)).reshape(samples, -1)
    scale = 1.0 + np.max(np.abs(truth) + magnitude, axis=1)
    finite = np.isfinite(truth).all(axis=1) & np.isfinite(got).all(axis=1)
    disagreement = np.max(np.abs(truth - got), axis=1) / scale
    return finite & (disagreement <= directions.AGREEMENT["complex step"])


def _agree_hessian(claim, values, evaluated, answer, rng, count) -> np.ndarray:
    """directions' Hessian test, sample by sample: uᵀ(answer)v against the complex step
    along u of central differences along v (two Richardson estimates that must settle),
    within AGREEMENT of their scale."""
    names = directions.hessian_variables(claim)
    samples = len(answer)
    cores = [values[name].shape[1:] for name in names]
    ends = np.cumsum([0] + [int(np.prod(core)) for core in cores])
    answer = answer.reshape(samples, ends[-1], ends[-1])
    largest = np.maximum(1.0, np.max([np.abs(values[name]).reshape(samples, -1).max(axis=1)
                                      for name in names], axis=0))
    passes = np.ones(samples, dtype=bool)
    for _ in range(count):
        u, v = rng.standard_normal(ends[-1]), rng.standard_normal(ends[-1])

        def slope(t, u=u, v=v):
            moved = dict(values)
            for name, core, start, end in zip(names, cores, ends, ends[1:], strict=False):
                along_t = t.reshape((samples,) + (1,) * len(core)) * v[start:end].reshape(core)
                moved[name] = moved[name] + (1j * COMPLEX_STEP * u[start:end]).reshape(core) \
                    + along_t  # (a name repeated in wrt moves once for each)
            value = evaluated(claim.exprs["of"], moved)
            return np.real(np.imag(value) / COMPLEX_STEP).reshape(samples)

        h = 1e-3 * largest / max(1.0, float(np.max(np.abs(v))))
        central = lambda h, slope=slope: (slope(h) - slope(-h)) / (2 * h)  # noqa: E731
        truth, check = richardson(central, h), richardson(central, h / 8)
        got = np.einsum("i,sij,j->s", u, answer, v)
        scale = 1.0 + np.abs(truth) + np.sqrt(np.einsum("i,sij,j->s", u ** 2, answer ** 2,
                                                        v ** 2))
        tolerance = directions.AGREEMENT["second order"] * scale
        passes &= np.isfinite(truth) & np.isfinite(got) & \
            (np.abs(truth - check) <= tolerance) & (np.abs(truth - got) <= tolerance)
    return passes
