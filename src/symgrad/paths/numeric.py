"""The numeric path: numpy + hypothesis, independent of SymPy's derivatives.

The claim's expressions are evaluated with numpy (the same parsed trees the
symbolic path uses, on the complex backend).  The true derivative comes from
the complex step: f(x + i·h·v) with h = 1e-20 gives the derivative along v in its
imaginary part, exact to rounding, with no subtractive cancellation; a point is judged
along random directions first (:mod:`.directions`), entry by entry where they disagree.
The points (:mod:`.points`): the symbolic path's distinct sizes, then numpy-drawn random
and edge points at sizes from 1 (non-square included), a size assignment for every eight,
the points at one size assignment screened in one batched evaluation (:mod:`.screen`).
Once a point differs beyond :data:`TOLERANCE`, hypothesis makes it small: the smallest
sizes that still fail, then the simplest values.  Points on a kink or outside a domain
are rejected, not judged.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import numpy as np

from ..engine.backends import COMPLEX_STEP, Invalid, Numeric, richardson
from ..engine.deadline import Deadline
from ..engine.evaluate import Evaluator
from ..errors import OutOfTime, ShapeMismatch
from ..language.model import Claim, Model
from . import directions, hessian
from .hypothesis_search import find
from .points import MAX_SIZE, Point, fixed_points, point_strategy, random_batches
from .screen import screen
from .sizes import admissible

#: Tolerances of the numeric comparison (relative to the entry, and to the largest entry),
#: by how the truth is computed.
TOLERANCE = {
    "complex step": {"rtol": 1e-7, "atol": 1e-8},  # first derivatives; identities
    "second order": {"rtol": 1e-6, "atol": 1e-7},  # Hessians: complex step over differences
    "differences": {"rtol": 1e-5, "atol": 1e-6},  # grad() or hessian() inside an expression
}
MAX_EXAMPLES = 40  # random points (numpy's; hypothesis's for a strategy with no draw)
EDGE_EXAMPLES = 12  # edge points with the random ones: small integers, boundaries
MIN_JUDGED = 3  # points rejected (off-domain) before this many are judged do not count...
MAX_EARLY_REJECTIONS = 60  # ... up to this many, so a narrow domain still gets examples
SHRINK_CALLS = 500  # judgements spent making a counterexample small, once one is found


class _ShrinkingDone(Exception):
    """The time for shrinking a counterexample is over: keep the smallest so far."""


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
    real: list[dict[str, int]] = field(default_factory=list)  # real sizes judged, passing
    real_tried: list[dict[str, int]] = field(default_factory=list)  # real sizes reached
    real_problem: str = ""  # why a point at real sizes could not be judged, if not a domain


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
        expected = _truth(model, claim, point, evaluator)
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


def judge(model: Model, claim: Claim, point: Point) -> Comparison:
    """:func:`compare`, along random directions first (:mod:`.directions`): a point where
    they agree passes (its comparison carries the answer as the expected value too); where
    they do not, the entrywise comparison decides, or, past
    :data:`~.directions.FULL_ENTRIES` entries, the directions themselves."""
    kind = tolerance_kind(model, claim)
    if not directions.applies(claim, kind):
        return compare(model, claim, point)
    affordable = directions.full_is_affordable(claim, point)
    try:
        truth, got, disagreement = directions.along(model, claim, point, kind)
    except (Invalid, ValueError) as exc:
        if affordable:
            return compare(model, claim, point)
        if isinstance(exc, Invalid):
            raise
        raise Invalid(f"the answer's shape: {exc}") from None
    if directions.agrees(disagreement, kind):
        return Comparison(got, got, [])
    if affordable:
        return compare(model, claim, point)
    if disagreement <= TOLERANCE[kind]["rtol"]:
        return Comparison(got, got, [])
    return Comparison(truth, got, [()], message=(
        f"(along a random direction v, the answer gives {got.flat[0]:.6g} where the "
        f"derivative is {truth.flat[0]:.6g}; too many entries to compare one by one)"))


#: The judgements the batch screen stands in for (its test is theirs); a kind's own judge,
#: or a stand-in a test puts in their place, judges every point itself.
SCREENED_JUDGES = (compare, judge)


def recheck(model: Model, claim: Claim, point: Point) -> bool | None:
    """A difference the complex step found, checked again with central differences (for
    when exact evaluation is out of reach): True if it is far beyond their error, False if
    they find none, None if they cannot tell.  At a point too large to compare entry by
    entry, along the direction that found it (:func:`~.directions.recheck_along`)."""
    if claim.kind in ("hessian", "equal"):  # (equal: no derivative to take another way)
        return None
    if not directions.full_is_affordable(claim, point):
        with np.errstate(all="ignore"):
            try:
                return directions.recheck_along(model, claim, point)
            except (Invalid, ValueError):
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


def _truth(model: Model, claim: Claim, point: Point, evaluator):
    """The derivative the claim is about, by the complex step on each entry of wrt."""
    if claim.kind == "hessian":
        return hessian.truth(model, claim, point, evaluator, TOLERANCE["second order"])
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


# --- the search ------------------------------------------------------------------------------

def search(model: Model, claim: Claim, seed: int, deadline: Deadline,
           max_examples: int = MAX_EXAMPLES, judge=None, strategy=None,
           fixed=None, draw=None, screen=None, shrink_calls: int = SHRINK_CALLS,
           sizes: list[dict[str, int]] = (), real: list[dict[str, int]] = ()) -> NumericOutcome:
    """Look for a point where the answer is wrong; if found, make it small: the
    smallest sizes that still fail, then values shrunk by hypothesis.  ``judge``,
    ``strategy`` and ``fixed`` replace :func:`compare`, :func:`point_strategy` and
    :func:`fixed_points` for kinds that judge points their own way, and ``draw`` (model,
    claim, seed, count -> points) draws such a kind's random points without hypothesis
    (which then searches again only once one fails, to make it small, or where fewer than
    :data:`MIN_JUDGED` could be judged, to find points in a narrow domain); ``screen``
    (model, claim, batch -> passes) screens a kind's numpy-drawn batches for its own judge,
    as :func:`~.screen.screen` does for the default one; ``sizes`` are size
    assignments tried first as well (where the index path says a difference may show), and
    ``real`` the user's own sizes (a layer's real size: judged, never drawn by hypothesis).

    With the default strategy, ``max_examples`` points are drawn with numpy
    (:func:`random_batches`, screened a batch at a time) and :data:`EDGE_EXAMPLES` edge
    points among them (small integers, the qualifiers' boundaries; a smaller budget, as an
    expectation's, is shared between the two), and hypothesis searches only once a point
    fails, for a small counterexample: at each smaller size assignment, smallest first,
    then at the failing point's own sizes, shrinking the values of the first it finds.  A
    kind with a strategy of its own has ``max_examples`` drawn by hypothesis (sizes and
    values shrunk together, then smaller sizes tried).  The real sizes come after the random
    points, so a claim wrong at small sizes is refuted there."""
    judge = judge or compare
    drawn_by_numpy = strategy is None
    strategy = strategy or point_strategy
    fixed = fixed or fixed_points
    outcome = NumericOutcome("passed")
    reasons: dict[str, int] = {}
    smallest: list[Point] = []  # the latest failing point: the smallest found so far
    shrinking = [0]  # judgements since the first failure (a count, so runs are reproducible)
    drawing: list[bool] = []  # non-empty while hypothesis draws the points
    drawn_failure: list[Point] = []  # a failing point of ``draw``'s, while hypothesis searches

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
            edge = min(EDGE_EXAMPLES, max_examples // 2) if drawn_by_numpy else max_examples
            screened = _default_screen(model, claim) if judge in SCREENED_JUDGES else screen
            found = _first_failing(model, claim, ([point] for point in first), fails, outcome,
                                   deadline, screened)
            if found is None and drawn_by_numpy:
                count = max_examples if max_examples >= MAX_EXAMPLES else max_examples - edge
                batches = random_batches(model, claim, seed, count, edge)
                found = _first_failing(model, claim, batches, fails, outcome, deadline,
                                       screened)
            if found is None and draw is not None:
                found = next((p for p in draw(model, claim, seed, max_examples) if fails(p)),
                             None)
                if found is not None:  # hypothesis searches afresh, for a small one
                    drawn_failure.append(found)  # (kept should the time run out first)
                    smallest.clear()
                    shrinking[0] = 0
            found = found or _real(model, claim, seed, real, fails, outcome)
            if draw is None:
                wanted = found is None or shrink_calls
            else:  # (hypothesis makes a failure small, or searches a narrow domain)
                wanted = bool(shrink_calls) if found is not None else \
                    outcome.examples < MIN_JUDGED
            if not drawn_by_numpy and wanted:
                drawing.append(True)
                try:
                    found = _find(strategy(model, claim), fails, seed, max_examples,
                                  shrink=bool(shrink_calls)) or found
                finally:
                    drawing.clear()
            if found is not None and shrink_calls:
                found = _smallest_sizes(model, claim, fails, seed, found, strategy) or \
                    (_at_its_sizes(model, claim, fails, seed, found, strategy)
                     if drawn_by_numpy else None) or found
    except _ShrinkingDone:
        found = smallest[0]
    except OutOfTime:
        found = smallest[0] if smallest else drawn_failure[0] if drawn_failure else None
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


def _default_screen(model, claim):
    """The default judgement's screen (:mod:`.screen`), at the claim's tolerance."""
    kind = tolerance_kind(model, claim)
    return lambda model, claim, batch: screen(model, claim, batch, TOLERANCE[kind], kind)


def _first_failing(model, claim, batches, fails, outcome, deadline,
                   screened) -> Point | None:
    """The first point of the batches that fails.  With a ``screened`` (model, claim, batch
    -> passes), each batch is screened at once first: a point that passes there is an
    example that agrees; the others are judged one by one, in order."""
    for batch in batches:
        deadline.check()
        passes = screened(model, claim, batch) if screened else []
        if len(passes) != len(batch):  # (no screen, or one that lost count: judge them all)
            passes = [False] * len(batch)
        for k, passed in enumerate(passes):
            if passed:
                outcome.examples += 1
                continue
            point = batch[k]  # (made only for the points the screen did not pass)
            if fails(point):
                return point
    return None


def _real(model, claim, seed, real, fails, outcome) -> Point | None:
    """The first failing point at the user's real sizes (each judged once); the sizes
    judged go to ``outcome.real``, those tried to ``outcome.real_tried``.  A point there
    that needs more memory than the claim may use costs that point, not the verdict."""
    for sizes in real:
        outcome.real_tried.append(sizes)
        judged = outcome.examples
        try:
            point = fixed_points(model, claim, random.Random(seed), [sizes], real=True)[0]
            if fails(point):
                return point
        except MemoryError:
            outcome.real_problem = "it needs more memory than the claim may use there"
            continue
        if outcome.examples > judged:
            outcome.real.append(sizes)
    return None


def _find(points, fails, seed, max_examples, shrink: bool = True) -> Point | None:
    return find(points, fails, seed, max_examples, shrink, stops=(_ShrinkingDone, OutOfTime))


def _at_its_sizes(model, claim, fails, seed, found: Point, strategy) -> Point | None:
    """A failing point at the sizes of ``found`` with values shrunk by hypothesis (sizes a
    layer's real ones are left as found: too large to draw value by value)."""
    if max(found.sizes.values(), default=0) > 2 * MAX_SIZE:
        return None
    return _find(strategy(model, claim, dict(found.sizes)), fails, seed, 30)


def _smallest_sizes(model, claim, fails, seed, found: Point, strategy,
                    tries: int = 12) -> Point | None:
    """Search size assignments smaller than the failing one, smallest first."""
    dims = list(found.sizes)
    ranges = [range(model.min_sizes.get(d, 1), min(found.sizes[d], 2 * MAX_SIZE) + 1)
              for d in dims]  # (a failure at a real size is tried at small sizes only)
    fits = admissible(model, claim, min(max(found.sizes.values()), 2 * MAX_SIZE)) \
        if claim.dim_constraints else None
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
