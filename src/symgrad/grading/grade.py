"""A class graded: every student's answer to every question of the key, decided.

Each answer is stated as the key's claim with the student's answer in place of the key's
(:func:`symgrad.language.build.variant`) and decided like any claim, in worker processes
with their time and memory limits (or on a Dask cluster, :mod:`symgrad.grading.cluster`).
Answers with the same normal form (:mod:`symgrad.grading.normal`) are decided once per
question; with a resume file, each decision is also kept on disk as it is made, so that a
stopped run goes on where it stopped.  Results are in input order whatever the workers.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SymgradError
from ..language.build import variant
from ..language.fields import given
from ..language.files import load
from ..language.model import Claim, Model
from ..limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT
from ..output.latex import claim_equation
from ..run import results as local_results
from ..verdicts.combine import DEFAULT_SEED
from ..verdicts.results import Result
from . import normal
from .submissions import Answer, Submission, find, read


class UnreadableKey(SymgradError):
    """The answer key cannot be read: nothing can be graded."""


@dataclass
class Question:
    name: str
    claim: Claim
    points: float


@dataclass
class Cell:
    """One student's answer to one question: how it was graded."""

    student: str
    question: str
    status: str  # "graded", "missing" (no answer), "error" (the answer cannot be read)
    points: float = 0.0
    answer: Answer | None = None
    result: Result | None = None
    reason: str = ""  # for a missing or unreadable answer: why
    equation: str = ""  # the student's claim in LaTeX (what the feedback shows)
    decision: str = ""  # the normal form whose decision this cell takes

    @property
    def verdict(self) -> str:
        return self.result.verdict if self.result is not None else self.status


@dataclass
class Grades:
    key: Model
    questions: list[Question]
    submissions: list[Submission]
    cells: list[list[Cell]] = field(default_factory=list)  # one row per submission
    key_results: dict[str, Result] = field(default_factory=dict)  # reference answers checked
    decisions: int = 0  # distinct answers decided in this run
    resumed: int = 0  # ... and taken from the resume file

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)

    def total(self, row: int) -> float:
        return sum(cell.points for cell in self.cells[row])


def questions_of(key: Model) -> list[Question]:
    if key.error:
        raise UnreadableKey(f"the answer key cannot be read: {key.error.describe()}")
    return [Question(c.name, c, float(c.fields.get("points", 1))) for c in key.claims]


def grade(key_path, submission_paths, *, seed: int = DEFAULT_SEED,
          timeout: float = DEFAULT_TIMEOUT, memory: float = DEFAULT_MEMORY,
          jobs: int | None = None, explain: bool = True, cache: bool = True,
          resume: str | None = None, dask: str | None = None,
          progress: Callable[[int, int], None] | None = None) -> Grades:
    """Grade every submission against the key (see the module's docstring); ``jobs``
    decisions at once (default: one per core)."""
    key = load(key_path)
    questions = questions_of(key)
    submissions = [read(path) for path in find(submission_paths)]
    grades = Grades(key, questions, submissions)
    options = {"seed": seed, "timeout": timeout, "explain": explain}
    pending: dict[tuple[str, str], tuple[Model, Claim]] = {}  # decision key -> what to decide
    spelled: dict[tuple, tuple[str, Model, Claim] | str] = {}  # exact answer -> its key
    for question in questions:  # a reference answer in the key is checked too
        if given(question.claim, question.claim.answer_field) and not question.claim.error:
            pending[(question.name, "the key's answer")] = (key, question.claim)
    for number, submission in enumerate(submissions):
        row = []
        for question in questions:
            cell, decision = _state(key, question, submission, spelled)
            if decision is not None:
                cell.decision = decision[0] if cache else f"{decision[0]} #{number}"
                pending.setdefault((question.name, cell.decision), decision[1:])
            row.append(cell)
        grades.cells.append(row)
    done = _decide(pending, options, memory, jobs, resume, dask, grades, progress)
    for question in questions:
        found = done.get((question.name, "the key's answer"))
        if found is not None:
            grades.key_results[question.name] = found
    for row in grades.cells:
        for cell, question in zip(row, questions, strict=True):
            if cell.status == "graded":
                cell.result = done[(question.name, cell.decision)]
                cell.points = question.points if cell.result.ok else 0.0
    return grades


