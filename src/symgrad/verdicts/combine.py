"""One claim -> its verdict: the two paths run, and their outcomes are combined.

The rules (the README's "Verdicts" section says the same to users):

* proved: the symbolic path proved every entry at the stated sizes and the
  numeric path found no difference; its scope is ``all sizes`` when the index path
  (:mod:`symgrad.index`) found the normal form of answer - truth to be 0 (or every size is
  fixed, or SymPy's matrix calculus proved it and the index path has no form for it);
* verified: the numeric path passed but no symbolic proof was reached;
* refuted: a concrete point where the answer is wrong, found numerically and
  confirmed by exact evaluation (or a shape that cannot match);
* undecided: neither path could decide, or a difference could not be confirmed;
* error: the claim cannot be understood, or the paths disagree (the index path proving
  for every size what a confirmed counterexample refutes is a bug, never hidden).

This is the verdict alone; :mod:`symgrad.decide` adds what explains it (a diagnosis, the
correct answer, LaTeX) and answers questions.
"""

from __future__ import annotations

import random
import time
import zlib

from ..engine.deadline import Deadline, interrupt_at
from ..engine.jsonable import counterexample, shown
from ..errors import OutOfTime
from ..language.model import Claim, Model
from ..limits import DEFAULT_TIMEOUT
from .procedures import procedure
from .results import Result

DEFAULT_SEED = 0


def decide_claim(model: Model, claim: Claim, *, seed: int = DEFAULT_SEED,
                 timeout: float = DEFAULT_TIMEOUT, shrink: bool = True) -> Result:
    """The verdict on one claim within the time limit; a bug in symgrad is an ``error`` of
    this claim only.  Without ``shrink``, a counterexample is the first found."""
    try:
        return _combine(model, claim, seed, timeout, shrink)
    except OutOfTime:
        return result(model, claim, "undecided", reason=f"time limit: not decided within "
                      f"{timeout:g} s (raise --timeout)")
    except MemoryError:
        return memory_limit(model, claim)
    except RecursionError:
        return result(model, claim, "undecided", reason="the expressions are nested too deeply "
                      "for symgrad to follow (recursion limit)")
    except Exception as exc:  # a bug in symgrad: say so, as an error of this claim only
        return result(model, claim, "error", reason=bug(exc))


def memory_limit(model: Model, claim: Claim, megabytes: float | None = None) -> Result:
    allowed = f" (--memory {megabytes:g} MB)" if megabytes else ""
    return result(model, claim, "undecided", reason="memory limit: deciding this claim needs "
                  f"more memory than it may use{allowed}")


def bug(exc: Exception, doing: str = "failed on this claim") -> str:
    return (f"symgrad {doing} (a bug; please report it with the claim): "
            f"{type(exc).__name__}: {exc}")


def result(model: Model, claim: Claim | None, verdict: str, **details) -> Result:
    answer = claim.fields.get(claim.answer_field, "") if claim else ""
    return Result(file=model.path, claim=claim.name if claim else "(file)",
                  kind=claim.kind if claim else "", verdict=verdict, title=model.title,
                  line=claim.line if claim else None,
                  answer=answer if isinstance(answer, str) else "", **details)


