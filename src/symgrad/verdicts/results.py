"""The verdict on one claim, as data: what the CLI prints, JSON carries and tests read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

VERDICTS = ("proved", "verified", "refuted", "undecided", "error")


@dataclass
class Result:
    """The verdict on one claim."""

    file: str
    claim: str
    kind: str
    verdict: str
    scope: str = ""
    seconds: float = 0.0
    reason: str = ""
    counterexample: dict | None = None
    title: str = ""
    line: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    diagnosis: dict | None = None  # for a refutation: {"code": ..., "message": ...} or None
    latex: str = ""  # the claim as a display equation, with its verdict
    answer: str = ""  # the answer that was decided (the claim's, or the derived one)
    derived: str = ""  # a question's answer, derived by symgrad (and checked like any answer)
    correct: str = ""  # for a refuted gradient/jacobian/backprop/hessian: the derived answer
    correct_latex: str = ""  # ... and its equation

    @property
    def ok(self) -> bool:
        return self.verdict in ("proved", "verified")

    def to_json(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return data
