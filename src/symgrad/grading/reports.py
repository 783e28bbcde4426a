"""Grades as a table (the terminal, CSV), as JSON, and as one Markdown feedback file per
student (each verdict, diagnosis, counterexample and correct answer, with LaTeX in $...$
as GitHub, Gradescope and Jupyter render it)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..engine.jsonable import written
from ..output.latex import without_verdict
from .grade import Cell, Grades, unknown_labels


def _points(value: float) -> str:
    return f"{value:g}"


def cell_text(cell: Cell, points: float) -> str:
    return f"{cell.verdict} {_points(cell.points)}/{_points(points)}"


def table(grades: Grades) -> str:
    """One row per student, one column per question (verdict and points), and the total."""
    head = ["student"] + [q.name for q in grades.questions] + ["total"]
    rows = [head]
    for number, submission in enumerate(grades.submissions):
        cells = grades.cells[number]
        rows.append([submission.student]
                    + [cell_text(c, q.points) for c, q in zip(cells, grades.questions,
                                                              strict=True)]
                    + [f"{_points(grades.total(number))}/{_points(grades.total_points)}"])
    widths = [max(len(row[k]) for row in rows) for k in range(len(head))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True))
             .rstrip() for row in rows]
    return "\n".join(lines)


def notes(grades: Grades) -> list[str]:
    """What a teaching assistant must know beside the table: the key's own answers that did
    not hold, and the answers that could not be read or decided."""
    said = []
    for name, result in grades.key_results.items():
        if not result.ok:
            said.append(f"the key's answer to {name} is {result.verdict}: {result.reason} "
                        "(the grades of this question may be wrong)")
    for number, row in enumerate(grades.cells):
        submission = grades.submissions[number]
        if submission.error:  # the whole file: said once
            said.append(f"{submission.student}: error: {submission.path}: {submission.error}")
            continue
        for label in unknown_labels(grades, number):
            said.append(f"{submission.student}: the answer {label!r} is no question of the "
                        f"key (the questions: {', '.join(q.name for q in grades.questions)})")
        for cell in row:
            if cell.status == "error":
                said.append(f"{cell.student} {cell.question}: error: {cell.reason}")
            elif cell.verdict in ("undecided", "error"):
                said.append(f"{cell.student} {cell.question}: {cell.verdict}: "
                            f"{cell.result.reason} (grade it by hand)")
    return said


def to_csv(grades: Grades) -> str:
    """The table as CSV: per question its verdict and points, then the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = ["student"]
    for q in grades.questions:
        head += [q.name, f"{q.name} points"]
    writer.writerow(head + ["total", "out of"])
    for number, submission in enumerate(grades.submissions):
        row = [submission.student]
        for cell in grades.cells[number]:
            row += [cell.verdict, _points(cell.points)]
        writer.writerow(row + [_points(grades.total(number)), _points(grades.total_points)])
    return out.getvalue()


def to_json(grades: Grades) -> dict:
    """Every result: the key's questions, then each student's cells in full."""
    return {
        "key": grades.key.path,
        "questions": [{"name": q.name, "kind": q.claim.kind, "points": q.points,
                       "key_answer": grades.key_results[q.name].to_json()
                       if q.name in grades.key_results else None}
                      for q in grades.questions],
        "students": [
            {"student": submission.student, "file": submission.path,
             "total": grades.total(number), "out_of": grades.total_points,
             "answers": [_cell_json(cell, q.points) for cell, q in
                         zip(grades.cells[number], grades.questions, strict=True)]}
            for number, submission in enumerate(grades.submissions)],
        "decisions": grades.decisions, "resumed": grades.resumed,
    }


def _cell_json(cell: Cell, points: float) -> dict:
    return {"question": cell.question, "verdict": cell.verdict, "points": cell.points,
            "out_of": points, "answer": cell.answer.text if cell.answer else None,
            "latex": cell.answer.latex if cell.answer else None,
            "reason": cell.result.reason if cell.result else cell.reason,
            "result": cell.result.to_json() if cell.result else None}