def _combine(model: Model, claim: Claim, seed: int, timeout: float, shrink: bool) -> Result:
    from ..paths import numeric, symbolic

    problem = model.error or claim.error
    if problem:
        return result(model, claim, "error", reason=problem.describe())
    if claim.answer_problem:
        return result(model, claim, "refuted", reason=claim.answer_problem)
    if claim.kind == "value":
        from ..kinds import value

        with interrupt_at(Deadline(timeout)):
            return result(model, claim, **{"scope": "", **value.decide(model, claim)})
    how = procedure(claim.kind)
    claim_seed = zlib.crc32(f"{seed}:{claim.name}".encode())
    deadline = Deadline(timeout)
    timings = {}
    generic = _generic(model, claim, how, deadline, timings)

    started = time.perf_counter()
    proved_for_every_size = generic is not None and generic.status == "zero" and generic.whole
    try:  # the explicit entries corroborate a proof for every size: a short look will do
        with interrupt_at(deadline.part(EXPLICIT_SHARE_AFTER_A_PROOF if proved_for_every_size
                                        else EXPLICIT_SHARE)):
            sym = how.prove(model, claim, random.Random(claim_seed))
    except OutOfTime:
        sym = symbolic.SymbolicOutcome("unknown", reason="no symbolic proof within the time limit")
    except (ArithmeticError, TypeError, ValueError, RecursionError, NotImplementedError) as exc:
        sym = symbolic.SymbolicOutcome("unknown", reason=f"SymPy could not handle it: {exc}")
    timings["symbolic"] = time.perf_counter() - started

    started = time.perf_counter()
    num = numeric.search(model, claim, claim_seed, deadline, how.examples,
                         judge=how.judge, strategy=how.strategy,
                         fixed=how.fixed, draw=how.draw, screen=how.screen,
                         shrink_calls=how.shrink_calls if shrink else 0,
                         sizes=generic.sizes if generic else (),
                         real=_real_sizes(model, claim, how))
    timings["numeric"] = time.perf_counter() - started
    also = f"; numeric also at {symbolic.describe_sizes(num.real[0])}" if num.real else ""
    every_size = generic is not None and generic.status == "zero"

    def verdict(name, **details):
        if every_size and name == "refuted":  # the index path proved what is refuted: a bug
            name, details["reason"] = "error", (
                f"the paths disagree: {details['reason']} (confirmed exactly), but the index "
                "path finds the normal form of answer - truth to be 0 (a bug in symgrad; "
                "please report it with the claim)")
        ordered = {path: timings[path] for path in TIMINGS if path in timings}
        return result(model, claim, name, timings=ordered, index_path=_index_path(generic),
                      **details)

    if num.status == "failed":
        started = time.perf_counter()
        try:
            with interrupt_at(Deadline(max(deadline.remaining() * CONFIRM_SHARE, 1.0))):
                confirmed = how.confirm(model, claim, num.point)
        except (OutOfTime, ArithmeticError, TypeError, ValueError, RecursionError):
            confirmed = None
        exactly = confirmed is not None
        if confirmed is None and how.recheck is not None:
            confirmed = how.recheck(model, claim, num.point)
        timings["confirm"] = time.perf_counter() - started
        cex = _counterexample(num.point, num.comparison)
        failure = how.failure(num.comparison)
        if confirmed or (confirmed is None and sym.status == "disproved"):
            if confirmed and not exactly:
                failure += ("; confirmed by central differences, in real arithmetic (exact "
                            "evaluation is out of reach there)")
            return verdict("refuted", reason=failure, scope=_where(cex), counterexample=cex)
        if confirmed is False:
            by = "exact evaluation there finds" if exactly else "central differences there find"
            return verdict("error", counterexample=cex, reason="the two paths disagree: the "
                           f"numeric path found that {failure}, but {by} otherwise (symbolic: "
                           f"{sym.status})")
        return verdict("undecided", counterexample=cex, reason=f"the numeric path found that "
                       f"{failure}, which could not be confirmed exactly")
    if sym.status == "disproved" and sym.point is None:
        if num.status == "unknown":
            return verdict("undecided", reason=f"symbolic: {sym.reason}; numeric: {num.reason}")
        return verdict("error", reason="the two paths disagree: " + sym.reason + ", but the "
                       f"numeric path found no counterexample in {num.examples} examples")
    if sym.status == "disproved":
        point = numeric.Point(**sym.point)
        comparison = numeric.check_point(model, claim, point, how.judge)
        if comparison is not None and comparison.differs:
            cex = _counterexample(point, comparison)
            return verdict("refuted", reason=how.failure(comparison), scope=_where(cex),
                           counterexample=cex)
        if comparison is None:
            return verdict("undecided", reason=sym.reason + ", but the numeric path cannot "
                           "evaluate that point (a kink, a domain edge or an overflow)")
        return verdict("error", reason="the two paths disagree: " + sym.reason +
                       ", but the numeric path finds no difference there")
    if num.status == "unknown":
        return verdict("undecided", scope=sym.scope + also, reason=f"symbolic: {sym.status}"
                       f"{': ' + sym.reason if sym.reason else ''}; numeric: {num.reason}")
    examples = f"{num.examples} numeric examples agree{_unjudged(claim, num)}"
    if sym.status == "proved":
        scope, why = _scope(model, claim, sym, generic, deadline)
        return verdict("proved", scope=scope + also,
                       reason=f"{why}; {examples}" if why else examples)
    if every_size and generic.whole:  # explicit entries did not settle it; the others do
        return verdict("proved", scope="all sizes" + also, reason=(
            f"{generic.reason}, so it holds for every size (the explicit entries did not "
            f"settle it: {sym.reason}); {examples}"))
    return verdict("verified", scope=f"{num.examples} random points{also}",
                   reason=f"{sym.reason}; {examples}")


