"""What a diagnosis rule works with: the refuted claim, its answer, and ways to decide
corrected versions of it (each decided two ways, like any claim, within the claim's time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..engine.deadline import Deadline
from ..language import expressions as language
from ..language.build import variant
from ..language.model import Claim, Model
from . import terms

CANDIDATE_SECONDS = 8.0  # time limit for deciding one corrected claim
SCREEN_SECONDS = 2.0  # time limit for its numeric screen, before that
MAX_CANDIDATES = 3  # term candidates a rule decides in full, at most


class Expr(str):
    """An expression of the language inside a message: typeset as math on the sheet."""


@dataclass
class Said:
    """What a rule found: the message as parts (text and :class:`Expr`), and the detail
    shown only on request (``-v``)."""

    parts: list
    detail: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    applies: Callable  # (context) -> a message (str or Said) or None


@dataclass
class Context:
    model: Model
    claim: Claim
    result: object  # the refuted Result
    seed: int
    deadline: Deadline
    correct: str | None = None  # the correct answer, derived and checked (or None)

    @property
    def field(self) -> str:
        return self.claim.answer_field

    @property
    def text(self) -> str | None:
        return self.claim.fields.get(self.field)

    def tree(self):
        return language.parse(self.text) if self.text else None

    def holds(self, fields=None, symbols=None) -> bool:
        """Is the claim right with these fields or declarations?  Decided two ways."""
        from ..verdicts.combine import decide_claim

        model, claim = variant(self.model, self.claim, fields, symbols)
        if model.error or claim.error or claim.answer_problem:
            return False
        if not (self._screen_at_fixed_points(model, claim) if symbols else
                self._screen(model, claim)):
            return False
        if not self._screen_at_random_points(model, claim):
            return False
        self.deadline.check()
        seconds = min(CANDIDATE_SECONDS, self.deadline.remaining())
        return decide_claim(model, claim, seed=self.seed, timeout=seconds, shrink=False).ok

    def _screen(self, model, claim) -> bool:
        """A quick look at the counterexample point before deciding in full."""
        from ..paths.numeric import Point, check_point
        from ..verdicts.procedures import procedure

        cex = self.result.counterexample
        if not cex or claim.kind in ("expectation", "convergence", "value"):
            return True
        try:
            point = Point(cex["sizes"], {k: np.asarray(v, dtype=complex)
                                         for k, v in cex["inputs"].items()}, {})
        except (TypeError, ValueError):
            return True
        if cex.get("functions"):
            return True
        comparison = check_point(model, claim, point, procedure(claim.kind).judge)
        return comparison is None or not comparison.differs

    def _screen_at_random_points(self, model, claim) -> bool:
        """The numeric path alone, without shrinking (a few tens of ms): most wrong
        candidates fail here, before a full decision spends its seconds on them."""
        from ..engine.deadline import Deadline
        from ..paths import numeric
        from ..verdicts.procedures import procedure

        if claim.kind in ("expectation", "convergence", "value"):
            return True
        how = procedure(claim.kind)
        seconds = min(SCREEN_SECONDS, max(self.deadline.remaining(), 0.0))
        outcome = numeric.search(model, claim, self.seed, Deadline(seconds), how.examples,
                                 judge=how.judge, strategy=how.strategy, fixed=how.fixed,
                                 draw=how.draw, screen=how.screen, shrink_calls=0)
        return outcome.status != "failed"

    def _screen_at_fixed_points(self, model, claim) -> bool:
        """New assumptions need new points: a quick look at the numeric path's fixed ones."""
        import random

        from ..paths.numeric import check_point, fixed_points
        from ..verdicts.procedures import procedure

        if claim.kind in ("expectation", "convergence", "value"):
            return True
        judge = procedure(claim.kind).judge
        for point in fixed_points(model, claim, random.Random(self.seed)):
            comparison = check_point(model, claim, point, judge)
            if comparison is not None and comparison.differs:
                return False
        return True

    def with_answer(self, text: str) -> bool:
        return self.holds({self.field: text})

    def equal(self, lhs: str, rhs: str) -> bool:
        """Are two expressions of this claim equal?  Decided two ways, as a claim."""
        from ..verdicts.combine import decide_claim

        introduced = {name: declaration(symbol)
                      for name, symbol in self.claim.introduced.items()}
        model, claim = variant(self.model, self.claim, {"kind": "equal", "lhs": lhs,
                                                        "rhs": rhs}, introduced, kind="equal")
        if model.error or claim.error or claim.answer_problem:
            return False
        self.deadline.check()
        seconds = min(CANDIDATE_SECONDS, self.deadline.remaining())
        return decide_claim(model, claim, seed=self.seed, timeout=seconds, shrink=False).ok

    def probe(self) -> terms.Probe:
        if not hasattr(self, "_probe"):
            self._probe = terms.Probe(self.model, self.claim, self.seed)
        return self._probe

    def matrix_form(self) -> bool:
        """Can this answer be compared with the correct one term by term?"""
        return bool(self.correct and self.text and not self.claim.indices
                    and not self.claim.answer_problem)


def declaration(symbol, extra: str = "") -> str:
    """A symbol's declaration as a file writes it (with one more qualifier)."""
    head = {0: "scalar", 1: "vector", 2: "matrix"}[len(symbol.shape)]
    parts = [str(d) for d in symbol.shape] + sorted(symbol.qualifiers) + ([extra] if extra
                                                                           else [])
    return f"{head}({', '.join(parts)})" if parts else head
