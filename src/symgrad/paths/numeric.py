"""The numeric path: numpy + hypothesis, independent of SymPy's derivatives.

The claim's expressions are evaluated with numpy (the same parsed trees the
symbolic path uses, on the complex backend).  The true derivative comes from
the complex step: for each entry, f(x + i·h·e) with h = 1e-20 gives the
directional derivative in its imaginary part, exact to rounding, with no
subtractive cancellation.  Hypothesis draws the sizes (from 1, non-square
included) and the values (respecting the qualifiers), searches for a point
where answer and truth differ beyond :data:`TOLERANCE`, and shrinks it to a
small one.  Points on a kink or outside a domain are rejected, not judged.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import numpy as np

from ..engine.backends import (
    COMPLEX_STEP,
    MAX_CONDITION,
    Invalid,
    Numeric,
    TestFunction,
    moved,
    richardson,
)
from ..engine.deadline import Deadline
from ..engine.evaluate import Evaluator
from ..errors import OutOfTime, ShapeMismatch
from ..language.model import Claim, Model, Symbol
from ..vocabulary.shapes import concrete
from .sizes import admissible
from .symbolic import claim_symbols, size_assignments

#: Tolerances of the numeric comparison (relative to the entry, and to the largest entry),
#: by how the truth is computed.
TOLERANCE = {
    "complex step": {"rtol": 1e-7, "atol": 1e-8},  # first derivatives; identities
    "second order": {"rtol": 1e-6, "atol": 1e-7},  # Hessians: complex step over differences
    "differences": {"rtol": 1e-5, "atol": 1e-6},  # grad() or hessian() inside an expression
}
MAX_SIZE = 4  # largest size hypothesis draws for a named dimension
MAX_EXAMPLES = 40
MIN_JUDGED = 3  # points rejected (off-domain) before this many are judged do not count...
MAX_EARLY_REJECTIONS = 60  # ... up to this many, so a narrow domain still gets examples
SHRINK_CALLS = 500  # judgements spent making a counterexample small, once one is found


class _ShrinkingDone(Exception):
    """The time for shrinking a counterexample is over: keep the smallest so far."""


@dataclass
class Point:
    sizes: dict[str, int]
    values: dict[str, np.ndarray]
    functions: dict[str, TestFunction] = field(default_factory=dict)


@dataclass
class Comparison:
    expected: np.ndarray  # the truth
    got: np.ndarray  # the answer
    differs: list[tuple[int, ...]]
    extra: dict = field(default_factory=dict)  # more to report (e.g. an eigenvector)
    message: str = ""  # what the difference means, when there is one


@dataclass
class NumericOutcome:
    status: str  # "passed", "failed" or "unknown"
    examples: int = 0
    rejected: int = 0
    reason: str = ""
    point: Point | None = None
    comparison: Comparison | None = None


def compare(model: Model, claim: Claim, point: Point, differences: bool = False,
            tolerance: dict | None = None) -> Comparison:
    """Answer and truth at one point (raises Invalid on a kink, outside a domain, or where
    a value overflows).  The truth comes from the complex step, or with ``differences``
    from central differences (an independent recheck)."""
    backend = Numeric(point.functions)

    def evaluator(values):
        return Evaluator(model, backend, point.sizes, values, claim.index_dims)

    ev = evaluator(point.values)
    node = claim.exprs[claim.answer_field]
    got = np.real(ev.entries(node) if claim.indices else ev.value(node))
    if claim.kind == "equal":
        expected = np.real(ev.value(claim.exprs["lhs"]))
    elif differences:
        expected = _truth_by_differences(claim, point, evaluator)
    else:
        expected = _truth(claim, point, evaluator)
    if not (np.all(np.isfinite(expected)) and np.all(np.isfinite(got))):
        raise Invalid("where a value overflows or is undefined")
    error = np.abs(got - expected)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0)),
                float(np.max(np.abs(got), initial=0)))
    tolerance = tolerance or TOLERANCE[tolerance_kind(model, claim)]
    bad = error > tolerance["rtol"] * np.abs(expected) + tolerance["atol"] * scale
    differs = [tuple(int(i) for i in p) for p in np.argwhere(bad)] if bad.ndim else \
        ([()] if bad else [])
    return Comparison(expected, got, differs)


def recheck(model: Model, claim: Claim, point: Point) -> bool | None:
    """A difference the complex step found, checked again with central differences (for
    when exact evaluation is out of reach): True if it is far beyond their error, False if
    they find none, None if they cannot tell."""
    if claim.kind == "hessian":
        return None
    with np.errstate(all="ignore"):
        try:
            loose = compare(model, claim, point, differences=True,
                            tolerance={"rtol": 1e-3, "atol": 1e-3})
            tight = compare(model, claim, point, differences=True,
                            tolerance=TOLERANCE["differences"])
        except Invalid:
            return None
    if loose.differs:
        return True
    return False if not tight.differs else None


def _truth_by_differences(claim: Claim, point: Point, evaluator):
    """The claim's derivative by central differences with one Richardson step."""
    wrt = point.values[claim.wrt]
    upstream = point.values[claim.upstream.name] if claim.upstream else None

    def output(perturbed):
        values = dict(point.values)
        values[claim.wrt] = perturbed
        y = np.real(evaluator(values).value(claim.exprs["of"]))
        return np.sum(np.real(upstream) * y) if claim.kind == "backprop" else y

    base_shape = output(wrt).shape if claim.kind == "jacobian" else ()
    truth = np.zeros(base_shape + wrt.shape)
    for position in np.ndindex(wrt.shape):
        h = 1e-3 * max(1.0, abs(float(np.real(wrt[position]))))

        def at(step, position=position):
            shifted = np.array(wrt, dtype=complex)
            shifted[position] += step
            return output(shifted)

        column = richardson(lambda h, at=at: (at(h) - at(-h)) / (2 * h), h)
        truth[(Ellipsis, *position) if base_shape else position] = column
    return truth


