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

from ..engine.backends import COMPLEX_STEP, MARGIN, REAL_MARGIN, Invalid
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
    return np.asarray(passes, dtype=bool).tolist()


def _applies(model, claim, points, tolerance_kind: str) -> bool:
    if not points or claim.kind not in KINDS:
        return False
    if claim.kind == "equal":
        return tolerance_kind == "complex step"
    return directions.applies(claim, tolerance_kind)


def _screen(model, claim, points, tolerance) -> np.ndarray:
    samples = len(points)
    first = points[0]
    affordable = claim.kind == "equal" or directions.full_is_affordable(claim, first)
    backend = Screened(samples, first.functions, MARGIN if affordable else REAL_MARGIN)
    values = getattr(points, "values", None) or \
        {name: np.stack([p.values[name] for p in points]) for name in first.values}

    def evaluated(node, at=values, entries=False):
        evaluator = Evaluator(model, backend, first.sizes, at, claim.index_dims)
        value = evaluator.entries(node) if entries else evaluator.value(node)
        return np.broadcast_to(value, (samples, *value.shape[1:]))

    answer = np.real(evaluated(claim.exprs[claim.answer_field], entries=bool(claim.indices)))
    if claim.kind == "equal":
        return _agree_entrywise(np.real(evaluated(claim.exprs["lhs"])), answer, tolerance) \
            & ~backend.invalid
    count = directions.DIRECTIONS if affordable else 1
    if claim.kind == "hessian":
        passes = _agree_hessian(model, claim, first, values, answer, count, backend.margin)
    else:  # every direction in one evaluation: the samples repeated, once for each
        along = directions.stacked(first, first.values[claim.wrt].shape, count)
        moved = {name: _repeated(value, count) for name, value in values.items()}
        wrt = values[claim.wrt]
        moved[claim.wrt] = (wrt[None] + 1j * COMPLEX_STEP * along[:, None]).reshape(
            -1, *wrt.shape[1:])
        repeated = Screened(samples * count, first.functions, backend.margin)
        y = Evaluator(model, repeated, first.sizes, moved, claim.index_dims).value(
            claim.exprs["of"])
        if len(y) != samples * count:  # (a value the same in every sample)
            y = np.broadcast_to(y, (samples * count, *y.shape[1:]))
        passes = ~repeated.invalid.reshape(count, samples).any(axis=0) & \
            _agree_along(claim, values, y.reshape(count, samples, *y.shape[1:]), answer,
                         along)
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


def _repeated(value: np.ndarray, count: int) -> np.ndarray:
    """The samples repeated ``count`` times, one after another, on the sample axis."""
    return np.concatenate((value,) * count)


def _agree_along(claim, values, y, answer, along) -> np.ndarray:
    """directions' first-order test, sample by sample, along every direction at once:
    ⟨answer, v⟩ (J·v for a Jacobian) against the complex step along v (``y``: the output
    moved along each direction, directions first), within AGREEMENT of ‖answer ∘ v‖₂."""
    count, samples = len(along), len(answer)
    if claim.kind == "backprop":
        upstream = np.broadcast_to(values[claim.upstream.name], y.shape[1:])
        y = (upstream * y).reshape(count, samples, -1).sum(axis=2)
    v = along.reshape(count, -1).T  # (variables, directions)
    matrix = answer.reshape(samples, -1, len(v))  # (samples, outputs, variables)
    got = matrix @ v  # (samples, outputs, directions)
    magnitude = np.sqrt((matrix * matrix) @ (v * v))
    truth = (np.imag(y) / COMPLEX_STEP).reshape(count, samples, -1).transpose(1, 2, 0)
    if got.shape[1] == 1:  # (one output: a gradient, a backward pass)
        got, magnitude, truth = got[:, 0], magnitude[:, 0], truth[:, 0]
        disagreement = np.abs(truth - got) / (1.0 + np.abs(truth) + magnitude)
    else:
        scale = 1.0 + (np.abs(truth) + magnitude).max(axis=1, initial=0)
        disagreement = np.abs(truth - got).max(axis=1, initial=0) / scale
    # (a value that is not finite makes the disagreement NaN or infinite: no pass)
    return (disagreement <= directions.AGREEMENT["complex step"]).all(axis=1)


#: The steps, as multiples of h, of the two Richardson estimates of a second derivative
#: (at h and at h / 8: each from central differences at its step and at half of it).
HESSIAN_STEPS = np.array([1.0, -1.0, 0.5, -0.5, 0.125, -0.125, 0.0625, -0.0625])


def _agree_hessian(model, claim, first, values, answer, count, margin) -> np.ndarray:
    """directions' Hessian test, sample by sample: uᵀ(answer)v against the complex step
    along u of central differences along v (two Richardson estimates that must settle),
    within AGREEMENT of their scale.  Every direction and every step in one evaluation:
    the samples repeated, once for each."""
    names = directions.hessian_variables(claim)
    samples, steps = len(answer), len(HESSIAN_STEPS)
    cores = [values[name].shape[1:] for name in names]
    ends = np.cumsum([0] + [int(np.prod(core)) for core in cores])
    answer = answer.reshape(samples, ends[-1], ends[-1])
    largest = np.maximum(1.0, np.max([np.abs(values[name]).reshape(samples, -1).max(axis=1)
                                      for name in names], axis=0))
    drawn = directions.stacked(first, (ends[-1],), 2 * count)
    u, v = drawn[0::2], drawn[1::2]  # (count, variables): (u, v) of each direction
    h = 1e-3 * largest[None, :] / np.maximum(1.0, np.abs(v).max(axis=1))[:, None]
    t = h[:, None, :] * HESSIAN_STEPS[None, :, None]  # (count, steps, samples)
    repeats = count * steps
    moved = {name: _repeated(value, repeats) for name, value in values.items()}
    for name, core, start, end in zip(names, cores, ends, ends[1:], strict=False):
        axes = (1,) * len(core)  # (a name repeated in wrt moves once for each)
        shift = 1j * COMPLEX_STEP * u[:, start:end].reshape(count, 1, 1, *core) + \
            t.reshape(*t.shape, *axes) * v[:, start:end].reshape(count, 1, 1, *core)
        moved[name] = moved[name] + shift.reshape(-1, *core)
    repeated = Screened(samples * repeats, first.functions, margin)
    value = Evaluator(model, repeated, first.sizes, moved, claim.index_dims).value(
        claim.exprs["of"])
    value = np.broadcast_to(value, (samples * repeats, *value.shape[1:]))
    slope = np.real(np.imag(value) / COMPLEX_STEP).reshape(count, steps, samples)
    central = (slope[:, 0::2] - slope[:, 1::2]) / (2 * t[:, 0::2])  # at h, h/2, h/8, h/16
    truth = (4 * central[:, 1] - central[:, 0]) / 3  # (richardson: error O(h⁴))
    check = (4 * central[:, 3] - central[:, 2]) / 3
    got = np.einsum("ki,sij,kj->ks", u, answer, v)
    scale = 1.0 + np.abs(truth) + np.sqrt(np.einsum("ki,sij,kj->ks", u ** 2, answer ** 2,
                                                    v ** 2))
    tolerance = directions.AGREEMENT["second order"] * scale
    passes = np.isfinite(truth) & np.isfinite(got) & (np.abs(truth - check) <= tolerance) & \
        (np.abs(truth - got) <= tolerance)
    return passes.all(axis=0) & ~repeated.invalid.reshape(repeats, samples).any(axis=0)