def _real_sizes(model: Model, claim: Claim, how) -> list[dict[str, int]]:
    """The claim's real sizes, its other dimensions at the symbolic path's first sizes (or
    at the size they were checked with, where those do not fit)."""
    if not claim.real_sizes or how.strategy is not None:
        return []
    from ..limits import ENTRIES_AT
    from ..paths.symbolic import size_assignments
    from ..vocabulary import dims

    first = (size_assignments(model, claim) or [{}])[0]
    filled = {d: claim.real_sizes.get(d, first.get(d, ENTRIES_AT)) for d in claim.dims}
    if claim.dim_constraints and not dims.admissible(claim.dim_constraints, filled):
        filled = {d: claim.real_sizes.get(d, ENTRIES_AT) for d in claim.dims}
    return [filled]


def _unjudged(claim: Claim, num) -> str:
    if num.real_tried and not num.real:
        why = num.real_problem or "a kink, a domain edge or an overflow"
        return f" (none at the real sizes: the point there could not be judged: {why})"
    if claim.real_sizes and not num.real_tried:
        return " (the real sizes were not reached within the time limit)"
    return ""


def _generic(model: Model, claim: Claim, how, deadline: Deadline, timings: dict):
    """The index path's outcome (None for kinds it does not decide), in a share of the time."""
    if how.generic is None:
        return None
    from ..index.prove import IndexOutcome

    started = time.perf_counter()
    try:
        with interrupt_at(deadline.part(GENERIC_SHARE)):
            outcome = how.generic(model, claim)
    except OutOfTime:
        outcome = IndexOutcome("none", "the index path ran out of its share of the time")
    except RecursionError:
        outcome = IndexOutcome("none", "the index form is nested too deeply")
    except MemoryError:
        outcome = IndexOutcome("none", "the index form needs more memory than the claim may use")
    except Exception as exc:  # a bug in the index path: said, and the other paths decide
        outcome = IndexOutcome("none", bug(exc, "failed in the index path"))
    timings["index"] = time.perf_counter() - started
    return outcome


GENERIC_SHARE = 0.25  # of a claim's time limit, at most, for the index path
CONFIRM_SHARE = 0.5  # of the time left, at most, for exact confirmation (then the recheck)
EXPLICIT_SHARE = 0.7  # of the time left, at most, for the explicit entries
EXPLICIT_SHARE_AFTER_A_PROOF = 0.1  # ... once the index path has proved every size
TIMINGS = ("symbolic", "index", "numeric", "confirm")  # the order they are shown in


def _scope(model: Model, claim: Claim, sym, generic, deadline: Deadline) -> tuple[str, str]:
    """Where a proved claim holds, and why: every size only from a zero normal form in index
    notation, or from fixed sizes, or from SymPy's matrix calculus where the index path has
    no form for the claim (never against a normal form that is not 0).  Matrix calculus is
    asked only then (it costs, and a proof for every size needs it no more)."""
    if not claim.dims or sym.scope == "all sizes":
        return sym.scope, sym.reason
    if generic is not None and generic.status == "zero":
        return "all sizes", (f"{generic.reason}, so it holds for every size; explicit "
                             f"entries agree at {sym.scope}")
    if not _by_matrix_calculus(model, claim, deadline):
        return sym.scope, sym.reason
    if generic is not None and generic.status == "nonzero":
        return sym.scope, ("SymPy's matrix calculus finds answer - truth to be 0 for every "
                           "size, but the index path does not, so only these sizes are "
                           "claimed")
    return "all sizes", ("SymPy's matrix calculus proves it for every size, and explicit "
                         f"entries agree at {sym.scope}")


def _by_matrix_calculus(model: Model, claim: Claim, deadline: Deadline) -> bool:
    if claim.kind not in ("gradient", "backprop", "hessian", "equal"):
        return False
    from ..paths import matrixcalc

    try:
        with interrupt_at(deadline.part(0.5)):
            return matrixcalc.proves_all_sizes(model, claim)
    except OutOfTime:
        return False


def _index_path(generic) -> str:
    if generic is None:
        return ""
    if generic.status == "zero":
        return f"proved for every size: {generic.reason}"
    return generic.reason


def _where(cex: dict) -> str:
    """A refutation's scope: the sizes of its counterexample (never more)."""
    return "sizes " + ", ".join(f"{d}={s}" for d, s in cex["sizes"].items()) \
        if cex.get("sizes") else ""


def _counterexample(point, comparison) -> dict:
    return {**counterexample(point.sizes, point.values, point.functions, comparison.expected,
                             comparison.got, comparison.differs),
            **{key: shown(value) for key, value in comparison.extra.items()}}