def tolerance_kind(model: Model, claim: Claim) -> str:
    nodes = [node for root in [*claim.exprs.values(), *model.defines.values()]
             for node in root.walk()]
    if any(node.op in ("grad", "hessian") for node in nodes):
        return "differences"
    return "second order" if claim.kind == "hessian" else "complex step"


def _hessian_truth(claim: Claim, point: Point, evaluator):
    """H[i, j]: the complex step in variable i, central differences (Richardson) in j, at
    two step sizes; where they do not settle within the tolerance (the function varies
    faster than the steps resolve, near a singularity), the point cannot be judged."""
    variables = claim.variables(point.values)
    truth = np.zeros((len(variables), len(variables)))
    check = np.zeros_like(truth)
    for i, (name_i, at_i) in enumerate(variables):
        for j, (name_j, at_j) in enumerate(variables):
            h = 1e-3 * max(1.0, abs(float(np.real(point.values[name_j][at_j]))))
            shift_i = (name_i, at_i, 1j * COMPLEX_STEP)

            def slope(step, shift_i=shift_i, variable_j=(name_j, at_j)):
                value = evaluator(moved(point.values, [shift_i, (*variable_j, step)])).value(
                    claim.exprs["of"])
                return np.imag(value) / COMPLEX_STEP

            central = lambda h, f=slope: (f(h) - f(-h)) / (2 * h)  # noqa: E731
            truth[i, j] = richardson(central, h)
            check[i, j] = richardson(central, h / 8)
    tolerance = TOLERANCE["second order"]
    scale = max(1.0, float(np.max(np.abs(truth))))
    if np.any(np.abs(truth - check) > 0.1 * (tolerance["rtol"] * np.abs(truth)
                                             + tolerance["atol"] * scale)):
        raise Invalid("the second-order differences do not settle at this point")
    return truth


