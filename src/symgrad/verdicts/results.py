"""The verdict on one claim, as data: what the CLI prints, JSON carries, tests read and a
notebook renders (``_repr_markdown_``, ``_repr_latex_``; a list of them as a table)."""

from __future__ import annotations

import html
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

    def _repr_markdown_(self) -> str:
        """The verdict, the equation, and what explains it, as a notebook shows them."""
        head = f"**{self.verdict}** `{self.file}::{self.claim}`"
        lines = [head + (f" at {self.scope}" if self.ok and self.scope else "")]
        if self.latex:
            lines.append(f"$${self.latex}$$")
        if not self.ok or self.verdict == "verified":
            lines.append(self.reason)
        if self.diagnosis:
            lines.append(f"*Diagnosis ({self.diagnosis['code']}):* {self.diagnosis['message']}")
        if self.correct:
            lines.append(f"*Correct answer (derived and checked):* `{self.correct}`")
        if self.counterexample:
            lines.append(_counterexample_table(self.counterexample))
        return "\n\n".join(lines)

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$" if self.latex else ""


def _counterexample_table(cex: dict) -> str:
    sizes = ", ".join(f"{d}={s}" for d, s in cex.get("sizes", {}).items())
    rows = [f"| {name} | `{value}` |" for name, value in cex.get("inputs", {}).items()]
    rows += [f"| {name}(u) | `{text}` |" for name, text in cex.get("functions", {}).items()]
    rows += [f"| expected (true value) | `{cex.get('expected')}` |",
             f"| got (the answer) | `{cex.get('got')}` |"]
    return (f"Counterexample{' at ' + sizes if sizes else ''}:\n\n| | |\n|---|---|\n"
            + "\n".join(rows))


class Results(list):
    """The results of a check: a list, shown in a notebook as a table of verdicts."""

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><b>{html.escape(r.verdict)}</b></td><td>{html.escape(r.file)}</td>"
            f"<td>{html.escape(r.claim)}</td><td>{html.escape(r.scope)}</td>"
            f"<td>{html.escape(r.reason)}</td><td>{r.seconds:.2f}</td></tr>" for r in self)
        counts = ", ".join(f"{sum(r.verdict == v for r in self)} {v}" for v in VERDICTS)
        return ("<table><thead><tr><th>verdict</th><th>file</th><th>claim</th><th>scope</th>"
                f"<th>reason</th><th>s</th></tr></thead><tbody>{rows}</tbody></table>"
                f"<p>{len(self)} claims: {counts}</p>")

    def to_dataframe(self):
        """A pandas DataFrame of the JSON fields (pandas is optional: install it to use this)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install pandas") from None
        return pandas.DataFrame([r.to_json() for r in self])
