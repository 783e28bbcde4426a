"""One claim -> its verdict: the two paths run, and their outcomes are combined.

The rules (the README's "Verdicts" section says the same to users):

* proved: the symbolic path proved every entry at the stated sizes and the
  numeric path found no difference;
* verified: the numeric path passed but no symbolic proof was reached;
* refuted: a concrete point where the answer is wrong, found numerically and
  confirmed by exact evaluation (or a shape that cannot match);
* undecided: neither path could decide, or a difference could not be confirmed;
* error: the claim cannot be understood, or the two paths disagree.

This is the verdict alone; :mod:`symgrad.decide` adds what explains it (a diagnosis, the
correct answer, LaTeX) and answers questions.
"""

from __future__ import annotations

import random
import time
import zlib

from ..engine.deadline import Deadline, interrupt_at
from ..engine.jsonable import counterexample, plain
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

    started = time.perf_counter()
    try:
        with interrupt_at(deadline.part(0.7)):
            sym = how.prove(model, claim, random.Random(claim_seed))
    except OutOfTime:
        sym = symbolic.SymbolicOutcome("unknown", reason="no symbolic proof within the time limit")
    except (ArithmeticError, TypeError, ValueError, RecursionError, NotImplementedError) as exc:
        sym = symbolic.SymbolicOutcome("unknown", reason=f"SymPy could not handle it: {exc}")
    timings["symbolic"] = time.perf_counter() - started

    started = time.perf_counter()
    num = numeric.search(model, claim, claim_seed, deadline, how.examples,
                         judge=how.judge, strategy=how.strategy,
                         fixed=how.fixed,
                         shrink_calls=how.shrink_calls if shrink else 0)
    timings["numeric"] = time.perf_counter() - started

    def verdict(name, **details):
        return result(model, claim, name, timings=timings, **details)

    if num.status == "failed":
        started = time.perf_counter()
        try:
            with interrupt_at(Deadline(max(deadline.remaining(), 1.0))):
                confirmed = how.confirm(model, claim, num.point)
        except (OutOfTime, ArithmeticError, TypeError, ValueError, RecursionError):
            confirmed = None
        if confirmed is None and how.recheck is not None:
            confirmed = how.recheck(model, claim, num.point)
        timings["confirm"] = time.perf_counter() - started
        cex = _counterexample(num.point, num.comparison)
        failure = how.failure(num.comparison)
        if confirmed or (confirmed is None and sym.status == "disproved"):
            return verdict("refuted", reason=failure, scope=_where(cex), counterexample=cex)
        if confirmed is False:
            return verdict("error", counterexample=cex, reason="the two paths disagree: the "
                           f"numeric path found that {failure}, but exact evaluation there "
                           f"finds otherwise (symbolic: {sym.status})")
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
        return verdict("undecided", scope=sym.scope, reason=f"symbolic: {sym.status}"
                       f"{': ' + sym.reason if sym.reason else ''}; numeric: {num.reason}")
    examples = f"{num.examples} numeric examples agree"
    if sym.status == "proved":
        return verdict("proved", scope=sym.scope,
                       reason=f"{sym.reason}; {examples}" if sym.reason else examples)
    return verdict("verified", scope=f"{num.examples} random points",
                   reason=f"{sym.reason}; {examples}")


def _where(cex: dict) -> str:
    """A refutation's scope: the sizes of its counterexample (never more)."""
    return "sizes " + ", ".join(f"{d}={s}" for d, s in cex["sizes"].items()) \
        if cex.get("sizes") else ""


def _counterexample(point, comparison) -> dict:
    return {**counterexample(point.sizes, point.values, point.functions, comparison.expected,
                             comparison.got, comparison.differs),
            **{key: plain(value) for key, value in comparison.extra.items()}}