def _truth(claim: Claim, point: Point, evaluator):
    """The derivative the claim is about, by the complex step on each entry of wrt."""
    if claim.kind == "hessian":
        return _hessian_truth(claim, point, evaluator)
    wrt = point.values[claim.wrt]
    upstream = point.values[claim.upstream.name] if claim.upstream else None

    def output(perturbed):
        values = dict(point.values)
        values[claim.wrt] = perturbed
        y = evaluator(values).value(claim.exprs["of"])
        return np.sum(upstream * y) if claim.kind == "backprop" else y

    base_shape = output(wrt).shape if claim.kind == "jacobian" else ()
    truth = np.zeros(base_shape + wrt.shape)
    for position in np.ndindex(wrt.shape):
        moved = wrt.astype(complex)
        moved[position] += 1j * COMPLEX_STEP
        column = np.imag(output(moved)) / COMPLEX_STEP
        truth[(Ellipsis, *position) if base_shape else position] = column
    return truth


# --- hypothesis strategies -----------------------------------------------------------------

def _decode(k: int, integers: int) -> float:
    """Entry values from one integer draw: -integers..integers stand for themselves (what
    shrinking reaches first), larger ones for two-decimal numbers of magnitude up to 3."""
    if abs(k) <= integers:
        return float(k)
    sign = 1 if k > 0 else -1
    return sign * ((abs(k) - integers) * 7 % 300 + 1) / 100


def _strategies():
    from hypothesis import strategies as st

    plain = st.integers(-303, 303).map(lambda k: _decode(k, 3))
    positive = st.integers(1, 302).map(lambda k: _decode(k, 3) if k <= 3 else (k - 2) / 100)
    return {
        "plain": plain,
        "positive": positive,
        "nonzero": st.integers(-302, 302).filter(bool).map(
            lambda k: _decode(k, 3) if abs(k) <= 3 else _decode(k, 3) or 0.5),
        "probability": st.integers(0, 98).map(lambda k: (50 + k) % 99 / 100 + 0.01),
        "binary": st.integers(0, 1).map(float),
        "sign": st.sampled_from((1.0, -1.0)),
    }


def _entry_kind(symbol: Symbol) -> str:
    for kind in ("probability", "binary", "sign", "positive", "nonzero"):
        if kind in symbol.qualifiers:
            return kind
    return "plain"


def point_strategy(model: Model, claim: Claim, sizes: dict[str, int] | None = None):
    """Points at hypothesis-drawn sizes (or at the given sizes) with admissible values."""
    from hypothesis import strategies as st

    entries = _strategies()
    symbols = claim_symbols(model, claim)

    def size(d):
        low = model.min_sizes.get(d, 1)
        return st.integers(low, max(MAX_SIZE, low))

    if claim.dim_constraints and sizes is None:  # only sizes where n - k + 1 etc. are >= 1
        choices = admissible(model, claim, MAX_SIZE) or admissible(model, claim, 2 * MAX_SIZE)
        assignment = st.sampled_from(choices) if choices else st.nothing()

    @st.composite
    def points(draw):
        if sizes is not None:
            drawn = dict(sizes)
        elif claim.dim_constraints:
            drawn = dict(draw(assignment))
        else:
            drawn = {d: draw(size(d)) for d in claim.dims}
        values, functions = {}, {}
        for name, symbol in symbols.items():
            if symbol.random:
                continue  # drawn by the expectation's own Monte-Carlo estimate
            if symbol.is_function:
                coefficient = st.integers(-2, 2).map(float)
                functions[name] = TestFunction(tuple(draw(coefficient) for _ in range(5)))
                continue
            values[name] = draw(_array(symbol, concrete(symbol.shape, drawn), entries))
        return Point(drawn, values, functions)

    return points()


def _array(symbol: Symbol, shape, entries):
    from hypothesis import strategies as st

    count = int(np.prod(shape)) if shape else 1
    if "onehot" in symbol.qualifiers:  # a vector, or each row of a matrix
        width, rows = shape[-1], (shape[0] if len(shape) == 2 else None)
        hots = st.lists(st.integers(0, width - 1), min_size=rows or 1, max_size=rows or 1)
        return hots.map(lambda k: np.eye(width)[k if rows else k[0]].astype(complex))

    def build(flat):
        return conditioned(symbol, np.array(flat, dtype=complex).reshape(shape))

    kind = _entry_kind(symbol)
    return st.lists(entries[kind], min_size=count, max_size=count).map(build)


