"""A Hessian's truth at one point, entry by entry: the complex step over central differences.

H[i, j] is the complex step in variable i of the central differences in variable j, with
one Richardson step, at the step h and again at h / 8; where the two do not settle within
the tolerance (the function varies faster than the steps resolve, near a singularity),
the point cannot be judged.  Every (i, j) and every step is one sample of a batched
evaluation (:class:`~symgrad.engine.batched.Screened`; :data:`CHUNK` samples at a time); a
point where the batch cannot go (a guard flags a sample, an operation the batch lacks, too
many entries, memory) is walked one evaluation at a time, which also says why it cannot be
judged.
"""

from __future__ import annotations

import numpy as np

from ..engine.backends import COMPLEX_STEP, MARGIN, Invalid, moved, richardson
from ..engine.batched import Screened
from ..engine.evaluate import Evaluator
from ..errors import ShapeMismatch

#: The steps of one entry's two estimates, as multiples of its h: the central differences
#: of richardson(h) (at h and h/2), then of richardson(h/8) (at h/8 and h/16).
STEPS = np.array([0.5, -0.5, 1.0, -1.0, 0.0625, -0.0625, 0.125, -0.125])
BATCH_ENTRIES = 1 << 21  # entries of the batch's values, at most (else one at a time)
CHUNK = 256  # samples evaluated together, at most (a quarter of the steps of 4 variables)


def truth(model, claim, point, evaluator, tolerance: dict) -> np.ndarray:
    """The Hessian of ``of`` in the claim's variables at the point (raises Invalid where the
    differences do not settle, or where an evaluation is on a kink or outside a domain)."""
    variables = claim.variables(point.values)
    estimates = _batched(model, claim, point, variables)
    if estimates is None:
        estimates = _one_at_a_time(claim, point, evaluator, variables)
    value, check = estimates
    scale = max(1.0, float(np.max(np.abs(value))))
    if np.any(np.abs(value - check) > 0.1 * (tolerance["rtol"] * np.abs(value)
                                             + tolerance["atol"] * scale)):
        raise Invalid("the second-order differences do not settle at this point")
    return value


def _steps(point, variables) -> np.ndarray:
    """h of each variable j: 1e-3 of its magnitude, at least 1e-3."""
    return np.array([1e-3 * max(1.0, abs(float(np.real(point.values[name][at]))))
                     for name, at in variables])


def _one_at_a_time(claim, point, evaluator, variables):
    count = len(variables)
    value, check = np.zeros((count, count)), np.zeros((count, count))
    steps = _steps(point, variables)
    for i, (name_i, at_i) in enumerate(variables):
        for j, variable_j in enumerate(variables):
            shift_i = (name_i, at_i, 1j * COMPLEX_STEP)

            def slope(step, shift_i=shift_i, variable_j=variable_j):
                moved_value = evaluator(moved(point.values, [shift_i, (*variable_j, step)])) \
                    .value(claim.exprs["of"])
                return np.imag(moved_value) / COMPLEX_STEP

            central = lambda h, f=slope: (f(h) - f(-h)) / (2 * h)  # noqa: E731
            value[i, j] = richardson(central, steps[j])
            check[i, j] = richardson(central, steps[j] / 8)
    return value, check


def _batched(model, claim, point, variables):
    """Both estimates of every entry from one evaluation, or None where the batch cannot
    stand in for the walk one evaluation at a time."""
    count, repeats = len(variables), len(STEPS)
    samples = count * count * repeats  # (i, j, step), in that order
    if samples * sum(np.size(value) for value in point.values.values()) > BATCH_ENTRIES:
        return None
    h = _steps(point, variables)
    step = h[None, :, None] * STEPS[None, None, :]  # (1, j, step)
    values = {name: np.repeat(np.asarray(value, dtype=complex)[None], samples, axis=0)
              for name, value in point.values.items()}
    flat = {name: array.reshape(samples, -1) for name, array in values.items()}
    rows = np.arange(samples).reshape(count, count, repeats)
    for i, (name, at) in enumerate(variables):  # the complex step in variable i
        flat[name][rows[i].ravel(), _entry(point, name, at)] += 1j * COMPLEX_STEP
    for j, (name, at) in enumerate(variables):  # the real step in variable j
        flat[name][rows[:, j].ravel(), _entry(point, name, at)] += \
            np.broadcast_to(step[0, j], (count, repeats)).ravel()
    found = []
    for start in range(0, samples, CHUNK):  # (what `of` builds grows with the samples)
        end = min(start + CHUNK, samples)
        backend = Screened(end - start, point.functions, MARGIN)
        try:
            with np.errstate(all="ignore"):
                result = Evaluator(model, backend, point.sizes,
                                   {name: array[start:end] for name, array in values.items()},
                                   claim.index_dims).value(claim.exprs["of"])
        except (Invalid, ShapeMismatch, ArithmeticError, ValueError, TypeError, IndexError,
                MemoryError, np.linalg.LinAlgError):
            return None
        if backend.invalid.any() or np.size(result) not in (1, end - start):
            return None
        found.append(np.broadcast_to(result, (end - start,)))
    slope = (np.imag(np.concatenate(found)) / COMPLEX_STEP).reshape(count, count, repeats)
    central = (slope[..., 0::2] - slope[..., 1::2]) / (2 * step[..., 0::2])
    value = (4 * central[..., 0] - central[..., 1]) / 3
    check = (4 * central[..., 2] - central[..., 3]) / 3
    return value, check


def _entry(point, name: str, at: tuple) -> int:
    """The flat position of an entry of a symbol's array (a scalar's is 0)."""
    shape = np.shape(point.values[name])
    return int(np.ravel_multi_index(at, shape)) if shape else 0