def feedback(grades: Grades, folder) -> list[Path]:
    """One Markdown file per student in ``folder`` (made if need be); the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    for number, submission in enumerate(grades.submissions):
        stem = _file_stem(submission.student, used)
        path = folder / f"{stem}.md"
        path.write_text(student_feedback(grades, number), encoding="utf-8")
        written.append(path)
    return written


def _file_stem(student: str, used: set[str]) -> str:
    stem = re.sub(r"[^\w.-]", "_", student).strip("._") or "student"
    while stem in used:
        stem += "_"
    used.add(stem)
    return stem


def student_feedback(grades: Grades, number: int) -> str:
    submission = grades.submissions[number]
    title = grades.key.title or grades.key.path
    who = _markdown(submission.name or submission.student)
    lines = [f"# {_markdown(title)}: feedback for {who}", "",
             f"**Total: {_points(grades.total(number))} / {_points(grades.total_points)}**", ""]
    if submission.error:
        lines += ["Your submission could not be read:", "", "```", submission.error, "```", ""]
    for label in unknown_labels(grades, number):
        lines += [f"Your answer labelled `{label}` matches no question "
                  f"({', '.join(q.name for q in grades.questions)}), so it was not graded.", ""]
    for cell, question in zip(grades.cells[number], grades.questions, strict=True):
        lines += _question_feedback(cell, question.points)
    return "\n".join(lines).rstrip() + "\n"


def _question_feedback(cell: Cell, points: float) -> list[str]:
    lines = [f"## {cell.question}: {cell.verdict} ({_points(cell.points)}/{_points(points)})",
             ""]
    if cell.answer is not None:
        shown = cell.answer.text.replace("`", "'")
        lines += [f"Your answer: `{shown}`", ""]
    if cell.status == "error":
        if not cell.reason.startswith("the submission cannot be read"):
            lines += ["This answer could not be read:", "", "```", cell.reason, "```", ""]
        return lines
    if cell.result is None:
        lines += [_sentence(cell.reason), ""]
        return lines
    result = cell.result
    if cell.equation:
        lines += ["$$", cell.equation, "$$", ""]
    if result.ok:
        where = f" at {result.scope}" if result.scope else ""
        lines += [f"Correct: {result.verdict}{where}.", ""]
    else:
        lines += [_markdown(_sentence(result.reason.splitlines()[0] if result.reason else "")),
                  ""]
    if result.diagnosis:
        said = _from_latex_text(result.diagnosis["latex"]) if result.diagnosis.get("latex") \
            else _markdown(result.diagnosis.get("message", ""))
        lines += [f"**Diagnosis ({result.diagnosis['code']}):** {_sentence(said)}", ""]
    if result.counterexample:
        lines += _counterexample(result.counterexample)
    if result.correct_latex:
        lines += ["**A correct answer** (derived and checked by symgrad):", "", "$$",
                  without_verdict(result.correct_latex), "$$", ""]
    elif result.correct:
        lines += [f"**A correct answer:** `{result.correct}`", ""]
    return lines


def _counterexample(cex: dict) -> list[str]:
    sizes = ", ".join(f"{d} = {s}" for d, s in cex.get("sizes", {}).items())
    lines = [f"**Counterexample**{' at ' + sizes if sizes else ''}:", "", "| | |", "|---|---|"]
    lines += [f"| `{name}` | `{written(value)}` |" for name, value in cex.get("inputs", {}).items()]
    lines += [f"| `{name}(u)` | `{text}` |" for name, text in cex.get("functions", {}).items()]
    lines += [f"| expected (the true value) | `{written(cex.get('expected'))}` |",
              f"| got (your answer) | `{written(cex.get('got'))}` |", ""]
    return lines


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!", ")")) else text + "."


def _markdown(text: str) -> str:
    """Plain text made safe for Markdown: its emphasis and code marks are escaped."""
    return "".join("\\" + c if c in "*_`<>#|" else c for c in text)


#: LaTeX text-mode escapes (as symgrad's phrases write them) -> the characters they stand for.
TEXT_MODE = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^",
             r"\textless{}": "<", r"\textgreater{}": ">", r"\textbar{}": "|", r"\dots{}": "…",
             r"\S{}": "§", r"\_": "_", r"\&": "&", r"\%": "%", r"\#": "#", r"\{": "{",
             r"\}": "}", "---": "—", "--": "–"}


def _from_latex_text(latex: str) -> str:
    """A diagnosis phrased for the answer sheet (text with $...$ mathematics) as Markdown:
    the mathematics kept, the text's escapes undone and Markdown's escaped."""
    pieces = latex.split("$")
    for k in range(0, len(pieces), 2):  # the text between the $...$
        text = pieces[k]
        for escape, char in TEXT_MODE.items():
            text = text.replace(escape, char)
        pieces[k] = _markdown(text)
    return "$".join(pieces)
