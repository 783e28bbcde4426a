"""Claims -> verdicts: the two paths run, and their results are combined.

The rules (the README's "Verdicts" section says the same to users):

* proved: the symbolic path proved every entry at the stated sizes and the
  numeric path found no difference;
* verified: the numeric path passed but no symbolic proof was reached;
* refuted: a concrete point where the answer is wrong, found numerically and
  confirmed by exact evaluation (or a shape that cannot match);
* undecided: neither path could decide, or a difference could not be confirmed;
* error: the claim cannot be understood, or the two paths disagree.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import claimfile
from .build import build
from .deadline import Deadline, interrupt_at
from .errors import ClaimError, OutOfTime
from .model import Claim, Model
from .numeric import MAX_EXAMPLES, SHRINK_CALLS
from .results import Result, counterexample, plain

DEFAULT_SEED = 0
DEFAULT_TIMEOUT = 30.0


def builtin_folder() -> Path:
    """The built-in claim files: installed beside the package (a wheel), or the
    repository's top-level derivations/ folder (an editable install)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "derivations", here.parents[1] / "derivations"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("symgrad's built-in derivations are not installed")


def claim_files(paths) -> list[Path]:
    """The claim files named by paths (folders searched for *.toml), in order."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.toml") if p.is_file()))
        else:
            found.append(path)
    return found


def load(path: Path | str, text: str | None = None, display: str | None = None) -> Model:
    """A claim file (or its text) -> the model, never raising for bad input.
    ``display`` is the name reports use for the file (default: the path)."""
    name = display or str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            text, problem = "", f"cannot read the file: {exc.strerror or exc}"
            raw = claimfile.ClaimFile(path=name)
            raw.error = ClaimError(problem, file=name, hint="check the path")
            return build(raw)
    return build(claimfile.read(text, name))


def check(target=None, *, seed: int = DEFAULT_SEED, timeout: float = DEFAULT_TIMEOUT,
          explain: bool = True) -> list[Result]:
    """Check claim files: a path, a list of paths, or the text of one claim file.

    With no target, the built-in derivations.  Returns one Result per claim.
    """
    if target is None:
        return [result for path in claim_files([builtin_folder()])
                for result in check_model(load(path, display=f"derivations/{path.name}"),
                                          seed=seed, timeout=timeout, explain=explain)]
    if isinstance(target, str) and ("\n" in target or "[[claims]]" in target):
        return check_model(load("<text>", target), seed=seed, timeout=timeout,
                           explain=explain)
    paths = [target] if isinstance(target, str | Path) else list(target)
    results = []
    for path in claim_files(paths):
        results.extend(check_model(load(path), seed=seed, timeout=timeout, explain=explain))
    return results


def check_model(model: Model, *, seed: int = DEFAULT_SEED, timeout: float = DEFAULT_TIMEOUT,
                explain: bool = True) -> list[Result]:
    if model.error and not model.claims:
        return [_result(model, None, "error", reason=model.error.describe())]
    return [decide(model, claim, seed=seed, timeout=timeout, explain=explain)
            for claim in model.claims]


def _result(model: Model, claim: Claim | None, verdict: str, **details) -> Result:
    answer = claim.fields.get(claim.answer_field, "") if claim else ""
    return Result(file=model.path, claim=claim.name if claim else "(file)",
                  kind=claim.kind if claim else "", verdict=verdict, title=model.title,
                  line=claim.line if claim else None,
                  answer=answer if isinstance(answer, str) else "", **details)


def decide(model: Model, claim: Claim, *, seed: int = DEFAULT_SEED,
           timeout: float = DEFAULT_TIMEOUT, explain: bool = True,
           shrink: bool = True) -> Result:
    """The verdict on one claim, within the time limit; with ``explain``, a refutation
    also gets a diagnosis of the mistake (see :mod:`symgrad.diagnose`); without
    ``shrink``, its counterexample is the first found, not made small."""
    from .derive import is_question

    start = time.perf_counter()
    if is_question(claim) and not (model.error or claim.error):
        result = _answer_question(model, claim, seed, timeout)
        result.seconds = time.perf_counter() - start
        return result
    try:
        result = _decide(model, claim, seed, timeout, shrink)
        if explain and result.verdict == "refuted":
            from .diagnose import diagnose

            started = time.perf_counter()
            left = timeout - (started - start)  # the diagnosis shares the claim's time limit
            result.diagnosis = diagnose(model, claim, result, seed, Deadline(max(left, 1.0)))
            result.timings["diagnosis"] = time.perf_counter() - started
            left = timeout - (time.perf_counter() - start)
            _add_correct_answer(model, claim, result, seed, max(left, 2.0))
    except Exception as exc:  # a bug in symgrad: say so, as an error of this claim only
        result = _result(model, claim, "error", reason="symgrad failed on this claim (a bug; "
                         f"please report it with the claim): {type(exc).__name__}: {exc}")
    from .latex import claim_latex, explained

    result.latex = explained(claim_latex(model, claim, result.verdict), result)
    result.seconds = time.perf_counter() - start
    return result


def _derived(model: Model, claim: Claim, seed: int, timeout: float):
    """A question's answer: derived, then decided like a given one.  Returns the text, the
    verdict on it, and the derived claim's model and claim (text is None if no answer)."""
    from .build import variant
    from .derive import derive
    from .trees import CannotDerive

    started = time.perf_counter()
    try:
        with interrupt_at(Deadline(timeout / 2)):
            text = derive(model, claim)
    except CannotDerive as exc:
        return None, _result(model, claim, "undecided", reason="no answer is given, and "
                             f"symgrad cannot derive one: {exc}")
    except OutOfTime:
        return None, _result(model, claim, "undecided", reason="no answer is given, and "
                             "deriving one ran out of time (raise --timeout)")
    derived_model, derived_claim = variant(model, claim, {"answer": text})
    left = max(timeout - (time.perf_counter() - started), 2.0)
    result = decide(derived_model, derived_claim, seed=seed, timeout=left, explain=False)
    result.derived = text
    result.timings["derivation"] = time.perf_counter() - started
    return text, result


