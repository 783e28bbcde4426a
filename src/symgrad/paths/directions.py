"""Answer and truth compared along random directions: one evaluation each, at any size.

For a gradient g of f, ⟨g, v⟩ is f's derivative along v: the complex step takes it in one
evaluation, f(x + i·h·v), where the entrywise truth takes one per entry of x (jax's
``check_grads`` and torch's ``gradcheck(fast_mode=True)`` do the same).  A jacobian J is
compared as J·v against the step along v (every output at once), a backward pass like a
gradient of ⟨upstream, y⟩, and a Hessian H as uᵀHv: the complex step along u of central
differences along v.

The numeric search judges points this way first (:func:`judge`).  Where two directions
agree within a tolerance far below the entrywise one, the point passes; where one does
not, the entrywise comparison decides (and names the entries that differ), unless the
variable has too many entries for that: then the directions are the comparison.  A
difference of d in the entries shows along a random v as ⟨d, v⟩, 0 only with
probability 0.  Past the entrywise limit, a point fails when a direction disagrees beyond
the entrywise relative tolerance of ‖answer ∘ v‖₂: one wrong entry of 10⁶ shows when it is
off by more than about 0.01 % of a typical entry.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..engine.backends import COMPLEX_STEP, MARGIN, REAL_MARGIN, Invalid, Numeric, richardson
from ..engine.evaluate import Evaluator

#: Random directions per point (one where the variable is too large to compare entrywise:
#: any difference shows along it, with probability 1).
DIRECTIONS = 2
#: Relative agreement along a direction that lets a point pass without the entrywise check
#: (rounding is ~1e-16 of the same scale; the entrywise tolerances are 1e-7 and 1e-6).
AGREEMENT = {"complex step": 1e-9, "second order": 1e-7}
FULL_ENTRIES = 256  # the most entries of the variable for which a difference is entrywise
KINDS = ("gradient", "jacobian", "backprop", "hessian")


def applies(claim, tolerance_kind: str) -> bool:
    return claim.kind in KINDS and tolerance_kind in AGREEMENT


def along(model, claim, point, tolerance_kind: str):
    """(truth, answer) along :data:`DIRECTIONS` random directions (arrays of one row per
    direction) and their relative disagreement: 0 where they agree exactly."""
    backend = Numeric(point.functions,
                      MARGIN if full_is_affordable(claim, point) else REAL_MARGIN)

    def evaluator(values):
        return Evaluator(model, backend, point.sizes, values, claim.index_dims)

    answer = _answer(model, claim, point, evaluator)
    count = DIRECTIONS if full_is_affordable(claim, point) else 1
    if claim.kind == "hessian":
        names = hessian_variables(claim)
        size = sum(point.values[name].size for name in names)
        answer = answer.reshape(size, size)
        drawn = vectors(point, (size,), 2 * count)  # (u, v) of each direction
        rows = [_hessian_along(claim, point, evaluator, names, u, v, answer)
                for u, v in zip(drawn[0::2], drawn[1::2], strict=True)]
    else:
        rows = [_first_order_along(claim, point, evaluator, answer, v)
                for v in vectors(point, point.values[claim.wrt].shape, count)]
    truth = np.array([row[0] for row in rows])
    got = np.array([row[1] for row in rows])
    scale = np.array([row[2] for row in rows])
    if not (np.all(np.isfinite(truth)) and np.all(np.isfinite(got))):
        raise Invalid("where a value overflows or is undefined")
    return truth, got, float(np.max(np.abs(truth - got) / scale[:, None]))


def recheck_along(model, claim, point) -> bool | None:
    """A difference along a direction at a point too large to compare entry by entry (a
    layer's real size), checked again by central differences along the same direction, in
    real arithmetic (one Richardson step, at h and at h / 4, whose difference estimates
    their error): True where the answer is far beyond that error from them (and beyond 10⁻⁶
    of the scale), False where it agrees with them, None where they do not settle or cannot
    tell.  For the first-order kinds."""
    backend = Numeric(point.functions, REAL_MARGIN)

    def evaluator(values):
        return Evaluator(model, backend, point.sizes, values, claim.index_dims)

    wrt = point.values[claim.wrt]
    answer = _answer(model, claim, point, evaluator)
    [v] = vectors(point, wrt.shape, 1)
    upstream = np.real(point.values[claim.upstream.name]) if claim.upstream else None

    def moved(t):
        y = np.real(evaluator({**point.values, claim.wrt: wrt + t * v}).value(
            claim.exprs["of"]))
        return np.sum(upstream * y) if claim.kind == "backprop" else y

    h = 1e-3 * max(1.0, float(np.max(np.abs(wrt), initial=0))) / \
        max(1.0, float(np.max(np.abs(v), initial=0)))
    central = lambda h: (moved(h) - moved(-h)) / (2 * h)  # noqa: E731
    truth, check = richardson(central, h), richardson(central, h / 4)
    axes = v.ndim
    got = np.tensordot(answer, v, axes=axes) if axes else answer * v
    magnitude = np.sqrt(np.tensordot(answer ** 2, v ** 2, axes=axes)) if axes else \
        np.abs(answer * v)
    scale = 1.0 + float(np.max(np.abs(truth) + magnitude, initial=0))
    noise = float(np.max(np.abs(truth - check), initial=0)) / scale  # (their error, about)
    if not (np.all(np.isfinite(truth)) and np.all(np.isfinite(got))) or noise > 1e-6:
        return None
    difference = float(np.max(np.abs(truth - got), initial=0)) / scale
    if difference > max(1e-6, 100 * noise):
        return True
    return False if difference <= max(1e-9, 10 * noise) else None


def _answer(model, claim, point, evaluator) -> np.ndarray:
    node = claim.exprs[claim.answer_field]
    return np.real(evaluator(point.values).entries(node) if claim.indices else
                   evaluator(point.values).value(node))


def agrees(disagreement: float, tolerance_kind: str) -> bool:
    return disagreement <= AGREEMENT[tolerance_kind]


def full_is_affordable(claim, point) -> bool:
    if claim.kind == "hessian":
        return sum(point.values[n].size for n in hessian_variables(claim)) ** 2 <= \
            FULL_ENTRIES
    return point.values[claim.wrt].size <= FULL_ENTRIES


def vectors(point, shape, count: int) -> tuple[np.ndarray, ...]:
    """``count`` random directions of a shape, from a seed of the point's sizes: the same
    sizes, the same directions (the screen and the one-point judgement draw alike).  Drawn
    once for each sizes and shape, unless they are large (a layer's real size)."""
    shape = tuple(shape)
    if math.prod(shape) > FULL_ENTRIES:
        return _drawn(seed(point), shape, count)
    return _kept(seed(point), shape, count)


def stacked(point, shape, count: int) -> np.ndarray:
    """:func:`vectors` stacked on a leading axis (kept, read-only, like them)."""
    shape = tuple(shape)
    if math.prod(shape) > FULL_ENTRIES:
        return np.stack(_drawn(seed(point), shape, count))
    return _kept_stacked(seed(point), shape, count)


@lru_cache(maxsize=1024)
def _kept_stacked(seed: int, shape: tuple, count: int) -> np.ndarray:
    array = np.stack(_kept(seed, shape, count))
    array.flags.writeable = False
    return array


def seed(point) -> int:
    """A seed from the point's sizes: the same point, the same directions."""
    return 7919 + sum((k + 1) * 31 * s for k, s in enumerate(sorted(point.sizes.values())))


def _drawn(seed: int, shape: tuple, count: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(shape) for _ in range(count))


@lru_cache(maxsize=1024)
def _kept(seed: int, shape: tuple, count: int) -> tuple[np.ndarray, ...]:
    drawn = _drawn(seed, shape, count)
    for vector in drawn:
        vector.flags.writeable = False  # (shared by every later point at these sizes)
    return drawn


def _first_order_along(claim, point, evaluator, answer, v):
    upstream = point.values[claim.upstream.name] if claim.upstream else None
    values = dict(point.values)
    values[claim.wrt] = point.values[claim.wrt] + 1j * COMPLEX_STEP * v
    y = evaluator(values).value(claim.exprs["of"])
    if claim.kind == "backprop":
        y = np.sum(upstream * y)
    truth = np.imag(y) / COMPLEX_STEP
    axes = v.ndim
    got = np.tensordot(answer, v, axes=axes) if axes else answer * v
    # the scale of ⟨answer, v⟩'s rounding: ‖answer ∘ v‖₂ (rounding grows like its square
    # root of the entries, where Σ|aᵢvᵢ| would grow like their number and hide a wrong entry)
    magnitude = np.sqrt(np.tensordot(np.abs(answer) ** 2, v ** 2, axes=axes)) if axes else \
        np.abs(answer * v)
    scale = 1.0 + np.max(np.abs(truth) + magnitude, initial=0)
    return np.ravel(truth), np.ravel(got), scale


def hessian_variables(claim) -> list[str]:
    return list(claim.wrt_list) if claim.wrt_list else [claim.wrt]


def _hessian_along(claim, point, evaluator, names, u, v, answer):
    """uᵀHv of the truth: the complex step along u of central differences along v (two
    Richardson estimates; a point where they do not settle is not judged)."""

    def shifted(step_u, step_v):
        values, start = dict(point.values), 0
        for name in names:
            size = point.values[name].size
            shape = point.values[name].shape
            values[name] = values[name] + (step_u * u[start:start + size] +
                                           step_v * v[start:start + size]).reshape(shape)
            start += size
        return values

    def slope(t):
        value = evaluator(shifted(1j * COMPLEX_STEP, t)).value(claim.exprs["of"])
        return float(np.real(np.imag(value) / COMPLEX_STEP))

    largest = max(1.0, *(float(np.max(np.abs(point.values[n]), initial=0)) for n in names))
    h = 1e-3 * largest / max(1.0, float(np.max(np.abs(v))))
    central = lambda h: (slope(h) - slope(-h)) / (2 * h)  # noqa: E731
    truth, check = richardson(central, h), richardson(central, h / 8)
    scale = 1.0 + abs(truth) + float(np.sqrt((u**2) @ (answer**2) @ (v**2)))
    if abs(truth - check) > AGREEMENT["second order"] * scale:
        raise Invalid("the second-order differences do not settle at this point")
    return np.array([truth]), np.array([u @ answer @ v]), scale
