"""Results -> what a person reads (text lines) and what a program reads (JSON)."""

from __future__ import annotations

import json

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
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def describe(result: Result) -> str:
    """One line per claim, then the counterexample or the reason where it matters."""
    head = f"{result.verdict:<10} {result.file}::{result.claim}  ({result.seconds:.2f}s)"
    lines = [head]
    if result.verdict == "proved":
        lines[0] += f"  at {result.scope}"
    elif result.verdict == "verified":
        lines.append(f"    no symbolic proof: {result.reason}")
    else:
        lines.extend("    " + line for line in result.reason.splitlines())
    if result.derived and result.ok:
        lines.append(f"    derived answer: {result.derived}")
    if result.diagnosis:
        lines.append(f"    diagnosis ({result.diagnosis['code']}): {result.diagnosis['message']}")
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


def summary(results: list[Result], seconds: float) -> str:
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    parts = ", ".join(f"{n} {v}" for v, n in counts.items())
    return f"{len(results)} claims: {parts} ({seconds:.1f}s)"


def to_json(results: list[Result]) -> str:
    return json.dumps([r.to_json() for r in results], indent=2)
