"""The verdict on one claim, as data: what the CLI prints, JSON carries, tests read and a
notebook renders (``_repr_markdown_``, ``_repr_latex_``; a list of them as a table)."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field

from ..engine.jsonable import written

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
    index_path: str = ""  # what the index path (every size at once) found, or why it could not

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
        where = _where(self)
        lines = [head + (f" at {where}" if where else "")]
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


def _where(r: Result) -> str:
    """Where the verdict holds: the proof's sizes (``sizes n=2; n=3``, ``all sizes``), or
    for a refutation the counterexample's (``sizes n=2``; none for a wrong shape)."""
    return r.scope if r.ok or r.verdict == "refuted" else ""


def _explanation(r: Result) -> str:
    """A table cell: the reason, then a refutation's diagnosis and correct answer."""
    said = html.escape(r.reason)
    prefix = f"derived answer {r.derived}; "
    if r.derived and r.reason.startswith(prefix):  # a question's answer, shown as code
        said = (f"<i>derived answer:</i> <code>{html.escape(r.derived)}</code><br>"
                + html.escape(r.reason[len(prefix):]))
    if r.diagnosis:
        said += (f"<br><i>diagnosis ({html.escape(r.diagnosis['code'])}):</i> "
                 f"{html.escape(r.diagnosis['message'])}")
    if r.correct:
        said += f"<br><i>correct answer:</i> <code>{html.escape(r.correct)}</code>"
    return said


def _counterexample_table(cex: dict) -> str:
    sizes = ", ".join(f"{d}={s}" for d, s in cex.get("sizes", {}).items())
    rows = [f"| {name} | `{written(value)}` |" for name, value in cex.get("inputs", {}).items()]
    rows += [f"| {name}(u) | `{text}` |" for name, text in cex.get("functions", {}).items()]
    rows += [f"| expected (true value) | `{written(cex.get('expected'))}` |",
             f"| got (the answer) | `{written(cex.get('got'))}` |"]
    return (f"Counterexample{' at ' + sizes if sizes else ''}:\n\n| | |\n|---|---|\n"
            + "\n".join(rows))


#: How a notebook table colours each verdict (inline styles: no stylesheet is needed).
COLOURS = {"proved": "#1a7f37", "verified": "#0969da", "refuted": "#cf222e",
           "undecided": "#9a6700", "error": "#8250df"}
CELL = "padding:3px 10px;text-align:left;vertical-align:top"


class Results(list):
    """The results of a check: a list, shown in a notebook as a table of verdicts."""

    def _repr_html_(self) -> str:
        """One row per claim: the verdict in its colour, the claim, where the verdict holds,
        the reason (with a refutation's diagnosis and correct answer), the seconds."""
        head = "".join(f'<th style="{CELL}">{name}</th>' for name in
                       ("verdict", "file", "claim", "where", "reason", "s"))
        rows = "".join(
            f'<tr><td style="{CELL};font-weight:bold;color:{COLOURS.get(r.verdict, "inherit")}">'
            f"{html.escape(r.verdict)}</td><td style=\"{CELL}\">{html.escape(r.file)}</td>"
            f'<td style="{CELL};white-space:nowrap"><code>{html.escape(r.claim)}</code></td>'
            f'<td style="{CELL}">{html.escape(_where(r))}</td>'
            f'<td style="{CELL}">{_explanation(r)}</td>'
            f'<td style="{CELL};text-align:right">{r.seconds:.2f}</td></tr>' for r in self)
        counts = ", ".join(
            f'<span style="color:{COLOURS[v]}">{n} {v}</span>' if n else f"{n} {v}"
            for v, n in ((v, sum(r.verdict == v for r in self)) for v in VERDICTS))
        return (f'<table style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table><p>{len(self)} claims: {counts}</p>")

    def to_dataframe(self):
        """A pandas DataFrame of the JSON fields (pandas is optional: install it to use this)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install pandas") from None
        return pandas.DataFrame([r.to_json() for r in self])
