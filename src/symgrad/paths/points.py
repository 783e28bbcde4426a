"""Points of the numeric path: sizes, values that respect the qualifiers, test functions.

Three sources, all seeded: :func:`fixed_points` at given size assignments (the symbolic
path's distinct sizes, the index path's, the user's real sizes); :func:`random_batches`,
drawn with numpy's generator at sizes up to :data:`MAX_SIZE`, several points at each size
(cheap: most of the search's points, evaluated a batch at a time); and
:func:`point_strategy`, hypothesis's strategy, for shrinking a counterexample to a small
one (and for the kinds whose points are drawn by hypothesis throughout).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..engine.backends import MAX_CONDITION
from ..engine.testfunction import TestFunction
from ..language.model import Claim, Model, Symbol
from ..vocabulary.shapes import concrete
from .sizes import admissible
from .symbolic import claim_symbols, size_assignments

MAX_SIZE = 4  # largest size hypothesis (and the random draws) give a named dimension
POINTS_PER_SIZE = 8  # random points drawn for each random size assignment
EDGE_SIZE = 3  # largest size of an edge point's dimensions (1 included)
EDGE_BATCHES = 2  # random batches the edge points join (at sizes up to EDGE_SIZE)
BATCH_ENTRIES = 1 << 16  # entries of a batch's values, at most, beyond POINTS_PER_SIZE points
LARGE = 4096  # entries of an array from which fixed points are drawn with numpy
#: The values edge points draw from, by the kind of entry (binary and sign: as always).
EDGE_VALUES = {"plain": (0.0, 1.0, -1.0, 2.0, -2.0), "positive": (1.0, 2.0, 3.0),
               "nonzero": (1.0, -1.0, 2.0, -2.0), "probability": (0.01, 0.5, 0.99)}


@dataclass
class Point:
    sizes: dict[str, int]
    values: dict[str, np.ndarray]
    functions: dict[str, TestFunction] = field(default_factory=dict)



def _decode(k: int, integers: int) -> float:
    """Entry values from one integer draw: -integers..integers stand for themselves (what
    shrinking reaches first), larger ones for two-decimal numbers of magnitude up to 3."""
    if abs(k) <= integers:
        return float(k)
    sign = 1 if k > 0 else -1
    return sign * ((abs(k) - integers) * 7 % 300 + 1) / 100


def _decoded(k: np.ndarray) -> np.ndarray:
    """:func:`_decode` of an array of draws (with 3 integers), at once."""
    magnitude = np.abs(k)
    return np.where(magnitude <= 3, k.astype(float),
                    np.sign(k) * (((magnitude - 3) * 7 % 300 + 1) / 100))


#: :func:`_decoded` of every draw -303..303, looked up by draw + 303.
_DECODED = _decoded(np.arange(-303, 304))
#: The edge values and the signs as arrays, indexed by a draw (what ``generator.choice``
#: draws from a tuple, from the same stream, without its cost per call).
_EDGE_ARRAYS = {kind: np.array(values) for kind, values in EDGE_VALUES.items()}
_SIGNS = np.array((1.0, -1.0))


def entry_strategies():
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

    entries = entry_strategies()
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
                 assignments: list[dict[str, int]] | None = None,
                 real: bool = False) -> list[Point]:
    """Points at the symbolic path's distinct sizes, so non-square cases are always tried
    (or at the given size assignments).  Arrays of :data:`LARGE` entries or more, and every
    array at ``real`` sizes (a layer's), are drawn with numpy (:func:`_drawn`), seeded from
    ``rng``."""
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
            if real or math.prod(shape) >= LARGE:
                values[name] = _drawn(symbol, shape, np.random.default_rng(rng.getrandbits(32)))
            else:
                values[name] = _listed(symbol, shape, rng)
        points.append(Point(sizes, values, functions))
    return points


def _listed(symbol: Symbol, shape, rng: random.Random) -> np.ndarray:
    kind = _entry_kind(symbol)
    if "onehot" in symbol.qualifiers:  # a vector, or each row of a matrix
        hots = [rng.randrange(shape[-1]) for _ in range(shape[0] if len(shape) == 2 else 1)]
        array = np.eye(shape[-1])[hots if len(shape) == 2 else hots[0]]
    elif kind == "sign":
        array = np.array([rng.choice((-1, 1)) for _ in range(math.prod(shape))])
        array = array.reshape(shape)
    else:
        low, high = {"probability": (1, 99), "binary": (0, 1)}.get(kind, (-250, 250))
        array = np.array([rng.randint(low, high) for _ in range(math.prod(shape))])
        array = array.reshape(shape) / (1 if kind == "binary" else 100)
        if kind in ("positive", "nonzero"):
            array = np.abs(array) + 0.1
        array = conditioned(symbol, array)
    return np.asarray(array, dtype=complex)


def _drawn(symbol: Symbol, shape, generator: np.random.Generator) -> np.ndarray:
    """A large array (a layer's real size), drawn with numpy's generator in one call:
    continuous values (a grid with 0 on it would put one of 10⁶ entries on relu's kink)
    scaled like a layer's initialisation, ±1/√(last dimension), so that products of
    several such arrays stay of order 1 (softmax and exp do not overflow)."""
    kind = _entry_kind(symbol)
    shape = tuple(shape)
    if "onehot" in symbol.qualifiers:
        return _onehot(shape, generator)
    if kind == "sign":
        array = generator.choice((-1.0, 1.0), size=shape)
    elif kind == "binary":
        array = generator.integers(0, 2, size=shape).astype(float)
    else:
        if kind == "probability":
            array = generator.uniform(0.01, 0.99, size=shape)
        else:
            array = generator.uniform(-1, 1, size=shape) / np.sqrt(shape[-1] if shape else 1)
        if kind in ("positive", "nonzero"):
            array = np.abs(array) + 0.1
        array = conditioned(symbol, array)
    return np.asarray(array, dtype=complex)


def _onehot(shape, generator: np.random.Generator) -> np.ndarray:
    """A one-hot vector, or a matrix of one-hot rows (set, not cut from an identity)."""
    rows = shape[0] if len(shape) == 2 else 1
    array = np.zeros((rows, shape[-1]), dtype=complex)
    array[np.arange(rows), generator.integers(0, shape[-1], size=rows)] = 1
    return array if len(shape) == 2 else array[0]


def random_batches(model: Model, claim: Claim, seed: int, count: int, edge: int = 0):
    """``count`` random points and ``edge`` edge points in batches, one batch for each
    random size assignment up to :data:`MAX_SIZE` (only admissible ones), so that the
    numeric search evaluates a batch at once (:mod:`.screen`).  A size assignment is drawn
    for every :data:`POINTS_PER_SIZE` points; the points drawn at the same sizes form one
    batch (at most :data:`BATCH_ENTRIES` entries), and so do the points at one set of test
    functions (a claim with test functions draws them afresh for every assignment, and
    keeps its batches apart).  The values are as hypothesis draws them (:func:`_decode` of
    a uniform integer), from numpy's generator, each symbol's for a whole batch in one
    call: the bulk of the search, without hypothesis's cost per drawn value.

    The edge points have the values random draws miss: small integers (0, ±1, ±2), the
    qualifiers' boundaries (0.01 and 0.99 for a probability), at sizes up to
    :data:`EDGE_SIZE`.  They come last in the first :data:`EDGE_BATCHES` batches at such
    sizes (no evaluation of their own), or, where no random sizes are that small, in
    batches of their own."""
    generator = np.random.default_rng(seed)
    edges = np.random.default_rng(seed + 1)  # (the edge values: a stream of their own)
    symbols = claim_symbols(model, claim)
    drawn = [(name, symbol) for name, symbol in symbols.items()
             if not (symbol.random or symbol.is_function)]
    planned = [[sizes, functions, many, 0] for sizes, functions, many in
               _assignments(model, claim, symbols, generator, count, MAX_SIZE)]
    small = [plan for plan in planned
             if max(plan[0].values(), default=0) <= EDGE_SIZE][:EDGE_BATCHES]
    if edge and small:
        for k, plan in enumerate(small):
            plan[3] = edge // len(small) + (k < edge % len(small))
    elif edge:
        planned += [[sizes, functions, 0, many] for sizes, functions, many in
                    _assignments(model, claim, symbols, edges, edge, EDGE_SIZE)]
    for sizes, functions, many, on_the_edge in planned:
        shapes = {name: tuple(concrete(symbol.shape, sizes)) for name, symbol in drawn}
        entries = sum(math.prod(shape) for shape in shapes.values()) or 1
        at_once = max(POINTS_PER_SIZE, BATCH_ENTRIES // entries)
        total = many + on_the_edge
        for start in range(0, total, at_once):
            samples = min(at_once, total - start)
            plain = min(samples, max(0, many - start))  # (random points first)
            values = {name: _drawn_arrays(symbol, shapes[name], plain, samples - plain,
                                          generator, edges) for name, symbol in drawn}
            yield Batch(sizes, functions, values, samples)


def _drawn_arrays(symbol, shape, plain: int, on_the_edge: int, generator, edges):
    if not on_the_edge:
        return _random_arrays(symbol, shape, plain, generator)
    edged = _random_arrays(symbol, shape, on_the_edge, edges, edge=True)
    return np.concatenate([_random_arrays(symbol, shape, plain, generator), edged]) \
        if plain else edged


class Batch(Sequence):
    """Points at one size assignment (and one set of test functions), their values stacked
    on a leading axis of samples, as the screen evaluates them; a point of its own is made
    only when asked for (most pass the screen and never are)."""

    def __init__(self, sizes: dict[str, int], functions: dict, values: dict[str, np.ndarray],
                 samples: int):
        self.sizes, self.functions, self.values, self.samples = sizes, functions, values, samples

    def __len__(self) -> int:
        return self.samples

    def __getitem__(self, k: int) -> Point:
        if not -self.samples <= k < self.samples:
            raise IndexError(k)
        return Point(self.sizes, {name: value[k, ...] for name, value in self.values.items()},
                     self.functions)


def _assignments(model, claim, symbols, generator, count: int, largest: int):
    """(sizes, test functions, how many points) of the random points: a size assignment
    for every :data:`POINTS_PER_SIZE` of them; equal ones together, unless the claim has
    test functions (drawn afresh with each assignment)."""
    choices = admissible(model, claim, largest) if claim.dim_constraints else None
    if claim.dim_constraints and not choices:
        return []
    functions = [name for name, symbol in symbols.items() if symbol.is_function]
    rounds = -(-count // POINTS_PER_SIZE)
    if choices:  # (every round's sizes in one draw)
        picked = [choices[k] for k in generator.integers(len(choices), size=rounds).tolist()]
    else:
        lows = [model.min_sizes.get(d, 1) for d in claim.dims]
        table = generator.integers(lows, [max(largest, low) + 1 for low in lows],
                                   size=(rounds, len(lows))).tolist()
        picked = [dict(zip(claim.dims, row, strict=True)) for row in table]
    planned: dict = {}
    for sizes in picked:
        sizes = dict(sizes)
        drawn = {name: TestFunction(tuple(float(c) for c in generator.integers(-2, 3, size=5)))
                 for name in functions}
        many = min(POINTS_PER_SIZE, count)
        key = (tuple(sizes.items()), len(planned) if functions else None)
        if key in planned:
            planned[key][2] += many
        else:
            planned[key] = [sizes, drawn, many]
        count -= many
    return list(planned.values())


#: Qualifiers whose arrays are made what they say one sample at a time (:func:`conditioned`).
CONDITIONED = frozenset({"spd", "orthogonal", "symmetric", "invertible"})


def _random_arrays(symbol: Symbol, shape, samples: int, generator: np.random.Generator,
                   edge: bool = False) -> np.ndarray:
    """``samples`` arrays of ``shape`` (stacked on a leading axis), drawn in one call."""
    count = samples * math.prod(shape)
    if "onehot" in symbol.qualifiers:
        rows = samples * (shape[0] if len(shape) == 2 else 1)
        return _onehot((rows, shape[-1]), generator).reshape((samples, *shape))
    flat = random_values(_entry_kind(symbol), count, generator, edge)
    arrays = np.asarray(flat, dtype=complex).reshape((samples, *shape))
    if CONDITIONED & set(symbol.qualifiers):
        arrays = np.stack([conditioned(symbol, array) for array in arrays])
    return arrays


def random_values(kind: str, count: int, generator: np.random.Generator,
                  edge: bool = False) -> np.ndarray:
    """``count`` entry values of a kind (:func:`entry_strategies`' names), as hypothesis
    draws them, in one numpy call (with ``edge``, from :data:`EDGE_VALUES`)."""
    if edge and kind in EDGE_VALUES:
        flat = _EDGE_ARRAYS[kind][generator.integers(0, len(EDGE_VALUES[kind]), size=count)]
    elif kind == "probability":
        flat = ((50 + generator.integers(0, 99, size=count)) % 99) / 100 + 0.01
    elif kind == "binary":
        flat = generator.integers(0, 2, size=count).astype(float)
    elif kind == "sign":
        flat = _SIGNS[generator.integers(0, 2, size=count)]
    else:
        if kind == "positive":
            k = generator.integers(1, 303, size=count)
            flat = np.where(k <= 3, k.astype(float), (k - 2) / 100)
        else:
            flat = _DECODED[generator.integers(0, 607, size=count)]  # (-303..303, decoded)
            if kind == "nonzero":
                flat[flat == 0] = 0.5
    return flat
