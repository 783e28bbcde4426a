"""Results -> what a person reads (text lines) and what a program reads (JSON)."""

from __future__ import annotations

import json

from ..engine.jsonable import written
from ..verdicts.results import VERDICTS, Result


def exit_status(results: list[Result]) -> int:
    """2 if any claim is an error, else 1 if any is refuted or undecided, else 0."""
    verdicts = {r.verdict for r in results}
    if "error" in verdicts:
        return 2
    if verdicts & {"refuted", "undecided"}:
        return 1
    return 0


def format_value(value) -> str:
    return written(value)


#: ANSI colours of the verdicts, on a terminal.
COLOURS = {"proved": "32", "verified": "36", "refuted": "31", "undecided": "33", "error": "35"}


def paint(text: str, verdict: str, colour: bool) -> str:
    return f"\033[{COLOURS[verdict]}m{text}\033[0m" if colour and verdict in COLOURS else text


def describe(result: Result, *, verbose: bool = False, colour: bool = False) -> str:
    """One line per claim, then the counterexample or the reason where it matters; with
    ``verbose``, each path's time and the reason of a proof too."""
    verdict = paint(f"{result.verdict:<10}", result.verdict, colour)
    lines = [f"{verdict} {result.file}::{result.claim}  ({result.seconds:.2f}s)"]
    if verbose and result.timings:
        lines.append("    time: " + ", ".join(f"{path} {seconds:.2f}s"
                                              for path, seconds in result.timings.items()))
    if result.verdict == "proved":
        lines[0] += f"  at {result.scope}"
        if verbose:
            lines.append(f"    {result.reason}")
    elif result.verdict == "verified":
        lines.append(f"    no symbolic proof: {result.reason}")
    else:
        lines.extend("    " + line for line in result.reason.splitlines())
    if result.derived and result.ok:
        lines.append(f"    derived answer: {result.derived}")
    if result.diagnosis:
        lines.append(f"    diagnosis ({result.diagnosis['code']}): {result.diagnosis['message']}")
        if verbose and result.diagnosis.get("detail"):
            lines.append(f"      {result.diagnosis['detail']}")
    if result.correct:
        lines.append(f"    correct answer (derived and checked): {result.correct}")
    cex = result.counterexample
    if cex:
        sizes = ", ".join(f"{d}={s}" for d, s in cex["sizes"].items())
        lines.append(f"    counterexample{' at ' + sizes if sizes else ''}:")
        for name, value in cex["inputs"].items():
            lines.append(f"      {name} = {format_value(value)}")
        for name, text in cex["functions"].items():
            lines.append(f"      {name}(u) = {text}")
        if "eigenvector" in cex:
            lines.append(f"      the matrix there:   {format_value(cex['matrix'])}")
            lines.append(f"      smallest eigenvalue: {format_value(cex['got'])}, eigenvector "
                         f"{format_value(cex['eigenvector'])}")
        else:
            lines.append(f"      expected (true value): {format_value(cex['expected'])}")
            lines.append(f"      got (the answer):      {format_value(cex['got'])}")
    return "\n".join(lines)


def summary(results: list[Result], seconds: float, *, colour: bool = False) -> str:
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    parts = ", ".join(paint(f"{n} {v}", v, colour and n > 0) for v, n in counts.items())
    claims = "1 claim" if len(results) == 1 else f"{len(results)} claims"
    return f"{claims}: {parts} ({seconds:.1f}s)"


def to_json(results: list[Result]) -> str:
    return json.dumps([r.to_json() for r in results], indent=2)