def _answer_question(model: Model, claim: Claim, seed: int, timeout: float) -> Result:
    from .latex import claim_latex

    try:
        text, result = _derived(model, claim, seed, timeout)
    except Exception as exc:  # a bug in symgrad
        text, result = None, _result(model, claim, "error", reason="symgrad failed to derive "
                                     f"an answer (a bug; please report it with the claim): "
                                     f"{type(exc).__name__}: {exc}")
    if text is not None and not result.ok:  # never print a derived answer that failed
        result = _result(model, claim, "error", timings=result.timings, reason=(
            f"symgrad derived the answer {text}, but it is {result.verdict}: {result.reason} "
            "(a bug in symgrad's derivation; please report it with the claim)"))
    elif text is not None:
        result.reason = f"derived answer {text}; {result.reason}"
    if not result.latex:
        result.latex = claim_latex(model, claim, result.verdict)
    return result


def _add_correct_answer(model: Model, claim: Claim, result: Result, seed: int,
                        timeout: float) -> None:
    """For a refuted gradient, jacobian, backprop or hessian: the answer symgrad derives,
    when both paths accept it."""
    from .build import variant
    from .derive import QUESTIONS
    from .latex import without_verdict

    if claim.kind not in QUESTIONS:
        return
    question_model, question = variant(model, claim, drop=("answer",))
    if question.error:
        return
    text, derived = _derived(question_model, question, seed, timeout)
    if text is not None and derived.ok:
        result.correct = text
        result.correct_latex = without_verdict(derived.latex)


@dataclass(frozen=True)
class Procedure:
    """How a family of claim kinds runs its two paths (the rules above combine them)."""

    prove: Callable  # (model, claim, rng) -> symbolic.SymbolicOutcome
    judge: Callable  # (model, claim, point) -> numeric.Comparison; raises Invalid off-domain
    confirm: Callable  # (model, claim, point) -> True/False/None: exact check of a difference
    failure: Callable  # (comparison) -> what a failing comparison means, for the reason
    examples: int = MAX_EXAMPLES  # hypothesis examples of the numeric path
    strategy: Callable | None = None  # (model, claim, sizes=None) -> hypothesis strategy
    fixed: Callable | None = None  # (model, claim, rng) -> points always tried first
    shrink_calls: int = SHRINK_CALLS  # judgements spent making a counterexample small
    recheck: Callable | None = None  # (model, claim, point) -> bool | None, when exact fails


