"""Claim files -> results: the pipeline's entry point, behind ``symgrad.check``, the command
and the pytest plugin.

Each claim's verdict comes from :mod:`symgrad.verdicts.combine` (the two paths); here a
refutation gets its explanation (a diagnosis, the correct answer), a question gets its
derived answer, and every result its LaTeX.
"""

from __future__ import annotations

import time
from pathlib import Path

from .engine.deadline import Deadline, interrupt_at
from .errors import OutOfTime
from .language.files import builtin_folder, claim_files, load
from .language.model import Claim, Model
from .verdicts.combine import DEFAULT_SEED, DEFAULT_TIMEOUT, bug, decide_claim
from .verdicts.combine import result as _result
from .verdicts.results import Result

__all__ = ["DEFAULT_SEED", "DEFAULT_TIMEOUT", "builtin_folder", "check", "check_model",
           "claim_files", "decide", "load"]


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


def decide(model: Model, claim: Claim, *, seed: int = DEFAULT_SEED,
           timeout: float = DEFAULT_TIMEOUT, explain: bool = True,
           shrink: bool = True) -> Result:
    """The verdict on one claim, within the time limit; with ``explain``, a refutation
    also gets a diagnosis of the mistake (see :mod:`symgrad.explain.diagnose`); without
    ``shrink``, its counterexample is the first found, not made small."""
    from .derive.reverse import is_question

    start = time.perf_counter()
    if is_question(claim) and not (model.error or claim.error):
        result = _answer_question(model, claim, seed, timeout)
        result.seconds = time.perf_counter() - start
        return result
    result = decide_claim(model, claim, seed=seed, timeout=timeout, shrink=shrink)
    try:
        if explain and result.verdict == "refuted":
            from .explain.diagnose import diagnose

            started = time.perf_counter()
            left = timeout - (started - start)  # the diagnosis shares the claim's time limit
            result.diagnosis = diagnose(model, claim, result, seed, Deadline(max(left, 1.0)))
            result.timings["diagnosis"] = time.perf_counter() - started
            left = timeout - (time.perf_counter() - start)
            _add_correct_answer(model, claim, result, seed, max(left, 2.0))
    except Exception as exc:  # a bug in symgrad: say so, as an error of this claim only
        result = _result(model, claim, "error", reason=bug(exc))
    from .output.latex import claim_latex, explained

    result.latex = explained(claim_latex(model, claim, result.verdict), result)
    result.seconds = time.perf_counter() - start
    return result


def _derived(model: Model, claim: Claim, seed: int, timeout: float):
    """A question's answer: derived, then decided like a given one.  Returns the text, the
    verdict on it, and the derived claim's model and claim (text is None if no answer)."""
    from .derive.reverse import derive
    from .derive.trees import CannotDerive
    from .language.build import variant

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
    from .output.latex import claim_latex

    try:
        text, result = _derived(model, claim, seed, timeout)
    except Exception as exc:  # a bug in symgrad
        text, result = None, _result(model, claim, "error",
                                     reason=bug(exc, "failed to derive an answer"))
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
    from .derive.reverse import QUESTIONS
    from .language.build import variant
    from .output.latex import without_verdict

    if claim.kind not in QUESTIONS:
        return
    question_model, question = variant(model, claim, drop=("answer",))
    if question.error:
        return
    text, derived = _derived(question_model, question, seed, timeout)
    if text is not None and derived.ok:
        result.correct = text
        result.correct_latex = without_verdict(derived.latex)