def _state(key: Model, question: Question, submission: Submission, spelled: dict):
    """The cell of one answer, and what must be decided for it: (normal form, model, claim)
    or None."""
    cell = Cell(submission.student, question.name, "graded")
    if submission.error:
        cell.status, cell.reason = "error", f"the submission cannot be read: {submission.error}"
        return cell, None
    if question.claim.error:
        cell.status, cell.reason = "error", ("the key's claim is an error: "
                                             f"{question.claim.error.message}")
        return cell, None
    answer = submission.answers.get(question.name)
    if answer is None:
        answer = submission.answers.get(_label(submission, question.name))
    if answer is None:
        cell.status, cell.reason = "missing", "no answer"
        return cell, None
    if isinstance(answer, str):
        cell.status, cell.reason = "error", answer
        return cell, None
    cell.answer = answer
    exact = (question.name, answer, tuple(sorted(submission.latex.items())))
    if exact not in spelled:
        try:
            spelled[exact] = _stated(key, question, submission, answer)
        except Exception as exc:  # a bug in symgrad: this answer's cell, not the run
            spelled[exact] = (f"symgrad failed to read this answer (a bug; please report it "
                              f"with the answer): {type(exc).__name__}: {exc}")
    found = spelled[exact]
    if isinstance(found, str):
        cell.status, cell.reason = "error", found
        return cell, None
    name, model, claim, cell.equation = found
    return cell, (name, model, claim)


def _label(submission: Submission, question: str) -> str | None:
    """The submission's label for a question, written another way (Q1, q_1, "q 1")."""
    wanted = _folded(question)
    found = [label for label in submission.answers if _folded(label) == wanted]
    return found[0] if len(found) == 1 else None


def _folded(label: str) -> str:
    return "".join(c for c in label.lower() if c.isalnum())


def unknown_labels(grades: Grades, number: int) -> list[str]:
    """The labels of a submission's answers that are no question of the key."""
    names = {_folded(q.name) for q in grades.questions}
    return [label for label in grades.submissions[number].answers
            if _folded(label) not in names]


def _stated(key: Model, question: Question, submission: Submission, answer: Answer):
    """The key's claim with this answer: (normal form, model, claim, its LaTeX), or why it
    cannot be stated."""
    field_name = question.claim.answer_field
    model = key
    if submission.latex:
        model = copy.copy(key)
        model.raw = copy.copy(key.raw)
        model.raw.latex = {**key.raw.latex, **submission.latex}
    written = f"{field_name}_latex" if answer.latex else field_name
    model, claim = variant(model, question.claim, {written: answer.text}, drop=(field_name,))
    if model.error or claim.error:
        error = model.error or claim.error
        return error.message + (f" ({error.hint})" if error.hint else "")
    try:
        equation = claim_equation(model, claim)
    except (KeyError, AttributeError, TypeError):
        equation = ""
    return normal.key(claim), model, claim, equation


def _decide(pending, options, memory, jobs, resume, dask, grades, progress) -> dict:
    """Each pending decision's result: from the resume file, else decided (and appended)."""
    stamp = _stamp(grades.key, options)
    done = _resumed(resume, stamp) if resume else {}
    done = {k: v for k, v in done.items() if k in pending}
    grades.resumed = len(done)
    todo = [(k, v) for k, v in pending.items() if k not in done]
    grades.decisions = len(todo)
    with open(resume, "a", encoding="utf-8") if resume else nullcontext() as sink:
        for count, ((question, name), found) in enumerate(
                _results(todo, options, memory, jobs, dask), start=1):
            done[(question, name)] = found
            if sink is not None:
                sink.write(json.dumps({"question": question, "answer": name,
                                       "stamp": stamp,
                                       "result": found.to_json()}) + "\n")
                sink.flush()
            if progress is not None:
                progress(count, len(todo))
    return done


def _results(todo, options, memory, jobs, dask) -> Iterator[tuple[tuple[str, str], Result]]:
    if dask:
        from .cluster import decide_on

        yield from decide_on(dask, todo, options)
        return
    pairs = [pair for _, pair in todo]
    found = local_results(pairs, memory=memory, jobs=jobs or os.cpu_count(), **options)
    for (name, _), result in zip(todo, found, strict=True):
        yield name, result


def _stamp(key: Model, options: dict) -> str:
    """What a kept decision depends on besides the answer: the key file's text and the
    options (seed, time limit, explanations).  A resume file's decisions made under another
    stamp (the key was edited since) are not reused."""
    said = json.dumps([key.raw.text if key.raw else key.path, sorted(options.items())])
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def _resumed(path: str, stamp: str) -> dict:
    """The decisions a resume file holds (made under the same stamp); a line that cannot be
    read (the run stopped while writing it) is skipped."""
    found = {}
    if not Path(path).exists():
        return found
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            try:
                data = json.loads(line)
                if data.get("stamp") != stamp:
                    continue
                found[(data["question"], data["answer"])] = Result(**data["result"])
            except (ValueError, KeyError, TypeError):
                continue
    return found