def _procedure(kind: str) -> Procedure:
    if kind == "psd":
        from . import psd

        return Procedure(psd.prove, psd.judge, psd.confirm, psd.failure)
    if kind == "expectation":
        from . import expectation as e

        return Procedure(e.prove, e.judge, e.confirm, e.failure, e.EXAMPLES, shrink_calls=30)
    if kind == "convergence":
        from . import convergence as c

        return Procedure(c.prove, c.judge, c.confirm, c.failure, c.EXAMPLES, c.strategy,
                         c.fixed, shrink_calls=40)
    from . import numeric, symbolic

    return Procedure(symbolic.prove, numeric.compare, symbolic.confirm,
                     lambda comparison: f"the answer is wrong {_where(comparison)}",
                     recheck=numeric.recheck)


def _decide(model: Model, claim: Claim, seed: int, timeout: float, shrink: bool) -> Result:
    from . import numeric, symbolic

    problem = model.error or claim.error
    if problem:
        return _result(model, claim, "error", reason=problem.describe())
    if claim.answer_problem:
        return _result(model, claim, "refuted", reason=claim.answer_problem, scope="all sizes")
    if claim.kind == "value":
        from . import value

        with interrupt_at(Deadline(timeout)):
            return _result(model, claim, **{"scope": "", **value.decide(model, claim)})
    procedure = _procedure(claim.kind)
    claim_seed = zlib.crc32(f"{seed}:{claim.name}".encode())
    deadline = Deadline(timeout)
    timings = {}

    started = time.perf_counter()
    try:
        with interrupt_at(deadline.part(0.7)):
            sym = procedure.prove(model, claim, random.Random(claim_seed))
    except OutOfTime:
        sym = symbolic.SymbolicOutcome("unknown", reason="no symbolic proof within the time limit")
    except (ArithmeticError, TypeError, ValueError, RecursionError, NotImplementedError) as exc:
        sym = symbolic.SymbolicOutcome("unknown", reason=f"SymPy could not handle it: {exc}")
    timings["symbolic"] = time.perf_counter() - started

    started = time.perf_counter()
    num = numeric.search(model, claim, claim_seed, deadline, procedure.examples,
                         judge=procedure.judge, strategy=procedure.strategy,
                         fixed=procedure.fixed,
                         shrink_calls=procedure.shrink_calls if shrink else 0)
    timings["numeric"] = time.perf_counter() - started

    def verdict(name, **details):
        return _result(model, claim, name, timings=timings, **details)

    if num.status == "failed":
        started = time.perf_counter()
        try:
            with interrupt_at(Deadline(max(deadline.remaining(), 2.0))):
                confirmed = procedure.confirm(model, claim, num.point)
        except (OutOfTime, ArithmeticError, TypeError, ValueError, RecursionError):
            confirmed = None
        if confirmed is None and procedure.recheck is not None:
            confirmed = procedure.recheck(model, claim, num.point)
        timings["confirm"] = time.perf_counter() - started
        cex = _counterexample(num.point, num.comparison)
        failure = procedure.failure(num.comparison)
        if confirmed or (confirmed is None and sym.status == "disproved"):
            return verdict("refuted", reason=failure, scope=sym.scope, counterexample=cex)
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
        comparison = numeric.check_point(model, claim, point, procedure.judge)
        if comparison is not None and comparison.differs:
            return verdict("refuted", reason=procedure.failure(comparison), scope=sym.scope,
                           counterexample=_counterexample(point, comparison))
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


def _where(comparison) -> str:
    if not comparison.differs:
        return ""
    entries = ", ".join(str(list(p)) for p in comparison.differs[:4])
    more = f" and {len(comparison.differs) - 4} more" if len(comparison.differs) > 4 else ""
    if comparison.differs == [()]:
        return "(its value differs)"
    return f"(entries {entries}{more} differ)"


def _counterexample(point, comparison) -> dict:
    return {**counterexample(point.sizes, point.values, point.functions, comparison.expected,
                             comparison.got, comparison.differs),
            **{key: plain(value) for key, value in comparison.extra.items()}}