def conditioned(symbol: Symbol, array: np.ndarray) -> np.ndarray:
    """A drawn matrix made what its qualifiers say: symmetric (its upper triangle mirrored),
    spd (A Aᵀ + I), orthogonal (QR's Q), invertible (shifted by (‖A‖ + 1) I when it is ill
    conditioned)."""
    q = symbol.qualifiers
    if "spd" in q:
        return array @ array.T + np.eye(array.shape[0])
    if "orthogonal" in q:  # Q of a QR factorisation (orthogonal whatever the draw)
        return np.linalg.qr(np.real(array))[0].astype(complex)
    if "symmetric" in q:
        array = np.triu(array) + np.triu(array, 1).T
    if "invertible" in q and np.linalg.cond(np.real(array)) > MAX_CONDITION:
        array = array + (np.linalg.norm(np.real(array)) + 1) * np.eye(array.shape[0])
    return array


def fixed_points(model: Model, claim: Claim, rng: random.Random,
                 assignments: list[dict[str, int]] | None = None) -> list[Point]:
    """Points at the symbolic path's distinct sizes, so non-square cases are always tried
    (or at the given size assignments)."""
    symbols = claim_symbols(model, claim)
    points = []
    for sizes in size_assignments(model, claim) if assignments is None else assignments:
        values, functions = {}, {}
        for name, symbol in symbols.items():
            if symbol.random:
                continue
            if symbol.is_function:
                functions[name] = TestFunction(tuple(float(rng.randint(-2, 2)) for _ in range(5)))
                continue
            shape = concrete(symbol.shape, sizes)
            kind = _entry_kind(symbol)
            if "onehot" in symbol.qualifiers:  # a vector, or each row of a matrix
                hots = [rng.randrange(shape[-1]) for _ in range(shape[0] if len(shape) == 2
                                                                 else 1)]
                array = np.eye(shape[-1])[hots if len(shape) == 2 else hots[0]]
            elif kind == "sign":
                array = np.array([rng.choice((-1, 1)) for _ in range(int(np.prod(shape)))])
                array = array.reshape(shape)
            else:
                low, high = {"probability": (1, 99), "binary": (0, 1)}.get(kind, (-250, 250))
                array = np.array([rng.randint(low, high) for _ in range(int(np.prod(shape)))])
                array = array.reshape(shape) / (1 if kind == "binary" else 100)
                if kind in ("positive", "nonzero"):
                    array = np.abs(array) + 0.1
                array = conditioned(symbol, array)
            values[name] = np.asarray(array, dtype=complex)
        points.append(Point(sizes, values, functions))
    return points


# --- the search ------------------------------------------------------------------------------

