"""One claim -> its result: the verdict, and what explains it.

The verdict comes from :mod:`symgrad.verdicts.combine` (the two paths); here a refutation
gets its explanation (a diagnosis, the correct answer) in the time left, a question gets
its derived answer, and every result its LaTeX.  :mod:`symgrad.run` calls this for every
claim of a check, in a worker process or in this one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from .engine.deadline import Deadline, interrupt_at
from .errors import OutOfTime
from .language.model import Claim, Model
from .verdicts.combine import DEFAULT_SEED, DEFAULT_TIMEOUT, bug, decide_claim, memory_limit
from .verdicts.combine import result as _result
from .verdicts.results import Result


def decide(model: Model, claim: Claim, *, seed: int = DEFAULT_SEED,
           timeout: float = DEFAULT_TIMEOUT, explain: bool = True, shrink: bool = True,
           on_verdict: Callable[[Result], None] | None = None) -> Result:
    """The verdict on one claim, within the time limit; with ``explain``, a refutation
    also gets a diagnosis of the mistake (see :mod:`symgrad.explain.diagnose`) and the
    correct answer, in the time left; without ``shrink``, its counterexample is the first
    found, not made small.  ``on_verdict`` is given the verdict as soon as it is known,
    before anything explains it (a worker sends it on, so a time limit cannot lose it)."""
    from .derivation.reverse import is_question
    from .output.latex import claim_latex, explained

    start = time.perf_counter()
    deadline = Deadline(timeout)
    if claim.readings and not (model.error or claim.error):
        result = _decide_readings(model, claim, seed, timeout, explain, shrink)
    elif is_question(claim) and not (model.error or claim.error):
        result = _answer_question(model, claim, seed, deadline)
    else:
        result = decide_claim(model, claim, seed=seed, timeout=timeout, shrink=shrink)
        result.latex = explained(claim_latex(model, claim, result.verdict), result)
        if explain and result.verdict == "refuted":
            if on_verdict is not None:
                on_verdict(replace(result, seconds=time.perf_counter() - start))
            _explain(model, claim, result, seed,
                     Deadline(min(deadline.remaining(), EXPLAIN_SHARE * timeout)))
            result.latex = explained(claim_latex(model, claim, result.verdict), result)
    result.seconds = time.perf_counter() - start
    return result


def _decide_readings(model: Model, claim: Claim, seed: int, timeout: float, explain: bool,
                     shrink: bool) -> Result:
    """A LaTeX answer whose * reads as the matrix and as the elementwise product: both
    readings decided; the verdict stands if they agree, else the claim is undecided."""
    from .language.build import variant

    decided = []
    for reading, text in claim.readings:
        reading_model, reading_claim = variant(model, claim, {claim.answer_field: text})
        found = decide(reading_model, reading_claim, seed=seed,
                       timeout=timeout / len(claim.readings), explain=explain, shrink=shrink)
        decided.append((reading, text, found))
    said = "; ".join(f"read as the {reading} product, {text} is {found.verdict}"
                     for reading, text, found in decided)
    verdicts = {found.verdict for _, _, found in decided}
    if len(verdicts) == 1:
        result = decided[0][2]
        result.reason = (f"{result.reason}; * between arrays reads two ways, and both "
                         f"readings agree ({said})")
        return result
    return _result(model, claim, "undecided", reason=(
        f"* between arrays reads two ways and the readings disagree: {said}; say which in "
        'the file: latex_star = "matrix" or "elementwise"'))


EXPLAIN_SECONDS = 0.5  # a refutation is explained only if at least this much time is left
EXPLAIN_SHARE = 0.5  # of the claim's time limit, at most, for its diagnosis and correct answer


def _explain(model: Model, claim: Claim, result: Result, seed: int, deadline: Deadline) -> None:
    """A refutation's diagnosis and correct answer, within the claim's time limit.  Whatever
    happens here, the verdict and its counterexample stand; the reason says what was not
    explained."""
    from .derivation.reverse import QUESTIONS
    from .explain.diagnose import diagnose
    from .output.latex import phrase

    started = time.perf_counter()
    try:
        with interrupt_at(deadline):
            if deadline.remaining() < EXPLAIN_SECONDS:
                raise OutOfTime("no time left")
            _add_correct_answer(model, claim, result, seed, deadline)
            result.timings["correct answer"] = time.perf_counter() - started
            if deadline.remaining() < EXPLAIN_SECONDS:
                raise OutOfTime("no time left")
            started = time.perf_counter()
            result.diagnosis = diagnose(model, claim, result, seed, deadline,
                                        correct=result.correct or None)
            if result.diagnosis:
                result.diagnosis["latex"] = phrase(model, claim, result.diagnosis["parts"])
            result.timings["diagnosis"] = time.perf_counter() - started
        complete = result.diagnosis and (result.correct or claim.kind not in QUESTIONS)
        if complete or deadline.remaining() > 0:
            return
        raise OutOfTime("the time ran out inside a step that stops quietly")
    except OutOfTime:
        missing = "time limit: raise --timeout for a diagnosis and the correct answer"
    except MemoryError:
        missing = "memory limit"
    except Exception as exc:  # a bug in symgrad's explanation: the verdict still stands
        missing = bug(exc, "failed to explain it")
    what = "the diagnosis" if result.correct else "the explanation"
    result.reason += f"; {what} could not be made ({missing})"


def _derived(model: Model, claim: Claim, seed: int, deadline: Deadline):
    """A question's answer: derived, then decided like a given one, within the deadline.
    Returns the text (None if there is no answer) and the verdict on it."""
    from .derivation.reverse import derive
    from .derivation.trees import CannotDerive
    from .language.build import variant

    started = time.perf_counter()
    try:
        with interrupt_at(deadline.part(0.5)):
            text = derive(model, claim)
    except CannotDerive as exc:
        return None, _result(model, claim, "undecided", reason="no answer is given, and "
                             f"symgrad cannot derive one: {exc}")
    except OutOfTime:
        return None, _result(model, claim, "undecided", reason="time limit: no answer is "
                             "given, and deriving one ran out of time (raise --timeout)")
    derived_model, derived_claim = variant(model, claim, {"answer": text})
    result = decide(derived_model, derived_claim, seed=seed,
                    timeout=max(deadline.remaining(), 1.0), explain=False)
    result.derived = text
    result.timings["derivation"] = time.perf_counter() - started
    return text, result


def _answer_question(model: Model, claim: Claim, seed: int, deadline: Deadline) -> Result:
    from .output.latex import claim_latex

    try:
        text, result = _derived(model, claim, seed, deadline)
    except MemoryError:
        text, result = None, memory_limit(model, claim)
    except Exception as exc:  # a bug in symgrad
        text, result = None, _result(model, claim, "error",
                                     reason=bug(exc, "failed to derive an answer"))
    if text is not None and result.verdict == "undecided":  # e.g. out of time: not a bug
        result = _result(model, claim, "undecided", timings=result.timings, reason=(
            f"symgrad derived the answer {text}, but could not decide it: {result.reason}"))
    elif text is not None and result.verdict == "error":  # the paths disagree on it
        result = _result(model, claim, "error", timings=result.timings, reason=(
            f"symgrad derived the answer {text}, but could not check it: {result.reason}"))
    elif text is not None and not result.ok:  # never print a derived answer that failed
        result = _result(model, claim, "error", timings=result.timings, reason=(
            f"symgrad derived the answer {text}, but it is {result.verdict}: {result.reason} "
            "(a bug in symgrad's derivation; please report it with the claim)"))
    elif text is not None:
        result.reason = f"derived answer {text}; {result.reason}"
    if not result.latex:
        result.latex = claim_latex(model, claim, result.verdict)
    return result


def _add_correct_answer(model: Model, claim: Claim, result: Result, seed: int,
                        deadline: Deadline) -> None:
    """For a refuted gradient, jacobian, backprop or hessian: the answer symgrad derives,
    when both paths accept it."""
    from .derivation.reverse import QUESTIONS
    from .language.build import variant
    from .output.latex import without_verdict

    if claim.kind not in QUESTIONS:
        return
    question_model, question = variant(model, claim, drop=("answer",))
    if question.error:
        return
    key = _question_key(question_model, question, seed)
    if key not in _CORRECT_ANSWERS:
        text, derived = _derived(question_model, question, seed, deadline)
        if text is None or not derived.ok:
            return  # (not kept: with more time, it may yet be derived)
        if len(_CORRECT_ANSWERS) >= MAX_KEPT_ANSWERS:
            _CORRECT_ANSWERS.pop(next(iter(_CORRECT_ANSWERS)))
        _CORRECT_ANSWERS[key] = (text, without_verdict(derived.latex))
    result.correct, result.correct_latex = _CORRECT_ANSWERS[key]


#: Correct answers derived and checked in this process, by question: a class's wrong
#: answers to one question share it (grading derives it once per worker, not per answer).
_CORRECT_ANSWERS: dict[tuple, tuple[str, str]] = {}
MAX_KEPT_ANSWERS = 256


def _question_key(model: Model, claim: Claim, seed: int) -> tuple:
    """What a derived answer depends on: the declarations, definitions and LaTeX names of
    the file, the question's own fields, and the seed its check used."""
    raw = model.raw
    return (seed, claim.kind, repr(sorted(raw.symbols.items())),
            repr(sorted(raw.define.items())), repr(sorted(raw.latex.items())), raw.latex_star,
            repr(sorted(claim.fields.items())))
