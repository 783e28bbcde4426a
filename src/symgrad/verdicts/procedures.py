"""The per-kind procedure table: how each family of claim kinds runs the two paths.

Most kinds share the derivative procedure (a symbolic proof per entry, a proof for every
size in index notation, a numeric comparison at random points); psd, expectation and
convergence claims bring their own prover, judge and confirmation from
:mod:`symgrad.kinds`.  ``value`` claims are decided in one step
(:mod:`symgrad.kinds.value`) and have no entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..paths.numeric import MAX_EXAMPLES, SHRINK_CALLS


@dataclass(frozen=True)
class Procedure:
    """How a family of claim kinds runs its two paths (:mod:`.combine` combines them)."""

    prove: Callable  # (model, claim, rng) -> symbolic.SymbolicOutcome
    judge: Callable  # (model, claim, point) -> numeric.Comparison; raises Invalid off-domain
    confirm: Callable  # (model, claim, point) -> True/False/None: exact check of a difference
    failure: Callable  # (comparison) -> what a failing comparison means, for the reason
    examples: int = MAX_EXAMPLES  # hypothesis examples of the numeric path
    strategy: Callable | None = None  # (model, claim, sizes=None) -> hypothesis strategy
    fixed: Callable | None = None  # (model, claim, rng) -> points always tried first
    draw: Callable | None = None  # (model, claim, seed, count) -> the strategy's points, by numpy
    shrink_calls: int = SHRINK_CALLS  # judgements spent making a counterexample small
    recheck: Callable | None = None  # (model, claim, point) -> bool | None, when exact fails
    generic: Callable | None = None  # (model, claim) -> index.prove.IndexOutcome (all sizes)
    screen: Callable | None = None  # (model, claim, batch) -> passes, for a kind's own judge


def procedure(kind: str) -> Procedure:
    if kind == "psd":
        from ..index import prove as index
        from ..kinds import psd

        return Procedure(psd.prove, psd.judge, psd.confirm, psd.failure, generic=index.prove,
                         screen=psd.screen)
    if kind == "expectation":
        from ..kinds import expectation as e

        return Procedure(e.prove, e.judge, e.confirm, e.failure, e.EXAMPLES, shrink_calls=30)
    if kind == "convergence":
        from ..kinds import convergence as c

        return Procedure(c.prove, c.judge, c.confirm, c.failure, c.EXAMPLES, c.strategy,
                         c.fixed, c.drawn, shrink_calls=40)
    from ..index import prove as index
    from ..paths import numeric, symbolic

    return Procedure(symbolic.prove, numeric.judge, symbolic.confirm,
                     lambda comparison: f"the answer is wrong {_where(comparison)}",
                     recheck=numeric.recheck, generic=index.prove)


def _where(comparison) -> str:
    if not comparison.differs:
        return ""
    if comparison.message:
        return comparison.message
    entries = ", ".join(str(list(p)) for p in comparison.differs[:4])
    more = f" and {len(comparison.differs) - 4} more" if len(comparison.differs) > 4 else ""
    if comparison.differs == [()]:
        return "(its value differs)"
    return f"(entries {entries}{more} differ)"