def search(model: Model, claim: Claim, seed: int, deadline: Deadline,
           max_examples: int = MAX_EXAMPLES, judge=None, strategy=None,
           fixed=None, shrink_calls: int = SHRINK_CALLS,
           sizes: list[dict[str, int]] = ()) -> NumericOutcome:
    """Look for a point where the answer is wrong; if found, make it small: the
    smallest sizes that still fail, then values shrunk by hypothesis.  ``judge``,
    ``strategy`` and ``fixed`` replace :func:`compare`, :func:`point_strategy` and
    :func:`fixed_points` for kinds that judge points their own way; ``sizes`` are size
    assignments tried first as well (where the index path says a difference may show)."""
    judge = judge or compare
    strategy = strategy or point_strategy
    fixed = fixed or fixed_points
    outcome = NumericOutcome("passed")
    reasons: dict[str, int] = {}
    smallest: list[Point] = []  # the latest failing point: the smallest found so far
    shrinking = [0]  # judgements since the first failure (a count, so runs are reproducible)
    drawing: list[bool] = []  # non-empty while hypothesis draws the points

    def fails(point: Point) -> bool:
        deadline.check()
        if smallest and shrink_calls:
            shrinking[0] += 1
            if shrinking[0] > shrink_calls:
                raise _ShrinkingDone
        try:
            comparison = judge(model, claim, point)
        except Invalid as exc:
            outcome.rejected += 1
            reasons[str(exc)] = reasons.get(str(exc), 0) + 1
            if drawing and not smallest and outcome.examples < MIN_JUDGED and \
                    outcome.rejected <= MAX_EARLY_REJECTIONS:
                from hypothesis import reject

                reject()  # not an example: hypothesis draws another in its place
            return False
        except (ShapeMismatch, IndexError):
            return False
        outcome.examples += 1
        if comparison.differs:
            smallest[:] = [point]
        return bool(comparison.differs)

    found = None
    try:
        with np.errstate(all="ignore"):
            first = fixed(model, claim, random.Random(seed))
            if sizes:
                first = first + fixed_points(model, claim, random.Random(seed), list(sizes))
            found = next((p for p in first if fails(p)), None)
            if found is None or shrink_calls:
                drawing.append(True)
                try:
                    found = _find(strategy(model, claim), fails, seed, max_examples,
                                  shrink=bool(shrink_calls)) or found
                finally:
                    drawing.clear()
            if found is not None and shrink_calls:
                found = _smallest_sizes(model, claim, fails, seed, found, strategy) or found
    except _ShrinkingDone:
        found = smallest[0]
    except OutOfTime:
        found = smallest[0] if smallest else None
        if found is None and outcome.examples < 10:
            return NumericOutcome("unknown", outcome.examples, outcome.rejected,
                                  "the time limit ran out after "
                                  f"{outcome.examples} numeric examples")
    if found is not None:
        with np.errstate(all="ignore"):
            outcome.comparison = judge(model, claim, found)
        outcome.status, outcome.point = "failed", found
        return outcome
    if outcome.examples == 0:
        why = max(reasons, key=reasons.get) if reasons else "no point could be evaluated"
        outcome.status = "unknown"
        outcome.reason = f"every numeric point was rejected: {why}"
    return outcome


def _outside_any_test():
    """symgrad's search is its own, not a test nested in the caller's: a user's @given test
    (or a worker forked from one) that calls symgrad must not fail hypothesis's nested-test
    health check, which only the outer test could suppress.  hypothesis marks "inside a
    test" in a private variable; without it, nothing to undo."""
    import contextlib

    from hypothesis import control

    context = getattr(control, "_current_build_context", None)
    return context.with_value(None) if context is not None else contextlib.nullcontext()


def _find(points, fails, seed, max_examples, shrink: bool = True) -> Point | None:
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import FlakyFailure, NoSuchExample, Unsatisfiable

    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    try:
        with _outside_any_test():
            return find(points, fails, random=random.Random(seed),
                        settings=settings(max_examples=max_examples, database=None,
                                          deadline=None, phases=phases,
                                          suppress_health_check=list(HealthCheck)))
    except (NoSuchExample, Unsatisfiable):
        return None
    except FlakyFailure as group:  # hypothesis wraps what our own `fails` raised: unwrap it
        for inner in (_ShrinkingDone, OutOfTime):
            if group.subgroup(inner) is not None:
                raise inner("stopped") from None
        raise


def _smallest_sizes(model, claim, fails, seed, found: Point, strategy,
                    tries: int = 12) -> Point | None:
    """Search size assignments smaller than the failing one, smallest first."""
    dims = list(found.sizes)
    ranges = [range(model.min_sizes.get(d, 1), found.sizes[d] + 1) for d in dims]
    fits = admissible(model, claim, max(found.sizes.values())) if claim.dim_constraints \
        else None
    smaller = sorted((s for s in itertools.product(*ranges)
                      if list(s) != [found.sizes[d] for d in dims] and
                      (fits is None or dict(zip(dims, s, strict=True)) in fits)),
                     key=lambda s: (sum(s), s))
    for sizes in smaller[:tries]:
        point = _find(strategy(model, claim, dict(zip(dims, sizes, strict=True))), fails, seed,
                      30)
        if point is not None:
            return point
    return None


def check_point(model: Model, claim: Claim, point: Point, judge=None) -> Comparison | None:
    """The comparison at a given point, or None if it is on a kink or outside a domain."""
    try:
        with np.errstate(all="ignore"):
            return (judge or compare)(model, claim, point)
    except (Invalid, ShapeMismatch, IndexError):
        return None
