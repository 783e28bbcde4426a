"""Real sizes: the sizes a layer really has, checked by the numeric path.

A claim may ask for them (``sizes = { n = 1000 }``), and so may the command line
(``symgrad check --sizes n=1000,m=500 FILE``, for every claim with those dimensions;
the command line wins over the file).  The symbolic paths stay at their small sizes; the
numeric path judges the claim at these sizes as well (along random directions, one
evaluation each).  A dimension the claim has but the sizes do not name keeps the
symbolic path's first size.  What they ask for is checked before any work: known
dimensions, whole numbers, admissible ones (n - k + 1 >= 1), no array of the claim
past :data:`~symgrad.limits.MAX_REAL_ENTRIES` entries, and, for an answer in index form
(walked at once, each index on an axis of its own), no value of that walk past
:data:`~symgrad.limits.MAX_REAL_GRID` entries.
"""

from __future__ import annotations

from ..errors import ClaimError
from ..limits import ENTRIES_AT, MAX_REAL_ENTRIES, MAX_REAL_GRID
from ..vocabulary import dims as dims_
from ..vocabulary import shapes
from . import indexing
from .claimfile import REAL_SIZES_KINDS
from .model import Claim, Model


def parse_option(text: str) -> dict[str, int]:
    """``n=1000,m=500`` -> {"n": 1000, "m": 500}; ValueError says what is wrong."""
    sizes: dict[str, int] = {}
    for item in text.split(","):
        name, equals, number = item.strip().partition("=")
        name, number = name.strip(), number.strip()
        if not equals or not name.isidentifier() or not number.isdigit():
            raise ValueError(f"--sizes {text!r}: write NAME=SIZE pairs separated by commas, "
                             "e.g. --sizes n=1000,m=500")
        if name in sizes:
            raise ValueError(f"--sizes names {name} twice")
        sizes[name] = int(number)
        if not 1 <= sizes[name] <= MAX_REAL_ENTRIES:
            raise ValueError(f"--sizes: {name} must be from 1 to {MAX_REAL_ENTRIES:,}")
    return sizes


def attach(model: Model, claim: Claim, sizes: dict[str, int], where: str) -> None:
    """Give the claim these real sizes (``where`` says who asked: for the messages), or
    set its error saying why they cannot be."""
    place = dict(file=model.path, claim=claim.name, line=claim.line, field="sizes")
    why_not = cannot_take(model, claim)
    if why_not:
        raise ClaimError(f"{_prefix(where)}{why_not}", **place,
                         hint="check it at its small sizes, or write the answer in matrix form")
    unknown = [d for d in sizes if d not in claim.dims]
    if unknown:
        raise ClaimError(f"{_prefix(where)}the claim has no dimension {unknown[0]!r}", **place,
                         hint=f"its dimensions are {', '.join(claim.dims) or 'none'}")
    # (a dimension not named runs at the symbolic path's first size: at most one more than
    # the claim has dimensions, or a size an index asks for; the checks take the largest)
    unnamed = max(ENTRIES_AT, len(claim.dims) + 1,
                  *(model.min_sizes.get(d, 1) for d in claim.dims))
    filled = {d: sizes.get(d, unnamed) for d in claim.dims}
    if claim.dim_constraints and not dims_.admissible(claim.dim_constraints, filled):
        raise ClaimError(f"{_prefix(where)}these sizes make a dimension of the claim less than 1 "
                         "(or not whole)", **place, hint="e.g. a kernel no longer than its input")
    if claim.indices and not claim.answer_problem:  # (a wrong-shaped answer is not walked)
        grid = indexing.grid_entries(model, claim, filled)
        if grid > MAX_REAL_GRID:
            raise ClaimError(f"{_prefix(where)}walked at once, the answer in index form "
                             f"would make a value of {grid:,} entries (one for each position "
                             "of the indices it depends on), beyond symgrad's limit of "
                             f"{MAX_REAL_GRID:,} for real sizes", **place,
                             hint="ask for smaller sizes, or write the answer in matrix form")
    for shape in _shapes(model, claim):
        count = dims_.entries(shape, filled)
        if count > MAX_REAL_ENTRIES:
            raise ClaimError(f"{_prefix(where)}{shapes.show(shape)} would have "
                             f"{count:,} entries, beyond symgrad's limit of "
                             f"{MAX_REAL_ENTRIES:,} for real sizes", **place,
                             hint="ask for smaller sizes: the check is along directions, so "
                             "what limits it is memory")
    claim.real_sizes = dict(sizes)


def _prefix(where: str) -> str:
    """The messages name the field already; the command line's option is named in full."""
    return "" if where == "sizes" else f"{where}: "


def cannot_take(model: Model, claim: Claim) -> str | None:
    """Why the claim cannot be checked at real sizes (None: it can).  Both reasons are
    checks that cost one evaluation per entry, out of reach at 10⁶ entries (an index-form
    answer made entry by entry is walked at once, on a grid of its indices)."""
    if claim.indices and not indexing.entrywise(claim.exprs[claim.answer_field]):
        return "this answer in index form is evaluated one entry at a time (it is not made " \
               "entry by entry of + - * / **, elementwise functions, indexing, delta and " \
               "index sums): real sizes are for answers in matrix form or made entry by entry"
    roots = [*claim.exprs.values(), *(model.defines[n] for n in model.defines)]
    if any(node.op in ("grad", "hessian") for root in roots for node in root.walk()):
        return "grad() or hessian() inside an expression is taken by differences, one " \
               "evaluation per entry: real sizes are out of its reach"
    return None


def with_sizes(models, sizes: dict[str, int], used: set | None = None):
    """Models with the command line's real sizes attached to every claim (of a kind that
    takes them) that has one of those dimensions (their names go into ``used``)."""
    for model in models:
        for claim in model.claims:
            if claim.error or claim.kind not in REAL_SIZES_KINDS or model.error or \
                    cannot_take(model, claim):
                continue
            mine = {d: s for d, s in sizes.items() if d in claim.dims}
            if used is not None:
                used.update(mine)
            if mine:
                try:
                    attach(model, claim, {**claim.real_sizes, **mine}, "--sizes")
                except ClaimError as exc:
                    claim.error = exc
        yield model


def _shapes(model: Model, claim: Claim):
    """The shapes of the claim's symbols and of its answer (what is built from them may be
    larger: beyond memory, that is an ``undecided`` of this claim, "memory limit")."""
    symbols = {**model.symbols, **claim.introduced}
    for name in claim.uses:
        if name in symbols:
            yield symbols[name].shape
    yield claim.expected_shape
